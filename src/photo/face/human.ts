// Face and body analysis. By default (settings.ts MODEL_RUNTIME onnx) all of it runs on
// onnxruntime-node: Human's face pipeline ported in onnx/facemesh.ts, MoveNet in onnx/movenet.ts,
// and Human and tfjs-wasm are not loaded. With MODEL_RUNTIME tfjs, or `analyze(image, 'tfjs')` (the
// parity reference), @vladmandic/human runs on the tfjs WASM backend: detection, 478-point mesh with
// iris, head pose; anti-spoof, liveness (on Human's face crop) and MoveNet then run on
// onnxruntime-node unless MODEL_RUNTIME is tfjs, where Human runs them too. One Human per process (a
// second instance does not load different models), so this module holds it.
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { analyzeOnnx, FACE_DETECTOR } from '../onnx/facemesh.js';
import { BODY_MIN_CONFIDENCE, bodyKeypointsOnnx, moveNetSession } from '../onnx/movenet.js';
import { SPOOF_MODELS, type SpoofModel, spoofScores, spoofSession } from '../onnx/spoof.js';
import { MODEL_RUNTIME, type ModelRuntime } from '../settings.js';
import { MAKING } from '../thresholds.js';
import type { AnalysisResult, BodyKeypoint, FaceAnalysis, RawImage } from '../types.js';
import { ensureBackend, humanModelDir, registerFileRouter, tf, wasmDir } from './models.js';

const require = createRequire(import.meta.url);
type HumanModule = typeof import('@vladmandic/human');
type HumanInstance = InstanceType<HumanModule['Human']>;

const RAD = 180 / Math.PI;

/** Anti-spoof, liveness and MoveNet on onnxruntime-node instead of inside Human. */
const onOrt = MODEL_RUNTIME === 'onnx';

function humanConfig(): Partial<import('@vladmandic/human').Config> {
  return {
    backend: 'wasm',
    wasmPath: wasmDir,
    modelBasePath: `${pathToFileURL(humanModelDir).href}/`,
    debug: false,
    async: false,
    warmup: 'none',
    // Without these Human reuses the previous photo's result when two inputs look alike.
    cacheSensitivity: 0,
    skipAllowed: false,
    filter: { enabled: false },
    face: {
      enabled: true,
      // `return`: the face crop the mesh model read, which the anti-spoof pair reads on ORT.
      // The same settings as onnx/facemesh.ts's port.
      detector: { rotation: true, ...FACE_DETECTOR, return: onOrt },
      mesh: { enabled: true },
      iris: { enabled: true },
      // Off: Human runs faceres on its own unaligned crop; the engine's one description is
      // face/embedding.ts faceDescription on an aligned crop (TAR 99.4% at 1% FAR vs 84% here).
      description: { enabled: false },
      // Off: the expression is read by face/expression.ts (face-api's net), which the shared set's
      // neutral portraits do not fool the way Human's emotion model did (surprise 0.75).
      emotion: { enabled: false },
      antispoof: { enabled: !onOrt },
      liveness: { enabled: !onOrt },
    },
    body: {
      enabled: !onOrt,
      modelPath: 'movenet-lightning.json',
      maxDetected: 1,
      minConfidence: BODY_MIN_CONFIDENCE,
    },
    hand: { enabled: false },
    object: { enabled: false },
    gesture: { enabled: false },
    segmentation: { enabled: false },
  } as Partial<import('@vladmandic/human').Config>;
}

let human: Promise<HumanInstance> | undefined;

export function loadHuman(): Promise<HumanInstance> {
  human ??= (async () => {
    registerFileRouter();
    await ensureBackend();
    const { Human } = require(
      path.join(path.dirname(require.resolve('@vladmandic/human')), 'human.node-wasm.js'),
    ) as HumanModule;
    const h = new Human(humanConfig());
    await h.load();
    if (onOrt)
      await Promise.all([moveNetSession(), ...(Object.keys(SPOOF_MODELS) as SpoofModel[]).map((k) => spoofSession(k))]);
    return h;
  })();
  return human;
}

type Spoof = Partial<Record<SpoofModel, number>>;

function toFace(f: import('@vladmandic/human').FaceResult, spoof: Spoof): FaceAnalysis {
  const angle = f.rotation?.angle ?? { yaw: 0, pitch: 0, roll: 0 };
  return {
    box: [f.box[0], f.box[1], f.box[2], f.box[3]],
    score: f.score,
    mesh: f.mesh.map(([x, y, z]) => ({ x, y, z: z ?? 0 })),
    pose: { yaw: angle.yaw * RAD, pitch: angle.pitch * RAD, roll: angle.roll * RAD },
    gaze: { bearing: f.rotation?.gaze.bearing ?? 0, strength: f.rotation?.gaze.strength ?? 0 },
    embedding: f.embedding ? Array.from(f.embedding) : [],
    real: spoof.real ?? f.real,
    live: spoof.live ?? f.live,
  };
}

/** Anti-spoof and liveness on ORT from the face crop Human returned (`detector.return`). */
async function humanSpoofScores(f: HumanFace): Promise<Spoof> {
  const crop = f.tensor;
  if (!onOrt || !crop) return {};
  return spoofScores(crop.dataSync() as Float32Array, crop.shape[0]!);
}

type HumanFace = import('@vladmandic/human').FaceResult;

