/** The shared/ folder beside the checkout (eval sets, the BERT tokenizer), or CITEBOT_SHARED_DIR. */
import { resolve } from 'node:path';
import { PROJECT_ROOT } from '../src/config.ts';

export const SHARED_DIR = process.env.CITEBOT_SHARED_DIR ?? resolve(PROJECT_ROOT, '../shared');
