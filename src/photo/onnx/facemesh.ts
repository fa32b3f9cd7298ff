// Human's face pipeline on onnxruntime-node: BlazeFace, the 468-point FaceMesh and the Iris model
// (Human's own TF.js graphs, converted in memory by tfjs-to-onnx.ts), with Human's steps between
// them in plain JS (facemesh-geometry.ts; the resamplings in resample.ts). On tfjs-wasm Human
// took most of a 12 MP photo's detect stage and kept a ~93 MB WASM heap that never shrinks. With
// the port, npm run bench's detect stage (this pipeline, MoveNet, the anti-spoof pair) fell from
// 129 to 70 ms on a busy 2-core machine (analyze() 74 → 49 ms, bench/facemesh-parity.ts, quiet);
// a one-worker process's RSS once ready fell from ~572 to ~460 MB and its peak from ~616 to
// ~520 MB over 100 photos (bench/photo.bench.ts --child, two runs each).
//
// Per photo, as Human with face/human.ts's settings (rotation on, up to 10 faces, IoU 0.1): the
// detector on the padded square resized to 256 (run once, its boxes read at each look's
// thresholds); per box its crop — rotated about the box's centre when the mouth–nose line leans
// more than 0.2 rad — bilinear to 192 (0–1), the mesh model's score and 468 points, the iris model
// on both eyes (mirrored 64-px crops of that crop), the points back in image pixels, the face box
// recentred on the mesh, and the head's angles and gaze.
import path from 'node:path';
import { humanModelDir } from '../face/models.js';
import { MAKING } from '../thresholds.js';
import type { AnalysisResult, FaceAnalysis, RawImage } from '../types.js';
import {
  ANCHORS,
  type Box,
  boxCentre,
  clampBox,
  DETECTOR_SIZE,
  DETECTOR_STRIDE,
  type DetectBox,
  type DetectorSettings,
  detectionsFrom,
  detectorAnchors,
  eyeBox,
  type FaceAngles,
  faceAngles,
  faceRollAngle,
  IRIS_SIZE,
  isLargeAngle,
  meshBox,
  meshToImage,
  type Vec3,
  withIris,
} from './facemesh-geometry.js';
import { bodyKeypointsOnnx, moveNetSession } from './movenet.js';
import { cropAndResize, floatReader, paddedReader, resizePaddedSquare, rotatedReader } from './resample.js';
import { type BuiltSession, buildSession, floatTensor, runSession, SessionCache, weightFiles } from './session.js';
import { SPOOF_MODELS, type SpoofModel, spoofScores, spoofSession } from './spoof.js';
import { tfjsGraphFileToOnnx } from './tfjs-to-onnx.js';

/** Side of the mesh model's input: the face crop, which the anti-spoof pair reads too. */
const MESH_SIZE = 192;

const HEADS = ['Identity', 'Identity_1', 'Identity_2', 'Identity_3'];

const MODELS = {
  detector: {
    file: 'blazeface.json',
    // NCHW: the input is laid out here anyway. The four heads (scores and boxes at strides 16
    // and 32) are concatenated below as Human concatenates them.
    convert: (file: string) =>
      tfjsGraphFileToOnnx(file, {
        inputShapes: { input: [1, DETECTOR_SIZE, DETECTOR_SIZE, 3] },
        outputs: Object.fromEntries(HEADS.map((h) => [h, h])),
        ioLayout: 'nchw',
      }),
  },
  mesh: {
    file: 'facemesh.json',
    convert: (file: string) =>
      tfjsGraphFileToOnnx(file, {
        inputShapes: { input_1: [1, MESH_SIZE, MESH_SIZE, 3] },
        outputs: { score: 'Identity_1', mesh: 'Identity_2' },
      }),
  },
  iris: {
    file: 'iris.json',
    // Both eyes in one batch, as Human runs them.
    convert: (file: string) =>
      tfjsGraphFileToOnnx(file, {
        inputShapes: { input_1: [2, IRIS_SIZE, IRIS_SIZE, 3] },
        outputs: { points: 'Identity' },
      }),
  },
} as const;

type Model = keyof typeof MODELS;

const sessions = new SessionCache<BuiltSession>();

function faceModelSession(model: Model): Promise<BuiltSession> {
  const m = MODELS[model];
  const file = path.join(humanModelDir, m.file);
  return sessions.get(model, () => buildSession(`human-${model}`, weightFiles(file), () => m.convert(file)));
}

/**
 * Every session analyzeOnnx runs (the three face models, anti-spoof, liveness, MoveNet), built
 * or read from the conversion cache once per process: a worker calls it at start.
 */
export async function loadFaceModels(): Promise<void> {
  await Promise.all([
    ...(Object.keys(MODELS) as Model[]).map((m) => faceModelSession(m)),
    ...(Object.keys(SPOOF_MODELS) as SpoofModel[]).map((k) => spoofSession(k)),
    moveNetSession(),
  ]);
}

