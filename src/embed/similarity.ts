/** Vector similarity, shared by search, the benchmarks and the model tests. */

/** Dot product; equals the cosine for the normalized vectors the pipeline returns. */
export function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
}

/** Cosine similarity of vectors of any length (e.g. TF.js outputs, which aren't normalized). */
export function cosine(a: Float32Array, b: Float32Array): number {
  return dot(a, b) / Math.sqrt(dot(a, a) * dot(b, b));
}
