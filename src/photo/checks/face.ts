// Nothing over the face (mask, hand) and no heavy make-up.
import type { CheckResult } from '../../domain/checks.js';
import { COMPLIANCE, MAKING } from '../thresholds.js';
import { graded } from './grade.js';
import type { FrameMeasures, SkinMeasures } from './measures.js';
import { check } from './result.js';

const T = COMPLIANCE.occlusion;

/** `faceScore`: the face-mesh model's confidence in the face (low when half of it is covered). */
export function occlusionCheck(s: SkinMeasures, mouthGap: number, fr: FrameMeasures, faceScore: number): CheckResult {
  const t = `face-mesh confidence < ${MAKING.faceScore} fail; cheeks darker than the nose bridge < ${T.darkCover.warn} L* pass, < ${T.darkCover.fail} warn; white over closed lips < ${T.whiteCover.warn}; hand on the face (hand model score) < ${T.hand.warn} pass, < ${T.hand.fail} warn; face outside the photo < ${T.faceOutside.warn} pass, < ${T.faceOutside.fail} warn`;
  const dark = s.bridgeL - s.skin.L;
  // The photo's own edge cuts the face: the crop fills the missing part with background.
  if (fr.faceOutside >= T.faceOutside.warn)
    return check(
      'face.occlusion',
      fr.faceOutside >= T.faceOutside.fail ? 'fail' : 'warn',
      fr.faceOutside,
      t,
      '脸部被照片边缘截断，请让整张脸和双肩位于画面中央后重拍',
      'The photo edge cuts off part of the face: centre your face and shoulders in the frame',
    );
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
  // A hand beside the face (at the shoulder, holding the phone) is not over it. The hand entries
  // carry the hand model's score as their value.
  const hand = s.handOnFace >= T.handKeypointsOnFace ? s.handScore : 0;
  if (hand >= T.hand.fail)
    return check(
      'face.occlusion',
      'fail',
      hand,
      t,
      '检测到手遮挡面部，请放下手后重拍',
      'A hand covers the face: lower it and retake',
    );
  // The mesh model doubts the face (found on the detector's word alone): its landmarks, and so
  // the layout and every measure, are unsure. Such a photo used to be refused as faceless; it
  // still is, with advice the student can act on.
  if (faceScore < MAKING.faceScore)
    return check(
      'face.occlusion',
      'fail',
      faceScore,
      t,
      '面部被口罩、墨镜或其他物品遮挡，请露出完整面部后重拍',
      'The face is covered (mask, sunglasses): show the whole face and retake',
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
  if (hand >= T.hand.warn)
    return check(
      'face.occlusion',
      'warn',
      hand,
      t,
      '手可能靠近面部，请放下双手后拍摄',
      'A hand may be near the face: keep hands down',
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
