// Head covering, hair over the eyes and eyebrows, ears visible and symmetric.
import type { CheckResult } from '../../domain/checks.js';
import { COMPLIANCE } from '../thresholds.js';
import { graded } from './grade.js';
import type { EyeRegionMeasures, HeadMeasures, SideMeasures } from './measures.js';

const T = COMPLIANCE.head;

/** 0..∞: how much the top of the head looks like a covering rather than hair. */
export function coveringScore(h: HeadMeasures): number {
  // Hats add height above the forehead and often colour; brims shade the forehead.
  const tall = Math.max(0, h.crownHeight - T.crownHeightRef) / T.crownHeightRef;
  const colour = Math.max(0, h.topChroma - T.topChromaRef) / T.topChromaRef;
  const shade = Math.max(0, -h.foreheadShade - T.shadeRef) / T.shadeRef;
  const forehead = Math.max(0, T.foreheadSkinRef - h.foreheadSkin) / T.foreheadSkinRef;
  return tall + colour + shade + forehead;
}

export function coveringCheck(h: HeadMeasures): CheckResult {
  return graded(
    'head.covering',
    coveringScore(h),
    `covering score < ${T.covering.warn} pass, < ${T.covering.fail} warn`,
    {
      pass: ['未佩戴帽子或头饰', 'No head covering'],
      warn: ['头部可能有帽子、头巾或头饰，请摘下后拍摄', 'Possible hat, scarf or head accessory: remove it'],
      fail: ['检测到帽子或头部覆盖物，请摘下后重拍', 'Hat or head covering: remove it and retake'],
    },
    undefined,
    (v) => (v >= T.covering.fail ? 'fail' : v >= T.covering.warn ? 'warn' : 'pass'),
  );
}

export function hairChecks(r: EyeRegionMeasures): CheckResult[] {
  const eyes = graded(
    'hair.eyes',
    r.lidSkin,
    `eyelid skin fraction > ${T.lidSkin.warn} pass, > ${T.lidSkin.fail} warn`,
    {
      pass: ['头发未遮挡眼睛', 'Hair clear of the eyes'],
      warn: ['头发可能遮挡眼睛，请将头发拨开露出双眼', 'Hair may cover the eyes: move it aside'],
      fail: ['头发遮挡眼睛，请整理头发露出双眼后重拍', 'Hair covers the eyes: move it aside and retake'],
    },
    undefined,
    (v) => (T.lidSkin.fail !== null && v <= T.lidSkin.fail ? 'fail' : v <= T.lidSkin.warn ? 'warn' : 'pass'),
  );
  const brows = graded(
    'hair.eyebrows',
    r.aboveBrowSkin,
    `skin above the brows > ${T.browSkin.warn} pass, else warn`,
    {
      pass: ['头发未遮挡眉毛', 'Hair clear of the eyebrows'],
      warn: ['刘海可能遮挡眉毛，请将头发拨开露出眉毛', 'A fringe may cover the eyebrows: move it aside'],
      fail: ['刘海遮挡眉毛，请整理头发露出眉毛后重拍', 'Hair covers the eyebrows: move it aside and retake'],
    },
    undefined,
    (v) => (v <= T.browSkin.warn ? 'warn' : 'pass'),
  );
  return [eyes, brows];
}

export function earsCheck(s: SideMeasures, yaw: number): CheckResult {
  // A turned head hides one ear by itself: that is the yaw check's business.
  const v = Math.abs(yaw) > COMPLIANCE.pose.yaw.warn ? 1 : Math.min(s.earSkinR, s.earSkinL);
  return graded(
    'ears.visible',
    v,
    `skin beside the cheeks (lower side) > ${T.earSkin.warn} pass, else warn`,
    {
      pass: ['双耳可见', 'Ears visible'],
      warn: ['耳朵可能被头发遮挡，建议将头发别到耳后、露出双耳', 'Ears may be covered: tuck the hair behind the ears'],
      fail: ['', ''],
    },
    undefined,
    (x) => (x <= T.earSkin.warn ? 'warn' : 'pass'),
  );
}
