import { and, asc, count, eq, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.js';
import { admins, orgUnits, sessions } from '../../db/schema.js';
import { inSubtree, type OrgUnit } from './org.repository.js';

export type Admin = typeof admins.$inferSelect;
export type AdminChanges = Partial<Pick<Admin, 'displayName' | 'passwordHash' | 'active'>>;

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
    /** Signs the account out everywhere (after a disable or a password reset). */
    async endSessions(id: number): Promise<void> {
      await db.delete(sessions).where(and(eq(sessions.kind, 'admin'), eq(sessions.subjectId, id)));
    },
  };
}
export type AdminRepository = ReturnType<typeof createAdminRepository>;
