import type { Config } from '../../config.js';
import type { Db } from '../../db/client.js';
import type { PhotoAttempt } from '../../domain/api.js';
import { BACKGROUND_NAMES, type BackgroundName } from '../../domain/backgrounds.js';
import { type CheckResult, worstStatus } from '../../domain/checks.js';
import { ERRORS, KaozhaoError } from '../../domain/errors.js';
import type { PhotoJobQueue } from '../../jobs/photo-queue.js';
import { checkInput } from '../../photo/decode.js';
import { createCountsRepository } from '../repositories/counts.repository.js';
import type { FaceIndexRepository } from '../repositories/face-index.repository.js';
import { createPhotoRepository, type Photo, type PhotoRepository } from '../repositories/photo.repository.js';
import type { PhotoEngineRepository } from '../repositories/photo-engine.repository.js';
import type { StorageRepository } from '../repositories/storage.repository.js';
import { createStudentRepository, type StudentRepository } from '../repositories/student.repository.js';
import type { CampaignService } from './campaign.service.js';

export type PhotoFileName = `${BackgroundName}.jpg` | 'cutout.png';
/** Stored files of an attempt: one JPEG per background colour and the cut-out. */
export const PHOTO_FILE_PATTERN = `^(${BACKGROUND_NAMES.join('|')})\\.jpg$|^cutout\\.png$`;
export const PHOTO_FILE_RE = new RegExp(PHOTO_FILE_PATTERN);

/**
 * How long a photo still marked processing blocks the student's next upload. A photo normally
 * takes seconds and any photo stops after 10 minutes by the clock (pool.ts), but a queue backlog or
 * a durable-queue retry (expiry 5 min × retries) can keep one longer, and a row left processing
 * by a crash must not block the student for good: after this it no longer counts.
 */
export const PROCESSING_HOLD_MS = 30 * 60_000;

/** Tries per photo across retries and workers before it is marked failed. */
export const MAX_JOB_ATTEMPTS = 3;

/**
 * Similarity from which another student's submitted photo counts as the same face. From
 * `npx tsx bench/duplicates.ts` (face description of src/photo/face/embedding.ts): copies of one
 * photo (re-encoded, resized, letterboxed, cropped, cross-repository: shared duplicates/) score
 * 0.982–1.000; different photos of one person median 0.969; different people median 0.825, highest
 * 0.922 of 448 pairs. A 1:N search over millions of photos meets far more look-alikes than 448
 * pairs show, so the cut sits well above every different-people pair and just below the lowest
 * copy: copies and near-identical shots are flagged, look-alikes are not. It only sends the
 * submission to a reviewer; it never refuses it.
 */
export const DUPLICATE_FACE = 0.97;

function duplicateCheck(similarity: number): CheckResult {
  return {
    id: 'identity.duplicate',
    status: 'warn',
    value: Math.round(similarity * 1000) / 1000,
    threshold: `< ${DUPLICATE_FACE}`,
    message: {
      zh: '该照片与其他学生已提交的照片高度相似，将由人工审核',
      en: 'Very similar to a photo another student submitted: a reviewer will check it',
    },
  };
}

const KNOWN_ENGINE_CODES = new Set(Object.keys(ERRORS));

