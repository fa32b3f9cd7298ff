import { desc, eq, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.js';
import { campaigns } from '../../db/schema.js';

export type Campaign = typeof campaigns.$inferSelect;
export type NewCampaign = typeof campaigns.$inferInsert;

export function createCampaignRepository(db: DbOrTx) {
  return {
    /** The open campaign, else the next to open, else the last closed. */
    async current(now = new Date()): Promise<Campaign | undefined> {
      const [open] = await db
        .select()
        .from(campaigns)
        .where(sql`${campaigns.startsAt} <= ${now} AND ${campaigns.endsAt} > ${now}`)
        .orderBy(desc(campaigns.startsAt))
        .limit(1);
      if (open) return open;
      const [next] = await db
        .select()
        .from(campaigns)
        .where(sql`${campaigns.startsAt} > ${now}`)
        .orderBy(campaigns.startsAt)
        .limit(1);
      if (next) return next;
      const [last] = await db.select().from(campaigns).orderBy(desc(campaigns.endsAt)).limit(1);
      return last;
    },
    async byId(id: string): Promise<Campaign | undefined> {
      const [c] = await db.select().from(campaigns).where(eq(campaigns.id, id));
      return c;
    },
    async create(c: NewCampaign): Promise<Campaign> {
      const [row] = await db.insert(campaigns).values(c).returning();
      return row!;
    },
  };
}
export type CampaignRepository = ReturnType<typeof createCampaignRepository>;
