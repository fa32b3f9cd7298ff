// kaozhao backup FILE | kaozhao restore FILE: the embedded deployment's state (PGlite database,
// stored photos, the generated secret that encrypts ID numbers) in one .tar.gz. The server must be
// stopped: both commands take DATA_DIR/kaozhao.pid, so a running server is refused rather than
// copied half-written. With DATABASE_URL, PostgreSQL's own tools do it (README: Backup and restore).
import {
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import { loadConfig } from '../config.js';
import { lockEmbeddedDatabase } from '../db/embedded-lock.js';

export const BACKUP_USAGE = `usage: kaozhao backup FILE     (the embedded database, photos and secret of DATA_DIR; stop the server first)
       kaozhao restore FILE    (replaces them; the current ones are kept in DATA_DIR/before-restore-<time>/)`;

const MANIFEST = 'kaozhao-backup.json';
const FORMAT = 1;

// --- a minimal ustar writer and reader: files only, names under 100 bytes --------------------------

function header(name: string, size: number): Buffer {
  const h = Buffer.alloc(512);
  if (Buffer.byteLength(name) > 99) throw new Error(`name too long for the backup: ${name}`);
  h.write(name, 0, 'utf8');
  h.write('0000600\0', 100);
  h.write('0000000\0', 108);
  h.write('0000000\0', 116);
  h.write(`${size.toString(8).padStart(11, '0')}\0`, 124);
  h.write(
    `${Math.floor(Date.now() / 1000)
      .toString(8)
      .padStart(11, '0')}\0`,
    136,
  );
  h.write('        ', 148);
  h.write('0', 156);
  h.write('ustar\0' + '00', 257);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return h;
}

type Entry = { name: string; data: Buffer } | { name: string; file: string };

async function writeTarGz(file: string, entries: AsyncIterable<Entry>): Promise<number> {
  const gz = createGzip({ level: 1 });
  const done = pipeline(gz, createWriteStream(file, { mode: 0o600 }));
  const put = async (b: Buffer) => {
    if (!gz.write(b)) await new Promise((r) => gz.once('drain', r));
  };
  let n = 0;
  for await (const e of entries) {
    const size = 'data' in e ? e.data.length : statSync(e.file).size;
    await put(header(e.name, size));
    if ('data' in e) await put(e.data);
    else for await (const chunk of createReadStream(e.file)) await put(chunk as Buffer);
    if (size % 512) await put(Buffer.alloc(512 - (size % 512)));
    n++;
  }
  gz.end(Buffer.alloc(1024));
  await done;
  return n;
}

/** Writes every file of the archive under `dir` (names checked to stay inside it). */
async function extractTarGz(file: string, dir: string): Promise<string[]> {
  const names: string[] = [];
  let buf = Buffer.alloc(0);
  let current: { name: string; left: number; pad: number; fd: Awaited<ReturnType<typeof open>> } | undefined;
  let ended = false;
  for await (const chunk of createReadStream(file).pipe(createGunzip())) {
    buf = Buffer.concat([buf, chunk as Buffer]);
    for (;;) {
      if (ended) break;
      if (current) {
        if (current.left > 0) {
          if (buf.length === 0) break;
          const take = Math.min(current.left, buf.length);
          await current.fd.write(buf.subarray(0, take));
          buf = buf.subarray(take);
          current.left -= take;
          if (current.left > 0) break;
        }
        if (buf.length < current.pad) break;
        buf = buf.subarray(current.pad);
        await current.fd.close();
        current = undefined;
        continue;
      }
      if (buf.length < 512) break;
      const h = buf.subarray(0, 512);
      buf = buf.subarray(512);
      if (h.every((b) => b === 0)) {
        ended = true;
        break;
      }
      const name = h.subarray(0, 100).toString('utf8').replace(/\0.*$/s, '');
      const size = Number.parseInt(h.subarray(124, 136).toString('ascii').replace(/\0.*$/s, '').trim(), 8);
      const target = path.resolve(dir, name);
      if (!target.startsWith(path.resolve(dir) + path.sep) || !Number.isFinite(size)) {
        throw new Error('not a Kaozhao backup (bad entry)');
      }
      mkdirSync(path.dirname(target), { recursive: true });
      current = { name, left: size, pad: (512 - (size % 512)) % 512, fd: await open(target, 'w', 0o600) };
      names.push(name);
    }
  }
  if (current) throw new Error('the backup is truncated');
  return names;
}

// --- the commands ------------------------------------------------------------------------------------

function* walk(dir: string, rel = ''): Generator<string> {
  if (!existsSync(dir)) return;
  for (const d of readdirSync(dir, { withFileTypes: true })) {
    const r = rel ? `${rel}/${d.name}` : d.name;
    if (d.isDirectory()) yield* walk(path.join(dir, d.name), r);
    else if (d.isFile()) yield r;
  }
}

async function openPglite(dir: string, loadDataDir?: Blob) {
  const { PGlite } = await import('@electric-sql/pglite');
  const { vector } = await import('@electric-sql/pglite-pgvector');
  return PGlite.create(dir, { extensions: { vector }, ...(loadDataDir ? { loadDataDir } : {}) });
}

export async function backupCommand(file: string, dataDir: string): Promise<{ photos: number }> {
  const lock = lockEmbeddedDatabase(dataDir);
  try {
    const pgDir = path.join(dataDir, 'pg');
    if (!existsSync(pgDir)) throw new Error(`no embedded database in ${pgDir}`);
    const db = await openPglite(pgDir);
    let dump: Buffer;
    try {
      dump = Buffer.from(await (await db.dumpDataDir('none')).arrayBuffer());
    } finally {
      await db.close();
    }
    const photosDir = path.join(dataDir, 'photos');
    const photos = [...walk(photosDir)];
    const secret = path.join(dataDir, 'secret.key');
    const tmp = `${file}.partial`;
    await writeTarGz(
      tmp,
      (async function* () {
        const manifest = { format: FORMAT, createdAt: new Date().toISOString(), photos: photos.length };
        yield { name: MANIFEST, data: Buffer.from(JSON.stringify(manifest)) };
        yield { name: 'pg.tar', data: dump };
        for (const p of photos) yield { name: `photos/${p}`, file: path.join(photosDir, p) };
        if (existsSync(secret)) yield { name: 'secret.key', file: secret };
      })(),
    );
    // Only a complete backup takes the name: an interrupted one never looks like a good one.
    renameSync(tmp, file);
    return { photos: photos.length };
  } finally {
    lock.release();
  }
}

export async function restoreCommand(file: string, dataDir: string): Promise<{ keptIn: string; photos: number }> {
  if (!existsSync(file)) throw new Error(`no such file: ${file}`);
  const lock = lockEmbeddedDatabase(dataDir);
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const staging = path.join(dataDir, `.restore-${stamp}`);
  try {
    const names = await extractTarGz(file, staging);
    const manifest = JSON.parse(readFileSync(path.join(staging, MANIFEST), 'utf8')) as { format: number };
    if (manifest.format !== FORMAT || !names.includes('pg.tar')) throw new Error('not a Kaozhao backup');
    // The database is rebuilt from PGlite's own dump, then checked by opening it.
    const db = await openPglite(path.join(staging, 'pg'), new Blob([readFileSync(path.join(staging, 'pg.tar'))]));
    await db.query('SELECT 1');
    await db.close();
    const keptIn = path.join(dataDir, `before-restore-${stamp}`);
    mkdirSync(keptIn, { recursive: true });
    for (const part of ['pg', 'photos', 'secret.key']) {
      if (existsSync(path.join(dataDir, part))) renameSync(path.join(dataDir, part), path.join(keptIn, part));
      if (existsSync(path.join(staging, part))) renameSync(path.join(staging, part), path.join(dataDir, part));
    }
    return { keptIn, photos: names.filter((n) => n.startsWith('photos/')).length };
  } finally {
    rmSync(staging, { recursive: true, force: true });
    lock.release();
  }
}

export async function backup(command: 'backup' | 'restore', args: string[]): Promise<number> {
  const file = args[0];
  if (!file || args.length > 1 || file.startsWith('-')) {
    console.error(BACKUP_USAGE);
    return 2;
  }
  // The secret is not needed here; given, loadConfig does not generate a secret.key into DATA_DIR.
  const config = loadConfig({ secret: 'x'.repeat(32) });
  if (config.databaseUrl) {
    console.error('DATABASE_URL is set: back up PostgreSQL with pg_dump (README: Backup and restore).');
    return 2;
  }
  try {
    if (command === 'backup') {
      const r = await backupCommand(path.resolve(file), config.dataDir);
      console.log(`Backed up ${config.dataDir} (database, ${r.photos} photo files) to ${file}.`);
      // The files under DATA_DIR/photos are not the photos then: say where they are.
      if (config.storage === 's3') {
        console.log(
          'KAOZHAO_STORAGE=s3: the photos are in the bucket, not in this backup; back the bucket up after it (README: Moving photos into an S3 bucket).',
        );
      }
    } else {
      const r = await restoreCommand(path.resolve(file), config.dataDir);
      console.log(
        `Restored ${file} into ${config.dataDir} (${r.photos} photo files); the previous state is in ${r.keptIn}.`,
      );
    }
    return 0;
  } catch (e) {
    console.error(`${command} failed: ${e instanceof Error ? e.message : e}`);
    return 1;
  }
}
