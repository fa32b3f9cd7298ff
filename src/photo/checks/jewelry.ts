// Earrings and necklaces: bright compact spots (metal, stones) at the earlobes and on the neck.
// Warn only: highlights on skin and hair look alike at this resolution.
import type { CheckResult } from '../../domain/checks.js';
import { COMPLIANCE } from '../thresholds.js';
import { graded } from './grade.js';
import type { SideMeasures } from './measures.js';

const T = COMPLIANCE.jewelry;

export function jewelryChecks(s: SideMeasures): CheckResult[] {
  const ear = graded(
    'jewelry.earrings',
    s.earSpark * 100,
    `bright spots below the ears < ${T.earSpark.warn}% pass, else warn`,
    {
      pass: ['未见耳饰', 'No earrings'],
      warn: ['可能佩戴了耳环或耳饰，请摘下后拍摄', 'Possible earrings: take them off'],
      fail: ['', ''],
    },
    '%',
    (v) => (v >= T.earSpark.warn ? 'warn' : 'pass'),
  );
  const neck = graded(
    'jewelry.necklace',
    s.neckSpark * 100,
    `bright spots on the neck < ${T.neckSpark.warn}% pass, else warn`,
    {
      pass: ['未见项链', 'No necklace'],
      warn: ['可能佩戴了项链，请摘下或收进衣领内', 'Possible necklace: take it off or tuck it in'],
      fail: ['', ''],
    },
    '%',
    (v) => (v >= T.neckSpark.warn ? 'warn' : 'pass'),
  );
  return [ear, neck];
}
