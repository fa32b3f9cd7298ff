// Admin accounts within the caller's scope: HQ manages every role, a branch the centre admins and
// reviewers of its subtree. Passwords are argon2 hashes; changes are audit-logged (account name and
// role, never the display name or password).

import type { Db } from '../../db/client.js';
import type {
  AdminAccount,
  AdminAccountsResponse,
  AdminCreateRequest,
  AdminUpdateRequest,
} from '../../domain/admin-api.js';
import { PASSWORD_MIN_LENGTH } from '../../domain/admin-api.js';
import type { AuditAction } from '../../domain/audit.js';
import { KaozhaoError } from '../../domain/errors.js';
import { canManageRole, ROLE_UNIT_LEVELS } from '../../domain/roles.js';
import {
  type AdminChanges,
  type AdminListRow,
  type AdminRepository,
  createAdminRepository,
} from '../repositories/admin.repository.js';
import { createAuditRepository } from '../repositories/audit.repository.js';
import { type AdminAuthService, type AdminPrincipal, hashPassword } from './admin-auth.service.js';
import { cleanText, isUniqueViolation } from './manage-common.js';

export const USERNAME_PATTERN = '^[A-Za-z0-9_.-]{3,32}$';
export const DISPLAY_NAME_MAX = 40;
export const PASSWORD_MAX_LENGTH = 128;

function toAccount(r: AdminListRow): AdminAccount {
  return { ...r, createdAt: r.createdAt.toISOString() };
}

function checkPassword(password: string, username: string): void {
  if (password.length < PASSWORD_MIN_LENGTH || password.length > PASSWORD_MAX_LENGTH) {
    throw KaozhaoError.of('admin.password_weak');
  }
  if (password.toLowerCase() === username.toLowerCase()) throw KaozhaoError.of('admin.password_weak');
}

export function createAdminAccountService(deps: { db: Db; admins: AdminRepository; auth: AdminAuthService }) {
  const { db, admins, auth } = deps;

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
      checkPassword(req.password, username);
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
      auth.can(p, 'manageAdmins');
      const target = await admins.byId(id);
      if (!target) throw KaozhaoError.of('admin.not_found');
      await auth.unitInScope(p, target.unitId);
      const self = target.id === p.admin.id;
      if (!self && !canManageRole(p.admin.role, target.role)) throw KaozhaoError.of('auth.forbidden');
      if (self && req.active === false) throw KaozhaoError.of('admin.self_disable');

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
        checkPassword(req.password, target.username);
        changes.passwordHash = await hashPassword(req.password);
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
          // Someone else's disabled or reset account: its open sessions end now.
          if (!self && (changes.active === false || changes.passwordHash)) await txAdmins.endSessions(target.id);
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
  };
}
export type AdminAccountService = ReturnType<typeof createAdminAccountService>;
