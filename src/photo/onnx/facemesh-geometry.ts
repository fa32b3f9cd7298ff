// The plain-JS half of Human's face pipeline (@vladmandic/human 3.3.6, src/face/blazeface.ts,
// facemesh.ts, facemeshutil.ts, iris.ts, angles.ts), ported for onnx/facemesh.ts: the detector's
// anchors, box decoding and non-max suppression, the boxes' enlarging and squaring, the rotation
// from the detector's landmarks, the iris boxes and their merge into the mesh, the mesh back to
// image pixels, and the head's angles and gaze. Same arithmetic in the same order, so both runtimes
// round the same pixels the same way (Human truncates every mesh coordinate to an integer).
export type Vec2 = [number, number];
/** A mesh point in the mesh model's 192-px crop or in image pixels: x, y, z. */
export type Vec3 = [number, number, number];

export interface Box {
  startPoint: Vec2;
  endPoint: Vec2;
}

/** A detection: Human's DetectBox after scaleBoxCoordinates, enlargeBox and squarifyBox. */
export interface DetectBox extends Box {
  /** The detector's six landmarks (eyes, nose, mouth, ears), image pixels. */
  landmarks: Vec2[];
  confidence: number;
}

/** Side of the detector's input and its number of anchors (16² × 2 + 8² × 6). */
export const DETECTOR_SIZE = 256;
export const ANCHORS = 896;
/** Values per anchor in the detector's output: score logit, box (4), six landmarks (12). */
export const DETECTOR_STRIDE = 17;

/** Human's generateAnchors for BlazeFace at 256: strides 16 and 32, 2 and 6 anchors per cell. */
export function detectorAnchors(): Float32Array {
  const out = new Float32Array(ANCHORS * 2);
  let k = 0;
  for (const [stride, count] of [
    [DETECTOR_SIZE / 16, 2],
    [DETECTOR_SIZE / 8, 6],
  ] as const) {
    const cells = Math.floor((DETECTOR_SIZE + stride - 1) / stride);
    for (let gy = 0; gy < cells; gy++)
      for (let gx = 0; gx < cells; gx++)
        for (let n = 0; n < count; n++) {
          out[k++] = stride * (gx + 0.5);
          out[k++] = stride * (gy + 0.5);
        }
  }
  return out;
}

const f = Math.fround;

/** decodeBoxes: [x1, y1, x2, y2] per anchor in detector pixels, float32 as tfjs computed it. */
function decodeBoxes(raw: Float32Array, anchors: Float32Array): Float32Array {
  const boxes = new Float32Array(ANCHORS * 4);
  for (let i = 0; i < ANCHORS; i++) {
    const r = i * DETECTOR_STRIDE;
    for (let a = 0; a < 2; a++) {
      const centre = f(f(f(raw[r + 1 + a]! + anchors[i * 2 + a]!) / DETECTOR_SIZE));
      const half = f(f(raw[r + 3 + a]! / DETECTOR_SIZE) / 2);
      boxes[i * 4 + a] = f(f(centre - half) * DETECTOR_SIZE);
      boxes[i * 4 + 2 + a] = f(f(centre + half) * DETECTOR_SIZE);
    }
  }
  return boxes;
}

function iou(b: Float32Array, i: number, j: number): number {
  const [ax0, ay0, ax1, ay1] = [b[i * 4]!, b[i * 4 + 1]!, b[i * 4 + 2]!, b[i * 4 + 3]!];
  const [bx0, by0, bx1, by1] = [b[j * 4]!, b[j * 4 + 1]!, b[j * 4 + 2]!, b[j * 4 + 3]!];
  const areaA = (Math.max(ay0, ay1) - Math.min(ay0, ay1)) * (Math.max(ax0, ax1) - Math.min(ax0, ax1));
  const areaB = (Math.max(by0, by1) - Math.min(by0, by1)) * (Math.max(bx0, bx1) - Math.min(bx0, bx1));
  if (areaA <= 0 || areaB <= 0) return 0;
  const h = Math.max(
    Math.min(Math.max(ay0, ay1), Math.max(by0, by1)) - Math.max(Math.min(ay0, ay1), Math.min(by0, by1)),
    0,
  );
  const w = Math.max(
    Math.min(Math.max(ax0, ax1), Math.max(bx0, bx1)) - Math.max(Math.min(ax0, ax1), Math.min(bx0, bx1)),
    0,
  );
  return (h * w) / (areaA + areaB - h * w);
}

/**
 * tf.image.nonMaxSuppression without soft-NMS: scores above `minScore`, highest first (the lower
 * index first on a tie), each dropped when its IoU with a box already kept reaches `iouThreshold`.
 */
