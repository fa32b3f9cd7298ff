import { eq } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.js';
import { admins } from '../../db/schema.js';

export type Admin = typeof admins.$inferSelect;

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
  };
}
export type AdminRepository = ReturnType<typeof createAdminRepository>;
