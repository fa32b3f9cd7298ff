// Photo files. The filesystem under DATA_DIR suits one machine; with several machines (API and
// workers apart) the database holds them so every process sees the same files.
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { eq, like } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { photoFiles } from '../../db/schema.js';

export interface StorageRepository {
  put(key: string, bytes: Uint8Array): Promise<void>;
  /** null when absent. */
  get(key: string): Promise<Uint8Array | null>;
  /** Removes one file; absent is fine. */
  delete(key: string): Promise<void>;
  deletePrefix(prefix: string): Promise<void>;
}

const SAFE_KEY = /^[0-9a-f-]{36}\/[a-z0-9.]+$/;

function checkKey(key: string): void {
  // Keys are built from uuids and fixed names; anything else is a bug, never user input.
  if (!SAFE_KEY.test(key)) throw new Error('invalid storage key');
}

export function createFsStorage(root: string): StorageRepository {
  const file = (key: string) => {
    checkKey(key);
    return path.join(root, key.slice(0, 2), key);
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
      await rm(path.join(root, prefix.slice(0, 2), prefix), { recursive: true, force: true });
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
      await db.delete(photoFiles).where(like(photoFiles.key, `${prefix}/%`));
    },
  };
}
