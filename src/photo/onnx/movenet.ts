// Human's MoveNet Lightning (single pose) on onnxruntime-node, for the shoulder and no-face checks.
// On tfjs-wasm it took ~33 ms of the ~93 ms of Human's detect on a 12 MP photo; here ~10 ms (the
// input 2–3 ms, the run ~8 ms).
//
// The converter cannot follow the model's own input stage (it unstacks and restacks the batch), so
// the graph starts just after it, at the float image (0–255), and ends at the four heads; the
// single-pose decoding that followed them in the graph is done below, step for step as the graph
// did it (argmax of the weighted centre, the keypoints regressed from it, each keypoint's heatmap
// weighted by its distance to them, offsets), with the graph's own constants. Input and output
// positions follow Human (body/movenet.ts): the padded square resized bilinearly (corners not
// aligned) to 192 and truncated to integers, keypoints above the body's minimum confidence, scores
// and pixels rounded as Human rounds them. Human's cross-photo "jitter" filter, which replaced a
// keypoint by the previous photo's when they were within 0.5%, is not reproduced: one student's
// photo never changes another's result.
import path from 'node:path';
import { humanModelDir } from '../face/models.js';
import type { BodyKeypoint, RawImage } from '../types.js';
import { resizePaddedSquare } from './resample.js';
import { type BuiltSession, buildSession, floatTensor, runSession, SessionCache, weightFiles } from './session.js';
import { decodeWeights, readTfjsGraph, tfjsGraphFileToOnnx } from './tfjs-to-onnx.js';

const FILE = 'movenet-lightning.json';
const SIZE = 192;
/** The heads' grid: 192 / 4. */
const GRID = 48;
/** Below this a keypoint is dropped (Human's body.minConfidence in face/human.ts). */
export const BODY_MIN_CONFIDENCE = 0.1;

/** Keypoint names in the model's output order (Human's body/movenetcoords.ts). */
const PARTS = [
  'nose',
  'leftEye',
  'rightEye',
  'leftEar',
  'rightEar',
  'leftShoulder',
  'rightShoulder',
  'leftElbow',
  'rightElbow',
  'leftWrist',
  'rightWrist',
  'leftHip',
  'rightHip',
  'leftKnee',
  'rightKnee',
  'leftAnkle',
  'rightAnkle',
] as const;

const INPUT = 'StatefulPartitionedCall/stack';
const HEADS = {
  heat: 'StatefulPartitionedCall/Sigmoid',
  centre: 'StatefulPartitionedCall/truediv_2',
  regress: 'StatefulPartitionedCall/kpt_regress_0/conv2d_6/BiasAdd',
  offset: 'StatefulPartitionedCall/kpt_offset_0/conv2d_7/BiasAdd',
} as const;

function convertMoveNet(): Uint8Array {
  return tfjsGraphFileToOnnx(path.join(humanModelDir, FILE), {
    inputShapes: { [INPUT]: [1, SIZE, SIZE, 3] },
    outputs: HEADS,
    ioLayout: 'nchw',
  });
}

interface MoveNet extends BuiltSession {
  /** Added to a keypoint's distance before its heatmap is divided by it (the graph's add_5/y). */
  distanceBias: number;
  /** Grid cells → 0–1 (the graph's Reshape_13, y and x). */
  cellScale: [number, number];
}

/** The two decoding constants, read from the model's weights (only those two are decoded). */
function decodeConstants(): Pick<MoveNet, 'distanceBias' | 'cellScale'> {
  const BIAS = 'StatefulPartitionedCall/add_5/y';
  const SCALE = 'StatefulPartitionedCall/Reshape_13';
  const { json, bytes } = readTfjsGraph(path.join(humanModelDir, FILE));
  const weights = decodeWeights(
    json.weightsManifest.flatMap((g) => g.weights),
    bytes,
    new Set([BIAS, SCALE]),
  );
  const bias = weights.get(BIAS)?.data;
  const scale = weights.get(SCALE)?.data;
  if (!bias || !scale) throw new Error(`${FILE}: the decoding constants are missing`);
  return { distanceBias: bias[0]!, cellScale: [scale[0]!, scale[1]!] };
}

const sessions = new SessionCache<MoveNet>();

export function moveNetSession(): Promise<MoveNet> {
  return sessions.get(FILE, async () => ({
    ...(await buildSession(`movenet-${SIZE}`, weightFiles(path.join(humanModelDir, FILE)), () => convertMoveNet())),
    ...decodeConstants(),
  }));
}

