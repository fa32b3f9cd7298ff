// Compliance checks (photo-spec.md §2) over the aligned crop, its matte and the face analysis.
import type { CheckResult } from '../../domain/checks.js';
import type { CheckContext } from '../types.js';

export function runComplianceChecks(_ctx: CheckContext): CheckResult[] {
  return [];
}
