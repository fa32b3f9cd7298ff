// 1:1 verification with the engine's faceres embedding: the exam-entry check imports these.

/** Cosine similarity of two embeddings (-1..1); 0 when either is empty or all zero. */
export function cosineSimilarity(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < n; i++) {
    const x = a[i]!;
    const y = b[i]!;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

/**
 * Same person when the similarity is above this. From `npm run eval` over pairs/*.tsv (923 pairs):
 * the highest impostor similarities are 0.593 (FAR 1%) and 0.632 (FAR 0.1%); exam entry must not
 * let an impostor through, so 0.6 (FAR < 1% there, TAR ≈ 81% of all genuine pairs, ≈ 88% where
 * both photos were analysable). Revisit with a stronger embedding model.
 */
export const VERIFY_THRESHOLD = 0.6;
