import { asc, eq } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.js';
import { orgUnits } from '../../db/schema.js';

export type OrgUnit = typeof orgUnits.$inferSelect;

export function createOrgRepository(db: DbOrTx) {
  return {
    async all(): Promise<OrgUnit[]> {
      return db.select().from(orgUnits).orderBy(asc(orgUnits.id));
    },
    async byId(id: number): Promise<OrgUnit | undefined> {
      const [u] = await db.select().from(orgUnits).where(eq(orgUnits.id, id));
      return u;
    },
    async byCode(code: string): Promise<OrgUnit | undefined> {
      const [u] = await db.select().from(orgUnits).where(eq(orgUnits.code, code));
      return u;
    },
  };
}
export type OrgRepository = ReturnType<typeof createOrgRepository>;
