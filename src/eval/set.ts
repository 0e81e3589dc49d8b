/**
 * Evaluation sets: articles with gold questions (answer span + paragraph), optional
 * question styles, and questions no article answers.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { z } from 'zod';
import { UserError } from '../errors.ts';
import type { Article } from '../types.ts';

const SetFile = z.object({
  source: z.string().optional(),
  license: z.string().optional(),
  articles: z
    .array(z.object({ id: z.string().min(1), title: z.string(), paragraphs: z.array(z.string()).min(1) }))
    .min(1),
  questions: z.array(
    z.object({
      q: z.string().min(1),
      answer: z.string().min(1),
      article_id: z.string().min(1),
      paragraph_index: z.number().int().min(0),
      style: z.string().optional(),
      id: z.string().optional(),
    }),
  ),
  unanswerable: z.array(z.string().min(1)).default([]),
});

export interface EvalQuestion {
  q: string;
  answer: string;
  articleId: string;
  paragraphIndex: number;
  style: string | null;
}

export interface EvalSet {
  /** The file name without extension ("xquad-en"). */
  name: string;
  source: string | null;
  license: string | null;
  articles: Article[];
  questions: EvalQuestion[];
  unanswerable: string[];
}

/** Reads and validates a set file; every question must point at a real paragraph. */
export function loadEvalSet(path: string): EvalSet {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new UserError(
      'eval_set_invalid',
      `cannot read the evaluation set ${path}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  return parseEvalSet(raw, basename(path).replace(/\.json$/i, ''));
}

export function parseEvalSet(raw: unknown, name: string): EvalSet {
  const parsed = SetFile.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new UserError('eval_set_invalid', `${name} is not an evaluation set: ${problems.join('; ')}`);
  }
  const data = parsed.data;
  const paragraphs = new Map(data.articles.map((a) => [a.id, a.paragraphs.length]));
  for (const question of data.questions) {
    const count = paragraphs.get(question.article_id);
    if (count === undefined || question.paragraph_index >= count) {
      throw new UserError(
        'eval_set_invalid',
        `${name}: question "${question.q}" points at ${question.article_id} paragraph ${question.paragraph_index}, which the set does not have`,
      );
    }
  }
  return {
    name,
    source: data.source ?? null,
    license: data.license ?? null,
    articles: data.articles.map((a) => ({
      id: a.id,
      title: a.title,
      date: null,
      source: name,
      section: null,
      url: null,
      paragraphs: a.paragraphs,
    })),
    questions: data.questions.map((q) => ({
      q: q.q,
      answer: q.answer,
      articleId: q.article_id,
      paragraphIndex: q.paragraph_index,
      style: q.style ?? null,
    })),
    unanswerable: data.unanswerable,
  };
}