const anchors = detectorAnchors();

/**
 * The detector's output for an image, 896 × 17 (score logit, box, six landmarks per anchor),
 * anchors at stride 16 first: Human sorts the four heads by size and concatenates them so.
 */
export async function detectorOutput(image: RawImage): Promise<Float32Array> {
  const n = DETECTOR_SIZE * DETECTOR_SIZE;
  const hwc = resizePaddedSquare(image, DETECTOR_SIZE);
  // Human's normalisation: x / 127.5 − 1, in float32.
  const planes = new Float32Array(3 * n);
  for (let i = 0; i < n; i++)
    for (let c = 0; c < 3; c++) planes[c * n + i] = Math.fround(Math.fround(hwc[i * 3 + c]! / 127.5) - 1);
  const { session } = await faceModelSession('detector');
  const heads = await runSession(session, { input: floatTensor(planes, [1, 3, DETECTOR_SIZE, DETECTOR_SIZE]) }, HEADS);
  // As Human: by size, the scores at stride 32 (384 anchors) and 16 (512), then the boxes likewise.
  const [s32, s16, b32, b16] = heads.sort((a, b) => a.length - b.length);
  const out = new Float32Array(ANCHORS * DETECTOR_STRIDE);
  let row = 0;
  for (const [score, box] of [
    [s16!, b16!],
    [s32!, b32!],
  ] as const) {
    for (let i = 0; i < score.length; i++, row++) {
      out[row * DETECTOR_STRIDE] = score[i]!;
      out.set(box.subarray(i * 16, i * 16 + 16), row * DETECTOR_STRIDE + 1);
    }
  }
  if (row !== ANCHORS) throw new Error(`blazeface: ${row} anchors, expected ${ANCHORS}`);
  return out;
}

export interface MeshFace {
  /** [x, y, width, height] on the padded square, integers (Human's clampBox of the mesh box). */
  box: [number, number, number, number];
  /** The detector's score, rounded to 0.01 as Human rounds it. */
  boxScore: number;
  /** The mesh model's score, rounded to 0.01. */
  score: number;
  /** 478 points in image pixels (integers): the mesh then the left and right iris. */
  mesh: Vec3[];
  angles: FaceAngles;
  /** The mesh model's input: the (rotated) 192-px face crop, NHWC RGB 0–1. */
  crop: Float32Array;
}

const round2 = (v: number) => Math.round(100 * v) / 100;

/** The face crop of a detection: correctFaceRotation's rotated crop, bilinear to 192, 0–1. */
function faceCrop(image: RawImage, side: number, box: DetectBox, angle: number): Float32Array {
  const padded = paddedReader(image);
  const c = boxCentre(box);
  // Human rotates the square about the box centre given as fractions of the square, then
  // crops the same box: one pass here, each crop pixel reading the rotated square's pixels.
  const read = isLargeAngle(angle)
    ? rotatedReader(padded, side, angle, [side * (c[0] / side), side * (c[1] / side)])
    : padded;
  const cut = [
    box.startPoint[1] / side,
    box.startPoint[0] / side,
    box.endPoint[1] / side,
    box.endPoint[0] / side,
  ] as const;
  return cropAndResize(read, side, cut, MESH_SIZE, 255);
}

/** getEyeBox's crop of one eye from the face crop, mirrored left–right as Human mirrors both. */
function eyeCrop(face: Float32Array, box: Box, out: Float32Array, offset: number): void {
  const s = MESH_SIZE;
  const cut = [box.startPoint[1] / s, box.startPoint[0] / s, box.endPoint[1] / s, box.endPoint[0] / s] as const;
  const crop = cropAndResize(floatReader(face, s), s, cut, IRIS_SIZE);
  for (let y = 0; y < IRIS_SIZE; y++)
    for (let x = 0; x < IRIS_SIZE; x++) {
      const from = (y * IRIS_SIZE + (IRIS_SIZE - 1 - x)) * 3;
      out.set(crop.subarray(from, from + 3), offset + (y * IRIS_SIZE + x) * 3);
    }
}

