// Checks the making itself needs: one face, enough detail, enough margin, head placed per spec,
// flat background, file size. The compliance checks (compliance.ts) add the rest of the report.
import type { CheckResult } from '../../domain/checks.js';
import { deltaE2000, type Lab, luma, rgbToLab } from '../color.js';
import { outside } from '../layout.js';
import { MAKING } from '../thresholds.js';
import type { PhotoSpec, RawImage } from '../types.js';
import { medianLab } from './regions.js';
import { check } from './result.js';

/** `uncertain`: further detections too unsure to count (a half face at the edge, a face behind). */
export function faceCount(n: number, uncertain: number): CheckResult {
  const t = '= 1 pass; 1 and a low-confidence second face warn';
  if (n === 1 && uncertain > 0)
    return check(
      'face.count',
      'warn',
      n,
      t,
      '画面中可能还有他人（如边缘处的半张脸），请确保画面中只有您一人',
      'Someone else may be in the photo (a partial face at the edge): only you may be in it',
    );
  if (n === 1) return check('face.count', 'pass', n, t, '检测到单人正脸', 'One face found');
  if (n === 0)
    return check(
      'face.count',
      'fail',
      n,
      t,
      '未检测到人脸，请正对镜头、取下口罩和墨镜等遮挡物、露出完整面部后重拍',
      'No face found: face the camera and remove masks, sunglasses and anything covering the face',
    );
  return check(
    'face.count',
    'fail',
    n,
    t,
    `检测到 ${n} 张人脸，请确保画面中只有您一人`,
    `${n} faces found: only you may be in the photo`,
  );
}

export function resolution(interEyePx: number): CheckResult {
  const { warn, fail } = MAKING.interEyePx;
  const t = `≥ ${warn} px pass, ≥ ${fail} px warn`;
  if (interEyePx >= warn) return check('face.resolution', 'pass', interEyePx, t, '面部细节清晰', 'Enough detail', 'px');
  if (interEyePx >= fail)
    return check(
      'face.resolution',
      'warn',
      interEyePx,
      t,
      '面部在画面中偏小，细节不足，建议靠近一些重拍',
      'The face is small in the photo: move closer',
      'px',
    );
  return check(
    'face.resolution',
    'fail',
    interEyePx,
    t,
    '面部太小或照片分辨率太低，请靠近镜头、用手机相机直接拍摄',
    'The face is too small: move closer and use the phone camera',
    'px',
  );
}

export interface MarginMeasure {
  /** Fraction of the output height at the bottom that the source did not show and that was
   *  completed with the torso's clothing (complete.ts). */
  completedShare: number;
  /** The hair reaches the source's top edge: the crown is cut off. */
  crownCut: boolean;
  /** The source ends at or above the chin: the jaw line is cut off. */
  chinCut: boolean;
}

export function margin(m: MarginMeasure): CheckResult {
  const review = MAKING.completionReview;
  const t = `头顶、下巴完整；下方补全 ≤ ${review * 100}% pass, 更多 warn`;
  const value = Math.round(m.completedShare * 1000) / 10;
  if (m.crownCut)
    return check(
      'layout.margin',
      'fail',
      value,
      t,
      '头顶被裁切，请在头顶上方留出空间后重拍',
      'The top of the head is cut off: leave space above the head',
      '%',
    );
  if (m.chinCut)
    return check(
      'layout.margin',
      'fail',
      value,
      t,
      '下巴被裁切，请离镜头远一些，拍到下巴和肩膀',
      'The chin is cut off: step back so the chin and shoulders are in the photo',
      '%',
    );
  if (m.completedShare > review)
    return check(
      'layout.margin',
      'warn',
      value,
      t,
      '照片下方拍摄不足，肩部由系统补全，将由人工审核；建议离镜头稍远一些重拍',
      'Shoulders largely missing and completed by the system: a reviewer will look; step back a little',
      '%',
    );
  if (value > 0)
    return check(
      'layout.margin',
      'pass',
      value,
      t,
      '头部完整，照片下方的衣着已由系统补全',
      'Head whole; the clothing at the bottom was completed',
      '%',
    );
  return check('layout.margin', 'pass', value, t, '头肩完整', 'Head and shoulders in frame', '%');
}

export interface GeometryMeasure {
  crownY: number | null;
  eyesY: number;
  faceWidth: number;
}

export function geometry(spec: PhotoSpec, m: GeometryMeasure): CheckResult {
  const g = spec.geometry;
  const t = `头顶 ${g.crownFromTop.min}–${g.crownFromTop.max} px，眼睛 ${g.eyesFromTop.min}–${g.eyesFromTop.max} px，脸宽 ${g.faceWidth.min}–${g.faceWidth.max} px`;
  if (m.crownY === null)
    return check(
      'layout.geometry',
      'fail',
      null,
      t,
      '无法确定头顶位置，请在纯色背景前重拍',
      'Could not find the top of the head',
    );
  const off = Math.max(
    outside(m.crownY, g.crownFromTop),
    outside(m.eyesY, g.eyesFromTop),
    outside(m.faceWidth, g.faceWidth),
  );
  // The layout aims at the middle of every band, so a miss means unusual proportions (very high
  // hair, a tiny face): a few px is for a reviewer to judge, more cannot meet the spec.
  if (off === 0) return check('layout.geometry', 'pass', 0, t, '头部位置和大小符合规格', 'Head placed per spec', 'px');
  if (off <= 10)
    return check(
      'layout.geometry',
      'warn',
      off,
      t,
      '头部位置略超出规格范围，将由人工审核',
      'Head slightly outside the bands',
      'px',
    );
  return check(
    'layout.geometry',
    'fail',
    off,
    t,
    '头部比例不符合规格（如发型过高），请整理头发后重拍',
    'Head proportions outside the spec (e.g. very high hair)',
    'px',
  );
}

