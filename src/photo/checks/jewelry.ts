// Earrings: glints (metal, stones) beside the jaw below the ear lobes; warn only, since shiny hair
// in sunlight glints too. Necklaces: bright spots on the neck, advisory only: glints on the neck
// do not tell a necklace from a textured collar (thresholds.ts).
import type { CheckResult } from '../../domain/checks.js';
import { COMPLIANCE } from '../thresholds.js';
import type { SideMeasures } from './measures.js';
import { check } from './result.js';

const T = COMPLIANCE.jewelry;

export function jewelryChecks(s: SideMeasures): CheckResult[] {
  const ear = s.earGlint * 100;
  const neck = s.neckSpark * 100;
  const earrings = ear >= T.earGlint.warn;
  return [
    check(
      'jewelry.earrings',
      earrings ? 'warn' : 'pass',
      ear,
      `glints beside the jaw below the ear lobes < ${T.earGlint.warn}% pass, else warn`,
      earrings ? '检测到可能佩戴耳环或耳坠，请摘下耳饰后重拍' : '未见耳饰',
      earrings ? 'Earrings seen: take them off and retake' : 'No earrings seen',
      '%',
    ),
    check(
      'jewelry.necklace',
      'pass',
      neck,
      `advisory: bright spots on the neck < ${T.neckSparkTip}%`,
      neck >= T.neckSparkTip ? '请确认未佩戴项链，或将其收进衣领内' : '未见项链',
      neck >= T.neckSparkTip ? 'Make sure no necklace is visible' : 'No necklace seen',
      '%',
    ),
  ];
}
