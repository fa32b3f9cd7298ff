// The photo storage's one behaviour, on every backend: the filesystem, the database (PGlite, and
// the PostgreSQL server when TEST_DATABASE_URL is set) and an S3 bucket on a real S3-protocol
// server (s3rver). Then what only the bucket has: its errors, told without credentials, and its
// settings (KAOZHAO_S3_*), refused with the variable's name and never its value.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type S3Settings, s3SettingsFromEnv } from '../../src/config.js';
import { migrateDatabase, openDatabase } from '../../src/db/client.js';
import { createS3Storage, ObjectStorageError } from '../../src/server/repositories/s3-storage.repository.js';
import {
  createDbStorage,
  createFsStorage,
  type StorageRepository,
} from '../../src/server/repositories/storage.repository.js';
import { haveFaces, readFace } from '../faces.js';
import { createPgDatabase } from '../support/pg-database.js';
import { startS3Server } from '../support/s3-server.js';

interface OpenStorage {
  storage: StorageRepository;
  /** Puts something in the backend's place that the application never writes (a leftover, another
   *  application's object), which must not be listed as a photo file. */
  plantForeign(): Promise<void>;
  close(): Promise<void>;
}

interface StorageBackend {
  name: string;
  open(): Promise<OpenStorage>;
}

function s3Client(settings: S3Settings): S3Client {
  return new S3Client({
    endpoint: settings.endpoint,
    region: settings.region,
    forcePathStyle: settings.forcePathStyle,
    credentials: { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey },
  });
}

async function openDb(url: string | undefined): Promise<OpenStorage> {
  const pg = url ? await createPgDatabase(url) : undefined;
  const database = await openDatabase({ databaseUrl: pg?.url, dataDir: 'memory://', poolSize: 4 });
  await migrateDatabase(database);
  return {
    storage: createDbStorage(database.db),
    async plantForeign() {
      await database.db.execute(sql`INSERT INTO photo_files (key, bytes) VALUES ('notes/readme', '\\x00')`);
    },
    async close() {
      await database.close();
      await pg?.drop();
    },
  };
}

const STORAGE_BACKENDS: StorageBackend[] = [
  {
    name: 'fs',
    async open() {
      const root = mkdtempSync(path.join(os.tmpdir(), 'kz-storage-'));
      return {
        storage: createFsStorage(root),
        async plantForeign() {
          // A write interrupted between its temp file and the rename, and a stray file at the root.
          const id = randomUUID();
          mkdirSync(path.join(root, id.slice(0, 2), id), { recursive: true });
          writeFileSync(path.join(root, id.slice(0, 2), id, 'blue.jpg.4242.tmp'), 'half');
          writeFileSync(path.join(root, 'notes.txt'), 'x');
        },
        async close() {
          rmSync(root, { recursive: true, force: true });
        },
      };
    },
  },
  { name: 'db (PGlite)', open: () => openDb(undefined) },
  ...(process.env.TEST_DATABASE_URL
    ? [{ name: 'db (PostgreSQL)', open: () => openDb(process.env.TEST_DATABASE_URL) }]
    : []),
  {
    name: 's3 (s3rver)',
    async open() {
      const server = await startS3Server();
      const storage = createS3Storage(server.settings);
      return {
        storage,
        async plantForeign() {
          const c = s3Client(server.settings);
          await c.send(
            new PutObjectCommand({ Bucket: server.settings.bucket, Key: 'other-app/readme.txt', Body: 'x' }),
          );
          c.destroy();
        },
        async close() {
          storage.close();
          await server.close();
        },
      };
    },
  },
];

/** A real photo when the shared faces are here, else incompressible bytes of a photo's size. */
const PHOTO = haveFaces ? new Uint8Array(readFace('portraits/slinko__without_glasses__11.jpg')) : randomBytes(250_000);

async function all<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of items) out.push(x);
  return out;
}

