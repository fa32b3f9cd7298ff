// Lips closed (inner-lip gap, teeth) and a neutral expression (expression net + teeth).
import type { CheckResult } from '../../domain/checks.js';
import { STRONG_EXPRESSIONS, type StrongExpression } from '../face/expression.js';
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

/**
 * Angry, disgusted, fearful and surprised together (0..1) from face-api's expression net, and the
 * largest of them. Sad is left out: the net reads calm faces in press photos as sad (up to 0.88),
 * and happy is judged with the teeth (a smile is allowed, a laugh is not).
 */
export function strongExpression(face: FaceAnalysis): { score: number; expression: StrongExpression } {
  let expression: StrongExpression = STRONG_EXPRESSIONS[0];
  const e = face.expression;
  if (!e) return { score: 0, expression };
  let score = 0;
  for (const k of STRONG_EXPRESSIONS) {
    score += e[k];
    if (e[k] > e[expression]) expression = k;
  }
  return { score, expression };
}

const ZH: Record<StrongExpression, string> = {
  angry: '皱眉/生气',
  disgusted: '撇嘴',
  fearful: '惊恐',
  surprised: '惊讶',
};

/**
 * Warn only: teeth between the lips (a smile or grimace) or a strong angry, disgusted, fearful or
 * surprised reading. A laugh with the mouth open fails on mouth.closed; a toothy smile with lips
 * just apart (a clear-glasses negative: teeth 0.64, gap 0.21, "happy" 1.00) goes to review.
 */
export function expressionCheck(face: FaceAnalysis, m: MouthMeasures): CheckResult {
  const e = strongExpression(face);
  const teeth = m.teeth >= T.teeth;
  const strong = e.score >= T.strongExpression;
  const t = `teeth between the lips < ${T.teeth} and ${STRONG_EXPRESSIONS.join(' + ')} < ${T.strongExpression} pass, else warn`;
  const value = Math.max(m.teeth, e.score);
  if (!teeth && !strong) return check('expression.neutral', 'pass', value, t, '表情自然', 'Neutral expression');
  return check(
    'expression.neutral',
    'warn',
    value,
    t,
    `表情不够自然（${teeth ? '露齿笑或咧嘴' : ZH[e.expression]}），请保持自然平静的表情`,
    `Expression not neutral (${teeth ? 'teeth showing' : e.expression})`,
  );
}
