// Turning a measure into pass / warn / fail with the student's advice.
import type { CheckId, CheckResult } from '../../domain/checks.js';
import { check } from './result.js';

export interface Advice {
  pass: [zh: string, en: string];
  warn: [zh: string, en: string];
  fail: [zh: string, en: string];
}

/** warn/fail limits; `fail: null` = this check only ever warns. */
export interface Limits {
  warn: number;
  fail: number | null;
}

const fmt = (v: number) => String(Math.round(v * 1000) / 1000);

/** Higher is worse: ≥ fail → fail, ≥ warn → warn. */
export function above(id: CheckId, value: number | null, lim: Limits, advice: Advice, unit?: string): CheckResult {
  const t =
    lim.fail === null ? `< ${fmt(lim.warn)} pass, else warn` : `< ${fmt(lim.warn)} pass, < ${fmt(lim.fail)} warn`;
  return graded(id, value, t, advice, unit, (v) =>
    lim.fail !== null && v >= lim.fail ? 'fail' : v >= lim.warn ? 'warn' : 'pass',
  );
}

/** Lower is worse: ≤ fail → fail, ≤ warn → warn. */
export function below(id: CheckId, value: number | null, lim: Limits, advice: Advice, unit?: string): CheckResult {
  const t =
    lim.fail === null ? `> ${fmt(lim.warn)} pass, else warn` : `> ${fmt(lim.warn)} pass, > ${fmt(lim.fail)} warn`;
  return graded(id, value, t, advice, unit, (v) =>
    lim.fail !== null && v <= lim.fail ? 'fail' : v <= lim.warn ? 'warn' : 'pass',
  );
}

export function graded(
  id: CheckId,
  value: number | null,
  threshold: string,
  advice: Advice,
  unit: string | undefined,
  judge: (v: number) => 'pass' | 'warn' | 'fail',
): CheckResult {
  if (value === null || !Number.isFinite(value))
    return check(
      id,
      'warn',
      null,
      threshold,
      '无法测量此项，将由人工审核',
      'Could not be measured: a reviewer will check',
      unit,
    );
  const s = judge(value);
  const [zh, en] = advice[s];
  return check(id, s, value, threshold, zh, en, unit);
}
