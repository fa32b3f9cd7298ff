import { and, desc, eq, ne, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.js';
import { campaigns, photos } from '../../db/schema.js';

export type Campaign = typeof campaigns.$inferSelect;
export type NewCampaign = typeof campaigns.$inferInsert;
export type CampaignChanges = Partial<Omit<NewCampaign, 'id' | 'createdAt'>>;

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
    /** Every campaign, newest window first (two a year: the list stays short). */
    async list(): Promise<Campaign[]> {
      return db.select().from(campaigns).orderBy(desc(campaigns.startsAt), desc(campaigns.createdAt));
    },
    async create(c: NewCampaign): Promise<Campaign> {
      const [row] = await db.insert(campaigns).values(c).returning();
      return row!;
    },
    async update(id: string, changes: CampaignChanges): Promise<Campaign | undefined> {
      const [row] = await db.update(campaigns).set(changes).where(eq(campaigns.id, id)).returning();
      return row;
    },
    /** Locks the row for an update in the running transaction. */
    async byIdForUpdate(id: string): Promise<Campaign | undefined> {
      const [c] = await db.select().from(campaigns).where(eq(campaigns.id, id)).for('update');
      return c;
    },
    /** A campaign (other than `exceptId`) whose window overlaps [startsAt, endsAt). */
    async overlapping(startsAt: Date, endsAt: Date, exceptId?: string): Promise<Campaign | undefined> {
      const window = sql`${campaigns.startsAt} < ${endsAt} AND ${campaigns.endsAt} > ${startsAt}`;
      const [c] = await db
        .select()
        .from(campaigns)
        .where(exceptId ? and(window, ne(campaigns.id, exceptId)) : window)
        .limit(1);
      return c;
    },
    /** Whether any photo was made in the campaign (its spec is then fixed). */
    async hasPhotos(id: string): Promise<boolean> {
      const [p] = await db.select({ id: photos.id }).from(photos).where(eq(photos.campaignId, id)).limit(1);
      return p !== undefined;
    },
  };
}
export type CampaignRepository = ReturnType<typeof createCampaignRepository>;
