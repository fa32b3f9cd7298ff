// kaozhao storage migrate [--from fs|db] [--delete-source]: copies every stored photo file from the
// filesystem (DATA_DIR/photos) or the database (photo_files) into the S3 bucket of KAOZHAO_S3_*.
// Each file is read back from the bucket and compared by SHA-256 before it counts as moved; a key
// already in the bucket with the same hash is skipped, so an interrupted run is simply run again.
// The source is left as it was unless --delete-source asks, and then only for verified files.
import { createHash } from 'node:crypto';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig, s3SettingsFromEnv } from '../config.js';
import { type Database, migrateDatabase, openDatabase } from '../db/client.js';
import { lockEmbeddedDatabase } from '../db/embedded-lock.js';
import { createS3Storage } from '../server/repositories/s3-storage.repository.js';
import { createDbStorage, createFsStorage, type StorageRepository } from '../server/repositories/storage.repository.js';

export const STORAGE_USAGE = `usage: kaozhao storage migrate [--from fs|db] [--delete-source] [--concurrency N]
  copies every photo file into the bucket of KAOZHAO_S3_* (KAOZHAO_S3_BUCKET, _ENDPOINT, _ACCESS_KEY_ID…),
  verifying each by SHA-256 as read back from the bucket; files already there with the same hash are skipped.
  --from: fs (DATA_DIR/photos) or db (the database's photo_files); default: db with DATABASE_URL, else fs
  --delete-source: delete each source file once its copy in the bucket is verified`;

export interface MigrateResult {
  moved: number;
  /** Already in the target with the same SHA-256 (an earlier run), or gone from the source meanwhile. */
  skipped: number;
  failed: number;
  /** Source files deleted (--delete-source): verified ones only. */
  deleted: number;
  /** Key and reason of each failure; keys are photo ids and file names, nothing personal. */
  failures: { key: string; reason: string }[];
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const reasonOf = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** Copies every key of `source` into `target` (see the header); safe to run again and again. */
export async function migrateStorage(
  source: StorageRepository,
  target: StorageRepository,
  opts: { deleteSource?: boolean; concurrency?: number; onProgress?: (r: MigrateResult) => void } = {},
): Promise<MigrateResult> {
  const result: MigrateResult = { moved: 0, skipped: 0, failed: 0, deleted: 0, failures: [] };
  const one = async (key: string) => {
    const bytes = await source.get(key);
    if (!bytes) {
      result.skipped++;
      return;
    }
    const hash = sha256(bytes);
    const existing = await target.get(key);
    let moved = false;
    if (!existing || sha256(existing) !== hash) {
      await target.put(key, bytes);
      // Read back rather than trust the answer to the upload: what counts is what the bucket serves.
      const copy = await target.get(key);
      if (!copy || sha256(copy) !== hash) throw new Error('the copy read back from the target differs (SHA-256)');
      moved = true;
    }
    if (opts.deleteSource) {
      // A server still writing to the source may have replaced the file since it was read: only
      // the bytes that were verified in the target may go.
      const now = await source.get(key);
      if (now && sha256(now) !== hash) throw new Error('the source changed during the copy; run again');
      await source.delete(key);
      result.deleted++;
    }
    if (moved) result.moved++;
    else result.skipped++;
  };

  const concurrency = Math.max(1, opts.concurrency ?? 8);
  const running = new Set<Promise<void>>();
  let done = 0;
  for await (const key of source.keys()) {
    const p = one(key)
      .catch((e: unknown) => {
        result.failed++;
        result.failures.push({ key, reason: reasonOf(e) });
      })
      .finally(() => {
        running.delete(p);
        if (++done % 1000 === 0) opts.onProgress?.(result);
      });
    running.add(p);
    if (running.size >= concurrency) await Promise.race(running);
  }
  await Promise.all(running);
  return result;
}

class UsageError extends Error {}

async function migrate(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      from: { type: 'string' },
      'delete-source': { type: 'boolean' },
      concurrency: { type: 'string' },
    },
  });
  // The secret is not needed here; given, loadConfig does not generate a secret.key into DATA_DIR.
  const config = loadConfig({ secret: 'x'.repeat(32) });
  // Where the files are now: what the server would use without the bucket.
  const from = values.from ?? (config.databaseUrl ? 'db' : 'fs');
  if (from !== 'fs' && from !== 'db') throw new UsageError(STORAGE_USAGE);
  const concurrency = values.concurrency === undefined ? 8 : Number(values.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) {
    throw new UsageError('--concurrency must be a whole number from 1 to 64');
  }
  const target = createS3Storage(config.s3 ?? s3SettingsFromEnv());
  let database: Database | undefined;
  let lock: { release(): void } | undefined;
  try {
    await target.checkBucket();
    let source: StorageRepository;
    let described: string;
    if (from === 'fs') {
      const dir = path.join(config.dataDir, 'photos');
      source = createFsStorage(dir);
      described = dir;
    } else {
      // One process at a time may open the embedded database (the server must be stopped).
      lock = config.databaseUrl ? undefined : lockEmbeddedDatabase(config.dataDir);
      database = await openDatabase({
        databaseUrl: config.databaseUrl,
        dataDir: path.join(config.dataDir, 'pg'),
        poolSize: concurrency + 1,
      });
      await migrateDatabase(database);
      source = createDbStorage(database.db);
      described = config.databaseUrl ? 'the PostgreSQL database (photo_files)' : 'the embedded database (photo_files)';
    }
    console.log(`Copying photo files from ${described} to the bucket…`);
    const r = await migrateStorage(source, target, {
      deleteSource: values['delete-source'] ?? false,
      concurrency,
      onProgress: (p) => console.log(`  … ${p.moved} moved, ${p.skipped} skipped, ${p.failed} failed`),
    });
    for (const f of r.failures.slice(0, 20)) console.error(`failed: ${f.key}: ${f.reason}`);
    if (r.failures.length > 20) console.error(`… and ${r.failures.length - 20} more failures`);
    console.log(
      `moved ${r.moved}, skipped ${r.skipped} (already in the bucket), failed ${r.failed}` +
        (values['delete-source'] ? `; ${r.deleted} source files deleted` : '; the source is unchanged'),
    );
    if (r.failed) console.log('Run the command again: verified files are skipped, failed ones are tried again.');
    return r.failed ? 1 : 0;
  } finally {
    target.close();
    await database?.close();
    lock?.release();
  }
}

export async function storage(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  try {
    if (sub === 'migrate') return await migrate(rest);
    console.error(STORAGE_USAGE);
    return 2;
  } catch (e) {
    // Config and bucket errors name the variable or the cause, never a credential.
    console.error(e instanceof Error ? e.message : String(e));
    return e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') ? 2 : 1;
  }
}
