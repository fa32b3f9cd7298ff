// Comparing face descriptions: no model code here, so the API process (exam entry, duplicate
// search) can import it without loading the face models; verify.ts describes faces.

/** Length of a face description (face/embedding.ts faceDescription: FaceRecognitionNet, 128 values). */
export const FACE_DESCRIPTION_LENGTH = 128;

/**
 * Cosine similarity of two embeddings (-1..1); 0 when either is empty or all zero, or when their
 * lengths differ (descriptions of different models, e.g. one stored before a model change, do not
 * compare: such a photo must be described again).
 */
export function cosineSimilarity(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) return 0;
  const n = a.length;
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
 * Same person when the describeFace similarity is above this. Chosen from `npm run eval`'s
 * verification section (the same figures as bench/verify-eval.ts `facerec`) over pairs/*.tsv, 923
 * pairs (479 genuine, 444 impostor), every photo described, faceDescription (face-api's
 * FaceRecognitionNet, 128 values): ROC area 0.9998; the FAR-1% threshold is 0.908 (TAR 99.4%), the
 * FAR-0.1% one 0.922 (TAR 96.9%), and the highest impostor scores 0.9218. Exam entry must not let an
 * impostor through, so the threshold sits just above every impostor there: 0.922 gives FAR 0/444,
 * TAR 96.9% (0.91 would give FAR 0.9%, TAR 99.4%). This description's similarities are all high
 * (different people mostly 0.75–0.9), so the threshold is not comparable with the earlier faceres
 * one (0.6). The set is small and mostly celebrities, some of whom the model may have seen in
 * training (dlib's FaceScrub/VGG data), so this is a first estimate: revisit with the university's
 * own exam-entry pairs.
 */
export const VERIFY_THRESHOLD = 0.922;