/** Human returns a face without landmarks when the mesh model did not run or gave up on it. */
const hasMesh = (f: HumanFace) => f.mesh.length >= 468;

interface Look {
  minConfidence: number;
  maxDetected: number;
  /** Mesh, iris and anti-spoof models per face; without them Human scores faces by the detector. */
  mesh: boolean;
}

/** One more detection with other face settings (the body model off: the first look has it). */
async function lookAgain(h: HumanInstance, input: import('@tensorflow/tfjs-core').Tensor4D, look: Look) {
  const { face, body } = h.config;
  const detector = face.detector!;
  const perFace = [face.mesh!, face.iris!, ...(onOrt ? [] : [face.antispoof!, face.liveness!])];
  const saved = {
    min: detector.minConfidence,
    max: detector.maxDetected,
    perFace: perFace.map((m) => m.enabled),
    body: body.enabled,
  };
  detector.minConfidence = look.minConfidence;
  detector.maxDetected = look.maxDetected;
  for (const m of perFace) m.enabled = look.mesh;
  body.enabled = false;
  try {
    return (await h.detect(input as never)).face;
  } finally {
    detector.minConfidence = saved.min;
    detector.maxDetected = saved.max;
    for (const [i, m] of perFace.entries()) m.enabled = saved.perFace[i]!;
    body.enabled = saved.body;
  }
}

/**
 * The detector's input: the RGB image padded to a square on the right and bottom. The detector
 * squeezes its input into a square: a wide group photo squashes side faces out of recognition (a
 * 2:1 photo with three people came back with one). Padding keeps faces undistorted and every
 * coordinate unchanged. The caller disposes of the tensor.
 */
export function paddedSquare(
  image: Pick<RawImage, 'data' | 'width' | 'height'>,
): import('@tensorflow/tfjs-core').Tensor4D {
  const side = Math.max(image.width, image.height);
  // Built here in float32, the dtype Human works in: an int32 tensor padded and reshaped by tfjs
  // took four 1280² copies on the WASM heap at once (int32, padded, reshaped, cast), and that heap
  // never shrinks.
  const out = new Float32Array(side * side * 3).fill(128);
  const { data, width, height } = image;
  for (let y = 0; y < height; y++) {
    const from = y * width * 3;
    const to = y * side * 3;
    for (let i = 0; i < width * 3; i++) out[to + i] = data[from + i]!;
  }
  return tf.tensor4d(out, [1, side, side, 3], 'float32');
}

/**
 * Analyse an RGB image. Faces come back largest first. `runtime` says where the face pipeline
 * runs: its port on onnxruntime-node ('onnx', with the classifiers and MoveNet), or Human on
 * tfjs-wasm ('tfjs', the reference of test/photo/onnx-facemesh.test.ts), where the classifiers and
 * MoveNet run where MODEL_RUNTIME says.
 */
export async function analyze(image: RawImage, runtime: ModelRuntime = MODEL_RUNTIME): Promise<AnalysisResult> {
  if (image.channels !== 3) throw new Error('analyze expects RGB');
  return runtime === 'onnx' ? analyzeOnnx(image) : analyzeHuman(image);
}

async function analyzeHuman(image: RawImage): Promise<AnalysisResult> {
  const h = await loadHuman();
  const input = paddedSquare(image);
  let result: Awaited<ReturnType<HumanInstance['detect']>>;
  let found: HumanFace[];
  let confident: HumanFace[];
  let uncertainFaces: number;
  try {
    result = await h.detect(input as never);
    found = result.face;
    const meshed = found.filter(hasMesh);
    confident = meshed.filter((f) => f.score >= MAKING.faceScore);
    uncertainFaces = meshed.length - confident.length;
    // No sure face: keep the ones the detector is sure of though the mesh model doubts them
    // (MAKING.faceScore), so a covered face is told to uncover rather than "no face found".
    if (confident.length === 0) {
      // The detector alone first: at the low mesh score every junk box would get the mesh model (a
      // photo without a face took 1.1 s instead of 0.2 s), so only the boxes it is sure of do.
      const sure = await lookAgain(h, input, { minConfidence: MAKING.faceScore, maxDetected: 10, mesh: false });
      for (const f of sure) f.tensor?.dispose();
      const again =
        sure.length > 0
          ? await lookAgain(h, input, { minConfidence: MAKING.rescuedFaceScore, maxDetected: sure.length, mesh: true })
          : [];
      const rescued = again.filter((f) => hasMesh(f) && (f.boxScore ?? 0) >= MAKING.faceScore);
      found = [...found, ...again];
      if (rescued.length > 0) {
        confident = rescued;
        uncertainFaces = 0;
      }
    }
  } finally {
    input.dispose();
  }
  let faces: FaceAnalysis[];
  try {
    confident.sort((a, b) => b.box[2] * b.box[3] - a.box[2] * a.box[3]);
    faces = [];
    for (const f of confident) faces.push(toFace(f, await humanSpoofScores(f)));
  } finally {
    for (const f of found) f.tensor?.dispose();
  }
  const body: BodyKeypoint[] = onOrt
    ? await bodyKeypointsOnnx(image)
    : (result.body[0]?.keypoints ?? []).map((k) => ({
        part: k.part,
        score: k.score,
        x: k.position[0],
        y: k.position[1],
      }));
  return { faces, uncertainFaces, body };
}