function nonMaxSuppression(
  boxes: Float32Array,
  scores: Float32Array,
  maxCount: number,
  iouThreshold: number,
  minScore: number,
): number[] {
  const order: number[] = [];
  for (let i = 0; i < scores.length; i++) if (scores[i]! > minScore) order.push(i);
  order.sort((a, b) => scores[b]! - scores[a]! || a - b);
  const kept: number[] = [];
  for (const i of order) {
    if (kept.length >= maxCount) break;
    if (kept.every((j) => iou(boxes, i, j) < iouThreshold)) kept.push(i);
  }
  return kept;
}

export interface DetectorSettings {
  maxDetected: number;
  iouThreshold: number;
  minConfidence: number;
}

const boxSize = (b: Box): Vec2 => [
  Math.abs(b.endPoint[0] - b.startPoint[0]),
  Math.abs(b.endPoint[1] - b.startPoint[1]),
];

export const boxCentre = (b: Box): Vec3 => [
  b.startPoint[0] + (b.endPoint[0] - b.startPoint[0]) / 2,
  b.startPoint[1] + (b.endPoint[1] - b.startPoint[1]) / 2,
  1,
];

/** enlargeBox then squarifyBox: scaled about the centre, then a square on the longer side, rounded. */
function enlargedSquare(b: Box, factor: number): Box {
  const c = boxCentre(b);
  const s = boxSize(b);
  const enlarged: Box = {
    startPoint: [c[0] - (factor * s[0]) / 2, c[1] - (factor * s[1]) / 2],
    endPoint: [c[0] + (factor * s[0]) / 2, c[1] + (factor * s[1]) / 2],
  };
  const c2 = boxCentre(enlarged);
  const half = Math.max(...boxSize(enlarged)) / 2;
  return {
    startPoint: [Math.round(c2[0] - half), Math.round(c2[1] - half)],
    endPoint: [Math.round(c2[0] + half), Math.round(c2[1] + half)],
  };
}

/**
 * Human's getBoxes after the detector ran: `raw` is its output (896 × 17, anchors at stride 16
 * first), `side` the side of the padded square it saw. Faces in NMS order, in image pixels.
 */
export function detectionsFrom(
  raw: Float32Array,
  anchors: Float32Array,
  side: number,
  s: DetectorSettings,
): DetectBox[] {
  const boxes = decodeBoxes(raw, anchors);
  const scores = new Float32Array(ANCHORS);
  for (let i = 0; i < ANCHORS; i++) scores[i] = f(1 / (1 + Math.exp(-raw[i * DETECTOR_STRIDE]!)));
  const scale = side / DETECTOR_SIZE;
  const out: DetectBox[] = [];
  for (const i of nonMaxSuppression(boxes, scores, s.maxDetected, s.iouThreshold, s.minConfidence)) {
    const confidence = scores[i]!;
    if (!(confidence > s.minConfidence)) continue;
    const landmarks: Vec2[] = [];
    for (let k = 0; k < 6; k++) {
      const r = i * DETECTOR_STRIDE + 5 + k * 2;
      landmarks.push([(raw[r]! + anchors[i * 2]!) * scale, (raw[r + 1]! + anchors[i * 2 + 1]!) * scale]);
    }
    const scaled: Box = {
      startPoint: [boxes[i * 4]! * scale, boxes[i * 4 + 1]! * scale],
      endPoint: [boxes[i * 4 + 2]! * scale, boxes[i * 4 + 3]! * scale],
    };
    // Human's config.face.detector.scale (1.4): the mesh model wants the whole head.
    const square = enlargedSquare(scaled, 1.4);
    if (boxSize(square)[0] > 0 && boxSize(square)[1] > 0) out.push({ ...square, landmarks, confidence });
  }
  return out;
}

const normalizeRadians = (a: number) => a - 2 * Math.PI * Math.floor((a + Math.PI) / (2 * Math.PI));

/**
 * correctFaceRotation's angle: the roll of the line from the detector's mouth (landmark 3) to its
 * nose (2). Human rotates the crop only beyond 0.2 rad (11.5°); the angle is returned either way.
 */
export function faceRollAngle(b: DetectBox): number {
  const [p1, p2] = [b.landmarks[3]!, b.landmarks[2]!];
  return normalizeRadians(Math.PI / 2 - Math.atan2(-(p2[1] - p1[1]), p2[0] - p1[0]));
}

export const isLargeAngle = (angle: number) => angle !== 0 && Math.abs(angle) > 0.2;

type Matrix = number[][];

