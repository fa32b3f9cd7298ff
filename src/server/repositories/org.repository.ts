import { asc, eq, type SQL, sql } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import type { DbOrTx } from '../../db/client.js';
import { orgUnits } from '../../db/schema.js';

export type OrgUnit = typeof orgUnits.$inferSelect;
export type NewOrgUnit = typeof orgUnits.$inferInsert;

/** The tree changes rarely (seed, administration); 3,061 rows are re-read at most this often. */
const CACHE_MS = 30_000;

/**
 * A condition "column holds a unit of `unit`'s subtree" (the unit itself, a branch's centres), or
 * undefined for HQ (everything, including rows without a unit).
 */
export function inSubtree(column: AnyPgColumn, unit: Pick<OrgUnit, 'id' | 'level'>): SQL | undefined {
  if (unit.level === 'hq') return undefined;
  if (unit.level === 'centre') return eq(column, unit.id);
  return sql`(${column} = ${unit.id} OR ${column} IN (SELECT id FROM org_units WHERE parent_id = ${unit.id}))`;
}

/** Whether `unit` lies in the subtree of `scope` (tree depth is 3: HQ → branch → centre). */
export function unitContains(scope: Pick<OrgUnit, 'id' | 'level'>, unit: Pick<OrgUnit, 'id' | 'parentId'>): boolean {
  if (scope.level === 'hq') return true;
  if (scope.level === 'branch') return unit.id === scope.id || unit.parentId === scope.id;
  return unit.id === scope.id;
}

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
    /** Drops the cached tree after a change made by this process (others catch up within CACHE_MS). */
    invalidate(): void {
      cached = undefined;
    },
    async byId(id: number): Promise<OrgUnit | undefined> {
      const [u] = await db.select().from(orgUnits).where(eq(orgUnits.id, id));
      return u;
    },
    async byCode(code: string): Promise<OrgUnit | undefined> {
      const [u] = await db.select().from(orgUnits).where(eq(orgUnits.code, code));
      return u;
    },
    async create(u: NewOrgUnit): Promise<OrgUnit> {
      const [row] = await db.insert(orgUnits).values(u).returning();
      return row!;
    },
    async rename(id: number, name: string): Promise<OrgUnit | undefined> {
      const [row] = await db.update(orgUnits).set({ name }).where(eq(orgUnits.id, id)).returning();
      return row;
    },
  };
}
export type OrgRepository = ReturnType<typeof createOrgRepository>;
