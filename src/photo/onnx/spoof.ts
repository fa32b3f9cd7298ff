// Human's anti-spoof and liveness classifiers on onnxruntime-node: the TF.js graphs Human ships,
// converted in memory (tfjs-to-onnx.ts). On tfjs-wasm the pair took ~23 ms of the ~93 ms of
// Human's detect on a 12 MP photo (bench/photo.bench.ts); here they take ~4 ms. Both read the
// face crop the mesh model reads (Human's face.tensor, or onnx/facemesh.ts's crop; 0–1), resized
// exactly as Human resizes it.
import path from 'node:path';
import { humanModelDir } from '../face/models.js';
import { resizeSquare } from './resample.js';
import { type BuiltSession, buildSession, floatTensor, runSession, SessionCache, weightFiles } from './session.js';
import { tfjsGraphFileToOnnx } from './tfjs-to-onnx.js';

interface Classifier {
  file: string;
  input: string;
  /** Side of the square input (NHWC, RGB 0–1). */
  size: number;
}

/** Human's own names and sizes (src/face/antispoof.ts, liveness.ts read them off the model). */
export const SPOOF_MODELS = {
  real: { file: 'antispoof.json', input: 'conv2d_input', size: 128 },
  live: { file: 'liveness.json', input: 'conv2d_1_input', size: 32 },
} as const satisfies Record<string, Classifier>;

export type SpoofModel = keyof typeof SPOOF_MODELS;

function convertSpoofModel(kind: SpoofModel): Uint8Array {
  const m = SPOOF_MODELS[kind];
  return tfjsGraphFileToOnnx(path.join(humanModelDir, m.file), {
    inputShapes: { [m.input]: [1, m.size, m.size, 3] },
    outputs: { score: 'Identity' },
  });
}

const sessions = new SessionCache<BuiltSession>();

export function spoofSession(kind: SpoofModel): Promise<BuiltSession> {
  const m = SPOOF_MODELS[kind];
  return sessions.get(kind, () =>
    buildSession(`${kind}-${m.size}`, weightFiles(path.join(humanModelDir, m.file)), () => convertSpoofModel(kind)),
  );
}

/**
 * The model's score for one face crop already resized to its input (NHWC floats 0–1): the first
 * output value, as Human reads it (liveness: the first of its softmax pair).
 */
export async function spoofScore(kind: SpoofModel, crop: Float32Array): Promise<number> {
  const m = SPOOF_MODELS[kind];
  const { session } = await spoofSession(kind);
  const [out] = await runSession(session, { [m.input]: floatTensor(crop, [1, m.size, m.size, 3]) }, ['score']);
  return out![0]!;
}

/**
 * Anti-spoof and liveness scores of a face from the mesh model's square face crop (NHWC, 0–1),
 * resized as Human resizes it (bilinear, corners not aligned) and rounded as Human rounds them.
 * Unlike Human, a score of 0 is kept: Human drops it as falsy, and the checks then read a sure
 * spoof as "not measured".
 */
export async function spoofScores(crop: Float32Array, side: number): Promise<Record<SpoofModel, number>> {
  const out = { real: 0, live: 0 };
  for (const kind of Object.keys(SPOOF_MODELS) as SpoofModel[]) {
    const pixels = resizeSquare(crop, side, SPOOF_MODELS[kind].size);
    out[kind] = Math.round(100 * (await spoofScore(kind, pixels))) / 100;
  }
  return out;
}