const dot = (a: readonly number[], b: readonly number[]) => {
  let p = 0;
  for (let i = 0; i < a.length; i++) p += a[i]! * b[i]!;
  return p;
};

function multiply(a: Matrix, b: Matrix): Matrix {
  return a.map((row) =>
    row.map((_, col) =>
      dot(
        row,
        b.map((r) => r[col]!),
      ),
    ),
  );
}

const translation = (x: number, y: number): Matrix => [
  [1, 0, x],
  [0, 1, y],
  [0, 0, 1],
];

function rotationMatrix(angle: number, centre: readonly number[]): Matrix {
  const [cos, sin] = [Math.cos(angle), Math.sin(angle)];
  const r = [
    [cos, -sin, 0],
    [sin, cos, 0],
    [0, 0, 1],
  ];
  return multiply(multiply(translation(centre[0]!, centre[1]!), r), translation(-centre[0]!, -centre[1]!));
}

function invertRigid(m: Matrix): Matrix {
  const rot = [
    [m[0]![0]!, m[1]![0]!],
    [m[0]![1]!, m[1]![1]!],
  ];
  const t = [m[0]![2]!, m[1]![2]!];
  return [
    [...rot[0]!, -dot(rot[0]!, t)],
    [...rot[1]!, -dot(rot[1]!, t)],
    [0, 0, 1],
  ];
}

/**
 * transformRawCoords: mesh points of the `size`-px crop of `box` (rotated by `angle` when large)
 * to image pixels, each coordinate truncated to an integer as Human does.
 */
export function meshToImage(raw: readonly Vec3[], box: Box, angle: number, size: number): Vec3[] {
  const s = boxSize(box);
  const large = isLargeAngle(angle);
  const rot = large ? rotationMatrix(angle, [0, 0]) : null;
  const inverse = large ? invertRigid(rotationMatrix(-angle, boxCentre(box))) : translation(0, 0);
  const c = boxCentre(box);
  const offset = [dot(c, inverse[0]!), dot(c, inverse[1]!)];
  return raw.map(([x, y, z]) => {
    const p: Vec3 = [(s[0] / size) * (x - size / 2), (s[1] / size) * (y - size / 2), z || 0];
    const q = rot ? [dot(p, rot[0]!), dot(p, rot[1]!)] : p;
    return [Math.trunc(q[0]! + offset[0]!), Math.trunc(q[1]! + offset[1]!), Math.trunc(p[2])];
  });
}

/** calculateFaceBox: the detector box's size about the centre of the mesh's extent. */
export function meshBox(mesh: readonly Vec3[], detected: Box): Box {
  const xs = mesh.map((p) => p[0]);
  const ys = mesh.map((p) => p[1]);
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const c = [x0 + (x1 - x0) / 2, y0 + (y1 - y0) / 2];
  const s = boxSize(detected);
  return {
    startPoint: [c[0]! - s[0] / 2, c[1]! - s[1] / 2],
    endPoint: [c[0]! + s[0] / 2, c[1]! + s[1] / 2],
  };
}

/** clampBox on the side×side padded square: [x, y, width, height], integers. */
export function clampBox(b: Box, side: number): [number, number, number, number] {
  const x0 = Math.max(0, b.startPoint[0]);
  const y0 = Math.max(0, b.startPoint[1]);
  return [
    Math.trunc(x0),
    Math.trunc(y0),
    Math.trunc(Math.min(side, b.endPoint[0]) - x0),
    Math.trunc(Math.min(side, b.endPoint[1]) - y0),
  ];
}

// --- iris ----------------------------------------------------------------------------------------

/** Human's meshAnnotations for the eyes (facemeshcoords.ts): index lists into the 468 points. */
const EYE = {
  left: {
    EyeUpper0: [466, 388, 387, 386, 385, 384, 398],
    EyeLower0: [263, 249, 390, 373, 374, 380, 381, 382, 362],
    EyeUpper1: [467, 260, 259, 257, 258, 286, 414],
    EyeLower1: [359, 255, 339, 254, 253, 252, 256, 341, 463],
    EyeUpper2: [342, 445, 444, 443, 442, 441, 413],
    EyeLower2: [446, 261, 448, 449, 450, 451, 452, 453, 464],
    EyeLower3: [372, 340, 346, 347, 348, 349, 350, 357, 465],
    EyebrowUpper: [383, 300, 293, 334, 296, 336, 285, 417],
    EyebrowLower: [265, 353, 276, 283, 282, 295],
  },
  right: {
    EyeUpper0: [246, 161, 160, 159, 158, 157, 173],
    EyeLower0: [33, 7, 163, 144, 145, 153, 154, 155, 133],
    EyeUpper1: [247, 30, 29, 27, 28, 56, 190],
    EyeLower1: [130, 25, 110, 24, 23, 22, 26, 112, 243],
    EyeUpper2: [113, 225, 224, 223, 222, 221, 189],
    EyeLower2: [226, 31, 228, 229, 230, 231, 232, 233, 244],
    EyeLower3: [143, 111, 117, 118, 119, 120, 121, 128, 245],
    EyebrowUpper: [156, 70, 63, 105, 66, 107, 55, 193],
    EyebrowLower: [35, 124, 46, 53, 52, 65],
  },
} as const;

