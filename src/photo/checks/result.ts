import type { CheckId, CheckResult, CheckStatus } from '../../domain/checks.js';

/** Build a report entry; messages are the student's advice for this outcome. */
export function check(
  id: CheckId,
  status: CheckStatus,
  value: number | null,
  threshold: string,
  zh: string,
  en: string,
  unit?: string,
): CheckResult {
  const round = value === null || !Number.isFinite(value) ? null : Math.round(value * 100) / 100;
  return { id, status, value: round, ...(unit ? { unit } : {}), threshold, message: { zh, en } };
}
