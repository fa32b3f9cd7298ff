// Public types of the photo engine. The server, the CLI, the compliance checks and the workers use
// these; nothing outside src/photo reaches into the stages directly.
import type { BackgroundName } from '../domain/backgrounds.js';
import type { CheckResult, CheckStatus } from '../domain/checks.js';
import type { Expression } from './face/expression.js';
import type { HandReading } from './face/hand.js';

export type { BackgroundName, CheckResult, CheckStatus };

export interface Range {
  min: number;
  max: number;
}

/** An output specification (specs/*.json), validated on load. Sizes are named, never tuples. */
export interface PhotoSpec {
  id: string;
  name: string;
  nameEn: string;
  width: number;
  height: number;
  dpi: number;
  fileSizeKB: Range;
  jpegQuality: Range;
  backgrounds: Partial<Record<BackgroundName, [number, number, number]>>;
  defaultBackground: BackgroundName;
  geometry: {
    /** Top of the hair, px below the top edge. */
    crownFromTop: Range;
    /** Eye line, px below the top edge. */
    eyesFromTop: Range;
    /** Face width (cheek to cheek at eye height), px. */
    faceWidth: Range;
  };
}

/** Interleaved 8-bit pixels, `channels` per pixel, row-major. */
export interface RawImage {
  data: Uint8Array;
  width: number;
  height: number;
  channels: 1 | 3 | 4;
}

export interface Point {
  x: number;
  y: number;
}

export interface Point3 extends Point {
  z: number;
}

/** Pose angles in degrees: yaw + = subject turns to their left, pitch + = chin down, roll + = clockwise. */
export interface Pose {
  yaw: number;
  pitch: number;
  roll: number;
}

export interface BodyKeypoint extends Point {
  part: string;
  score: number;
}

/** What the face models saw, in the coordinates of the image they were given. */
export interface FaceAnalysis {
  /** [x, y, width, height] of the detector box. */
  box: [number, number, number, number];
  score: number;
  /** 478 points: 468 face mesh + 10 iris (468–472 one eye, 473–477 the other). */
  mesh: Point3[];
  pose: Pose;
  gaze: { bearing: number; strength: number };
  /** Face description (face/embedding.ts faceDescription, 128 values), for 1:1 verification and duplicate search. */
  embedding: number[];
  /** Anti-spoof score 0..1 (1 = real), liveness 0..1, when those models ran. */
  real?: number;
  live?: number;
  /** face-api's expression net on the aligned face (face/expression.ts), probabilities. */
  expression?: Record<Expression, number>;
  /** The most hand-like reading around the chin (face/hand.ts), image pixels. */
  hand?: HandReading;
}

export interface AnalysisResult {
  /** Faces with a confident detection, largest first. */
  faces: FaceAnalysis[];
  /**
   * Further detections below the confident score (full mesh, detector score 0.3–0.5): on the
   * shared set these are half faces at the edge and faces in a crowd, never a single portrait.
   */
  uncertainFaces: number;
  body: BodyKeypoint[];
}

/** A 2×3 affine map: x' = a·x + b·y + c, y' = d·x + e·y + f. */
export interface Affine {
  a: number;
  b: number;
  c: number;
  d: number;
  e: number;
  f: number;
}

/**
 * Everything the compliance checks see: the aligned crop before the background is replaced, its
 * matte, and the face analysis mapped into the crop's pixel coordinates.
 */
export interface CheckContext {
  spec: PhotoSpec;
  background: BackgroundName;
  /** Decoded source (EXIF-oriented, shrunk for analysis), RGB. */
  source: RawImage;
  /** The face in source coordinates. */
  sourceFace: FaceAnalysis;
  faceCount: number;
  /** Output-sized crop of the source, RGB, original background. */
  crop: RawImage;
  /** Foreground matte of `crop`, one byte per pixel (255 = person). */
  alpha: Uint8Array;
  /** source px → crop px. */
  toCrop: Affine;
  /** Mesh and iris in crop px. */
  cropMesh: Point3[];
  /** Body keypoints in crop px (may be empty). */
  cropBody: BodyKeypoint[];
}

export type MattingModel = 'rvm' | 'selfie';

export interface MakeOptions {
  /** Spec id (specs/<id>.json); default "chsi". */
  spec?: string;
  /** Which backgrounds to render; default all of the spec's. */
  backgrounds?: BackgroundName[];
  matting?: MattingModel;
  /** Return the evidence (features, the report before the learned checks): for training and eval. */
  evidence?: boolean;
}

/** Pipeline stages, timed per photo. `checkModels`: the models that run only for compliance checks
 *  (expression net, hand landmarks); `checks`: the checks' own image measures. */
export const STAGES = [
  'decode',
  'detect',
  'checkModels',
  'layout',
  'warp',
  'matting',
  'compose',
  'checks',
  'encode',
] as const;
export type Stage = (typeof STAGES)[number];

export interface IdPhotoResult {
  /** True when a photo was made (a single face could be placed with enough margin). */
  made: boolean;
  spec: string;
  /** Worst status of the report: fail blocks submission, warn goes to review. */
  verdict: CheckStatus;
  report: CheckResult[];
  /** JPEG per background, at the spec's size and dpi, within its file-size bounds. */
  photos: Partial<Record<BackgroundName, Uint8Array>>;
  /** RGBA PNG cut-out at the spec's size, so a UI can switch colours without a new upload. */
  cutout: Uint8Array | null;
  /** The face used, or the largest of several (source coordinates of the analysis image); null when none. */
  face: (FaceAnalysis & { sourceWidth: number; sourceHeight: number }) | null;
  faceCount: number;
  /** Milliseconds per stage. */
  timings: Partial<Record<Stage, number>>;
  /** With `evidence: true`: what the learned checks read, and the report before they decided. */
  evidence?: { features: Record<string, number> | null; ruleReport: CheckResult[] };
}

/** A planar C×H×W activation map of a network (RVM's LR-ASPP output over the crop). */
export interface FeatureMap {
  data: Float32Array;
  channels: number;
  width: number;
  height: number;
}
