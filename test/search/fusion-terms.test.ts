/** The fusion terms are defined once (src/search/fusion.ts): flags and docs follow from that definition. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { Command } from 'commander';
import { FUSION_TERM_NAMES, fusionWeightsFor } from '../../src/search/fusion.ts';
import {
  addGridFlags,
  addWeightFlags,
  flagName,
  fusionTermsTable,
  gridOf,
  weightOverrides,
} from '../../src/eval/terms.ts';

describe('fusion terms', () => {
  test('GIVEN every term THEN npm run eval takes its flag and passes the value through as an override', () => {
    const args = FUSION_TERM_NAMES.flatMap((t, i) => [`--${flagName(t)}`, String(i / 100)]);
    const command = addWeightFlags(new Command()).exitOverride().allowExcessArguments();
    command.parse(['node', 'eval', ...args]);
    const overrides = weightOverrides(command.opts());
    assert.deepEqual(Object.keys(overrides).sort(), [...FUSION_TERM_NAMES].sort());
    assert.equal(overrides.answerShapeUntrusted, FUSION_TERM_NAMES.indexOf('answerShapeUntrusted') / 100);
  });
  test("GIVEN a value over a term's maximum THEN the flag is refused", () => {
    const command = addWeightFlags(new Command())
      .exitOverride()
      .configureOutput({ writeErr: () => {} });
    assert.throws(() => command.parse(['node', 'eval', '--trust-coverage', '2']), /from 0 to 1/);
  });
  test('GIVEN two lists of values THEN the tune grid holds every combination', () => {
    const command = addGridFlags(new Command()).exitOverride();
    command.parse(['node', 'tune', '--lexical', '0.5,1', '--held-place', '0,3']);
    assert.deepEqual(gridOf(command.opts()), [
      { lexical: 0.5, heldPlace: 0 },
      { lexical: 0.5, heldPlace: 3 },
      { lexical: 1, heldPlace: 0 },
      { lexical: 1, heldPlace: 3 },
    ]);
  });
  test('GIVEN docs/quality.md THEN its table of terms is the one generated from the definition', () => {
    const docs = readFileSync(new URL('../../docs/quality.md', import.meta.url), 'utf8');
    const table = fusionTermsTable(['use-lite', 'keyword', 'other models'], (m) =>
      fusionWeightsFor(m === 'other models' ? 'Xenova/all-MiniLM-L6-v2' : m),
    );
    assert.ok(docs.includes(table), `docs/quality.md should contain:\n${table}`);
  });
});
