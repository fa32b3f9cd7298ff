import { createHash, randomBytes } from 'node:crypto';
import { and, eq, lt } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { sessions } from '../../db/schema.js';

const hash = (token: string) => createHash('sha256').update(token).digest('base64url');
/** What the sessions table stores for a cookie token. */
export const sessionTokenHash = hash;

export type SessionKind = 'student' | 'admin';

export function createSessionRepository(db: Db) {
  return {
    async create(kind: SessionKind, subjectId: number, minutes: number): Promise<string> {
      const token = randomBytes(32).toString('base64url');
      await db.insert(sessions).values({
        tokenHash: hash(token),
        kind,
        subjectId,
        expiresAt: new Date(Date.now() + minutes * 60_000),
      });
      return token;
    },
    /** The session, or 'expired', or undefined when unknown. */
    async find(kind: SessionKind, token: string): Promise<{ subjectId: number } | 'expired' | undefined> {
      const [row] = await db
        .select()
        .from(sessions)
        .where(and(eq(sessions.tokenHash, hash(token)), eq(sessions.kind, kind)));
      if (!row) return undefined;
      if (row.expiresAt.getTime() <= Date.now()) {
        await db.delete(sessions).where(eq(sessions.tokenHash, row.tokenHash));
        return 'expired';
      }
      return { subjectId: row.subjectId };
    },
    async remove(token: string): Promise<void> {
      await db.delete(sessions).where(eq(sessions.tokenHash, hash(token)));
    },
    /** Test and maintenance hook: make a session expire now. */
    async expire(token: string): Promise<void> {
      await db
        .update(sessions)
        .set({ expiresAt: new Date(0) })
        .where(eq(sessions.tokenHash, hash(token)));
    },
    async purgeExpired(): Promise<void> {
      await db.delete(sessions).where(lt(sessions.expiresAt, new Date()));
    },
  };
}
export type SessionRepository = ReturnType<typeof createSessionRepository>;
