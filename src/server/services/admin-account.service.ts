// Admin accounts within the caller's scope: HQ manages every role, a branch the centre admins,
// reviewers and invigilators of its subtree, a centre its own invigilators. Passwords are argon2 hashes; changes are audit-logged (account name and
// role, never the display name or password). A password another admin chose (create, reset) must
// be replaced by its owner at first sign-in; one's own password changes only with the current one.

import type { Db } from '../../db/client.js';
import type {
  AdminAccount,
  AdminAccountsResponse,
  AdminCreateRequest,
  AdminSelf,
  AdminUpdateRequest,
} from '../../domain/admin-api.js';
import type { AuditAction } from '../../domain/audit.js';
import { ERRORS, KaozhaoError } from '../../domain/errors.js';
import { checkPasswordPolicy, PASSWORD_RULES } from '../../domain/password-policy.js';
import { canManageRole, ROLE_UNIT_LEVELS } from '../../domain/roles.js';
import {
  type Admin,
  type AdminChanges,
  type AdminListRow,
  type AdminRepository,
  createAdminRepository,
} from '../repositories/admin.repository.js';
import { createAuditRepository } from '../repositories/audit.repository.js';
import { type AdminAuthService, type AdminPrincipal, hashPassword } from './admin-auth.service.js';
import { cleanText, isUniqueViolation } from './manage-common.js';

export { PASSWORD_MAX_LENGTH } from '../../domain/password-policy.js';
export const USERNAME_PATTERN = '^[A-Za-z0-9_.-]{3,32}$';
export const DISPLAY_NAME_MAX = 40;

function toAccount(r: AdminListRow): AdminAccount {
  // A lock that has run out is no lock: the list shows none rather than a time in the past.
  const lockedUntil = r.lockedUntil && r.lockedUntil.getTime() > Date.now() ? r.lockedUntil.toISOString() : null;
  return { ...r, createdAt: r.createdAt.toISOString(), lockedUntil };
}

/** Refuses a password that breaks the policy, naming the rule (the same text the console shows). */
export function assertPasswordPolicy(username: string, password: string): void {
  const rule = checkPasswordPolicy(username, password);
  if (!rule) return;
  const e = ERRORS['admin.password_weak'];
  const r = PASSWORD_RULES[rule];
  throw new KaozhaoError('admin.password_weak', e.status, `${e.zh}：${r.zh}`, `${e.en}: ${r.en}`);
}

