// Lips closed (inner-lip gap, teeth) and a neutral expression (emotion model + mouth geometry).
import type { CheckResult } from '../../domain/checks.js';
import { COMPLIANCE } from '../thresholds.js';
import type { FaceAnalysis } from '../types.js';
import { graded } from './grade.js';
import type { MouthMeasures } from './measures.js';
import { check } from './result.js';

const T = COMPLIANCE.mouth;

export function mouthCheck(m: MouthMeasures): CheckResult {
  return graded(
    'mouth.closed',
    m.gap,
    `inner-lip gap / mouth width < ${T.gap.warn} pass, < ${T.gap.fail} warn`,
    {
      pass: ['嘴唇自然闭合', 'Lips closed'],
      warn: ['嘴唇略张开，建议自然闭合嘴唇', 'Lips slightly apart: close them naturally'],
      fail: ['检测到张嘴或露齿，请自然闭合嘴唇后重拍', 'Mouth open: close your lips and retake'],
    },
    undefined,
    (v) => (v >= T.gap.fail ? 'fail' : v >= T.gap.warn ? 'warn' : 'pass'),
  );
}

/** The strongest non-neutral emotion score of the model (0..1). */
export function expressionScore(face: FaceAnalysis): { score: number; emotion: string } {
  let best = { score: 0, emotion: 'neutral' };
  for (const e of face.emotion ?? []) if (e.emotion !== 'neutral' && e.score > best.score) best = e;
  return best;
}

const ZH: Record<string, string> = {
  happy: '笑容',
  sad: '悲伤',
  angry: '皱眉/生气',
  disgust: '撇嘴',
  fear: '惊恐',
  surprise: '惊讶',
};

/**
 * Warn only: the emotion model calls a third of the neutral portraits sad, fearful or happy, so it
 * cannot block a photo. Flags teeth between the lips (a smile or grimace) and a strong angry,
 * disgusted or surprised reading; fails only a laugh (teeth and the model's "happy" agree).
 */
export function expressionCheck(face: FaceAnalysis, m: MouthMeasures): CheckResult {
  const e = expressionScore(face);
  const teeth = m.teeth >= T.teeth;
  const strong = T.strongEmotions.includes(e.emotion) && e.score >= T.emotion;
  const laugh = teeth && m.gap >= T.laughGap && e.emotion === 'happy' && e.score >= T.laugh;
  const status = laugh ? 'fail' : teeth || strong ? 'warn' : 'pass';
  const what = teeth ? '露齿笑或咧嘴' : (ZH[e.emotion] ?? '表情');
  const t = `teeth between the lips < ${T.teeth}, ${T.strongEmotions.join('/')} score < ${T.emotion} pass; laugh (teeth, lip gap ≥ ${T.laughGap}, happy ≥ ${T.laugh}) fail`;
  const value = Math.max(m.teeth, strong ? e.score : 0);
  if (status === 'pass') return check('expression.neutral', 'pass', value, t, '表情自然', 'Neutral expression');
  if (status === 'fail')
    return check(
      'expression.neutral',
      'fail',
      value,
      t,
      '检测到大笑，请保持自然、平静的表情，嘴唇闭合后重拍',
      'Laughing: keep a neutral face with closed lips',
    );
  return check(
    'expression.neutral',
    'warn',
    value,
    t,
    `表情不够自然（${what}），请保持自然平静的表情`,
    `Expression not neutral (${teeth ? 'teeth showing' : e.emotion})`,
  );
}