type Side = keyof typeof EYE;
type Contour = keyof (typeof EYE)['left'];

/** Human's irisIndices: which of the iris model's 71 eye points replace each mesh contour. */
const IRIS_INDICES: Record<Contour, readonly number[]> = {
  EyeUpper0: [9, 10, 11, 12, 13, 14, 15],
  EyeUpper1: [25, 26, 27, 28, 29, 30, 31],
  EyeUpper2: [41, 42, 43, 44, 45, 46, 47],
  EyeLower0: [0, 1, 2, 3, 4, 5, 6, 7, 8],
  EyeLower1: [16, 17, 18, 19, 20, 21, 22, 23, 24],
  EyeLower2: [32, 33, 34, 35, 36, 37, 38, 39, 40],
  EyeLower3: [54, 55, 56, 57, 58, 59, 60, 61, 62],
  EyebrowUpper: [63, 64, 65, 66, 67, 68, 69, 70],
  EyebrowLower: [48, 49, 50, 51, 52, 53],
};

/** Side of the iris model's input; its output per eye: 71 eye points then 5 iris points, x y z. */
export const IRIS_SIZE = 64;
const IRIS_POINTS = 76;
const IRIS_FIRST = 71;

/**
 * getEyeBox's box for one eye in the mesh crop: the corners' extent (first and last point of
 * EyeLower0) enlarged 2.3 times (Human's iris.scale) and squared.
 */
export function eyeBox(raw: readonly Vec3[], side: Side): Box {
  const contour = EYE[side].EyeLower0;
  const [a, b] = [raw[contour[0]]!, raw[contour[contour.length - 1]!]!];
  const extent: Box = {
    startPoint: [Math.min(a[0], b[0]), Math.min(a[1], b[1])],
    endPoint: [Math.max(a[0], b[0]), Math.max(a[1], b[1])],
  };
  return enlargedSquare(extent, 2.3);
}

/** getEyeCoords: the iris model's points for one eye back in the mesh crop's pixels. */
function eyePoints(data: Float32Array, box: Box, flip: boolean): Vec3[] {
  const s = boxSize(box);
  const out: Vec3[] = [];
  for (let i = 0; i < IRIS_POINTS; i++) {
    const x = data[i * 3]! / IRIS_SIZE;
    out.push([
      (flip ? 1 - x : x) * s[0] + box.startPoint[0],
      (data[i * 3 + 1]! / IRIS_SIZE) * s[1] + box.startPoint[1],
      data[i * 3 + 2]!,
    ]);
  }
  return out;
}

function replaceContours(raw: Vec3[], eye: readonly Vec3[], side: Side, only?: readonly Contour[]): void {
  for (const key of Object.keys(IRIS_INDICES) as Contour[]) {
    if (only && !only.includes(key)) continue;
    const targets = EYE[side][key];
    for (const [j, index] of IRIS_INDICES[key].entries()) {
      const t = targets[j]!;
      raw[t] = [eye[index]![0], eye[index]![1], (eye[index]![2] + raw[t]![2]) / 2];
    }
  }
}

/** getAdjustedIrisCoords: iris z from the eyelids (the model's own iris z is unreliable). */
function irisWithZ(raw: readonly Vec3[], iris: readonly Vec3[], side: Side): Vec3[] {
  const upper = raw[EYE[side].EyeUpper0[3]]![2];
  const lower = raw[EYE[side].EyeLower0[4]]![2];
  const mid = (upper + lower) / 2;
  return iris.map(([x, y], i) => [x, y, i === 2 ? upper : i === 4 ? lower : mid]);
}

/**
 * augmentIris after the iris model ran on both eye crops (`left`, `right`: 76 × 3 values each):
 * the eye contours replaced (both when the eyes are at a similar depth, else only the nearer
 * eye's lids) and the 10 iris points appended, left first (468–472), then right (473–477).
 * Human mirrors both crops but un-mirrors only the left eye's points; kept, as that is what the
 * engine's thresholds were set on.
 */
