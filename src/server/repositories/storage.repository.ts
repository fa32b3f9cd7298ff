// Photo files. The filesystem under DATA_DIR suits one machine; with several machines (API and
// workers apart) the database holds them so every process sees the same files, or an
// S3-compatible bucket does (s3-storage.repository.ts) so the database stays small.
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { asc, eq, gt, like } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { photoFiles } from '../../db/schema.js';

export interface StorageRepository {
  put(key: string, bytes: Uint8Array): Promise<void>;
  /** null when absent. */
  get(key: string): Promise<Uint8Array | null>;
  /** Removes one file; absent is fine. */
  delete(key: string): Promise<void>;
  /** Removes every file of one photo (`<photo id>/…`); none is fine. */
  deletePrefix(prefix: string): Promise<void>;
  /** Every stored key, in no set order (`kaozhao storage migrate` walks a source with it). */
  keys(): AsyncIterable<string>;
}

const SAFE_KEY = /^[0-9a-f-]{36}\/[a-z0-9.]+$/;
const SAFE_PREFIX = /^[0-9a-f-]{36}$/;

/** `<photo id>/<name>`: the only keys any backend stores. */
export const isStorageKey = (key: string): boolean => SAFE_KEY.test(key);

/** The one key check of every backend. Keys are built from uuids and fixed names; anything else
 *  is a bug, never user input, so the message does not echo it. */
export function checkKey(key: string): void {
  if (!isStorageKey(key)) throw new Error('invalid storage key');
}

/** A prefix is one photo id: an empty or odd prefix would otherwise reach every photo's files
 *  (the directory root, `LIKE '/%'`, a bucket listing without prefix). */
export function checkPrefix(prefix: string): void {
  if (!SAFE_PREFIX.test(prefix)) throw new Error('invalid storage prefix');
}

/** fs keys are written as `<key>.<pid>.tmp` then renamed: a leftover of a crash is not a file. */
const isTempName = (name: string) => name.endsWith('.tmp');

export function createFsStorage(root: string): StorageRepository {
  const file = (key: string) => {
    checkKey(key);
    return path.join(root, key.slice(0, 2), key);
  };
  const dirEntries = async (dir: string) => {
    try {
      return await readdir(dir, { withFileTypes: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
  };
  return {
    async put(key, bytes) {
      const target = file(key);
      await mkdir(path.dirname(target), { recursive: true });
      // Write then rename: a reader never sees half a file, a retried job just replaces it.
      const tmp = `${target}.${process.pid}.tmp`;
      await writeFile(tmp, bytes);
      await rename(tmp, target);
    },
    async get(key) {
      try {
        return new Uint8Array(await readFile(file(key)));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw e;
      }
    },
    async delete(key) {
      await rm(file(key), { force: true });
    },
    async deletePrefix(prefix) {
      checkPrefix(prefix);
      await rm(path.join(root, prefix.slice(0, 2), prefix), { recursive: true, force: true });
    },
    async *keys() {
      // root/<2 chars>/<photo id>/<name>; anything else under root (a stray file) is not a key.
      for (const shard of await dirEntries(root)) {
        if (!shard.isDirectory()) continue;
        for (const photo of await dirEntries(path.join(root, shard.name))) {
          if (!photo.isDirectory() || !SAFE_PREFIX.test(photo.name)) continue;
          for (const f of await dirEntries(path.join(root, shard.name, photo.name))) {
            const key = `${photo.name}/${f.name}`;
            if (f.isFile() && !isTempName(f.name) && isStorageKey(key)) yield key;
          }
        }
      }
    },
  };
}

export function createDbStorage(db: Db): StorageRepository {
  return {
    async put(key, bytes) {
      checkKey(key);
      await db.insert(photoFiles).values({ key, bytes }).onConflictDoUpdate({ target: photoFiles.key, set: { bytes } });
    },
    async get(key) {
      checkKey(key);
      const [row] = await db.select({ bytes: photoFiles.bytes }).from(photoFiles).where(eq(photoFiles.key, key));
      return row ? row.bytes : null;
    },
    async delete(key) {
      checkKey(key);
      await db.delete(photoFiles).where(eq(photoFiles.key, key));
    },
    async deletePrefix(prefix) {
      checkPrefix(prefix);
      await db.delete(photoFiles).where(like(photoFiles.key, `${prefix}/%`));
    },
    async *keys() {
      // Keys only, a page at a time by key order: a large table is never read whole.
      let after = '';
      for (;;) {
        const page = await db
          .select({ key: photoFiles.key })
          .from(photoFiles)
          .where(gt(photoFiles.key, after))
          .orderBy(asc(photoFiles.key))
          .limit(1000);
        // The table holds only what put() wrote, unless someone wrote to it by hand.
        for (const r of page) if (isStorageKey(r.key)) yield r.key;
        if (page.length < 1000) return;
        after = page[page.length - 1]!.key;
      }
    },
  };
}
