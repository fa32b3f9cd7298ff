// Live framing hints computed in the browser from a tiny copy of the video frame: a few thousand
// pixels per tick, no model download. The browser's FaceDetector (Shape Detection API) is used
// where it exists; elsewhere a skin-colour blob stands in for the face. Hints are advice only:
// the server's checks decide.

export type Light = 'ok' | 'dark' | 'bright' | 'backlit' | 'black';

export interface Hints {
  face: boolean;
  centred: boolean;
  size: 'ok' | 'small' | 'large';
  light: Light;
}

export interface Box {
  /** Fractions of the frame, 0..1. */
  x: number;
  y: number;
  w: number;
  h: number;
}

interface DetectedFace {
  boundingBox: DOMRectReadOnly;
}
interface FaceDetectorLike {
  detect(source: CanvasImageSource): Promise<DetectedFace[]>;
}
type FaceDetectorCtor = new (options?: { fastMode?: boolean; maxDetectedFaces?: number }) => FaceDetectorLike;

const SAMPLE_W = 72;

function luma(r: number, g: number, b: number): number {
  return 0.299 * r + 0.587 * g + 0.114 * b;
}

/** YCbCr skin range (Chai & Ngan), loose enough for most skin tones under indoor light. */
function isSkin(r: number, g: number, b: number): boolean {
  const cb = 128 - 0.168736 * r - 0.331264 * g + 0.5 * b;
  const cr = 128 + 0.5 * r - 0.418688 * g - 0.081312 * b;
  return cb >= 77 && cb <= 127 && cr >= 135 && cr <= 173;
}

export function lightOf(data: Uint8ClampedArray, w: number, h: number, face: Box | null): Light {
  const inner = face ?? { x: 0.3, y: 0.2, w: 0.4, h: 0.4 };
  let inSum = 0;
  let inN = 0;
  let outSum = 0;
  let outN = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * 4;
      const l = luma(data[i]!, data[i + 1]!, data[i + 2]!);
      const fx = x / w;
      const fy = y / h;
      if (fx >= inner.x && fx <= inner.x + inner.w && fy >= inner.y && fy <= inner.y + inner.h) {
        inSum += l;
        inN++;
      } else {
        outSum += l;
        outN++;
      }
    }
  }
  const centre = inN ? inSum / inN : 0;
  const surround = outN ? outSum / outN : 0;
  // Some in-app browsers hand out a stream of black frames instead of refusing the camera.
  if (centre < 6 && surround < 6) return 'black';
  if (centre < 55) return surround - centre > 50 ? 'backlit' : 'dark';
  // A white wall is brighter than a well-lit face too: only a face that is itself dim is backlit.
  if (centre < 110 && surround - centre > 80) return 'backlit';
  if (centre > 240) return 'bright';
  return 'ok';
}

/** Bounding box of the largest skin-coloured area in the upper three quarters of the frame. */
export function skinBox(data: Uint8ClampedArray, w: number, h: number): Box | null {
  const maxY = Math.floor(h * 0.75);
  const cols = new Array<number>(w).fill(0);
  const rows = new Array<number>(maxY).fill(0);
  let total = 0;
  for (let y = 0; y < maxY; y++) {
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * 4;
      if (isSkin(data[i]!, data[i + 1]!, data[i + 2]!)) {
        cols[x]!++;
        rows[y]!++;
        total++;
      }
    }
  }
  if (total < w * maxY * 0.02) return null;
  const span = (hist: number[], min: number): [number, number] | null => {
    let best: [number, number] | null = null;
    let start = -1;
    for (let i = 0; i <= hist.length; i++) {
      const on = i < hist.length && hist[i]! >= min;
      if (on && start < 0) start = i;
      if (!on && start >= 0) {
        if (!best || i - start > best[1] - best[0]) best = [start, i];
        start = -1;
      }
    }
    return best;
  };
  const xs = span(cols, Math.max(2, maxY * 0.06));
  const ys = span(rows, Math.max(2, w * 0.06));
  if (!xs || !ys) return null;
  return { x: xs[0] / w, y: ys[0] / h, w: (xs[1] - xs[0]) / w, h: (ys[1] - ys[0]) / h };
}

export function hintsFor(face: Box | null, light: Light): Hints {
  if (!face) return { face: false, centred: false, size: 'small', light };
  const cx = face.x + face.w / 2;
  const cy = face.y + face.h / 2;
  return {
    face: true,
    centred: Math.abs(cx - 0.5) < 0.12 && cy > 0.2 && cy < 0.55,
    size: face.w < 0.2 ? 'small' : face.w > 0.6 ? 'large' : 'ok',
    light,
  };
}

/** Samples the video a few times a second; call `analyse` from a timer, not every frame. */
export function createAnalyser(): { analyse: (video: HTMLVideoElement) => Promise<Hints | null> } {
  const canvas = document.createElement('canvas');
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  const Ctor = (globalThis as { FaceDetector?: FaceDetectorCtor }).FaceDetector;
  let detector: FaceDetectorLike | null = null;
  try {
    detector = Ctor ? new Ctor({ fastMode: true, maxDetectedFaces: 2 }) : null;
  } catch {
    detector = null;
  }
  return {
    async analyse(video) {
      if (!ctx || !video.videoWidth) return null;
      const w = SAMPLE_W;
      const h = Math.round((SAMPLE_W * video.videoHeight) / video.videoWidth);
      canvas.width = w;
      canvas.height = h;
      ctx.drawImage(video, 0, 0, w, h);
      const { data } = ctx.getImageData(0, 0, w, h);
      let face: Box | null = null;
      if (detector) {
        try {
          const found = await detector.detect(video);
          const b = found[0]?.boundingBox;
          if (b) {
            face = {
              x: b.x / video.videoWidth,
              y: b.y / video.videoHeight,
              w: b.width / video.videoWidth,
              h: b.height / video.videoHeight,
            };
          }
        } catch {
          detector = null; // unsupported on this device after all: use the skin heuristic
        }
      }
      if (!detector) face = skinBox(data, w, h);
      return hintsFor(face, lightOf(data, w, h, face));
    },
  };
}
