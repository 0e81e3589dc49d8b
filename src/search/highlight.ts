/** Marks, in each returned passage, the sentence that best answers the question. */
import { splitSentences } from '../text/sentences.ts';
import { extractAnswer, hasAnswerShape } from './answer.ts';
import { dot } from '../embed/similarity.ts';
import { sentenceCoverage } from './evidence.ts';
import { analyze } from './lexical.ts';
import type { EmbedFn, Hit, SearchResult } from './search.ts';
import { HIGHLIGHT_TUNING } from './tuning.ts';

export interface Highlighted {
  hit: Hit;
  highlight: string;
  answer: string | null;
}

export async function highlightHits(
  question: string,
  result: SearchResult,
  embed: EmbedFn | null,
): Promise<Highlighted[]> {
  const sentencesPerHit = result.hits.map((hit) => splitSentences(hit.passage.text));
  // Only the first passage's sentences are embedded: its highlight is the answer shown first,
  // and embedding every passage's sentences would multiply the question's latency.
  const first = sentencesPerHit[0] ?? [];
  const vectors = embed && result.questionVector && first.length > 1 ? await embed(first) : null;
  return result.hits.map((hit, i) => {
    const sentences = sentencesPerHit[i]!;
    const titleTerms = analyze(hit.article.title);
    let best = sentences[0] ?? hit.passage.text;
    let bestScore = -Infinity;
    for (const [j, sentence] of sentences.entries()) {
      const vector = i === 0 ? vectors?.[j] : undefined;
      const semantic = vector && result.questionVector ? dot(vector, result.questionVector) : 0;
      const score =
        semantic +
        sentenceCoverage(result.questionTokens, sentence, titleTerms, result.idf) +
        (hasAnswerShape(question, sentence) ? HIGHLIGHT_TUNING.shapeBonus : 0);
      if (score > bestScore) {
        bestScore = score;
        best = sentence;
      }
    }
    return { hit, highlight: best, answer: extractAnswer(question, best) };
  });
}