/** The source's own background (before it is replaced), judged over the crop's background pixels. */
export interface SourceBackground {
  /** Mean luma gradient (|dx| + |dy|, 0..510) over background pixels (matte ≤ 16 in a 5×5
   *  neighbourhood, inside the source), every second pixel: fine texture (foliage, gravel). */
  clutter: number;
  /** Share of the background's 8-px cells (all background) more than `MAKING.sourceSpread.deltaE`
   *  (ΔE2000) from the median cell colour: a background with no dominant colour (a map, a window
   *  and a door frame, a blurred crowd), which a fine gradient misses once it is out of focus. */
  spread: number;
}

/** Cell side (px) of the colour-spread measure: coarse enough to ignore texture and noise. */
const SPREAD_CELL = 8;

/**
 * A busy background makes the cut-out edge unreliable (hair, shoulders); the output background is
 * flat either way. Each measure is NaN with too little background to judge.
 */
export function sourceBackground(
  img: RawImage,
  alpha: Uint8Array,
  inside: Uint8Array,
  width: number,
  height: number,
): SourceBackground {
  return { clutter: clutterOf(img, alpha, inside, width, height), spread: spreadOf(img, alpha, inside, width, height) };
}

function clutterOf(img: RawImage, alpha: Uint8Array, inside: Uint8Array, width: number, height: number): number {
  const d = img.data;
  const c = img.channels;
  let g = 0;
  let n = 0;
  for (let y = 2; y < height - 2; y += 2)
    for (let x = 2; x < width - 2; x += 2) {
      const i = y * width + x;
      if (alpha[i]! > 16 || alpha[i - 2]! > 16 || alpha[i + 2]! > 16) continue;
      if (alpha[i - 2 * width]! > 16 || alpha[i + 2 * width]! > 16) continue;
      if (inside[i - 2 * width - 2] === 0 || inside[i + 2 * width + 2] === 0) continue;
      if (inside[i - 2 * width + 2] === 0 || inside[i + 2 * width - 2] === 0) continue;
      g +=
        Math.abs(luma(d, (i + 1) * c) - luma(d, (i - 1) * c)) +
        Math.abs(luma(d, (i + width) * c) - luma(d, (i - width) * c));
      n++;
    }
  return n >= 500 ? g / n : Number.NaN;
}

function spreadOf(img: RawImage, alpha: Uint8Array, inside: Uint8Array, width: number, height: number): number {
  const d = img.data;
  const c = img.channels;
  const S = SPREAD_CELL;
  const cells: Lab[] = [];
  for (let y0 = 0; y0 + S <= height; y0 += S)
    for (let x0 = 0; x0 + S <= width; x0 += S) {
      let r = 0;
      let g = 0;
      let b = 0;
      let n = 0;
      // A cell counts only when every sampled pixel is background, so hair edges stay out.
      cell: for (let y = y0; y < y0 + S; y += 2)
        for (let x = x0; x < x0 + S; x += 2) {
          const i = y * width + x;
          if (alpha[i]! > 16 || inside[i] === 0) {
            n = 0;
            break cell;
          }
          r += d[i * c]!;
          g += d[i * c + 1]!;
          b += d[i * c + 2]!;
          n++;
        }
      if (n) cells.push(rgbToLab(r / n, g / n, b / n));
    }
  if (cells.length < MAKING.sourceSpread.minCells) return Number.NaN;
  const m = medianLab(cells);
  return cells.filter((l) => deltaE2000(l, m) > MAKING.sourceSpread.deltaE).length / cells.length;
}

/** Whether the source background is busy enough for the cut-out to need a look. */
export function busySource(bg: SourceBackground): boolean {
  return bg.clutter >= MAKING.sourceClutter || bg.spread >= MAKING.sourceSpread.warn;
}

/** Flat output background; a busy source background warns (value = the measure that is over its
 *  line). `deltaE` null: no photo was made (the busy-source advice still goes with the retake
 *  advice). */
export function background(deltaE: number | null, source: SourceBackground): CheckResult {
  const limit = MAKING.backgroundDeltaE;
  const t = `ΔE2000 (p99) ≤ ${limit}; source background clutter < ${MAKING.sourceClutter}, colour spread < ${MAKING.sourceSpread.warn}`;
  if ((deltaE === null || deltaE <= limit) && busySource(source))
    return check(
      'background.uniform',
      'warn',
      source.clutter >= MAKING.sourceClutter ? source.clutter : source.spread,
      t,
      '原照片背景杂乱，抠图边缘可能不干净，将由人工审核；下次请在纯色墙面（白墙最佳）前拍摄',
      'The original background is busy: the cut-out edge may be unclean, a reviewer will check; a plain wall is best',
    );
  if (deltaE === null || deltaE <= limit)
    return check('background.uniform', 'pass', deltaE, t, '背景为纯色', 'Flat background', 'ΔE');
  return check(
    'background.uniform',
    'warn',
    deltaE,
    t,
    '背景颜色不够均匀，建议在白墙前重拍',
    'The background is not flat: retake in front of a plain wall',
    'ΔE',
  );
}

export function fileSize(bytes: number, spec: PhotoSpec, withinBounds: boolean): CheckResult {
  const kb = bytes / 1024;
  const t = `${spec.fileSizeKB.min}–${spec.fileSizeKB.max} KB`;
  if (withinBounds) return check('file.size', 'pass', kb, t, '文件大小符合要求', 'File size within bounds', 'KB');
  return check(
    'file.size',
    'warn',
    kb,
    t,
    '照片文件大小超出规格范围，将由人工审核',
    'File size outside the bounds',
    'KB',
  );
}