export function withIris(raw: Vec3[], left: Float32Array, leftBox: Box, right: Float32Array, rightBox: Box): Vec3[] {
  const l = eyePoints(left, leftBox, true);
  const r = eyePoints(right, rightBox, false);
  const depth = raw[EYE.left.EyeLower0[0]]![2] - raw[EYE.right.EyeLower0[0]]![2];
  if (Math.abs(depth) < 30) {
    replaceContours(raw, l, 'left');
    replaceContours(raw, r, 'right');
  } else if (depth < 1) replaceContours(raw, l, 'left', ['EyeUpper0', 'EyeLower0']);
  else replaceContours(raw, r, 'right', ['EyeUpper0', 'EyeLower0']);
  return [...raw, ...irisWithZ(raw, l.slice(IRIS_FIRST), 'left'), ...irisWithZ(raw, r.slice(IRIS_FIRST), 'right')];
}

// --- head angles ---------------------------------------------------------------------------------

type V = [number, number, number];
const normalize = (v: V): V => {
  const n = Math.sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
  return [v[0] / n, v[1] / n, v[2] / n];
};
const sub = (a: V, b: V): V => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
const cross = (a: V, b: V): V => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];

export interface FaceAngles {
  /** Radians, as Human's rotation.angle. */
  angle: { pitch: number; yaw: number; roll: number };
  gaze: { bearing: number; strength: number };
}

/**
 * Human's calculateFaceAngle on a 478-point mesh in image pixels: the head's axes from the
 * forehead–chin and cheek–cheek lines (z as the mesh model gave it, over its 192-px crop), to
 * Euler angles; gaze from the nearer eye's iris against its corners. `box` is the face box
 * (calculateFaceBox) and `side` the padded square's.
 */
export function faceAngles(mesh: readonly Vec3[], box: Box, side: number, meshSize: number): FaceAngles {
  const boxW = (box.endPoint[0] - box.startPoint[0]) / side;
  const boxH = (box.endPoint[1] - box.startPoint[1]) / side;
  const size = Math.max(boxW * side, boxH * side) / 1.5;
  const pts = [mesh[10]!, mesh[152]!, mesh[234]!, mesh[454]!].map(
    (p): V => [((p[0] / side) * side) / size, ((p[1] / side) * side) / size, p[2] / meshSize],
  );
  const yAxis = normalize(sub(pts[1]!, pts[0]!));
  const xAxis0 = normalize(sub(pts[3]!, pts[2]!));
  const zAxis = normalize(cross(xAxis0, yAxis));
  const xAxis = cross(yAxis, zAxis);
  const [r00, r10, r11, r12, r20] = [xAxis[0], yAxis[0], yAxis[1], yAxis[2], zAxis[0]];
  let [tx, ty, tz] = [0, 0, 0];
  if (r10 < 1) {
    if (r10 > -1) {
      tz = Math.atan2(r10, Math.sqrt(r00 * r00 + r20 * r20));
      ty = Math.atan2(-r20, r00);
      tx = Math.atan2(-r12, r11);
    } else {
      tz = -Math.PI / 2;
      ty = -Math.atan2(zAxis[1], zAxis[2]);
    }
  } else {
    tz = Math.PI / 2;
    ty = Math.atan2(zAxis[1], zAxis[2]);
  }
  const angle = { pitch: -(tx || 0), yaw: -(ty || 0), roll: -(tz || 0) };
  return { angle, gaze: gaze(mesh, boxW, boxH) };
}

function gaze(m: readonly Vec3[], boxW: number, boxH: number): { bearing: number; strength: number } {
  const p = (i: number) => m[i]!;
  const left = p(33)[2] > p(263)[2];
  const iris = left ? p(473) : p(468);
  const centre = left
    ? [(p(133)[0] + p(33)[0]) / 2, (p(133)[1] + p(33)[1]) / 2]
    : [(p(263)[0] + p(362)[0]) / 2, (p(263)[1] + p(362)[1]) / 2];
  const size = left ? [p(133)[0] - p(33)[0], p(23)[1] - p(27)[1]] : [p(263)[0] - p(362)[0], p(253)[1] - p(257)[1]];
  // Human's offsetIris [0, -0.1]: the iris centre sits a little above the corners' midpoint.
  const diff = [(centre[0]! - iris[0]) / size[0]!, (iris[1] - centre[1]!) / size[1]! + 0.1];
  const strength = Math.min(Math.sqrt(diff[0]! * diff[0]! + diff[1]! * diff[1]!), boxW / 2, boxH / 2);
  const bearing = (Math.atan2(0 - diff[1]!, 0 - diff[0]!) + Math.PI / 2) % Math.PI;
  return { bearing, strength };
}
