// Lips closed (inner-lip gap, teeth) and a neutral expression (emotion model + mouth geometry).
import type { CheckResult } from '../../domain/checks.js';
import { COMPLIANCE } from '../thresholds.js';
import type { FaceAnalysis } from '../types.js';
import { graded } from './grade.js';
import type { MouthMeasures } from './measures.js';

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

export function expressionCheck(face: FaceAnalysis, m: MouthMeasures): CheckResult {
  const e = expressionScore(face);
  // A broad smile (corners up, teeth) is non-neutral even when the model says "neutral".
  const smile = m.cornerLift >= T.smileLift && m.teeth >= T.smileTeeth;
  const v = smile ? Math.max(e.score, T.emotion.fail) : e.score;
  const what = smile ? '笑容' : (ZH[e.emotion] ?? '表情');
  return graded(
    'expression.neutral',
    v,
    `non-neutral emotion score < ${T.emotion.warn} pass, < ${T.emotion.fail} warn`,
    {
      pass: ['表情自然', 'Neutral expression'],
      warn: [`表情不够自然（${what}），建议保持自然平静的表情`, `Expression not quite neutral (${e.emotion})`],
      fail: [`检测到明显表情（${what}），请保持自然、平静的表情后重拍`, `Strong expression (${smile ? 'smile' : e.emotion}): keep a neutral face`],
    },
    undefined,
    (x) => (x >= T.emotion.fail ? 'fail' : x >= T.emotion.warn ? 'warn' : 'pass'),
  );
}
