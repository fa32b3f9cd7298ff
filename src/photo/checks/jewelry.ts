// Earrings and necklaces: bright compact spots (metal, stones) below the ears and on the neck.
// Not validated: the two jewellery photos of the set read 0 and bright skin or white collars read
// high, so these never warn; a high value adds a reminder to a passing entry.
import type { CheckResult } from '../../domain/checks.js';
import { COMPLIANCE } from '../thresholds.js';
import type { SideMeasures } from './measures.js';
import { check } from './result.js';

const T = COMPLIANCE.jewelry;

export function jewelryChecks(s: SideMeasures): CheckResult[] {
  const ear = s.earSpark * 100;
  const neck = s.neckSpark * 100;
  return [
    check(
      'jewelry.earrings',
      'pass',
      ear,
      `advisory: bright spots below the ears < ${T.earSparkTip}%`,
      ear >= T.earSparkTip ? '请确认未佩戴耳环、耳钉等耳饰' : '未见耳饰',
      ear >= T.earSparkTip ? 'Make sure no earrings are worn' : 'No earrings seen',
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
