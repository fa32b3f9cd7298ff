// `kaozhao backup FILE` / `kaozhao restore FILE` on the embedded default, through the real CLI and
// DATA_DIR: a round trip brings back the database, the photo files and the secret as they were at
// the backup; a running server (the pid lock) is refused, and so is a file that is not a backup.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { migrateDatabase, openDatabase, rows } from '../../src/db/client.js';

const root = path.resolve(import.meta.dirname, '../..');
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'kz-backup-'));
const file = path.join(dataDir, '..', `${path.basename(dataDir)}.tar.gz`);

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [path.join(root, 'bin/kaozhao.mjs'), ...args], {
    cwd: root,
    env: { ...process.env, DATA_DIR: dataDir, DATABASE_URL: '' },
    encoding: 'utf8',
  });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

async function withDb<T>(fn: (db: Awaited<ReturnType<typeof openDatabase>>['db']) => Promise<T>): Promise<T> {
  const database = await openDatabase({ dataDir: path.join(dataDir, 'pg') });
  try {
    await migrateDatabase(database);
    return await fn(database.db);
  } finally {
    await database.close();
  }
}

const units = () =>
  withDb((db) => rows<{ code: string; name: string }>(db, sql`SELECT code, name FROM org_units ORDER BY code`));
const photo = (rel: string) => path.join(dataDir, 'photos', rel);
const put = (rel: string, text: string) => {
  mkdirSync(path.dirname(photo(rel)), { recursive: true });
  writeFileSync(photo(rel), text);
};

describe('backup and restore of the embedded database', () => {
  afterAll(() => {
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(file, { force: true });
  });

  it('restores the database, the photos and the secret as they were backed up', async () => {
    await withDb((db) => db.execute(sql`INSERT INTO org_units (level, code, name) VALUES ('hq', 'HQ', '总部 first')`));
    put('p1/blue.jpg', 'photo one');
    writeFileSync(path.join(dataDir, 'secret.key'), 'secret-one-0123456789abcdef0123456789');

    const b = cli('backup', file);
    expect(b.out).toContain('Backed up');
    expect(b.code).toBe(0);
    expect(existsSync(file)).toBe(true);

    // Changes after the backup: a renamed unit, a new one, a changed photo, a new photo, a new secret.
    await withDb(async (db) => {
      await db.execute(sql`UPDATE org_units SET name = '总部 second' WHERE code = 'HQ'`);
      await db.execute(sql`INSERT INTO org_units (level, code, name, parent_id)
                           SELECT 'branch', 'B9', '分部 later', id FROM org_units WHERE code = 'HQ'`);
    });
    put('p1/blue.jpg', 'photo one, changed');
    put('p2/blue.jpg', 'photo two');
    writeFileSync(path.join(dataDir, 'secret.key'), 'secret-two-0123456789abcdef0123456789');
    expect(await units()).toHaveLength(2);

    const r = cli('restore', file);
    expect(r.out).toContain('Restored');
    expect(r.code).toBe(0);
    expect(await units()).toEqual([{ code: 'HQ', name: '总部 first' }]);
    expect(readFileSync(photo('p1/blue.jpg'), 'utf8')).toBe('photo one');
    expect(existsSync(photo('p2/blue.jpg'))).toBe(false);
    expect(readFileSync(path.join(dataDir, 'secret.key'), 'utf8')).toBe('secret-one-0123456789abcdef0123456789');
    // The state it replaced is kept, not deleted.
    const kept = /previous state is in (\S+)\.$/m.exec(r.out)?.[1];
    expect(kept && readFileSync(path.join(kept, 'photos/p2/blue.jpg'), 'utf8')).toBe('photo two');
  });

  it('refuses while a server holds DATA_DIR, and refuses a file that is not a backup', async () => {
    const pidFile = path.join(dataDir, 'kaozhao.pid');
    // This test process stands for a running server.
    writeFileSync(pidFile, `${process.pid}\n`);
    try {
      for (const command of ['backup', 'restore']) {
        const r = cli(command, file);
        expect(r.code, r.out).toBe(1);
        expect(r.out).toContain('in use by process');
      }
    } finally {
      rmSync(pidFile, { force: true });
    }
    const bogus = path.join(dataDir, '..', `${path.basename(dataDir)}-bogus.tar.gz`);
    writeFileSync(bogus, 'not a backup');
    try {
      const r = cli('restore', bogus);
      expect(r.code).toBe(1);
    } finally {
      rmSync(bogus, { force: true });
    }
    expect(await units()).toEqual([{ code: 'HQ', name: '总部 first' }]);
    expect(cli('backup').code).toBe(2);
  });
});
