import { and, desc, eq, like, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.js';
import { admins, auditLog, orgUnits } from '../../db/schema.js';
import type { AuditAction } from '../../domain/audit.js';
import { inSubtree, type OrgUnit } from './org.repository.js';

export interface AuditEntry {
  adminId: number | null;
  action: AuditAction;
  unitId?: number | null;
  detail?: Record<string, unknown>;
  studentIds?: number[];
  studentCount?: number;
}

/** A log line as the console lists it: who, what, where, how many; never which students. */
export interface AuditListRow {
  id: number;
  at: Date;
  adminUsername: string | null;
  action: string;
  unitId: number | null;
  unitName: string | null;
  studentCount: number;
  detail: Record<string, unknown>;
}

export interface AuditQuery {
  /** Entries on this unit's subtree (HQ: all, including entries without a unit). */
  unit: OrgUnit;
  /** One action (review.reject) or, without a dot, a family (review → review.*). */
  action?: string;
  limit: number;
  offset: number;
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
    /** The detail of the newest entry of `action` (a scheduled job reads where its last run got to). */
    async latestDetail(action: AuditAction): Promise<Record<string, unknown> | undefined> {
      const [row] = await db
        .select({ detail: auditLog.detail })
        .from(auditLog)
        .where(eq(auditLog.action, action))
        .orderBy(desc(auditLog.id))
        .limit(1);
      return row?.detail;
    },
    /** Newest first. studentIds is never read here: the list shows counts only. */
    async list(q: AuditQuery): Promise<AuditListRow[]> {
      const filters: (SQL | undefined)[] = [inSubtree(auditLog.unitId, q.unit)];
      if (q.action) {
        filters.push(q.action.includes('.') ? eq(auditLog.action, q.action) : like(auditLog.action, `${q.action}.%`));
      }
      return db
        .select({
          id: auditLog.id,
          at: auditLog.at,
          adminUsername: admins.username,
          action: auditLog.action,
          unitId: auditLog.unitId,
          unitName: orgUnits.name,
          studentCount: auditLog.studentCount,
          detail: auditLog.detail,
        })
        .from(auditLog)
        .leftJoin(admins, eq(admins.id, auditLog.adminId))
        .leftJoin(orgUnits, eq(orgUnits.id, auditLog.unitId))
        .where(and(...filters))
        .orderBy(desc(auditLog.at), desc(auditLog.id))
        .limit(q.limit)
        .offset(q.offset);
    },
  };
}
export type AuditRepository = ReturnType<typeof createAuditRepository>;
