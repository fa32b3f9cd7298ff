import type { DbOrTx } from '../../db/client.js';
import { auditLog } from '../../db/schema.js';

export interface AuditEntry {
  adminId: number | null;
  action: string;
  unitId?: number | null;
  detail?: Record<string, unknown>;
  studentIds?: number[];
  studentCount?: number;
}

export function createAuditRepository(db: DbOrTx) {
  return {
    async record(e: AuditEntry): Promise<void> {
      await db.insert(auditLog).values({
        adminId: e.adminId,
        action: e.action,
        unitId: e.unitId ?? null,
        detail: e.detail ?? {},
        studentIds: e.studentIds ?? null,
        studentCount: e.studentCount ?? e.studentIds?.length ?? 0,
      });
    },
  };
}
export type AuditRepository = ReturnType<typeof createAuditRepository>;
