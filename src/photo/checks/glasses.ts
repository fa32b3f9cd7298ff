// Glasses: tinted lenses (lens area darker than the face, no bright sclera, or coloured), frames
// over the eyes, glare on the lenses.
import type { CheckResult } from '../../domain/checks.js';
import { COMPLIANCE } from '../thresholds.js';
import { graded } from './grade.js';
import type { EyeMeasures, EyeRegionMeasures } from './measures.js';
import { check } from './result.js';

const T = COMPLIANCE.glasses;

/** Glare and frames over the eyes need glasses: a frame's bridge across the nose. */
const behindFrame = (r: EyeRegionMeasures) => r.frameBridge >= T.frameBridge;
const FRAME_ONLY = `only with a glasses bridge across the nose (band ≥ ${T.frameBridge} luma levels)`;

/** Behind a frame with clear (not dark) lenses, the eye opening shows almost no contrast: something
 *  on or over the lens hides the eye. glasses.frame asks it of open eyes, glasses.reflection of
 *  eyes that are not closed (fog hides the lids too). */
const eyeHidden = (r: EyeRegionMeasures, faceL: number) =>
  behindFrame(r) && r.eyeContrast <= T.frameContrast.warn && lensRatio(r, faceL) > T.lensRatio.warn;

/** Lens interior brightness against the face: ~0.4–1 through clear lenses, near 0 behind dark ones. */
export function lensRatio(r: EyeRegionMeasures, faceL: number): number {
  return r.innerAbs / Math.max(1, faceL);
}

export function tintedCheck(r: EyeRegionMeasures, faceL: number): CheckResult {
  const ratio = lensRatio(r, faceL);
  // A dark face (backlight) darkens the eye sockets too: then only warn.
  const lit = faceL > T.minFaceL;
  const noSclera = r.eyeContrast < T.eyeContrastMin;
  // One near-black lens: the other lens of the pair may mirror the sky, which lifts the
  // brighter-eye ratio above the thresholds; a bare eye in a lit face never gets this dark.
  const oneDark = lit && r.innerAbsDarker / Math.max(1, faceL) <= T.darkerLensRatio;
  const threshold = `lens/face L* ratio > ${T.lensRatio.warn} pass, > ${T.lensRatio.fail} warn (and sclera contrast ≥ ${T.eyeContrastMin}); darker lens ratio ≤ ${T.darkerLensRatio} in a lit face warn; lens area coloured away from the skin < ${T.lensColour * 100}% pass, else warn`;
  const dark = graded(
    'glasses.tinted',
    ratio,
    threshold,
    {
      pass: ['未佩戴有色眼镜', 'No tinted lenses'],
      warn: ['眼部偏暗，请确认未佩戴墨镜或有色眼镜', 'The eye area is dark: no sunglasses or tinted lenses'],
      fail: [
        '检测到墨镜或有色眼镜，请摘下后重拍（可佩戴无色透明眼镜）',
        'Sunglasses or tinted lenses: take them off (clear glasses are fine)',
      ],
    },
    undefined,
    (v) => {
      const bad = v <= T.lensRatio.fail || (v <= T.lensRatio.warn && noSclera);
      if (bad && lit) return 'fail';
      return bad || v <= T.lensRatio.warn || oneDark ? 'warn' : 'pass';
    },
  );
  // A coloured lens that is not dark (blue, pink, yellow tints) passes the darkness rules.
  if (dark.status === 'pass' && r.lensColour >= T.lensColour)
    return check(
      'glasses.tinted',
      'warn',
      r.lensColour * 100,
      threshold,
      '镜片可能带有颜色，请确认未佩戴有色眼镜（可佩戴无色透明眼镜）',
      'The lenses look coloured: no tinted lenses (clear glasses are fine)',
      '%',
    );
  return dark;
}

/**
 * Glare on the lenses, or lenses that hide the eyes (fog, a veil of reflected light). Glare: the
 * near-white area around the eyes. Hidden: behind clear lenses the eye opening shows no contrast
 * although the eye is not closed; glasses.frame reads the same contrast but only for eyes open by
 * their contour, and a fogged lens hides the lids, so the mesh reads such eyes as half closed.
 */
export function reflectionCheck(r: EyeRegionMeasures, e: EyeMeasures, faceL: number): CheckResult {
  // Glare on a lens needs a lens: without a frame across the nose, near-white spots around the eyes
  // are skin highlights or white hair, not a reflection.
  const glasses = behindFrame(r);
  const threshold = `near-white area around the eyes < ${T.glare.warn}% pass, else warn; behind clear lenses an eye opening (eyes not closed) with contrast ≤ ${T.frameContrast.warn} L* warns; ${FRAME_ONLY}`;
  if (Math.min(e.earR, e.earL) > COMPLIANCE.eyes.open.fail && eyeHidden(r, faceL))
    return check(
      'glasses.reflection',
      'warn',
      r.eyeContrast,
      threshold,
      '透过镜片看不清眼睛（反光或起雾），请擦净镜片、调整角度或避开正面光源',
      'The eyes are not visible through the lenses (glare or fog): clean or tilt them, move the light',
      'ΔL*',
    );
  return graded(
    'glasses.reflection',
    r.glare * 100,
    threshold,
    {
      pass: ['镜片无明显反光', 'No reflections on lenses'],
      warn: [
        '镜片可能有反光，请调整眼镜角度或避开正面光源',
        'Possible glare on the lenses: tilt the glasses or move the light',
      ],
      fail: ['', ''],
    },
    '%',
    (v) => (glasses && v >= T.glare.warn ? 'warn' : 'pass'),
  );
}

/**
 * Frames over the eyes: not measurable without a frame detector. Reported as the sclera contrast
 * in the eye opening; warns only behind a frame (a bridge across the nose), when the eyes are
 * open, not behind dark lenses, and the opening shows almost no contrast (something covers the
 * eye). Without a frame the same low contrast is blur or dim eyes, which hair.eyes and
 * image.sharpness speak to.
 */
export function frameCheck(e: EyeMeasures, r: EyeRegionMeasures, faceL: number): CheckResult {
  const open = Math.min(e.earR, e.earL) > COMPLIANCE.eyes.open.warn;
  const hidden = open && eyeHidden(r, faceL);
  return graded(
    'glasses.frame',
    r.eyeContrast,
    `eye-opening contrast > ${T.frameContrast.warn} L* pass, else warn; ${FRAME_ONLY}`,
    {
      pass: ['眼睛清晰可见', 'Eyes clearly visible'],
      warn: [
        '眼睛不够清晰，请确认镜框、头发未遮挡眼睛',
        'The eyes are not clearly visible: frames or hair must not cover them',
      ],
      fail: ['', ''],
    },
    'ΔL*',
    () => (hidden ? 'warn' : 'pass'),
  );
}
