/** Options several commands share, and the parsers that check their values. */
import { InvalidArgumentError } from 'commander';
import { LIBRARY_COLLECTION } from '../types.ts';

export interface Common {
  json?: boolean;
  guild?: string;
}

/** The options that limit a question or a listing to some articles (checked by parseArticleFilter). */
export interface FilterOptions {
  since?: string;
  until?: string;
  source?: string;
}

export const SINCE_OPTION = [
  '--since <date>',
  'only articles dated on or after this day (2022-01-10; 2022-01 or 2022 for the first day)',
] as const;
export const UNTIL_OPTION = [
  '--until <date>',
  'only articles dated on or before this day (2022-01-10; 2022-01 or 2022 for the last day)',
] as const;
export const SOURCE_OPTION = ['--source <text>', 'only articles whose source contains this (case ignored)'] as const;

export function collectionOf(options: Common): string {
  return options.guild ?? LIBRARY_COLLECTION;
}

export function wholeOrZero(max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0 || n > max)
      throw new InvalidArgumentError(`expected a whole number from 0 to ${max}`);
    return n;
  };
}

export function wholeNumber(max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1 || n > max)
      throw new InvalidArgumentError(`expected a whole number from 1 to ${max}`);
    return n;
  };
}
