// Nothing over the face (mask, hand) and no heavy make-up.
import type { CheckResult } from '../../domain/checks.js';
import { COMPLIANCE } from '../thresholds.js';
import { graded } from './grade.js';
import type { SkinMeasures } from './measures.js';
import { check } from './result.js';

const T = COMPLIANCE.occlusion;

export function occlusionCheck(s: SkinMeasures, mouthGap: number): CheckResult {
  const t = `cheeks darker than the nose bridge < ${T.darkCover.warn} L* pass, < ${T.darkCover.fail} warn; white over closed lips < ${T.whiteCover.warn}; hand keypoint < ${T.hand.warn}`;
  const dark = s.bridgeL - s.skin.L;
  const white = mouthGap < T.whiteCoverMaxGap ? s.mouthWhite : 0;
  const maskFail = dark >= T.darkCover.fail || white >= T.whiteCover.fail;
  const maskWarn = dark >= T.darkCover.warn || white >= T.whiteCover.warn;
  if (maskFail)
    return check(
      'face.occlusion',
      'fail',
      dark,
      t,
      '检测到口罩或遮挡物，请摘下口罩、露出完整面部后重拍',
      'Mask or cover on the face: remove it and retake',
      'ΔL*',
    );
  if (s.handNearFace >= T.hand.fail)
    return check(
      'face.occlusion',
      'fail',
      dark,
      t,
      '检测到手遮挡面部，请放下手后重拍',
      'A hand covers the face: lower it and retake',
      'ΔL*',
    );
  if (maskWarn)
    return check(
      'face.occlusion',
      'warn',
      dark,
      t,
      '面部下方可能有遮挡，请确认未佩戴口罩、手未挡脸',
      'The lower face may be covered: no mask, hands down',
      'ΔL*',
    );
  if (s.handNearFace >= T.hand.warn)
    return check(
      'face.occlusion',
      'warn',
      dark,
      t,
      '手可能靠近面部，请放下双手后拍摄',
      'A hand may be near the face: keep hands down',
      'ΔL*',
    );
  return check('face.occlusion', 'pass', dark, t, '面部无遮挡', 'Nothing covering the face', 'ΔL*');
}

export function makeupCheck(s: SkinMeasures): CheckResult {
  const M = COMPLIANCE.makeup;
  return graded(
    'makeup.heavy',
    s.lipChroma,
    `lip chroma − skin chroma < ${M.lipChroma.warn} pass, else warn`,
    {
      pass: ['未见浓妆', 'No heavy make-up'],
      warn: ['可能化了浓妆（唇色明显），建议淡妆或素颜拍摄', 'Possibly heavy make-up (strong lip colour)'],
      fail: ['', ''],
    },
    undefined,
    (v) => (v >= M.lipChroma.warn ? 'warn' : 'pass'),
  );
}
