// Human's hand landmark model (handlandmark-lite) on onnxruntime-node: the TF.js graph converted
// in memory (tfjs-to-onnx.ts) once per batch size, since the converter folds every shape. The
// engine uses two: the crops beside the chin in one batch, then single re-crops.
import path from 'node:path';
import { humanModelDir } from '../face/models.js';
import { type BuiltSession, buildSession, floatTensor, runSession, SessionCache, weightFiles } from './session.js';
import { tfjsGraphFileToOnnx } from './tfjs-to-onnx.js';

export const HAND_SIZE = 224;

/** The ONNX bytes of handlandmark-lite for `batch` NCHW 224×224 crops (RGB 0–1). */
export function convertHandLandmark(batch: number, dir = humanModelDir): Uint8Array {
  return tfjsGraphFileToOnnx(path.join(dir, 'handlandmark-lite.json'), {
    inputShapes: { input_1: [batch, HAND_SIZE, HAND_SIZE, 3] },
    // Identity_1: hand presence (sigmoid); Identity: 21 keypoints × (x, y, z) in crop pixels.
    outputs: { score: 'Identity_1', keypoints: 'Identity' },
    ioLayout: 'nchw',
  });
}

const sessions = new SessionCache<BuiltSession>();

/** The cached session for a batch size (a few MB each; the engine uses two sizes). */
export function handSession(batch: number): Promise<BuiltSession> {
  return sessions.get(String(batch), () =>
    buildSession(`handlandmark-b${batch}`, weightFiles(path.join(humanModelDir, 'handlandmark-lite.json')), () =>
      convertHandLandmark(batch),
    ),
  );
}

/**
 * The model on `batch` crops given planar (NCHW) floats 0–1: per crop its score and 63 keypoint
 * values, in the same flat layout as the tfjs outputs.
 */
export async function handLandmarkOnnx(
  planes: Float32Array,
  batch: number,
): Promise<{ scores: Float32Array; points: Float32Array }> {
  const { session } = await handSession(batch);
  const input_1 = floatTensor(planes, [batch, 3, HAND_SIZE, HAND_SIZE]);
  const [scores, points] = await runSession(session, { input_1 }, ['score', 'keypoints']);
  return { scores: scores!, points: points! };
}
