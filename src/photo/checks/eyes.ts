// Eyes open (eye aspect ratio from the refined eye contour) and gaze (iris within the eye).
import type { CheckResult } from '../../domain/checks.js';
import { COMPLIANCE } from '../thresholds.js';
import { below, graded } from './grade.js';
import type { EyeMeasures } from './measures.js';

const T = COMPLIANCE.eyes;

export function eyeChecks(e: EyeMeasures, gazeStrength: number, yaw: number): CheckResult[] {
  const open = below(
    'eyes.open',
    Math.min(e.earR, e.earL),
    T.open,
    {
      pass: ['双眼自然睁开', 'Eyes open'],
      warn: ['眼睛睁开不足，建议自然睁大双眼重拍', 'Eyes narrowly open: open them naturally'],
      fail: ['检测到闭眼，请自然睁开双眼后重拍', 'Eyes closed: open both eyes and retake'],
    },
    'EAR',
  );
  // Gaze: Human's iris-based gaze strength. Closed eyes have no gaze, and a turned head is the
  // yaw check's business, so those pass here.
  const judgeable = Math.min(e.earR, e.earL) > T.open.fail && Math.abs(yaw) < COMPLIANCE.pose.yaw.warn;
  const gaze = graded(
    'eyes.gaze',
    gazeStrength,
    `gaze strength < ${T.gaze.warn} pass, < ${T.gaze.fail} warn`,
    {
      pass: ['双眼平视镜头', 'Looking at the lens'],
      warn: ['视线略偏，请双眼平视镜头', 'Gaze slightly off: look at the lens'],
      fail: ['视线偏离镜头，请双眼平视镜头后重拍', 'Looking away: look straight at the lens'],
    },
    undefined,
    (v) => (!judgeable ? 'pass' : v >= T.gaze.fail ? 'fail' : v >= T.gaze.warn ? 'warn' : 'pass'),
  );
  return [open, gaze];
}
