// Head pose (graduate-exam rule: rotation within 10°) and shoulder balance.
import type { CheckResult } from '../../domain/checks.js';
import { COMPLIANCE } from '../thresholds.js';
import { above } from './grade.js';
import type { PoseMeasures, SideMeasures } from './measures.js';
import { check } from './result.js';

const T = COMPLIANCE.pose;

export function poseChecks(p: PoseMeasures): CheckResult[] {
  const yaw = above(
    'pose.yaw',
    Math.abs(p.yaw),
    T.yaw,
    {
      pass: ['正对镜头', 'Facing the lens'],
      warn: ['头部略有侧转，建议正对镜头重拍', 'Head slightly turned: face the lens'],
      fail: ['头部侧转，请正对镜头、双眼平视后重拍', 'Head turned: face the lens directly'],
    },
    '°',
  );
  // The pose model reads frontal faces as ~5–10° chin-down, so the bands are asymmetric.
  const lim = p.pitch < 0 ? T.pitchUp : T.pitchDown;
  const pitch = above(
    'pose.pitch',
    Math.abs(p.pitch),
    lim,
    {
      pass: ['头部不仰不低', 'Head level'],
      warn: [
        p.pitch > 0 ? '头部略低，建议抬头平视镜头' : '头部略仰，建议微收下巴平视镜头',
        p.pitch > 0 ? 'Head slightly down: look straight ahead' : 'Head slightly up: lower the chin a little',
      ],
      fail: [
        p.pitch > 0 ? '低头明显，请抬头、镜头与眼睛同高后重拍' : '仰头明显，请收下巴、镜头与眼睛同高后重拍',
        p.pitch > 0 ? 'Head tilted down: hold the camera at eye level' : 'Head tilted up: hold the camera at eye level',
      ],
    },
    '°',
  );
  const r = Math.abs(p.roll);
  let roll: CheckResult;
  if (r >= T.rotatedImage)
    roll = check(
      'pose.roll',
      'fail',
      r,
      `< ${T.roll.warn}° pass, < ${T.roll.fail}° warn`,
      '照片方向不正（横置或倒置），请竖持手机、人像朝上后重拍',
      'The photo is rotated: hold the phone upright and retake',
      '°',
    );
  else
    roll = above(
      'pose.roll',
      r,
      T.roll,
      {
        pass: ['头部端正', 'Head level'],
        warn: ['头部略歪，建议摆正头部重拍', 'Head slightly tilted: keep it upright'],
        fail: ['头部歪斜超过 10°，请摆正头部、双肩放平后重拍', 'Head tilted more than 10°: keep it upright'],
      },
      '°',
    );
  return [yaw, pitch, roll];
}

export function shoulderCheck(s: SideMeasures): CheckResult {
  const v = s.shoulderAngle === null ? null : Math.abs(s.shoulderAngle);
  if (v === null)
    return check(
      'shoulders.level',
      'pass',
      null,
      `< ${T.shoulders.warn}° pass`,
      '未能定位双肩，按通过处理',
      'Shoulders not located; not judged',
      '°',
    );
  return above(
    'shoulders.level',
    v,
    T.shoulders,
    {
      pass: ['双肩平衡', 'Shoulders level'],
      warn: ['双肩略不平，建议坐正、双肩放平', 'Shoulders slightly uneven: sit straight'],
      fail: ['双肩明显不平，请坐正、双肩放平后重拍', 'Shoulders uneven: sit straight, shoulders level'],
    },
    '°',
  );
}
