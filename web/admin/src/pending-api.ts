// Shapes for two admin endpoints the server does not offer yet (campaign management, audit log).
// They are proposals for src/domain/admin-api.ts: once the server helper adds them there, import
// from there and delete this file. Field names follow the campaigns and audit_log tables.
import type { SupportContact } from '../../../src/domain/api.js';

/** GET /api/admin/campaigns → { items }; POST /api/admin/campaigns; PUT /api/admin/campaigns/:id */
export interface AdminCampaign {
  id: string;
  name: string;
  /** e.g. 2026-2 (year, term 1 spring / 2 autumn). */
  semester: string;
  startsAt: string;
  endsAt: string;
  /** An approved photo from the last N semesters exempts a student. */
  exemptionSemesters: number;
  support: SupportContact[];
}
export type AdminCampaignInput = Omit<AdminCampaign, 'id'>;
export interface CampaignsResponse {
  items: AdminCampaign[];
}

/** GET /api/admin/audit?unitId=&limit=&offset= → { items } (newest first, scoped like everything else). */
export interface AuditLogItem {
  id: number;
  at: string;
  adminUsername: string | null;
  action: string;
  unitName: string | null;
  studentCount: number;
  /** Non-personal detail: filters, counts, file names. */
  detail: Record<string, unknown>;
}
export interface AuditLogResponse {
  items: AuditLogItem[];
}