describe.each(STORAGE_BACKENDS)('photo storage on $name', (backend) => {
  let h: OpenStorage;
  let storage: StorageRepository;
  beforeAll(async () => {
    h = await backend.open();
    storage = h.storage;
  });
  afterAll(async () => {
    await h?.close();
  });

  it('gives back exactly the bytes put, and the last put of a key wins', async () => {
    const id = randomUUID();
    await storage.put(`${id}/source`, PHOTO);
    const back = await storage.get(`${id}/source`);
    expect(back).toBeInstanceOf(Uint8Array);
    expect(Buffer.from(back!).equals(Buffer.from(PHOTO))).toBe(true);

    const second = randomBytes(1234);
    await storage.put(`${id}/source`, second);
    expect(Buffer.from((await storage.get(`${id}/source`))!).equals(second)).toBe(true);

    await storage.put(`${id}/cutout.png`, new Uint8Array());
    expect((await storage.get(`${id}/cutout.png`))?.byteLength).toBe(0);
  });

  it('answers null for an absent file, and deletes one file; deleting an absent one is fine', async () => {
    const id = randomUUID();
    expect(await storage.get(`${id}/blue.jpg`)).toBeNull();
    await storage.delete(`${id}/blue.jpg`);
    await storage.deletePrefix(id);

    await storage.put(`${id}/blue.jpg`, new Uint8Array([1]));
    await storage.put(`${id}/white.jpg`, new Uint8Array([2]));
    await storage.delete(`${id}/blue.jpg`);
    expect(await storage.get(`${id}/blue.jpg`)).toBeNull();
    expect(await storage.get(`${id}/white.jpg`)).toEqual(new Uint8Array([2]));
  });

  it("deletes every file of one photo by its prefix, past a thousand (S3's batch), and nothing of another", async () => {
    const id = randomUUID();
    const other = randomUUID();
    const names = Array.from({ length: 1003 }, (_, i) => `f${String(i).padStart(4, '0')}.jpg`);
    for (let i = 0; i < names.length; i += 50) {
      await Promise.all(names.slice(i, i + 50).map((n) => storage.put(`${id}/${n}`, new Uint8Array([i % 256]))));
    }
    await storage.put(`${other}/blue.jpg`, PHOTO);
    expect((await all(storage.keys())).filter((k) => k.startsWith(`${id}/`))).toHaveLength(1003);

    await storage.deletePrefix(id);
    expect((await all(storage.keys())).filter((k) => k.startsWith(`${id}/`))).toEqual([]);
    expect(await storage.get(`${id}/f1002.jpg`)).toBeNull();
    expect(await storage.get(`${id}/f0000.jpg`)).toBeNull();
    expect((await storage.get(`${other}/blue.jpg`))?.byteLength).toBe(PHOTO.byteLength);
  });

  it('lists every stored key and nothing the application did not write', async () => {
    const before = new Set(await all(storage.keys()));
    const ids = [randomUUID(), randomUUID()];
    const added = ids.flatMap((id) => [`${id}/source`, `${id}/gray.jpg`]);
    for (const k of added) await storage.put(k, new Uint8Array([7]));
    await h.plantForeign();
    const after = await all(storage.keys());
    expect(new Set(after).size).toBe(after.length);
    expect(after.filter((k) => !before.has(k)).sort()).toEqual([...added].sort());
  });

  it('refuses keys and prefixes outside <photo id>/<name> before touching anything', async () => {
    const id = randomUUID();
    await storage.put(`${id}/blue.jpg`, new Uint8Array([9]));
    const keysBefore = (await all(storage.keys())).sort();
    const badKeys = ['', 'abc', `${id}`, `${id}/`, `${id}/../x`, `${id}/Blue.jpg`, `../${id}/blue.jpg`, `${id}/a/b`];
    for (const key of badKeys) {
      await expect(storage.put(key, new Uint8Array([1])), key).rejects.toThrow('invalid storage key');
      await expect(storage.get(key), key).rejects.toThrow('invalid storage key');
      await expect(storage.delete(key), key).rejects.toThrow('invalid storage key');
    }
    // An empty prefix would be the whole store (the fs root, every bucket key).
    for (const prefix of ['', '.', '..', `${id}/`, `${id.slice(0, 8)}`, `../${id}`]) {
      await expect(storage.deletePrefix(prefix), prefix).rejects.toThrow('invalid storage prefix');
    }
    expect((await all(storage.keys())).sort()).toEqual(keysBefore);
    expect(await storage.get(`${id}/blue.jpg`)).toEqual(new Uint8Array([9]));
  });
});

