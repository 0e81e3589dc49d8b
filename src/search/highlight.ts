/** Marks, in each returned passage, the sentence that best answers the question. */
import { splitSentences } from '../text/sentences.ts';
import { extractAnswer, hasAnswerShape } from './answer.ts';
import { dot, sentenceCoverage, type EmbedFn, type Hit, type SearchResult } from './search.ts';

export interface Highlighted {
  hit: Hit;
  highlight: string;
  answer: string | null;
}

/** A sentence holding what the question asks for (a number for "how many") gets this bonus. */
const SHAPE_BONUS = 0.15;

export async function highlightHits(question: string, result: SearchResult, embed: EmbedFn | null): Promise<Highlighted[]> {
  const sentencesPerHit = result.hits.map((hit) => splitSentences(hit.passage.text));
  const all = sentencesPerHit.flat();
  const vectors = embed && result.questionVector && all.length > 1 ? await embed(all) : null;
  let cursor = 0;
  return result.hits.map((hit, i) => {
    const sentences = sentencesPerHit[i]!;
    let best = sentences[0] ?? hit.passage.text;
    let bestScore = -Infinity;
    for (const sentence of sentences) {
      const vector = vectors?.[cursor++];
      const semantic = vector && result.questionVector ? dot(vector, result.questionVector) : 0;
      const score = semantic + sentenceCoverage(result.questionTokens, sentence, result.idf) + (hasAnswerShape(question, sentence) ? SHAPE_BONUS : 0);
      if (score > bestScore) {
        bestScore = score;
        best = sentence;
      }
    }
    return { hit, highlight: best, answer: extractAnswer(question, best) };
  });
}
