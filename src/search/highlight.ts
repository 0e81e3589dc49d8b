/** Marks, in each returned passage, the sentence that best answers the question. */
import { splitSentences } from '../text/sentences.ts';
import { extractAnswer, hasAnswerShape } from './answer.ts';
import { dot } from '../embed/similarity.ts';
import { sentenceCoverage, type EmbedFn, type Hit, type SearchResult } from './search.ts';

export interface Highlighted {
  hit: Hit;
  highlight: string;
  answer: string | null;
}

/** A sentence holding what the question asks for (a number for "how many") gets this bonus. */
const SHAPE_BONUS = 0.15;

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
    let best = sentences[0] ?? hit.passage.text;
    let bestScore = -Infinity;
    for (const [j, sentence] of sentences.entries()) {
      const vector = i === 0 ? vectors?.[j] : undefined;
      const semantic = vector && result.questionVector ? dot(vector, result.questionVector) : 0;
      const score =
        semantic +
        sentenceCoverage(result.questionTokens, sentence, result.idf) +
        (hasAnswerShape(question, sentence) ? SHAPE_BONUS : 0);
      if (score > bestScore) {
        bestScore = score;
        best = sentence;
      }
    }
    return { hit, highlight: best, answer: extractAnswer(question, best) };
  });
}
