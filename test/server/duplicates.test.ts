// The same face under two identities: a submission whose face is (nearly) a copy of another
// student's submitted photo is not auto-approved; it goes to review with identity.duplicate.
// Real photos, real engine, pgvector on PGlite and (when installed) on PostgreSQL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckResult } from '../../src/domain/checks.js';
import { DUPLICATE_FACE } from '../../src/server/services/photo.service.js';
import { haveFaces, readFace } from '../faces.js';
import {
  adminLogin,
  BACKENDS,
  readyPhoto,
  startServer,
  studentLogin,
  submitPhoto,
  type TestServer,
} from './harness.js';

const ORIGINAL = 'duplicates/obama_resolutions/facerec__examples__obama.jpg';
const RESIZED = 'duplicates/obama_resolutions/facerec__examples__obama-480p.jpg';
const REENCODED = 'duplicates/obama_resolutions/facerec__examples__obama-720p.jpg';
const SOMEONE_ELSE = 'identities/jennifer_aniston/deepface__dataset__img3.jpg';

describe.skipIf(!haveFaces).each(BACKENDS)('duplicate faces on $name', (backend) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer(backend, { processJobs: false });
  }, 180_000);
  afterAll(async () => {
    await s?.close();
  });

  /** Student `i` submits a passing photo whose description is that of `file`. */
  async function submit(i: number, file: string) {
    const d = await s.ctx.engine.describe(readFace(file));
    expect(d, file).not.toBeNull();
    const id = await readyPhoto(s, i, 'pass');
    await s.ctx.repos.photos.update(id, { embedding: d!.embedding });
    const r = await submitPhoto(s, await studentLogin(s, i), id, 'blue');
    expect(r.statusCode, r.body).toBe(200);
    const row = await s.ctx.repos.photos.byId(id);
    return { id, status: r.json().status as string, report: (row?.report ?? []) as CheckResult[] };
  }
  const dup = (report: CheckResult[]) => report.find((c) => c.id === 'identity.duplicate');

  it('flags a copy of another student’s photo for review, and not a different person', async (ctx) => {
    if (!s.ctx.repos.faceIndex.available) {
      console.warn(`SKIP duplicate search on ${backend.name}: pgvector is not installed on this server`);
      ctx.skip();
    }
    const first = await submit(0, ORIGINAL);
    expect(first.status).toBe('approved');
    expect(dup(first.report)).toBeUndefined();

    const copy = await submit(1, RESIZED);
    expect(copy.status).toBe('needs_review');
    expect(dup(copy.report)).toMatchObject({ status: 'warn' });
    expect(dup(copy.report)!.value!).toBeGreaterThanOrEqual(DUPLICATE_FACE);
    // The student's message names nobody.
    expect(dup(copy.report)!.message.zh).not.toContain(s.demo.students[0]!.name);

    const other = await submit(2, SOMEONE_ELSE);
    expect(other.status).toBe('approved');
    expect(dup(other.report)).toBeUndefined();

    // The reviewer sees whose face it also is.
    const reviewer = await adminLogin(s, 'hq');
    const queue = await s.app.inject({ method: 'GET', url: '/api/admin/reviews', headers: { cookie: reviewer } });
    const item = queue.json().items.find((i: { photoId: string }) => i.photoId === copy.id);
    expect(item.duplicateOf).toMatchObject({ studentNumber: s.demo.students[0]!.studentNumber });
    expect(item.duplicateOf.similarity).toBeGreaterThanOrEqual(DUPLICATE_FACE);
    expect(item.duplicateOf.photoUrl).toContain(first.id);
    // A reviewer rejects the copy: it leaves the index; the original still catches the next copy.
    const rej = await s.app.inject({
      method: 'POST',
      url: `/api/admin/reviews/${copy.id}`,
      headers: { cookie: reviewer },
      payload: { decision: 'reject', reason: '与他人照片重复' },
    });
    expect(rej.statusCode, rej.body).toBe(200);
    const near = await s.ctx.repos.faceIndex.nearest((await s.ctx.repos.photos.byId(copy.id))!.embedding!, 99_999, 5);
    expect(near.map((m) => m.photoId)).not.toContain(copy.id);
    expect(near.map((m) => m.photoId)).toContain(first.id);
    const again = await submit(3, REENCODED);
    expect(again.status).toBe('needs_review');
  });
});