/** The mesh of one detection, or null when the mesh model's rounded score is below `minConfidence`. */
async function meshFace(
  image: RawImage,
  side: number,
  box: DetectBox,
  minConfidence: number,
): Promise<MeshFace | null> {
  const angle = faceRollAngle(box);
  const crop = faceCrop(image, side, box, angle);
  const { session } = await faceModelSession('mesh');
  const [scoreOut, points] = await runSession(session, { input_1: floatTensor(crop, [1, MESH_SIZE, MESH_SIZE, 3]) }, [
    'score',
    'mesh',
  ]);
  const score = round2(scoreOut![0]!);
  if (score < minConfidence) return null;
  const raw: Vec3[] = [];
  for (let i = 0; i < 468; i++) raw.push([points![i * 3]!, points![i * 3 + 1]!, points![i * 3 + 2]!]);
  const leftBox = eyeBox(raw, 'left');
  const rightBox = eyeBox(raw, 'right');
  const eyes = new Float32Array(2 * IRIS_SIZE * IRIS_SIZE * 3);
  eyeCrop(crop, leftBox, eyes, 0);
  eyeCrop(crop, rightBox, eyes, IRIS_SIZE * IRIS_SIZE * 3);
  const iris = await faceModelSession('iris');
  const [eyePoints] = await runSession(iris.session, { input_1: floatTensor(eyes, [2, IRIS_SIZE, IRIS_SIZE, 3]) }, [
    'points',
  ]);
  const half = eyePoints!.length / 2;
  const full = withIris(raw, eyePoints!.subarray(0, half), leftBox, eyePoints!.subarray(half), rightBox);
  const mesh = meshToImage(full, box, angle, MESH_SIZE);
  const faceBox = meshBox(mesh, box);
  return {
    box: clampBox(faceBox, side),
    boxScore: round2(box.confidence),
    score,
    mesh,
    angles: faceAngles(mesh, faceBox, side, MESH_SIZE),
    crop,
  };
}

/** Human's face settings in face/human.ts: up to 10 faces, IoU 0.1, detector score above 0.3. */
export const FACE_DETECTOR: DetectorSettings = { maxDetected: 10, iouThreshold: 0.1, minConfidence: 0.3 };

/** One look at the detector's output, as a Human detect() with these detector settings would. */
export interface FaceLook {
  /** The detector's output for the image (detectorOutput). */
  raw: Float32Array;
  image: RawImage;
  settings: DetectorSettings;
}

/**
 * The detector's boxes with their rounded scores, as Human reports faces with the mesh model off:
 * only those whose rounded score is still above the threshold.
 */
export function detectedBoxes(look: FaceLook): DetectBox[] {
  const side = Math.max(look.image.width, look.image.height);
  return detectionsFrom(look.raw, anchors, side, look.settings).filter(
    (b) => round2(b.confidence) > look.settings.minConfidence,
  );
}

/**
 * The faces with a mesh, as Human's detect() returns them with mesh and iris on: those whose
 * mesh score is above the detector's threshold, in the detector's order.
 */
export async function meshFaces(look: FaceLook): Promise<MeshFace[]> {
  const side = Math.max(look.image.width, look.image.height);
  const faces: MeshFace[] = [];
  for (const box of detectionsFrom(look.raw, anchors, side, look.settings)) {
    const face = await meshFace(look.image, side, box, look.settings.minConfidence);
    if (face && face.score > look.settings.minConfidence) faces.push(face);
  }
  return faces;
}

const RAD = 180 / Math.PI;

async function toFace(f: MeshFace): Promise<FaceAnalysis> {
  const { angle, gaze } = f.angles;
  return {
    box: f.box,
    score: f.score,
    mesh: f.mesh.map(([x, y, z]) => ({ x, y, z })),
    pose: { yaw: angle.yaw * RAD, pitch: angle.pitch * RAD, roll: angle.roll * RAD },
    gaze,
    embedding: [],
    ...(await spoofScores(f.crop, MESH_SIZE)),
  };
}

/**
 * face/human.ts analyze() on onnxruntime-node, with the same selection: faces whose mesh score
 * reaches MAKING.faceScore; with none, the boxes the detector alone is sure of (MAKING.faceScore)
 * get the mesh model at MAKING.rescuedFaceScore, and those are kept (a covered face is told to
 * uncover rather than "no face found"). The detector runs once: each look only reads its output
 * at other thresholds, which is what Human's second and third detect() computed.
 */
export async function analyzeOnnx(image: RawImage): Promise<AnalysisResult> {
  const raw = await detectorOutput(image);
  const look = (minConfidence: number, maxDetected: number): FaceLook => ({
    raw,
    image,
    settings: { ...FACE_DETECTOR, minConfidence, maxDetected },
  });
  const found = await meshFaces(look(FACE_DETECTOR.minConfidence, FACE_DETECTOR.maxDetected));
  let confident = found.filter((f) => f.score >= MAKING.faceScore);
  let uncertainFaces = found.length - confident.length;
  if (confident.length === 0) {
    // Only the boxes the detector is sure of get the mesh model at the low score: every junk box
    // would get it otherwise.
    const sure = detectedBoxes(look(MAKING.faceScore, FACE_DETECTOR.maxDetected)).length;
    const again = sure > 0 ? await meshFaces(look(MAKING.rescuedFaceScore, sure)) : [];
    const rescued = again.filter((f) => f.boxScore >= MAKING.faceScore);
    if (rescued.length > 0) {
      confident = rescued;
      uncertainFaces = 0;
    }
  }
  confident.sort((a, b) => b.box[2] * b.box[3] - a.box[2] * a.box[3]);
  const faces: FaceAnalysis[] = [];
  for (const f of confident) faces.push(await toFace(f));
  return { faces, uncertainFaces, body: await bodyKeypointsOnnx(image) };
}
