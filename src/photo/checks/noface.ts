// What can still be judged when no face is found: image-level sharpness, exposure and colour, and a
// turned head from the body model's face keypoints. The student then hears why the photo failed
// (blurred, dark, profile) next to "no face found", not only the latter.
import type { CheckResult } from '../../domain/checks.js';
import { luma } from '../color.js';
import { COMPLIANCE } from '../thresholds.js';
import type { BodyKeypoint, RawImage } from '../types.js';
import { graded } from './grade.js';
import { colorCheck, SHARPNESS_ADVICE } from './image.js';
import { fastLab } from './regions.js';

const T = COMPLIANCE.noFace;

export interface NoFaceMeasures {
  /** Mean |Laplacian| of the sharpest tiles (p90 over tiles) at ≤ 640 px long side, luma units. */
  tileSharpness: number;
  /** p90 chroma over the whole image (every 4th px). */
  chromaP90: number;
  /** p90 / p10 L* of the whole image. */
  p90L: number;
  p10L: number;
  /** Eye span / the farther confident ear's distance from the nose (MoveNet), horizontal; small in
   *  profile. null when the nose, both eyes and an ear are not all confident. */
  turnRatio: number | null;
}

/** q-quantile of a typed array (sorted in place). */
function quantileOf(v: Float32Array, q: number): number {
  if (v.length === 0) return Number.NaN;
  v.sort();
  return v[Math.min(v.length - 1, Math.max(0, Math.floor(q * (v.length - 1))))]!;
}

/** `small`: the analysis image at ≤ 640 px long side (never upscaled); `body`: keypoints in any
 *  coordinates (only their ratios are used). */
export function noFaceMeasures(small: RawImage, body: readonly BodyKeypoint[]): NoFaceMeasures {
  // Sharpness: tiles of 32 px; blur lowers every tile, a sharp face raises at least its eye tiles,
  // and a sharp background keeps the measure high (never a false alarm, at worst a miss).
  const w = small.width;
  const h = small.height;
  const c = small.channels;
  const lum = new Float32Array(w * h);
  for (let i = 0; i < w * h; i++) lum[i] = luma(small.data, i * c);
  const tile = 32;
  const tiles: number[] = [];
  // 1-px border: the Laplacian needs all four neighbours.
  for (let ty = 1; ty + tile < h - 1; ty += tile)
    for (let tx = 1; tx + tile < w - 1; tx += tile) {
      let s = 0;
      for (let y = ty; y < ty + tile; y++)
        for (let x = tx; x < tx + tile; x++) {
          const i = y * w + x;
          s += Math.abs(4 * lum[i]! - lum[i - 1]! - lum[i + 1]! - lum[i - w]! - lum[i + w]!);
        }
      tiles.push(s / (tile * tile));
    }
  // Colour and light over the ≤ 640 px copy, every 2nd px.
  const n = Math.ceil(h / 2) * Math.ceil(w / 2);
  const L = new Float32Array(n);
  const C = new Float32Array(n);
  let k = 0;
  for (let y = 0; y < h; y += 2)
    for (let x = 0; x < w; x += 2) {
      const j = (y * w + x) * c;
      const lab = fastLab(small.data[j]!, small.data[j + 1]!, small.data[j + 2]!);
      L[k] = lab.L;
      C[k++] = Math.hypot(lab.a, lab.b);
    }
  return {
    tileSharpness: quantileOf(Float32Array.from(tiles), 0.9),
    chromaP90: quantileOf(C.subarray(0, k), 0.9),
    p90L: quantileOf(L.subarray(0, k), 0.9),
    p10L: quantileOf(L.subarray(0, k), 0.1),
    turnRatio: turnRatio(body),
  };
}

function kp(body: readonly BodyKeypoint[], part: string): BodyKeypoint | undefined {
  const k = body.find((b) => b.part === part);
  return k && k.score >= T.keypointScore ? k : undefined;
}

function turnRatio(body: readonly BodyKeypoint[]): number | null {
  const nose = kp(body, 'nose');
  const le = kp(body, 'leftEye');
  const re = kp(body, 'rightEye');
  const ears = [kp(body, 'leftEar'), kp(body, 'rightEar')].filter((e) => e !== undefined);
  if (!nose || !le || !re || ears.length === 0) return null;
  const reach = Math.max(...ears.map((e) => Math.abs(e.x - nose.x)));
  if (reach < 4) return null;
  return Math.abs(le.x - re.x) / reach;
}

export function noFaceChecks(m: NoFaceMeasures): CheckResult[] {
  const out: CheckResult[] = [];
  // A near-black photo has no edges to judge: the exposure check says why.
  const black = m.p90L <= T.darkP90.fail;
  if (!black)
    out.push(
      graded(
        'image.sharpness',
        m.tileSharpness,
        `no face: p90 over 32 px tiles of mean |Laplacian| (≤ 640 px) > ${T.sharpness.warn} pass, > ${T.sharpness.fail} warn`,
        SHARPNESS_ADVICE,
        undefined,
        (v) => (v <= T.sharpness.fail ? 'fail' : v <= T.sharpness.warn ? 'warn' : 'pass'),
      ),
    );
  out.push(colorCheck(m.chromaP90, ' (no face: whole image)'));
  const dark = m.p90L <= T.darkP90.warn;
  const bright = !dark && m.p10L >= T.brightP10.warn;
  out.push(
    graded(
      'light.exposure',
      bright ? m.p10L : m.p90L,
      `no face: whole-image p90 L* > ${T.darkP90.warn} pass, > ${T.darkP90.fail} warn; p10 L* < ${T.brightP10.warn} pass`,
      {
        pass: ['光线充足', 'Enough light'],
        warn: [
          dark ? '照片整体偏暗，请在光线更充足处拍摄' : '照片整体过亮，请避开强光、降低曝光后重拍',
          dark ? 'The whole photo is dark: more light' : 'The whole photo is too bright: avoid strong light',
        ],
        fail: ['照片几乎全黑，请在明亮、均匀的光线下重拍', 'The photo is almost black: retake in good light'],
      },
      'L*',
      () => (black ? 'fail' : dark || bright ? 'warn' : 'pass'),
    ),
  );
  if (m.turnRatio !== null)
    out.push(
      graded(
        'pose.yaw',
        m.turnRatio,
        `no face: body-model eye span / nose-to-ear > ${T.turnRatio.warn} pass, > ${T.turnRatio.fail} warn`,
        {
          pass: ['正对镜头', 'Facing the lens'],
          warn: ['头部侧转，请正对镜头', 'Head turned: face the lens'],
          fail: ['检测到侧脸，请正对镜头、双眼平视后重拍', 'Profile view: face the lens directly'],
        },
        undefined,
        (v) => (v <= T.turnRatio.fail ? 'fail' : v <= T.turnRatio.warn ? 'warn' : 'pass'),
      ),
    );
  return out;
}
