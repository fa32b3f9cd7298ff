// Exam entry: a live face compared 1:1 with the student's approved photo, through the API and the
// real engine (photo workers describe the live frame), on both databases.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows } from '../../src/db/client.js';
import { FACE_DESCRIPTION_LENGTH, VERIFY_THRESHOLD } from '../../src/photo/similarity.js';
import { haveFaces, readFace } from '../faces.js';
import {
  adminLogins,
  BACKENDS,
  multipart,
  readyPhoto,
  startServer,
  studentLogin,
  submitPhoto,
  type TestServer,
} from './harness.js';

const OBAMA_A = 'identities/barack_obama/facerec__examples__obama.jpg';
const OBAMA_B = 'identities/barack_obama/facerec__test__obama1.jpg';
const ANISTON = 'identities/jennifer_aniston/deepface__dataset__img3.jpg';
const NO_FACE = 'other/no_face/insightface__crop__no_face.png';
/** A hood and a mask: the face is found, but the mesh model doubts it. */
const MASKED = 'defects/head_covering/serfiq__data__test_img2.jpg';

describe.skipIf(!haveFaces).each(BACKENDS)('exam-entry face verification on $name', (backend) => {
  let s: TestServer;
  const cookies: Record<string, string> = {};
  // Student 0 sits in centre C1 (centre1's), student 2 in C3 (branch 2).
  const withPhoto = 0;
  const elsewhere = 2;
  const withoutPhoto = 4;
  beforeAll(async () => {
    s = await startServer(backend, { processJobs: false });
    Object.assign(cookies, await adminLogins(s, ['hq', 'centre1', 'centre3', 'reviewer']));
    // A collected photo as the engine leaves it, its description from the same engine.
    const stored = await s.ctx.engine.describe(readFace(OBAMA_A));
    expect(stored?.embedding).toHaveLength(FACE_DESCRIPTION_LENGTH);
    for (const i of [withPhoto, elsewhere]) {
      const id = await readyPhoto(s, i, 'pass');
      await s.ctx.repos.photos.update(id, { embedding: stored!.embedding });
      const r = await submitPhoto(s, await studentLogin(s, i), id, 'blue');
      if (i === elsewhere) {
        // The same face under a second student goes to review (duplicate search); a reviewer
        // approves it here so both students have an approved photo to compare with.
        expect(r.json().status).toBe(s.ctx.repos.faceIndex.available ? 'needs_review' : 'approved');
        if (r.json().status === 'approved') continue;
        const ok = await s.app.inject({
          method: 'POST',
          url: `/api/admin/reviews/${id}`,
          headers: { cookie: cookies.hq! },
          payload: { decision: 'approve' },
        });
        expect(ok.statusCode, ok.body).toBe(200);
      } else expect(r.json().status).toBe('approved');
    }
  }, 180_000);
  afterAll(async () => {
    await s?.close();
  });

  const verify = (who: string, studentIndex: number, file: string | Buffer, type = 'image/jpeg') => {
    const bytes = typeof file === 'string' ? readFace(file) : file;
    const m = multipart('photo', 'live.jpg', bytes, type);
    return s.app.inject({
      method: 'POST',
      url: `/api/admin/students/${s.demo.students[studentIndex]!.studentNumber}/verify-face`,
      headers: { cookie: cookies[who]!, ...m.headers },
      payload: m.payload,
    });
  };

  it('accepts the same person and refuses another, with masked identity', async () => {
    const same = await verify('centre1', withPhoto, OBAMA_B);
    expect(same.statusCode, same.body).toBe(200);
    expect(same.json()).toMatchObject({ match: true, threshold: VERIFY_THRESHOLD });
    expect(same.json().similarity).toBeGreaterThan(VERIFY_THRESHOLD);
    expect(same.json().maskedName).toContain('*');
    expect(same.body).not.toContain(s.demo.students[withPhoto]!.name);
    expect(same.body).not.toContain(s.demo.students[withPhoto]!.idNumber);

    const other = await verify('hq', withPhoto, ANISTON);
    expect(other.statusCode).toBe(200);
    expect(other.json().match).toBe(false);
    expect(other.json().similarity).toBeLessThan(VERIFY_THRESHOLD);
  });

  it('says why when it cannot compare', async () => {
    const noFace = await verify('centre1', withPhoto, NO_FACE, 'image/png');
    expect(noFace.statusCode).toBe(422);
    expect(noFace.json().code).toBe('exam.no_face');
    // A covered face is not compared (it would read as another person): uncover and retake.
    const masked = await verify('centre1', withPhoto, MASKED);
    expect(masked.statusCode, masked.body).toBe(422);
    expect(masked.json().code).toBe('exam.face_covered');
    const notImage = await verify('centre1', withPhoto, Buffer.from('not a photo'), 'text/plain');
    expect(notImage.statusCode).toBe(415);
    expect(notImage.json().code).toBe('image.unsupported_type');
    const noPhoto = await verify('centre1', withoutPhoto, OBAMA_B);
    expect(noPhoto.statusCode, noPhoto.body).toBe(404);
    expect(noPhoto.json().code).toBe('exam.no_photo');
    const m = multipart('photo', 'a.jpg', readFace(OBAMA_B));
    const unknown = await s.app.inject({
      method: 'POST',
      url: '/api/admin/students/000000000/verify-face',
      headers: { cookie: cookies.centre1!, ...m.headers },
      payload: m.payload,
    });
    expect(unknown.statusCode, unknown.body).toBe(404);
    // A multipart body cut off in the middle is the client's error, not the server's.
    const cut = await s.app.inject({
      method: 'POST',
      url: `/api/admin/students/${s.demo.students[withPhoto]!.studentNumber}/verify-face`,
      headers: { cookie: cookies.centre1!, ...m.headers },
      payload: m.payload.subarray(0, 2000),
    });
    expect(cut.statusCode, cut.body).toBe(400);
    expect(cut.json().code).toBe('request.invalid');
  });

  it('is scoped: another centre’s student is not found, a reviewer may not verify', async () => {
    const outOfScope = await verify('centre1', elsewhere, OBAMA_B);
    expect(outOfScope.statusCode).toBe(404);
    expect(outOfScope.json().code).toBe('student.not_found');
    expect((await verify('centre3', elsewhere, OBAMA_B)).json().match).toBe(true);
    const reviewer = await verify('reviewer', withPhoto, OBAMA_B);
    expect(reviewer.statusCode).toBe(403);
    // With a JSON body: a write with neither Origin nor JSON/multipart is refused (403) before sign-in is asked.
    const anonymous = await s.app.inject({ method: 'POST', url: '/api/admin/students/x/verify-face', payload: {} });
    expect(anonymous.statusCode).toBe(401);
  });

  it('audits every comparison with the student, and keeps no frame', async () => {
    const audit = await rows<{ action: string; student_count: number; detail: { match: boolean } }>(
      s.database.db,
      sql`SELECT action, student_count, detail FROM audit_log WHERE action = 'exam.verify' ORDER BY id`,
    );
    expect(audit.length).toBeGreaterThanOrEqual(3);
    expect(audit.every((a) => a.student_count === 1)).toBe(true);
    expect(audit.map((a) => a.detail.match)).toContain(false);
    const files = await rows<{ n: number }>(s.database.db, sql`SELECT count(*)::int AS n FROM photo_files`);
    const before = files[0]!.n;
    await verify('centre1', withPhoto, OBAMA_B);
    const after = await rows<{ n: number }>(s.database.db, sql`SELECT count(*)::int AS n FROM photo_files`);
    expect(after[0]!.n).toBe(before);
    expect(s.logs()).not.toContain(s.demo.students[withPhoto]!.idNumber);
  });
});