/**
 * The model's input from an RGB image, as Human builds it: the image padded on the right and
 * bottom to a square (grey 128, face/human.ts paddedSquare), resized to 192 by tfjs's bilinear
 * resize without aligned corners (resample.ts, in float32 as the WASM kernel computes: in float64
 * about 2% of the values land on the other side of an integer), truncated to integers; planar
 * (NCHW).
 */
export function moveNetInput(image: Pick<RawImage, 'data' | 'width' | 'height'>): Float32Array {
  const hwc = resizePaddedSquare(image, SIZE);
  const n = SIZE * SIZE;
  const out = new Float32Array(3 * n);
  for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) out[c * n + i] = Math.trunc(hwc[i * 3 + c]!);
  return out;
}

/** Index of the first largest value of `f(i)` for i < n (tf.argMax's tie rule). */
function argMax(n: number, f: (i: number) => number): number {
  let best = 0;
  let top = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = f(i);
    if (v > top) {
      top = v;
      best = i;
    }
  }
  return best;
}

/** The single-pose decoding of the heads (NCHW, batch 1), positions 0–1 as [x, y]. */
export function decodePose(
  heads: { heat: Float32Array; centre: Float32Array; regress: Float32Array; offset: Float32Array },
  constants: Pick<MoveNet, 'distanceBias' | 'cellScale'>,
): { part: (typeof PARTS)[number]; score: number; x: number; y: number }[] {
  const cells = GRID * GRID;
  const c = argMax(cells, (i) => heads.centre[i]!);
  const cy = Math.floor(c / GRID);
  const cx = c - cy * GRID;
  return PARTS.map((part, k) => {
    // Where the centre says keypoint k is (channels 2k, 2k+1: dy, dx).
    const ry = cy + heads.regress[2 * k * cells + c]!;
    const rx = cx + heads.regress[(2 * k + 1) * cells + c]!;
    const heat = heads.heat.subarray(k * cells, (k + 1) * cells);
    const at = argMax(cells, (i) => {
      const y = Math.floor(i / GRID);
      const x = i - y * GRID;
      return heat[i]! / (Math.sqrt((y - ry) ** 2 + (x - rx) ** 2) + constants.distanceBias);
    });
    const ky = Math.floor(at / GRID);
    const kx = at - ky * GRID;
    const y = (ky + heads.offset[2 * k * cells + at]!) * constants.cellScale[0];
    const x = (kx + heads.offset[(2 * k + 1) * cells + at]!) * constants.cellScale[1];
    return { part, score: heat[at]!, x, y };
  });
}

/** Body keypoints of an RGB image, in its pixels, as Human reported them. */
export async function bodyKeypointsOnnx(image: Pick<RawImage, 'data' | 'width' | 'height'>): Promise<BodyKeypoint[]> {
  const net = await moveNetSession();
  const side = Math.max(image.width, image.height);
  const [heat, centre, regress, offset] = await runSession(
    net.session,
    { [INPUT]: floatTensor(moveNetInput(image), [1, 3, SIZE, SIZE]) },
    ['heat', 'centre', 'regress', 'offset'],
  );
  const found = decodePose({ heat: heat!, centre: centre!, regress: regress!, offset: offset! }, net)
    .filter((k) => k.score > BODY_MIN_CONFIDENCE)
    .map((k) => ({
      part: k.part,
      score: Math.round(100 * k.score) / 100,
      x: Math.round(side * k.x),
      y: Math.round(side * k.y),
    }));
  // Human's one correction that changes what a lookup by part finds: a knee or ankle above the
  // joint it hangs from is dropped (its left/right "swaps" only reorder the list).
  const y = (part: string) => found.find((k) => k.part === part)?.y;
  return found.filter((k) => {
    const above = HANGS_FROM[k.part];
    const ya = above === undefined ? undefined : y(above);
    return ya === undefined || k.y >= ya;
  });
}

/** Human's body/movenetcoords.ts `vertical` pairs: the lower joint → the joint it hangs from. */
const HANGS_FROM: Partial<Record<string, string>> = {
  leftKnee: 'leftShoulder',
  rightKnee: 'rightShoulder',
  leftAnkle: 'leftKnee',
  rightAnkle: 'rightKnee',
};
