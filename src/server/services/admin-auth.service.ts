import { hash, verify } from '@node-rs/argon2';
import type { AdminSelf } from '../../domain/admin-api.js';
import { KaozhaoError } from '../../domain/errors.js';
import { can, type Permission } from '../../domain/roles.js';
import type { Admin, AdminRepository } from '../repositories/admin.repository.js';
import type { Scope } from '../repositories/counts.repository.js';
import type { OrgRepository, OrgUnit } from '../repositories/org.repository.js';
import type { SessionRepository } from '../repositories/session.repository.js';

export interface AdminPrincipal {
  admin: Admin;
  unit: OrgUnit;
}

export function scopeOf(unit: OrgUnit): Scope {
  if (unit.level === 'centre') return { centreId: unit.id };
  if (unit.level === 'branch') return { branchId: unit.id };
  return {};
}

// A fixed hash to verify against when the username is unknown, so timing does not reveal it.
let dummyHash: Promise<string> | undefined;

export function hashPassword(password: string): Promise<string> {
  return hash(password);
}

export function createAdminAuthService(deps: {
  admins: AdminRepository;
  units: OrgRepository;
  sessions: SessionRepository;
  sessionMinutes: number;
}) {
  const { admins, units, sessions } = deps;

  async function principal(adminId: number): Promise<AdminPrincipal> {
    const admin = await admins.byId(adminId);
    if (!admin?.active) throw KaozhaoError.of('session.expired');
    const unit = await units.byId(admin.unitId);
    if (!unit) throw KaozhaoError.of('session.expired');
    return { admin, unit };
  }

  function self(p: AdminPrincipal): AdminSelf {
    return {
      id: p.admin.id,
      username: p.admin.username,
      displayName: p.admin.displayName,
      role: p.admin.role,
      unit: { id: p.unit.id, level: p.unit.level, name: p.unit.name, code: p.unit.code },
    };
  }

  return {
    principal,
    self,
    async login(username: string, password: string): Promise<{ token: string; me: AdminSelf }> {
      const admin = await admins.byUsername(username);
      if (!admin?.active) {
        dummyHash ??= hash('not-a-password');
        await verify(await dummyHash, password);
        throw KaozhaoError.of('auth.invalid_credentials');
      }
      if (!(await verify(admin.passwordHash, password))) throw KaozhaoError.of('auth.invalid_credentials');
      const token = await sessions.create('admin', admin.id, deps.sessionMinutes);
      return { token, me: self(await principal(admin.id)) };
    },
    can(p: AdminPrincipal, perm: Permission): void {
      if (!can(p.admin.role, perm)) throw KaozhaoError.of('auth.forbidden');
    },
    /** The requested unit (default: the admin's own), if it lies inside the admin's scope. */
    async unitInScope(p: AdminPrincipal, unitId: number | undefined): Promise<OrgUnit> {
      if (unitId === undefined || unitId === p.unit.id) return p.unit;
      const unit = await units.byId(unitId);
      if (!unit) throw KaozhaoError.of('unit.not_found');
      if (!contains(p.unit, unit, await units.byId(unit.parentId ?? -1))) throw KaozhaoError.of('auth.out_of_scope');
      return unit;
    },
    /** Whether a student at `centreId` (in branch `branchId`) is visible to the admin. */
    studentInScope(p: AdminPrincipal, s: { centreId: number; branchId: number }): boolean {
      const sc = scopeOf(p.unit);
      if (sc.centreId !== undefined) return s.centreId === sc.centreId;
      if (sc.branchId !== undefined) return s.branchId === sc.branchId;
      return true;
    },
  };
}

function contains(scope: OrgUnit, unit: OrgUnit, parent: OrgUnit | undefined): boolean {
  if (scope.level === 'hq') return true;
  if (scope.level === 'branch') return unit.id === scope.id || unit.parentId === scope.id;
  return unit.id === scope.id && parent !== undefined;
}
export type AdminAuthService = ReturnType<typeof createAdminAuthService>;
