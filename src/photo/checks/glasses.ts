// Glasses: tinted lenses (lens area darker / tinted against the cheeks, no bright sclera), frames
// over the eyes, glare on the lenses.
import type { CheckResult } from '../../domain/checks.js';
import { COMPLIANCE } from '../thresholds.js';
import { graded } from './grade.js';
import type { EyeMeasures, EyeRegionMeasures } from './measures.js';

const T = COMPLIANCE.glasses;

/** 0 = clear eyes; ≥ 1 = lenses as dark as sunglasses. Combines lens darkness and sclera. */
export function tintScore(r: EyeRegionMeasures): number {
  const dark = -r.lensDarkness / T.lensDarkRef;
  const noSclera = -r.eyeBright / T.eyeBrightRef;
  const tint = r.lensTint / T.lensTintRef;
  return Math.max(Math.min(dark, noSclera), tint * 0.5 + Math.min(dark, noSclera) * 0.5);
}

export function tintedCheck(r: EyeRegionMeasures): CheckResult {
  return graded(
    'glasses.tinted',
    tintScore(r),
    `lens score < ${T.tinted.warn} pass, < ${T.tinted.fail} warn`,
    {
      pass: ['未佩戴有色眼镜', 'No tinted lenses'],
      warn: ['镜片可能有颜色，请确认未佩戴有色眼镜或墨镜', 'Lenses may be tinted: no sunglasses or tinted lenses'],
      fail: ['检测到墨镜或有色眼镜，请摘下后重拍（可佩戴无色透明眼镜）', 'Sunglasses or tinted lenses: take them off (clear glasses are fine)'],
    },
    undefined,
    (v) => (v >= T.tinted.fail ? 'fail' : v >= T.tinted.warn ? 'warn' : 'pass'),
  );
}

export function reflectionCheck(r: EyeRegionMeasures): CheckResult {
  return graded(
    'glasses.reflection',
    r.glare * 100,
    `glare area < ${T.glare.warn}% pass, < ${T.glare.fail}% warn`,
    {
      pass: ['镜片无反光', 'No reflections on lenses'],
      warn: ['镜片可能有反光，建议调整角度或光源避免反光', 'Possible glare on the lenses: tilt the glasses or move the light'],
      fail: ['镜片反光遮挡眼睛，请调整眼镜角度或避开正面光源后重拍', 'Glare on the lenses hides the eyes: change the angle or light'],
    },
    '%',
    (v) => (v >= T.glare.fail ? 'fail' : v >= T.glare.warn ? 'warn' : 'pass'),
  );
}

/**
 * Frames over the eyes: an open eye (by its lid contour) whose opening shows no bright sclera at
 * all behind clear lenses. Warn only: without a frame detector this cannot block a photo.
 */
export function frameCheck(e: EyeMeasures, r: EyeRegionMeasures): CheckResult {
  const open = Math.min(e.earR, e.earL) > COMPLIANCE.eyes.open.warn;
  const v = open ? -r.eyeBright : 0;
  return graded(
    'glasses.frame',
    v,
    `eye opening p95 L* below skin < ${T.frame.warn} pass, else warn`,
    {
      pass: ['镜框未遮挡眼睛', 'Frames clear of the eyes'],
      warn: ['眼睛区域不够清晰，请确认镜框未遮挡眼睛', 'The eyes are not clearly visible: frames must not cover them'],
      fail: ['', ''],
    },
    'ΔL*',
    (x) => (x >= T.frame.warn && tintScore(r) < T.tinted.warn ? 'warn' : 'pass'),
  );
}