export function createPhotoService(deps: {
  db: Db;
  photos: PhotoRepository;
  students: StudentRepository;
  storage: StorageRepository;
  engine: PhotoEngineRepository;
  queue: PhotoJobQueue;
  campaign: CampaignService;
  faceIndex: FaceIndexRepository;
  /** Read on every upload, so a changed value applies at once. */
  limits: Pick<Config, 'uploadsPerWindow' | 'uploadWindowMinutes'>;
}) {
  const { db, photos, storage, engine, queue, campaign, faceIndex, limits } = deps;

  /**
   * The phone photo is kept only until its attempt is finished: the outputs and the report are
   * what the student, the reviewers and the exam room use, and at 4.5 million students the
   * originals (≈ 3 MB each, with the student's home in the background) would be the largest and
   * most sensitive thing stored. A retake is a new upload.
   */
  async function dropSource(photoId: string): Promise<void> {
    await storage.delete(`${photoId}/source`);
  }

  function toAttempt(p: Photo, base: string): PhotoAttempt {
    const urls: PhotoAttempt['photos'] = {};
    for (const bg of p.backgrounds ?? []) urls[bg as BackgroundName] = `${base}/${p.id}/files/${bg}.jpg`;
    const err = p.errorCode ? (ERRORS as Record<string, { zh: string }>)[p.errorCode] : undefined;
    return {
      id: p.id,
      status: p.status,
      createdAt: p.createdAt.toISOString(),
      progress: p.status === 'processing' ? p.progress : 1,
      error: p.errorCode ? { code: p.errorCode, message: err?.zh ?? ERRORS['engine.crashed'].zh } : null,
      verdict: p.verdict ?? null,
      report: p.report ?? [],
      photos: urls,
      cutout: p.hasCutout ? `${base}/${p.id}/files/cutout.png` : null,
      background: p.background ?? null,
      submittedAt: p.submittedAt?.toISOString() ?? null,
      rejectionReason: p.status === 'rejected' ? (p.reason ?? null) : null,
    };
  }

  async function own(studentId: number, photoId: string): Promise<Photo> {
    const p = /^[0-9a-f-]{36}$/i.test(photoId) ? await photos.byId(photoId) : undefined;
    // Someone else's photo id answers exactly like a missing one.
    if (!p || p.studentId !== studentId) throw KaozhaoError.of('photo.not_found');
    return p;
  }

  return {
    toAttempt,

    async upload(studentId: number, bytes: Uint8Array, source: 'upload' | 'camera'): Promise<Photo> {
      const student = await deps.students.byId(studentId);
      if (!student) throw KaozhaoError.of('session.expired');
      if (!student.consentVersion) throw KaozhaoError.of('consent.required');
      const c = await campaign.assertCanCollect(student);
      // The engine's own refusals from the bytes, before anything is stored or queued.
      const type = checkInput(bytes);
      // Admission: one photo in the making per student and a rate per student, so one account
      // cannot fill the queue that every other student waits in. Refused uploads store nothing
      // and do not count; the photo already in the making carries on.
      const photo = await db.transaction(async (tx) => {
        // One student's uploads are admitted one at a time, so parallel requests cannot all pass.
        await createStudentRepository(tx).lock(studentId);
        const txPhotos = createPhotoRepository(tx);
        const windowMs = limits.uploadWindowMinutes * 60_000;
        const load = await txPhotos.uploadLoad(studentId, windowMs, PROCESSING_HOLD_MS);
        if (load.processing > 0) throw KaozhaoError.of('photo.processing');
        if (load.recent >= limits.uploadsPerWindow) {
          throw KaozhaoError.wait('photo.upload_rate', load.retryAfterMs / 1000);
        }
        return txPhotos.create({
          studentId,
          campaignId: c.id,
          status: 'processing',
          source,
          sourceType: type,
          sourceBytes: bytes.length,
          specId: c.specId,
        });
      });
      await storage.put(`${photo.id}/source`, bytes);
      await queue.enqueue({ photoId: photo.id });
      return photo;
    },

    /**
     * The job: make the photo once. Input errors mark the attempt failed (the student sees why);
     * anything else is rethrown so a durable queue retries it on another worker.
     */
    async process(photoId: string): Promise<void> {
      const p = await photos.byId(photoId);
      if (p?.status !== 'processing') return;
      // Tries that never returned (the process died inside the engine: out of memory, a native
      // crash) count too: without this, a photo that kills the process would be re-queued at every
      // restart (requeueStuck) and kill it again.
      if (p.attempts >= MAX_JOB_ATTEMPTS) {
        await photos.completeIfProcessing(photoId, {
          status: 'failed',
          errorCode: 'engine.crashed',
          progress: 1,
          processedAt: new Date(),
        });
        await dropSource(photoId);
        return;
      }
      await photos.update(photoId, { progress: 0.1, attempts: p.attempts + 1 });
      const source = await storage.get(`${photoId}/source`);
      if (!source) {
        await photos.completeIfProcessing(photoId, { status: 'failed', errorCode: 'engine.crashed', progress: 1 });
        return;
      }
      let result: Awaited<ReturnType<PhotoEngineRepository['make']>>;
      try {
        result = await engine.make(source, { spec: p.specId });
      } catch (e) {
        if (e instanceof KaozhaoError && KNOWN_ENGINE_CODES.has(e.code) && e.code !== 'engine.busy') {
          await photos.completeIfProcessing(photoId, {
            status: 'failed',
            errorCode: e.code,
            progress: 1,
            processedAt: new Date(),
          });
          await dropSource(photoId);
          return;
        }
        // Out of tries: the student is told to upload again instead of waiting forever.
        if (p.attempts + 1 >= MAX_JOB_ATTEMPTS) {
          await photos.completeIfProcessing(photoId, {
            status: 'failed',
            errorCode: e instanceof KaozhaoError && e.code === 'engine.busy' ? 'engine.busy' : 'engine.crashed',
            progress: 1,
            processedAt: new Date(),
          });
          await dropSource(photoId);
          return;
        }
        throw e;
      }
      const backgrounds = BACKGROUND_NAMES.filter((bg) => result.photos[bg]);
      // Files first, then the row: a reader who sees "ready" finds every file.
      for (const bg of backgrounds) await storage.put(`${photoId}/${bg}.jpg`, result.photos[bg]!);
      if (result.cutout) await storage.put(`${photoId}/cutout.png`, result.cutout);
      await photos.completeIfProcessing(photoId, {
        // Not made (no face, cut off...) is still "ready": the report says what to change, and a
        // failing verdict blocks submission.
        status: 'ready',
        verdict: result.made ? result.verdict : 'fail',
        report: result.report,
        backgrounds,
        hasCutout: Boolean(result.cutout),
        embedding: result.face?.embedding ?? null,
        progress: 1,
        processedAt: new Date(),
      });
      await dropSource(photoId);
    },

    async get(studentId: number, photoId: string): Promise<Photo> {
      return own(studentId, photoId);
    },

    async list(studentId: number): Promise<Photo[]> {
      return photos.listByStudent(studentId);
    },

    async file(photoId: string, name: string): Promise<Uint8Array> {
      if (!PHOTO_FILE_RE.test(name)) throw KaozhaoError.of('photo.not_found');
      const bytes = await storage.get(`${photoId}/${name}`);
      if (!bytes) throw KaozhaoError.of('photo.not_found');
      return bytes;
    },

    async studentFile(studentId: number, photoId: string, name: string): Promise<Uint8Array> {
      await own(studentId, photoId);
      return this.file(photoId, name);
    },

    /** Idempotent: the same photo submitted twice answers with the first result. */
    async submit(studentId: number, photoId: string, background: BackgroundName): Promise<Photo> {
      // Window and exemption are read before the transaction: PGlite has one connection, so
      // nothing outside `tx` may run inside it.
      const before = await deps.students.byId(studentId);
      if (!before) throw KaozhaoError.of('session.expired');
      const existing = await photos.byId(photoId);
      if (existing && existing.studentId === studentId && ['needs_review', 'approved'].includes(existing.status)) {
        return existing;
      }
      // A double click can commit this very photo between the read above and this check: then
      // "already submitted" is decided under the lock below, which answers like the first click.
      const c = await campaign.assertCanCollect(before).catch(async (e: unknown) => {
        if (e instanceof KaozhaoError && e.code === 'photo.already_submitted') return campaign.current();
        throw e;
      });
      // The same face already submitted by another student (read before the transaction, see above).
      const twin = existing?.embedding?.length
        ? (await faceIndex.nearest(existing.embedding, studentId, 1)).find((m) => m.similarity >= DUPLICATE_FACE)
        : undefined;
      return db.transaction(async (tx) => {
        const txPhotos = createPhotoRepository(tx);
        const txStudents = createStudentRepository(tx);
        // One student's submits run one at a time, so two tabs cannot both pass the checks below.
        await txStudents.lock(studentId);
        const p = await txPhotos.byIdForUpdate(photoId);
        if (!p || p.studentId !== studentId) throw KaozhaoError.of('photo.not_found');
        if (p.status === 'needs_review' || p.status === 'approved' || p.status === 'submitted') return p;
        if (p.status === 'processing') throw KaozhaoError.of('photo.not_ready');
        if (p.status === 'failed' || p.status === 'rejected') throw KaozhaoError.of('photo.failed_checks');
        const verdict = p.verdict ?? worstStatus(p.report ?? []);
        if (verdict === 'fail') throw KaozhaoError.of('photo.failed_checks');
        if (!(p.backgrounds ?? []).includes(background)) throw KaozhaoError.of('photo.background_unavailable');
        const student = await txStudents.byId(studentId);
        if (!student) throw KaozhaoError.of('session.expired');
        if (c.id !== p.campaignId) throw KaozhaoError.of('campaign.closed');
        const prev = await txPhotos.submission(c.id, studentId);
        // The same photo already submitted (a double click that raced past the status check):
        // answer like the first click did rather than with an error.
        if (prev && prev.photoId === p.id && prev.status !== 'rejected') return (await txPhotos.byId(p.id))!;
        if (prev && prev.status !== 'rejected') throw KaozhaoError.of('photo.already_submitted');
        // A twin never auto-approves: a reviewer decides who the face belongs to.
        const status = verdict === 'pass' && !twin ? 'approved' : 'needs_review';
        const now = new Date();
        await txPhotos.update(p.id, {
          status,
          background,
          submittedAt: now,
          reviewedAt: status === 'approved' ? now : null,
          ...(twin ? { report: [...(p.report ?? []), duplicateCheck(twin.similarity)] } : {}),
        });
        if (p.embedding?.length) {
          await faceIndex.add(tx, { photoId: p.id, studentId, campaignId: c.id, embedding: p.embedding });
        }
        await txPhotos.upsertSubmission({
          campaignId: c.id,
          studentId,
          photoId: p.id,
          status,
          centreId: student.centreId,
          branchId: student.branchId,
          submittedAt: now,
          reviewedAt: status === 'approved' ? now : null,
        });
        await createCountsRepository(tx).transition({
          campaignId: c.id,
          centreId: student.centreId,
          branchId: student.branchId,
          from: prev ? prev.status : null,
          to: status,
          submittedNow: true,
          at: now,
        });
        return (await txPhotos.byId(p.id))!;
      });
    },

    /** Photos stuck in processing after a crash of the embedded process go back on the queue. */
    async requeueStuck(): Promise<number> {
      const ids = await photos.stuckProcessing();
      for (const id of ids) await queue.enqueue({ photoId: id });
      return ids.length;
    },
  };
}
export type PhotoService = ReturnType<typeof createPhotoService>;