export function createAdminAccountService(deps: { db: Db; admins: AdminRepository; auth: AdminAuthService }) {
  const { db, admins, auth } = deps;

  /** The account, if the caller may manage it (scope and role); one's own passes the role test. */
  async function managed(p: AdminPrincipal, id: number): Promise<Admin> {
    auth.can(p, 'manageAdmins');
    const target = await admins.byId(id);
    if (!target) throw KaozhaoError.of('admin.not_found');
    await auth.unitInScope(p, target.unitId);
    if (target.id !== p.admin.id && !canManageRole(p.admin.role, target.role)) throw KaozhaoError.of('auth.forbidden');
    return target;
  }

  return {
    async list(p: AdminPrincipal, unitId: number | undefined, limit: number, offset: number) {
      auth.can(p, 'manageAdmins');
      const unit = await auth.unitInScope(p, unitId);
      const { items, total } = await admins.list(unit, limit, offset);
      return { items: items.map(toAccount), total } satisfies AdminAccountsResponse;
    },

    async create(p: AdminPrincipal, req: AdminCreateRequest): Promise<AdminAccount> {
      auth.can(p, 'manageAdmins');
      if (!canManageRole(p.admin.role, req.role)) throw KaozhaoError.of('auth.forbidden');
      const unit = await auth.unitInScope(p, req.unitId);
      if (!ROLE_UNIT_LEVELS[req.role].includes(unit.level)) throw KaozhaoError.of('admin.role_unit_mismatch');
      const username = req.username.trim();
      if (!new RegExp(USERNAME_PATTERN).test(username)) throw KaozhaoError.of('admin.username_invalid');
      const displayName = cleanText(req.displayName, DISPLAY_NAME_MAX);
      if (!displayName) throw KaozhaoError.of('admin.display_name_required');
      assertPasswordPolicy(username, req.password);
      if (await admins.byUsername(username)) throw KaozhaoError.of('admin.username_taken');
      const passwordHash = await hashPassword(req.password);
      try {
        const id = await db.transaction(async (tx) => {
          const a = await createAdminRepository(tx).create({
            username,
            displayName,
            passwordHash,
            role: req.role,
            unitId: unit.id,
            mustChangePassword: true,
          });
          await createAuditRepository(tx).record({
            adminId: p.admin.id,
            action: 'admin.create',
            unitId: unit.id,
            detail: { targetAdminId: a.id, username, role: req.role },
          });
          return a.id;
        });
        return toAccount((await admins.listRow(id))!);
      } catch (e) {
        if (isUniqueViolation(e)) throw KaozhaoError.of('admin.username_taken');
        throw e;
      }
    },

    /** Disable/enable, reset the password, rename; a disabled or reset account is signed out. */
    async update(p: AdminPrincipal, id: number, req: AdminUpdateRequest): Promise<AdminAccount> {
      const target = await managed(p, id);
      const self = target.id === p.admin.id;
      if (self && req.active === false) throw KaozhaoError.of('admin.self_disable');
      // Without the current password a stolen session could take the account for good.
      if (self && req.password !== undefined) throw KaozhaoError.of('admin.self_password');

      const changes: AdminChanges = {};
      const actions: AuditAction[] = [];
      if (req.displayName !== undefined) {
        const displayName = cleanText(req.displayName, DISPLAY_NAME_MAX);
        if (!displayName) throw KaozhaoError.of('admin.display_name_required');
        if (displayName !== target.displayName) {
          changes.displayName = displayName;
          actions.push('admin.rename');
        }
      }
      if (req.password !== undefined) {
        assertPasswordPolicy(target.username, req.password);
        changes.passwordHash = await hashPassword(req.password);
        // The admin who chose it knows it; its owner replaces it at next sign-in. A reset is also
        // how a locked-out owner gets back in, so it lifts the lock.
        changes.mustChangePassword = true;
        changes.failedLogins = 0;
        changes.lockedUntil = null;
        actions.push('admin.password_reset');
      }
      if (req.active !== undefined && req.active !== target.active) {
        changes.active = req.active;
        actions.push(req.active ? 'admin.enable' : 'admin.disable');
      }
      if (actions.length > 0) {
        await db.transaction(async (tx) => {
          const txAdmins = createAdminRepository(tx);
          await txAdmins.update(target.id, changes);
          // A disabled or reset account: its open sessions end now (never the caller's own: neither
          // is allowed on oneself).
          if (changes.active === false || changes.passwordHash) await txAdmins.endSessions(target.id);
          const audit = createAuditRepository(tx);
          for (const action of actions) {
            await audit.record({
              adminId: p.admin.id,
              action,
              unitId: target.unitId,
              detail: { targetAdminId: target.id, username: target.username, role: target.role },
            });
          }
        });
      }
      return toAccount((await admins.listRow(target.id))!);
    },

    /** Lifts a sign-in lock before it runs out (the owner called: it was them mistyping). */
    async unlock(p: AdminPrincipal, id: number): Promise<AdminAccount> {
      const target = await managed(p, id);
      // A session opened before the lock must not lift it: someone else has to vouch.
      if (target.id === p.admin.id) throw KaozhaoError.of('auth.forbidden');
      await db.transaction(async (tx) => {
        await createAdminRepository(tx).update(target.id, { failedLogins: 0, lockedUntil: null });
        await createAuditRepository(tx).record({
          adminId: p.admin.id,
          action: 'admin.unlock',
          unitId: target.unitId,
          detail: { targetAdminId: target.id, username: target.username, role: target.role },
        });
      });
      return toAccount((await admins.listRow(target.id))!);
    },

    /**
     * One's own password, with the current one (counted like a sign-in attempt). The account's
     * other sessions end; `keepToken`, the session asking, stays signed in.
     */
    async changeOwnPassword(
      p: AdminPrincipal,
      currentPassword: string,
      newPassword: string,
      keepToken: string,
    ): Promise<AdminSelf> {
      const me = p.admin;
      assertPasswordPolicy(me.username, newPassword);
      if (newPassword === currentPassword) throw KaozhaoError.of('admin.password_unchanged');
      if (!(await auth.attempt(me, currentPassword))) throw KaozhaoError.of('admin.current_password_wrong');
      const passwordHash = await hashPassword(newPassword);
      await db.transaction(async (tx) => {
        const txAdmins = createAdminRepository(tx);
        await txAdmins.update(me.id, { passwordHash, mustChangePassword: false });
        await txAdmins.endSessions(me.id, keepToken);
        await createAuditRepository(tx).record({
          adminId: me.id,
          action: 'auth.password_change',
          unitId: me.unitId,
          detail: { username: me.username },
        });
      });
      return auth.self(await auth.principal(me.id));
    },
  };
}
export type AdminAccountService = ReturnType<typeof createAdminAccountService>;
