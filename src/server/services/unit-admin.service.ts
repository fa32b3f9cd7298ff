// The unit tree as an HQ IT office manages it: list within scope, add a branch/college under HQ or
// a centre under a branch (unique code), rename. Every change is audit-logged.

import type { Db } from '../../db/client.js';
import type { UnitCreateRequest, UnitNode } from '../../domain/admin-api.js';
import { KaozhaoError } from '../../domain/errors.js';
import { CHILD_LEVEL } from '../../domain/roles.js';
import { createAuditRepository } from '../repositories/audit.repository.js';
import { createOrgRepository, type OrgRepository, type OrgUnit, unitContains } from '../repositories/org.repository.js';
import type { AdminAuthService, AdminPrincipal } from './admin-auth.service.js';
import { cleanText, isUniqueViolation } from './manage-common.js';

export const UNIT_CODE_PATTERN = '^[A-Za-z0-9_-]{1,32}$';
export const UNIT_NAME_MAX = 60;

export function toUnitNode(u: OrgUnit): UnitNode {
  return { id: u.id, code: u.code, name: u.name, level: u.level, parentId: u.parentId };
}

export function createUnitAdminService(deps: { db: Db; units: OrgRepository; auth: AdminAuthService }) {
  const { db, units, auth } = deps;

  return {
    /** The units in the admin's scope, in id order (parents before children). */
    async list(p: AdminPrincipal): Promise<UnitNode[]> {
      return (await units.all()).filter((u) => unitContains(p.unit, u)).map(toUnitNode);
    },

    async create(p: AdminPrincipal, req: UnitCreateRequest): Promise<UnitNode> {
      auth.can(p, 'manageUnits');
      const parent = await auth.unitInScope(p, req.parentId);
      const level = CHILD_LEVEL[parent.level];
      if (!level) throw KaozhaoError.of('unit.parent_invalid');
      const code = req.code.trim();
      if (!new RegExp(UNIT_CODE_PATTERN).test(code)) throw KaozhaoError.of('unit.code_invalid');
      const name = cleanText(req.name, UNIT_NAME_MAX);
      if (!name) throw KaozhaoError.of('unit.name_required');
      if (await units.byCode(code)) throw KaozhaoError.of('unit.code_taken');
      try {
        const u = await db.transaction(async (tx) => {
          const created = await createOrgRepository(tx).create({ parentId: parent.id, level, code, name });
          await createAuditRepository(tx).record({
            adminId: p.admin.id,
            action: 'unit.create',
            unitId: created.id,
            detail: { code, name, level, parentId: parent.id },
          });
          return created;
        });
        return toUnitNode(u);
      } catch (e) {
        if (isUniqueViolation(e)) throw KaozhaoError.of('unit.code_taken');
        throw e;
      } finally {
        units.invalidate();
      }
    },

    /** HQ renames any unit; a branch its centres (not itself). */
    async rename(p: AdminPrincipal, id: number, rawName: string): Promise<UnitNode> {
      auth.can(p, 'manageUnits');
      const unit = await auth.unitInScope(p, id);
      if (p.unit.level !== 'hq' && unit.id === p.unit.id) throw KaozhaoError.of('auth.forbidden');
      const name = cleanText(rawName, UNIT_NAME_MAX);
      if (!name) throw KaozhaoError.of('unit.name_required');
      const u = await db.transaction(async (tx) => {
        const renamed = (await createOrgRepository(tx).rename(unit.id, name))!;
        await createAuditRepository(tx).record({
          adminId: p.admin.id,
          action: 'unit.rename',
          unitId: unit.id,
          detail: { code: unit.code, from: unit.name, to: name },
        });
        return renamed;
      });
      units.invalidate();
      return toUnitNode(u);
    },
  };
}
export type UnitAdminService = ReturnType<typeof createUnitAdminService>;
