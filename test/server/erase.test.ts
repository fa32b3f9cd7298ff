// Erasing one student (PIPL): HQ only, confirmed by the number typed again. Photos, their files,
// face-index entries, sessions, consents and the student row go; the counters follow; the audit
// entry names the student only by a keyed pseudonym. Real database (PGlite, and PostgreSQL when
// TEST_DATABASE_URL is set), real storage, real HTTP.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows } from '../../src/db/client.js';
import type { DailySeriesResponse, ProgressResponse } from '../../src/domain/admin-api.js';
import { FACE_DESCRIPTION_LENGTH } from '../../src/photo/similarity.js';
import {
  adminLogin,
  BACKENDS,
  readyPhoto,
  startServer,
  studentLogin,
  submitPhoto,
  type TestServer,
} from './harness.js';

describe.each(BACKENDS)('student erasure on $name', (backend) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer(backend, { processJobs: false });
  }, 180_000);
  afterAll(async () => {
    await s?.close();
  });

  const erase = (cookie: string, number: string, confirm: string) =>
    s.app.inject({
      method: 'POST',
      url: `/api/admin/students/${number}/erase`,
      headers: { cookie },
      payload: { confirm },
    });
  const progress = async (cookie: string) =>
    (await s.app.inject({ method: 'GET', url: '/api/admin/progress', headers: { cookie } })).json() as ProgressResponse;
  const today = async (cookie: string) => {
    const r = (
      await s.app.inject({ method: 'GET', url: '/api/admin/progress/daily', headers: { cookie } })
    ).json() as DailySeriesResponse;
    return r.days.reduce((a, d) => ({ submitted: a.submitted + d.submitted, approved: a.approved + d.approved }), {
      submitted: 0,
      approved: 0,
    });
  };
  /** The counters as centre_counts holds them, for comparing with a recomputation. */
  const counters = () =>
    rows(
      s.database.db,
      sql`SELECT centre_id, enrolled, exempt, needs_review, approved, rejected FROM centre_counts
          WHERE campaign_id = ${s.demo.campaignId} ORDER BY centre_id`,
    );

  it('removes the photos, files, face entry, sessions and the student; counters and audit follow', async () => {
    // An enrolled student (the seed suspends a few) and another one to stay untouched.
    const enrolled = await rows<{ i: number }>(
      s.database.db,
      sql`SELECT id::int AS i FROM students WHERE enrolment_status = 'enrolled' ORDER BY id LIMIT 2`,
    );
    const idx = s.demo.students.findIndex((x) => x.id === enrolled[0]!.i);
    const otherIdx = s.demo.students.findIndex((x) => x.id === enrolled[1]!.i);
    const st = s.demo.students[idx]!;
    const other = s.demo.students[otherIdx]!;

    // An approved photo, with a face description, so the face index holds it.
    const embedding = Array.from({ length: FACE_DESCRIPTION_LENGTH }, (_, k) => Math.sin(k + 1));
    const photoId = await readyPhoto(s, idx, 'pass');
    await s.ctx.repos.photos.update(photoId, { embedding });
    const cookie = await studentLogin(s, idx);
    const sub = await submitPhoto(s, cookie, photoId, 'blue');
    expect(sub.statusCode, sub.body).toBe(200);
    expect(sub.json().status).toBe('approved');
    // A second, unsubmitted attempt with a source file: erased too.
    const draft = await readyPhoto(s, idx, 'warn');
    await s.ctx.storage.put(`${draft}/source`, new Uint8Array([1, 2, 3]));
    const otherPhoto = await readyPhoto(s, otherIdx, 'pass');

    const hq = await adminLogin(s, 'hq');
    const before = await progress(hq);
    const dayBefore = await today(hq);
    expect(before.root.approved).toBeGreaterThanOrEqual(1);
    expect(await s.ctx.storage.get(`${photoId}/blue.jpg`)).not.toBeNull();
    // pgvector is always in the embedded database; a PostgreSQL server may lack it.
    if (backend.name === 'pglite') expect(s.ctx.repos.faceIndex.available).toBe(true);
    if (s.ctx.repos.faceIndex.available) {
      const near = await s.ctx.repos.faceIndex.nearest(embedding, other.id, 5);
      expect(near.map((m) => m.photoId)).toContain(photoId);
    }

    // Refusals first: a branch admin (even over the student's own branch), a wrong confirmation.
    const branchUser = s.demo.admins.find((a) => a.role === 'branch' && a.unitId === st.branchId)!;
    const branch = await adminLogin(s, branchUser.username);
    const denied = await erase(branch, st.studentNumber, st.studentNumber);
    expect([denied.statusCode, denied.json().code]).toEqual([403, 'auth.forbidden']);
    const wrong = await erase(hq, st.studentNumber, other.studentNumber);
    expect([wrong.statusCode, wrong.json().code]).toEqual([400, 'student.erase_confirm']);
    expect(wrong.json().message).toMatch(/[\u4e00-\u9fff]/);
    const unknown = await erase(hq, 'X0000000000', 'X0000000000');
    expect([unknown.statusCode, unknown.json().code]).toEqual([404, 'student.not_found']);
    expect(await s.ctx.repos.students.byNumber(st.studentNumber)).toBeDefined();

    const r = await erase(hq, st.studentNumber, ` ${st.studentNumber} `);
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json()).toMatchObject({ erased: true, photos: 2, submissions: 1, sessions: 1 });
    expect(r.json().consents).toBeGreaterThanOrEqual(1);

    // Gone: the row (name, ID number ciphertext and HMAC, phone with it), photos, files, face entry.
    expect(await s.ctx.repos.students.byNumber(st.studentNumber)).toBeUndefined();
    expect(await s.ctx.repos.photos.byId(photoId)).toBeUndefined();
    expect(await s.ctx.repos.photos.byId(draft)).toBeUndefined();
    for (const key of [`${photoId}/blue.jpg`, `${photoId}/white.jpg`, `${draft}/blue.jpg`, `${draft}/source`]) {
      expect(await s.ctx.storage.get(key), key).toBeNull();
    }
    const left = await rows<{ n: number }>(
      s.database.db,
      sql`SELECT ((SELECT count(*) FROM submissions WHERE student_id = ${st.id})
                + (SELECT count(*) FROM consents WHERE student_id = ${st.id})
                + (SELECT count(*) FROM exemptions WHERE student_id = ${st.id})
                + (SELECT count(*) FROM sessions WHERE kind = 'student' AND subject_id = ${st.id}))::int AS n`,
    );
    expect(left[0]!.n).toBe(0);
    if (s.ctx.repos.faceIndex.available) {
      const near = await s.ctx.repos.faceIndex.nearest(embedding, other.id, 5);
      expect(near.map((m) => m.photoId)).not.toContain(photoId);
    }
    // Another student's photo is untouched.
    expect(await s.ctx.storage.get(`${otherPhoto}/blue.jpg`)).not.toBeNull();

    // The old session is dead and the number no longer signs in.
    const me = await s.app.inject({ method: 'GET', url: '/api/student/me', headers: { cookie } });
    expect(me.statusCode).toBe(401);
    const again = await s.app.inject({
      method: 'POST',
      url: '/api/student/verify',
      payload: { studentNumber: st.studentNumber, idNumber: st.idNumber },
    });
    expect(again.statusCode).toBe(404);

    // Counters: one fewer enrolled and approved, today's events too; and equal to a recomputation.
    const after = await progress(hq);
    expect(after.root.enrolled).toBe(before.root.enrolled - 1);
    expect(after.root.approved).toBe(before.root.approved - 1);
    expect(after.root.submitted).toBe(before.root.submitted - 1);
    const dayAfter = await today(hq);
    expect(dayAfter).toEqual({ submitted: dayBefore.submitted - 1, approved: dayBefore.approved - 1 });
    const incremental = await counters();
    await s.ctx.repos.counts.refresh(s.demo.campaignId);
    expect(await counters()).toEqual(incremental);

    // The audit entry: HQ, one student, a pseudonym; never the number, name or ID number.
    const [audit] = await rows<{ detail: Record<string, unknown>; student_count: number; student_ids: unknown }>(
      s.database.db,
      sql`SELECT detail, student_count, student_ids FROM audit_log WHERE action = 'student.erase'`,
    );
    expect(audit).toBeDefined();
    expect(audit!.student_count).toBe(1);
    expect(audit!.student_ids).toBeNull();
    expect(audit!.detail.subject).toBe(s.ctx.cipher.pseudonym(st.studentNumber));
    const text = JSON.stringify(audit);
    for (const secret of [st.studentNumber, st.name, st.idNumber]) expect(text).not.toContain(secret);
    const listed = await s.app.inject({
      method: 'GET',
      url: '/api/admin/audit?action=student.erase',
      headers: { cookie: hq },
    });
    expect(listed.statusCode).toBe(200);
    expect(listed.body).not.toContain(st.studentNumber);
    expect(listed.body).not.toContain(st.name);
    // Nor in the logs.
    for (const secret of [st.studentNumber, st.name, st.idNumber]) expect(s.logs()).not.toContain(secret);

    // Erased means unknown: a second erasure is a 404.
    const twice = await erase(hq, st.studentNumber, st.studentNumber);
    expect(twice.statusCode).toBe(404);
  });
});
