// MediaPipe's selfie segmentation (models/selfie.json), the matting scout, on onnxruntime-node: the
// TF.js graph converted in memory (tfjs-to-onnx.ts) with the scout's two resizes added to it, so
// that ORT runs them too: the crop resized to 256 and divided by 255 before the model, the mask
// resized back to the crop after it, both bilinear without aligned corners as the tfjs pass
// (matting.ts selfieTfjs) does. Done in JS the two resizes took 17–20 ms, three to four times the
// model.
import path from 'node:path';
import { extraModelDir } from '../face/models.js';
import type { RawImage } from '../types.js';
import { type BuiltSession, buildSession, floatTensor, runSession, SessionCache, weightFiles } from './session.js';
import { readTfjsGraph, type TfNode, tfjsGraphToOnnx } from './tfjs-to-onnx.js';

/** The model's square input side. */
export const SELFIE_SIZE = 256;
const FILE = 'selfie.json';
/** The model's own input and output. */
const MODEL_INPUT = 'input_1';
const MODEL_OUTPUT = 'activation_10';

const resize = (name: string, input: string, size: string): TfNode => ({
  name,
  op: 'ResizeBilinear',
  input: [input, size],
  attr: { align_corners: { b: false }, half_pixel_centers: { b: false } },
});
const placeholder = (name: string, type: 'DT_INT32' | 'DT_FLOAT'): TfNode => ({
  name,
  op: 'Placeholder',
  attr: { dtype: { type } },
});

/** The graph for crops of width×height: RGB 0–255 (NHWC) in, the person mask 0–1 (NHWC) out. */
function convertSelfie(width: number, height: number): Uint8Array {
  const { json, bytes } = readTfjsGraph(path.join(extraModelDir, FILE));
  const nodes = (json.modelTopology as { node: TfNode[] }).node.filter((n) => n.name !== MODEL_INPUT);
  nodes.push(
    placeholder('crop', 'DT_FLOAT'),
    placeholder('model_size', 'DT_INT32'),
    placeholder('crop_size', 'DT_INT32'),
    placeholder('levels', 'DT_FLOAT'),
    resize('crop_small', 'crop', 'model_size'),
    { name: MODEL_INPUT, op: 'RealDiv', input: ['crop_small', 'levels'] },
    resize('mask', MODEL_OUTPUT, 'crop_size'),
  );
  return tfjsGraphToOnnx({ ...json, modelTopology: { ...(json.modelTopology as object), node: nodes } }, bytes, {
    inputShapes: { crop: [1, height, width, 3] },
    constantInputs: {
      model_size: { shape: [2], data: [SELFIE_SIZE, SELFIE_SIZE] },
      crop_size: { shape: [2], data: [height, width] },
      levels: 255,
    },
    outputs: { mask: 'mask' },
  });
}

const sessions = new SessionCache<BuiltSession>();

/** The session for crops of width×height (the spec's output size; another size builds its own). */
export function selfieSession(width: number, height: number): Promise<BuiltSession> {
  const name = `selfie-${SELFIE_SIZE}-${width}x${height}`;
  return sessions.get(name, () =>
    buildSession(name, weightFiles(path.join(extraModelDir, FILE)), () => convertSelfie(width, height)),
  );
}

/** The person mask (0–1) of an RGB image at the image's own size, one value per pixel. */
export async function selfieMaskOnnx(image: RawImage): Promise<Float32Array> {
  const { width, height } = image;
  const { session } = await selfieSession(width, height);
  const crop = floatTensor(Float32Array.from(image.data), [1, height, width, 3]);
  const [mask] = await runSession(session, { crop }, ['mask']);
  return mask!;
}
