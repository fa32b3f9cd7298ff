// The audit log as the console reads it: scoped to the unit subtree, newest first, no personal data.
import type { AuditLogItem } from '../../domain/admin-api.js';
import type { AuditRepository } from '../repositories/audit.repository.js';
import type { AdminAuthService, AdminPrincipal } from './admin-auth.service.js';

export interface AuditLogQuery {
  unitId?: number;
  action?: string;
  limit?: number;
  offset?: number;
}

export function createAuditLogService(deps: { audit: AuditRepository; auth: AdminAuthService }) {
  const { audit, auth } = deps;
  return {
    async list(p: AdminPrincipal, q: AuditLogQuery): Promise<AuditLogItem[]> {
      auth.can(p, 'audit');
      const unit = await auth.unitInScope(p, q.unitId);
      const rows = await audit.list({ unit, action: q.action, limit: q.limit ?? 50, offset: q.offset ?? 0 });
      return rows.map((r) => ({ ...r, at: r.at.toISOString() }));
    },
  };
}
export type AuditLogService = ReturnType<typeof createAuditLogService>;
