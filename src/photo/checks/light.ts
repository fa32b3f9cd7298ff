// Enough light, not backlit, even light on the face.
import type { CheckResult } from '../../domain/checks.js';
import { COMPLIANCE } from '../thresholds.js';
import { graded } from './grade.js';
import type { LightMeasures } from './measures.js';

const T = COMPLIANCE.light;

export function lightChecks(l: LightMeasures): CheckResult[] {
  // Dark skin is not a dark photo: a dim face is judged dark only when its brightest parts (eyes,
  // highlights) are dim too.
  const underexposed = l.highlight < T.darkHighlight;
  // Exposure is the photo's, not the skin's: only with nothing bright anywhere in the photo (a
  // white shirt, a lit wall) is a face somewhat dim for skin a dim photo. A dim face in a photo
  // with bright parts is dark skin or backlight, and backlight is light.backlit's.
  const dimPhoto = underexposed && l.photoHighlight < T.darkHighlight;
  // Which way the advice points: every non-passing face below the bright levels is a dim one.
  const bright = l.faceL >= T.bright.warn;
  const exposure = graded(
    'light.exposure',
    l.faceL,
    `face L* > ${T.dark.fail} (> ${T.dimPhotoFace} when the face and the whole photo both have p99 luma < ${T.darkHighlight}) and < ${T.bright.warn} pass; > ${T.dark.fail} (or face highlights p99 ≥ ${T.darkHighlight}) and < ${T.bright.fail} warn`,
    {
      pass: ['光线充足', 'Enough light'],
      warn: [
        bright ? '面部偏亮，建议避免强光直射' : '面部偏暗，建议在光线更充足处拍摄',
        bright ? 'Face a little bright: avoid strong direct light' : 'Face a little dark: more light',
      ],
      fail: [
        bright ? '面部过曝，请避开强光后重拍' : '面部过暗，请在明亮、均匀的光线下重拍',
        bright ? 'Face overexposed: avoid strong light' : 'Face too dark: retake in good light',
      ],
    },
    'L*',
    // A face below the fail level with bright highlights (a backlit face, very dark skin) goes
    // to review rather than being refused.
    (v) => {
      if (v >= T.bright.fail || (underexposed && v <= T.dark.fail)) return 'fail';
      if (v >= T.bright.warn || v <= T.dark.fail) return 'warn';
      if (dimPhoto && v <= T.dimPhotoFace) return 'warn';
      return 'pass';
    },
  );
  const backlit = graded(
    'light.backlit',
    l.backgroundMinusFace,
    `background − face L* < ${T.backlit.warn} pass; fail ≥ ${T.backlit.fail} with face L* ≤ ${T.backlitFaceL}, or ≥ ${T.backlit.severe}`,
    {
      pass: ['非逆光', 'Not backlit'],
      warn: ['背景比面部亮，可能逆光，建议面向光源拍摄', 'Background brighter than the face: face the light'],
      fail: ['逆光拍摄，面部过暗，请背对窗户、面向光源后重拍', 'Backlit: turn so the light falls on your face'],
    },
    'ΔL*',
    // Backlight that matters darkens the face: fail needs both a bright surround and a dim face.
    (v) =>
      (v >= T.backlit.fail && l.faceL <= T.backlitFaceL) || v >= T.backlit.severe
        ? 'fail'
        : v >= T.backlit.warn
          ? 'warn'
          : 'pass',
  );
  const uneven = graded(
    'light.uneven',
    l.sideDiff,
    `|left − right cheek L*| < ${T.uneven.warn} pass, < ${T.uneven.fail} warn`,
    {
      pass: ['面部光线均匀', 'Even light on the face'],
      warn: ['面部左右明暗不均，建议正面均匀光线下拍摄', 'Uneven light across the face: use even, frontal light'],
      fail: ['面部一侧有明显阴影，请在正面均匀光线下重拍', 'Strong shadow on one side: retake in even light'],
    },
    'ΔL*',
    (v) => (v >= T.uneven.fail ? 'fail' : v >= T.uneven.warn ? 'warn' : 'pass'),
  );
  return [exposure, backlit, uneven];
}