describe('S3 storage errors', () => {
  let server: Awaited<ReturnType<typeof startS3Server>>;
  beforeAll(async () => {
    server = await startS3Server();
  });
  afterAll(async () => {
    await server?.close();
  });

  /** The error as any logger would serialise it: message, stack and every own property. */
  const everything = (e: unknown) =>
    JSON.stringify(e, Object.getOwnPropertyNames(e as object)) + String((e as Error).stack) + String(e);

  it('refuses unknown credentials with the variables to check, and neither key in the error', async () => {
    // s3rver knows one access key id (S3RVER) and does not verify SigV4 signatures: an unknown key
    // id is how it refuses credentials. Its answer quotes the key id, which must not come through.
    const keyId = 'AKIDNOTKNOWNHERE77';
    const secret = 'not-the-secret-Zx81qQ';
    const s3 = createS3Storage({ ...server.settings, accessKeyId: keyId, secretAccessKey: secret });
    try {
      const e = await s3.get(`${randomUUID()}/blue.jpg`).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(ObjectStorageError);
      expect((e as Error).message).toBe(
        'object storage: get failed: the credentials were refused (KAOZHAO_S3_ACCESS_KEY_ID / KAOZHAO_S3_SECRET_ACCESS_KEY)',
      );
      expect((e as ObjectStorageError).status).toBe(403);
      const text = everything(e);
      expect(text).not.toContain(secret);
      expect(text).not.toContain(keyId);
      expect(text).not.toMatch(/StringToSign|Signature=|Credential=/);
      expect((e as Error).cause).toBeUndefined();
      // HEAD answers have no body to say why: denied, naming the same variables.
      await expect(s3.checkBucket()).rejects.toThrow(
        /bucket check failed: access to bucket "kaozhao-photos" was denied .*KAOZHAO_S3_SECRET_ACCESS_KEY/,
      );
      await expect(s3.put(`${randomUUID()}/blue.jpg`, PHOTO)).rejects.toThrow(/put failed: the credentials/);
    } finally {
      s3.close();
    }
  });

  it('names a missing bucket, at the start check and on use', async () => {
    const s3 = createS3Storage({ ...server.settings, bucket: 'no-such-bucket' });
    try {
      await expect(s3.checkBucket()).rejects.toThrow('bucket "no-such-bucket" does not exist (KAOZHAO_S3_BUCKET)');
      await expect(s3.put(`${randomUUID()}/blue.jpg`, PHOTO)).rejects.toThrow(/put failed: bucket "no-such-bucket"/);
      await expect(s3.get(`${randomUUID()}/blue.jpg`)).rejects.toThrow(/does not exist/);
      await expect(s3.deletePrefix(randomUUID())).rejects.toThrow(/list failed: bucket "no-such-bucket"/);
    } finally {
      s3.close();
    }
  });

  it('says the service cannot be reached, naming its host only', async () => {
    // A port that was free a moment ago: nothing listens there.
    const { createServer } = await import('node:net');
    const port = await new Promise<number>((resolve) => {
      const srv = createServer().listen(0, '127.0.0.1', () => {
        const p = (srv.address() as { port: number }).port;
        srv.close(() => resolve(p));
      });
    });
    const s3 = createS3Storage({ ...server.settings, endpoint: `http://127.0.0.1:${port}` });
    try {
      const e = await s3.checkBucket().catch((x: unknown) => x);
      expect(e).toBeInstanceOf(ObjectStorageError);
      expect((e as Error).message).toBe(
        `object storage: bucket check failed: the service at 127.0.0.1:${port} cannot be reached (ECONNREFUSED)`,
      );
    } finally {
      s3.close();
    }
  });
});

