import { asc, eq } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.js';
import { orgUnits } from '../../db/schema.js';

export type OrgUnit = typeof orgUnits.$inferSelect;

/** The tree changes rarely (seed, administration); 3,061 rows are re-read at most this often. */
const CACHE_MS = 30_000;

export function createOrgRepository(db: DbOrTx) {
  let cached: { at: number; units: Promise<OrgUnit[]> } | undefined;
  return {
    async all(): Promise<OrgUnit[]> {
      if (!cached || Date.now() - cached.at > CACHE_MS) {
        const units = (async () => db.select().from(orgUnits).orderBy(asc(orgUnits.id)))();
        cached = { at: Date.now(), units };
        units.catch(() => {
          cached = undefined;
        });
      }
      return cached.units;
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
