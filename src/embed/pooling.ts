/**
 * Mean or first-token pooling and L2 normalization of a model's token vectors, in one pass over
 * contiguous memory. Transformers.js's mean_pooling walks the hidden states across tokens for
 * each dimension (strided reads) and converts the int64 attention mask with Number() for every
 * token and dimension; on a batch of 16 × 256 tokens × 384 dimensions that is 1.5 million BigInt
 * conversions. Here the mask is read once per token.
 */
export function poolAndNormalize(
  hidden: Float32Array,
  dims: readonly number[],
  mask: ArrayLike<bigint | number>,
  pooling: 'mean' | 'cls',
): { data: Float32Array; dim: number } {
  const [rows, length, dim] = dims as [number, number, number];
  const out = new Float32Array(rows * dim);
  for (let r = 0; r < rows; r++) {
    const target = out.subarray(r * dim, (r + 1) * dim);
    if (pooling === 'cls') {
      target.set(hidden.subarray(r * length * dim, r * length * dim + dim));
    } else {
      let count = 0;
      for (let t = 0; t < length; t++) {
        if (Number(mask[r * length + t]) === 0) continue;
        count++;
        const from = (r * length + t) * dim;
        for (let d = 0; d < dim; d++) target[d]! += hidden[from + d]!;
      }
      // A row with no attended token stays zero, as Transformers.js leaves it (0/0 aside).
      if (count > 0) for (let d = 0; d < dim; d++) target[d]! /= count;
    }
    let norm = 0;
    for (let d = 0; d < dim; d++) norm += target[d]! * target[d]!;
    norm = Math.sqrt(norm);
    if (norm > 0) for (let d = 0; d < dim; d++) target[d]! /= norm;
  }
  return { data: out, dim };
}