describe('S3 settings (KAOZHAO_S3_*)', () => {
  const NAMES = [
    'KAOZHAO_STORAGE',
    'KAOZHAO_S3_ENDPOINT',
    'KAOZHAO_S3_BUCKET',
    'KAOZHAO_S3_REGION',
    'KAOZHAO_S3_ACCESS_KEY_ID',
    'KAOZHAO_S3_SECRET_ACCESS_KEY',
    'KAOZHAO_S3_FORCE_PATH_STYLE',
  ];
  const SECRET = 'secret-value-that-must-not-show-9931';
  const FULL = {
    KAOZHAO_STORAGE: 's3',
    KAOZHAO_S3_ENDPOINT: 'http://minio.internal:9000/',
    KAOZHAO_S3_BUCKET: 'photos',
    KAOZHAO_S3_ACCESS_KEY_ID: 'AKIDEXAMPLE',
    KAOZHAO_S3_SECRET_ACCESS_KEY: SECRET,
  };
  function withEnv<T>(vars: Record<string, string>, fn: () => T): T {
    const saved = Object.fromEntries(NAMES.map((n) => [n, process.env[n]]));
    for (const n of NAMES) delete process.env[n];
    Object.assign(process.env, vars);
    try {
      return fn();
    } finally {
      for (const n of NAMES) {
        if (saved[n] === undefined) delete process.env[n];
        else process.env[n] = saved[n];
      }
    }
  }
  const config = (vars: Record<string, string>) =>
    withEnv(vars, () => loadConfig({ dataDir: os.tmpdir(), secret: 'x'.repeat(32), databaseUrl: undefined }));
  const refusal = (vars: Record<string, string>) => {
    try {
      config(vars);
    } catch (e) {
      return (e as Error).message;
    }
    throw new Error('accepted');
  };

  it('reads the bucket; an endpoint brings path-style addressing and a default region', () => {
    const c = config(FULL);
    expect(c.storage).toBe('s3');
    expect(c.s3).toEqual({
      endpoint: 'http://minio.internal:9000',
      bucket: 'photos',
      region: 'us-east-1',
      accessKeyId: 'AKIDEXAMPLE',
      secretAccessKey: SECRET,
      forcePathStyle: true,
    });
    expect(config({ ...FULL, KAOZHAO_S3_FORCE_PATH_STYLE: '0' }).s3?.forcePathStyle).toBe(false);
    // AWS itself: virtual-host addressing, and the region must be said.
    const aws = { ...FULL, KAOZHAO_S3_ENDPOINT: '', KAOZHAO_S3_REGION: 'ap-east-1' };
    expect(config(aws).s3).toMatchObject({ endpoint: undefined, region: 'ap-east-1', forcePathStyle: false });
    // Without s3 the settings are not read (nor required).
    expect(config({ KAOZHAO_S3_BUCKET: 'photos' })).toMatchObject({ storage: 'fs', s3: undefined });
  });

  it('stops the start naming the missing or wrong variable, never printing the secret', () => {
    for (const missing of ['KAOZHAO_S3_BUCKET', 'KAOZHAO_S3_ACCESS_KEY_ID', 'KAOZHAO_S3_SECRET_ACCESS_KEY']) {
      const vars: Record<string, string> = { ...FULL };
      delete vars[missing];
      const m = refusal(vars);
      expect(m).toContain(`needs ${missing}`);
      expect(m).not.toContain(SECRET);
    }
    expect(refusal({ ...FULL, KAOZHAO_S3_ENDPOINT: '' })).toContain('needs KAOZHAO_S3_REGION');
    const withCreds = refusal({ ...FULL, KAOZHAO_S3_ENDPOINT: `https://AKIDEXAMPLE:${SECRET}@cos.example.com` });
    expect(withCreds).toContain('KAOZHAO_S3_ENDPOINT must not hold credentials');
    expect(withCreds).not.toContain(SECRET);
    expect(refusal({ ...FULL, KAOZHAO_S3_ENDPOINT: 'ftp://x' })).toContain(
      'KAOZHAO_S3_ENDPOINT must be an http(s) URL',
    );
    expect(refusal({ ...FULL, KAOZHAO_S3_FORCE_PATH_STYLE: 'yes' })).toContain(
      'KAOZHAO_S3_FORCE_PATH_STYLE must be 1 or 0',
    );
    expect(refusal({ KAOZHAO_STORAGE: 'S3 ' })).toBe('KAOZHAO_STORAGE must be one of fs, db, s3');
    expect(() => withEnv({ ...FULL, KAOZHAO_STORAGE: '' }, () => s3SettingsFromEnv())).not.toThrow();
  });
});
