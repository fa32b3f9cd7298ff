// Sharpness, colour, and the advisory anti-spoof signal.
import type { CheckResult } from '../../domain/checks.js';
import { COMPLIANCE } from '../thresholds.js';
import type { FaceAnalysis } from '../types.js';
import type { EnclosureMeasures } from './enclosure.js';
import { type Advice, graded } from './grade.js';
import type { ImageMeasures } from './measures.js';
import { check } from './result.js';

const T = COMPLIANCE.image;

/** The student's advice per outcome, shared with the no-face path (noface.ts). */
export const SHARPNESS_ADVICE: Advice = {
  pass: ['照片清晰', 'Sharp photo'],
  warn: ['照片略模糊，建议对焦后重拍', 'Slightly blurred: focus and retake'],
  fail: ['照片模糊，请擦净镜头、保持稳定、对焦面部后重拍', 'Blurred: clean the lens, hold still, focus on the face'],
};

export const COLOR_ADVICE: Advice = {
  pass: ['彩色照片', 'Colour photo'],
  warn: ['照片颜色偏淡或偏色，请使用彩色模式、自然光拍摄', 'Washed-out colour: use colour mode and natural light'],
  fail: ['检测到黑白照片，请使用彩色照片', 'Black-and-white photo: use a colour photo'],
};

/** p90 chroma → image.color; `where` names the pixels measured (the person, or the whole image). */
export function colorCheck(chromaP90: number, where = ''): CheckResult {
  return graded(
    'image.color',
    chromaP90,
    `p90 chroma${where} > ${T.chroma.warn} pass, > ${T.chroma.fail} warn`,
    COLOR_ADVICE,
    'C*',
    (v) => (v <= T.chroma.fail ? 'fail' : v <= T.chroma.warn ? 'warn' : 'pass'),
  );
}

export function imageChecks(m: ImageMeasures): CheckResult[] {
  const sharp = graded(
    'image.sharpness',
    m.laplacian,
    `mean |Laplacian| over eyes and nose > ${T.sharpness.warn} pass, > ${T.sharpness.fail} warn`,
    SHARPNESS_ADVICE,
    undefined,
    (v) => (v <= T.sharpness.fail ? 'fail' : v <= T.sharpness.warn ? 'warn' : 'pass'),
  );
  return [sharp, colorCheck(m.chromaP90)];
}

/**
 * Advisory, never blocks on its own: a print's or screen's frame around the face (enclosure.ts),
 * or the anti-spoof model's "real" score far below every live photo.
 */
export function spoofCheck(face: FaceAnalysis, e: EnclosureMeasures): CheckResult {
  const framed = e.frame >= T.spoofFrame.warn;
  const unreal = face.real !== undefined && face.real < T.spoofReal.warn;
  const spoof = framed || unreal;
  return check(
    'spoof',
    spoof ? 'warn' : 'pass',
    e.frame,
    `straight edges left, right and above the head < ${T.spoofFrame.warn} face widths and anti-spoof real ≥ ${T.spoofReal.warn} pass, else warn (advisory)`,
    spoof ? '疑似翻拍照片或屏幕，请直接拍摄本人，将由人工审核' : '真人拍摄',
    spoof ? 'Looks like a photo of a photo or screen: photograph yourself directly' : 'Live person',
    'face widths',
  );
}
