import { and, asc, count, eq, isNull, lte, ne, or, type SQL, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.js';
import { admins, orgUnits, sessions } from '../../db/schema.js';
import { inSubtree, type OrgUnit } from './org.repository.js';
import { sessionTokenHash } from './session.repository.js';

export type Admin = typeof admins.$inferSelect;
export type AdminChanges = Partial<
  Pick<Admin, 'displayName' | 'passwordHash' | 'active' | 'mustChangePassword' | 'failedLogins' | 'lockedUntil'>
>;

/** An account row with its unit's name, for the management list (no password hash). */
export interface AdminListRow {
  id: number;
  username: string;
  displayName: string;
  role: Admin['role'];
  unitId: number;
  unitName: string;
  active: boolean;
  createdAt: Date;
  lockedUntil: Date | null;
  failedLogins: number;
  mustChangePassword: boolean;
}

const listColumns = {
  id: admins.id,
  username: admins.username,
  displayName: admins.displayName,
  role: admins.role,
  unitId: admins.unitId,
  unitName: orgUnits.name,
  active: admins.active,
  createdAt: admins.createdAt,
  lockedUntil: admins.lockedUntil,
  failedLogins: admins.failedLogins,
  mustChangePassword: admins.mustChangePassword,
};

export function createAdminRepository(db: DbOrTx) {
  return {
    async byUsername(username: string): Promise<Admin | undefined> {
      const [a] = await db.select().from(admins).where(eq(admins.username, username));
      return a;
    },
    async byId(id: number): Promise<Admin | undefined> {
      const [a] = await db.select().from(admins).where(eq(admins.id, id));
      return a;
    },
    async create(a: typeof admins.$inferInsert): Promise<Admin> {
      const [row] = await db.insert(admins).values(a).returning();
      return row!;
    },
    async update(id: number, changes: AdminChanges): Promise<Admin | undefined> {
      const [row] = await db.update(admins).set(changes).where(eq(admins.id, id)).returning();
      return row;
    },
    /** Accounts whose unit lies in `unit`'s subtree, by username. */
    async list(unit: OrgUnit, limit: number, offset: number): Promise<{ items: AdminListRow[]; total: number }> {
      const where: SQL | undefined = inSubtree(admins.unitId, unit);
      const items = await db
        .select(listColumns)
        .from(admins)
        .innerJoin(orgUnits, eq(orgUnits.id, admins.unitId))
        .where(where)
        .orderBy(asc(admins.username))
        .limit(limit)
        .offset(offset);
      const [t] = await db.select({ n: count() }).from(admins).where(where);
      return { items, total: t?.n ?? 0 };
    },
    async listRow(id: number): Promise<AdminListRow | undefined> {
      const [row] = await db
        .select(listColumns)
        .from(admins)
        .innerJoin(orgUnits, eq(orgUnits.id, admins.unitId))
        .where(eq(admins.id, id));
      return row;
    },
    /** Signs the account out everywhere (after a disable or a reset), or everywhere but `keepToken`. */
    async endSessions(id: number, keepToken?: string): Promise<void> {
      await db
        .delete(sessions)
        .where(
          and(
            eq(sessions.kind, 'admin'),
            eq(sessions.subjectId, id),
            keepToken === undefined ? undefined : ne(sessions.tokenHash, sessionTokenHash(keepToken)),
          ),
        );
    },
    /**
     * Counts a sign-in attempt as failed before its password is checked, unless the account is
     * locked (then undefined). Counting first means parallel guesses cannot all pass the lock
     * check before the first failure is written. The attempt that reaches `failures` locks the
     * account until `lockUntil` and starts the count again; a correct password then takes it all
     * back (`attemptSucceeded`). Returns the lock this attempt set, or null.
     */
    async claimAttempt(
      id: number,
      failures: number,
      now: Date,
      lockUntil: Date,
    ): Promise<{ lockedUntil: Date | null } | undefined> {
      const locks = sql`${admins.failedLogins} + 1 >= ${failures}`;
      const [row] = await db
        .update(admins)
        .set({
          failedLogins: sql`CASE WHEN ${locks} THEN 0 ELSE ${admins.failedLogins} + 1 END`,
          lockedUntil: sql`CASE WHEN ${locks} THEN ${lockUntil.toISOString()}::timestamptz ELSE NULL END`,
        })
        .where(and(eq(admins.id, id), or(isNull(admins.lockedUntil), lte(admins.lockedUntil, now))))
        .returning({ lockedUntil: admins.lockedUntil });
      return row;
    },
    /** The password was right: the attempt was no failure, and no lock it set stands. */
    async attemptSucceeded(id: number): Promise<void> {
      await db.update(admins).set({ failedLogins: 0, lockedUntil: null }).where(eq(admins.id, id));
    },
  };
}
export type AdminRepository = ReturnType<typeof createAdminRepository>;
