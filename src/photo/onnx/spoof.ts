// Human's anti-spoof and liveness classifiers on onnxruntime-node: the TF.js graphs Human ships,
// converted in memory (tfjs-to-onnx.ts). On tfjs-wasm the pair took ~23 ms of the ~93 ms of
// Human's detect on a 12 MP photo (bench/photo.bench.ts); here they take ~4 ms. Both read the
// face crop Human's mesh model reads (face.tensor, 0–1), resized exactly as Human resizes it.
import path from 'node:path';
import { humanModelDir } from '../face/models.js';
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
