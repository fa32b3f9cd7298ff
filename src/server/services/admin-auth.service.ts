import { createHash } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';
import type { AdminSelf } from '../../domain/admin-api.js';
import { KaozhaoError } from '../../domain/errors.js';
import { ADMIN_LOCKOUT } from '../../domain/password-policy.js';
import { can, type Permission } from '../../domain/roles.js';
import type { Admin, AdminRepository } from '../repositories/admin.repository.js';
import type { AuditRepository } from '../repositories/audit.repository.js';
import type { Scope } from '../repositories/counts.repository.js';
import type { OrgRepository, OrgUnit } from '../repositories/org.repository.js';
import type { RateLimitRepository } from '../repositories/rate-limit.repository.js';
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

const LOCK_MS = ADMIN_LOCKOUT.minutes * 60_000;

/** The lock refusal, with the time left in the message and in Retry-After. */
function locked(untilMs: number): KaozhaoError {
  return KaozhaoError.wait('auth.account_locked', (untilMs - Date.now()) / 1000);
}

export function createAdminAuthService(deps: {
  admins: AdminRepository;
  units: OrgRepository;
  sessions: SessionRepository;
  audit: AuditRepository;
  rateLimits: RateLimitRepository;
  sessionMinutes: number;
}) {
  const { admins, units, sessions, audit, rateLimits } = deps;

  /**
   * Counts one password attempt on an existing, active account; refuses it while the account is
   * locked. Sign-in and password change share it, so a stolen session cannot guess the password
   * faster than the sign-in page.
   */
  async function attempt(admin: Admin, password: string): Promise<boolean> {
    const now = Date.now();
    const claim = await admins.claimAttempt(admin.id, ADMIN_LOCKOUT.failures, new Date(now), new Date(now + LOCK_MS));
    if (!claim) {
      await failed(admin, 'locked');
      // The row was read before the claim: a lock set meanwhile by a parallel attempt is not in it.
      const until = admin.lockedUntil?.getTime() ?? 0;
      throw locked(until > now ? until : now + LOCK_MS);
    }
    if (await verify(admin.passwordHash, password)) {
      await admins.attemptSucceeded(admin.id);
      return true;
    }
    await failed(admin, 'password');
    if (claim.lockedUntil) {
      await audit.record({
        adminId: admin.id,
        action: 'auth.locked',
        unitId: admin.unitId,
        detail: { username: admin.username, failures: ADMIN_LOCKOUT.failures, until: claim.lockedUntil.toISOString() },
      });
    }
    return false;
  }

  function failed(admin: Admin, reason: 'password' | 'locked' | 'disabled'): Promise<void> {
    return audit.record({
      adminId: admin.id,
      action: 'auth.login_failed',
      unitId: admin.unitId,
      detail: { username: admin.username, reason },
    });
  }

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
      mustChangePassword: p.admin.mustChangePassword,
    };
  }

  return {
    principal,
    self,
    async login(username: string, password: string): Promise<{ token: string; me: AdminSelf }> {
      const admin = await admins.byUsername(username);
      if (!admin?.active) {
        // Unknown and disabled names lock as accounts do, so "locked" never tells that a username
        // exists: the failures are logged under a hash of the name (the name may be a password
        // typed into the wrong box), and the fifth locks for the same time from that failure.
        const key = `admin-login:${createHash('sha256').update(username.toLowerCase()).digest('base64url')}`;
        const now = Date.now();
        const wait = await rateLimits.claim(key, [key], new Date(now - LOCK_MS), new Date(now), ([log]) =>
          log && log.count >= ADMIN_LOCKOUT.failures && log.last !== null ? log.last + LOCK_MS - now : 0,
        );
        if (admin) await failed(admin, 'disabled');
        else await audit.record({ adminId: null, action: 'auth.login_failed', detail: { reason: 'unknown' } });
        if (wait > 0) throw locked(now + wait);
        dummyHash ??= hash('not-a-password');
        await verify(await dummyHash, password);
        throw KaozhaoError.of('auth.invalid_credentials');
      }
      if (!(await attempt(admin, password))) throw KaozhaoError.of('auth.invalid_credentials');
      const token = await sessions.create('admin', admin.id, deps.sessionMinutes);
      await audit.record({
        adminId: admin.id,
        action: 'auth.login',
        unitId: admin.unitId,
        detail: { username: admin.username },
      });
      return { token, me: self(await principal(admin.id)) };
    },
    /** Checks `password` as a sign-in attempt would (counted, locked, audited on failure). */
    attempt,
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
