// Retention (KAOZHAO_RETENTION_DAYS): what nobody needs any more is deleted once it is N days old.
// - Attempts that never became a collected photo (rejected, failed, made but never submitted, or
//   left in processing long after any job ended): their files, and their row when no submission or
//   exemption points at it. Counters count submissions, not photos, so deleting such rows changes
//   no figure. A student's *current* rejected submission keeps its row (the foreign key, the
//   rejected count and the reason the student reads) but loses its files and face description.
// - The uploaded phone photo (`<id>/source`) of every attempt. It is normally dropped as soon as
//   the photo is made (photo.service.ts); this catches the ones a crash left behind.
// - Kept: the made ID photos of submitted, awaiting-review and approved attempts (exam entry and
//   the exports use them), and anything younger than N days.
// Same operations as erasure: rows in a transaction, files after its commit (a rollback must not
// leave rows pointing at deleted files); a crash in between leaves files no row names.
import type { Database, Db } from '../../db/client.js';
import { createAuditRepository } from '../repositories/audit.repository.js';
import type { FaceIndexRepository } from '../repositories/face-index.repository.js';
import { withTryLock } from '../repositories/lock.repository.js';
import { createPhotoRepository } from '../repositories/photo.repository.js';
import type { StorageRepository } from '../repositories/storage.repository.js';

/** Rows per transaction: a first sweep over millions of attempts never holds a long transaction. */
export const RETENTION_BATCH = 500;
/** Advisory lock id of the sweep (migrations and the face index use 7_453_210 and 7_453_211). */
export const RETENTION_LOCK = 7_453_212;
const FIRST_ID = '00000000-0000-0000-0000-000000000000';

export interface RetentionSweepResult {
  days: number;
  /** Attempts older than this were considered. */
  cutoff: string;
  /** Attempt rows deleted with their files. */
  deleted: number;
  /** Current rejected submissions: files deleted, row kept. */
  purged: number;
  /** Attempts whose source file was looked for (absent is the normal case). */
  sourcesChecked: number;
}

export function createRetentionService(deps: {
  database: Database;
  db: Db;
  storage: StorageRepository;
  faceIndex: FaceIndexRepository;
  /** Unset: off, a sweep does nothing. */
  days: number | undefined;
  batch?: number;
}) {
  const { database, db, storage, faceIndex, days } = deps;
  const batch = deps.batch ?? RETENTION_BATCH;
  const photos = createPhotoRepository(db);
  const audit = createAuditRepository(db);
  let running: Promise<RetentionSweepResult | null> | undefined;

  async function expiredAttempts(cutoff: Date, signal?: AbortSignal): Promise<{ deleted: number; purged: number }> {
    let deleted = 0;
    let purged = 0;
    for (let after = FIRST_ID; ; ) {
      const done = await db.transaction(async (tx) => {
        const txPhotos = createPhotoRepository(tx);
        const found = await txPhotos.lockExpiredAttempts(cutoff, after, batch);
        const drop = found.filter((p) => !p.referenced);
        const clear = found.filter((p) => p.referenced && p.hasFiles);
        // Only a submitted photo enters the face index and a rejection takes it out again; explicit
        // anyway, as in erasure (a kept row does not cascade, and the index may be rebuilt).
        for (const p of [...drop, ...clear]) if (p.status === 'rejected') await faceIndex.remove(tx, p.id);
        await txPhotos.deleteMany(drop.map((p) => p.id));
        await txPhotos.clearFiles(clear.map((p) => p.id));
        return { scanned: found.length, last: found.at(-1)?.id, ids: [...drop, ...clear].map((p) => p.id), drop };
      });
      for (const id of done.ids) await storage.deletePrefix(id);
      deleted += done.drop.length;
      purged += done.ids.length - done.drop.length;
      if (done.scanned < batch || !done.last || signal?.aborted) return { deleted, purged };
      after = done.last;
    }
  }

  /** Source files of attempts created since the previous sweep's cutoff (the first: all). */
  async function sources(from: Date | null, cutoff: Date, signal?: AbortSignal): Promise<number> {
    let checked = 0;
    for (let after = FIRST_ID; ; ) {
      const ids = await photos.createdBetween(from, cutoff, after, batch);
      for (const id of ids) await storage.delete(`${id}/source`);
      checked += ids.length;
      if (ids.length < batch || signal?.aborted) return checked;
      after = ids.at(-1)!;
    }
  }

  async function sweepOnce(n: number, signal?: AbortSignal): Promise<RetentionSweepResult | null> {
    const locked = await withTryLock(database, RETENTION_LOCK, async () => {
      const cutoff = new Date(Date.now() - n * 86_400_000);
      const previous = await audit.latestDetail('retention.sweep');
      const prevCutoff = typeof previous?.cutoff === 'string' ? new Date(previous.cutoff) : null;
      const { deleted, purged } = await expiredAttempts(cutoff, signal);
      // A shorter N than last time moves the cutoff later: only the gap is new. A longer one
      // moves it earlier: everything before it was checked already, the window is empty.
      const sourcesChecked =
        (prevCutoff && prevCutoff >= cutoff) || signal?.aborted ? 0 : await sources(prevCutoff, cutoff, signal);
      const interrupted = Boolean(signal?.aborted);
      const result: RetentionSweepResult = { days: n, cutoff: cutoff.toISOString(), deleted, purged, sourcesChecked };
      // Recorded last: the next sweep starts its source window at the cutoff recorded here, so a
      // sweep that failed half-way is simply done again, and one stopped by a shutdown records
      // what it deleted but hands the previous cutoff on.
      await audit.record({
        adminId: null,
        action: 'retention.sweep',
        detail: interrupted ? { ...result, cutoff: prevCutoff?.toISOString() ?? null, interrupted } : { ...result },
      });
      return result;
    });
    return locked.acquired ? locked.value : null;
  }

  return {
    enabled: days !== undefined,
    /**
     * One sweep (the timer calls this; tests call it directly). null when retention is off or
     * another process is sweeping; one sweep at a time in this process too. `signal` stops it
     * between batches (shutdown).
     */
    async sweep(signal?: AbortSignal): Promise<RetentionSweepResult | null> {
      if (days === undefined) return null;
      running ??= sweepOnce(days, signal).finally(() => {
        running = undefined;
      });
      return running;
    },
  };
}
export type RetentionService = ReturnType<typeof createRetentionService>;
