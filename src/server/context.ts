// Wires repositories and services once per process. Routes and jobs receive this object; nothing
// else constructs a repository, so every outside system is opened in one place.
import path from 'node:path';
import type { Config } from '../config.js';
import type { Database } from '../db/client.js';
import { createIdCipher } from '../db/crypto.js';
import { createInProcessQueue, createPgBossQueue, type PhotoJobQueue } from '../jobs/photo-queue.js';
import { createReminderDispatcher } from '../jobs/reminder-dispatch.js';
import { createReminderSendRunner } from '../jobs/reminder-send.js';
import { createRetentionSweeper } from '../jobs/retention-sweep.js';
import { createMetrics } from './metrics.js';
import { createAdminRepository } from './repositories/admin.repository.js';
import { createAuditRepository } from './repositories/audit.repository.js';
import { createCampaignRepository } from './repositories/campaign.repository.js';
import { createCountsRepository } from './repositories/counts.repository.js';
import { createExamRepository } from './repositories/exam.repository.js';
import { createFaceIndexRepository } from './repositories/face-index.repository.js';
import { createOrgRepository } from './repositories/org.repository.js';
import { createPhotoRepository } from './repositories/photo.repository.js';
import { createPhotoEngineRepository, type PhotoEngineRepository } from './repositories/photo-engine.repository.js';
import { createRateLimitRepository } from './repositories/rate-limit.repository.js';
import { createReminderRepository } from './repositories/reminder.repository.js';
import { createReminderChannel } from './repositories/reminder-channel.repository.js';
import { createSessionRepository } from './repositories/session.repository.js';
import { createDbStorage, createFsStorage, type StorageRepository } from './repositories/storage.repository.js';
import { createStudentRepository } from './repositories/student.repository.js';
import { createAdminAccountService } from './services/admin-account.service.js';
import { createAdminAuthService } from './services/admin-auth.service.js';
import { createAuditLogService } from './services/audit-log.service.js';
import { createCampaignService } from './services/campaign.service.js';
import { createCampaignAdminService } from './services/campaign-admin.service.js';
import { createEntryLinkService } from './services/entry-link.service.js';
import { createErasureService } from './services/erasure.service.js';
import { createExamService } from './services/exam.service.js';
import { createExportService } from './services/export.service.js';
import { createPhotoService } from './services/photo.service.js';
import { createProgressService } from './services/progress.service.js';
import { createReminderService } from './services/reminder.service.js';
import { createRetentionService } from './services/retention.service.js';
import { createReviewService } from './services/review.service.js';
import { createRosterService } from './services/roster.service.js';
import { createStudentService } from './services/student.service.js';
import { createUnitAdminService } from './services/unit-admin.service.js';

export interface ContextOptions {
  /** Run photo jobs in this process (the embedded default and worker processes). */
  processJobs: boolean;
  /** Queue override (tests); default: pg-boss with a PostgreSQL server, else in-process. */
  queue?: PhotoJobQueue;
  engine?: PhotoEngineRepository;
}

/** The photo storage KAOZHAO_STORAGE names. The S3 SDK is loaded only when the bucket is used,
 *  and the bucket is checked now, so a wrong setting stops the start instead of the first upload. */
async function createStorage(config: Config, db: Database['db']): Promise<StorageRepository & { close?(): void }> {
  if (config.storage === 'db') return createDbStorage(db);
  if (config.storage === 's3') {
    if (!config.s3) throw new Error('KAOZHAO_STORAGE=s3 needs the KAOZHAO_S3_* settings');
    const { createS3Storage } = await import('./repositories/s3-storage.repository.js');
    const s3 = createS3Storage(config.s3);
    try {
      await s3.checkBucket();
    } catch (e) {
      s3.close();
      throw e;
    }
    return s3;
  }
  return createFsStorage(path.join(config.dataDir, 'photos'));
}

export async function createContext(config: Config, database: Database, opts: ContextOptions) {
  const { db } = database;
  const cipher = createIdCipher(config.secret);
  const storage = await createStorage(config, db);
  const engine =
    opts.engine ??
    createPhotoEngineRepository({
      size: Math.max(1, config.photoPoolSize),
      jobTimeoutMs: config.photoTimeoutSeconds * 1000,
    });
  const queue =
    opts.queue ??
    (config.databaseUrl
      ? await createPgBossQueue({
          connectionString: config.databaseUrl,
          expireInSeconds: config.jobExpireSeconds,
          retryLimit: config.jobRetryLimit,
          maintenanceIntervalSeconds: config.jobMaintenanceSeconds,
        })
      : createInProcessQueue());

  const faceIndex = await createFaceIndexRepository(database);
  const repos = {
    faceIndex,
    students: createStudentRepository(db),
    units: createOrgRepository(db),
    campaigns: createCampaignRepository(db),
    photos: createPhotoRepository(db),
    counts: createCountsRepository(db),
    sessions: createSessionRepository(db),
    admins: createAdminRepository(db),
    audit: createAuditRepository(db),
    rateLimits: createRateLimitRepository(db),
    exam: createExamRepository(db),
    reminders: createReminderRepository(db),
  };
  const metrics = createMetrics({ queueDepth: () => repos.photos.processingCount(), engine: () => engine.stats?.() });
  // Photo outcomes are counted where a job completes its photo: once, whichever retry does it.
  const observedPhotos: typeof repos.photos = {
    ...repos.photos,
    async completeIfProcessing(id, set) {
      const done = await repos.photos.completeIfProcessing(id, set);
      if (done) {
        if (set.status === 'failed') metrics.photoOutcome('error', set.errorCode ?? undefined);
        else metrics.photoOutcome(set.verdict ?? 'fail');
      }
      return done;
    },
  };
  // Every process delivers reminders: the deliveries table is the queue, shared through the database.
  const reminderDispatcher = createReminderDispatcher({
    reminders: repos.reminders,
    channel: createReminderChannel(config),
    quietHours: config.reminderQuietHours,
    retryLimit: config.reminderRetryLimit,
    retryBaseMs: config.reminderRetryBaseMs,
    // The error's class only: a driver message can quote row values.
    onError: (e) => console.error('reminder delivery round failed:', e instanceof Error ? e.name : typeof e),
    onStranded: (r) =>
      console.warn(
        `reminders: ${r.deliveries} waiting deliveries and ${r.sends} running sends of another channel cancelled (KAOZHAO_REMINDER_CHANNEL is now ${config.reminderChannel}); they can be sent again`,
      ),
  });
  const campaign = createCampaignService({ ...repos, engine });
  const auth = createAdminAuthService({ ...repos, sessionMinutes: config.adminSessionMinutes });
  const entryLinks = createEntryLinkService({ ...repos, auth, campaign, publicUrl: config.publicUrl });
  const services = {
    campaign,
    auth,
    student: createStudentService({
      ...repos,
      campaign,
      cipher,
      agreementVersion: config.agreementVersion,
      sessionMinutes: config.studentSessionMinutes,
      limits: config,
    }),
    photo: createPhotoService({
      db,
      ...repos,
      photos: observedPhotos,
      storage,
      engine,
      queue,
      campaign,
      limits: config,
    }),
    progress: createProgressService(repos),
    review: createReviewService({ db, ...repos, auth }),
    exports: createExportService({ ...repos, storage }),
    roster: createRosterService({ db, ...repos, auth, cipher, maxRows: config.rosterMaxRows }),
    // Administration (HQ IT office): campaigns, units, admin accounts, the audit log.
    campaignAdmin: createCampaignAdminService({ db, ...repos }),
    unitAdmin: createUnitAdminService({ db, ...repos, auth }),
    accounts: createAdminAccountService({ db, ...repos, auth }),
    auditLog: createAuditLogService({ ...repos, auth }),
    exam: createExamService({ ...repos, engine, auth }),
    entryLinks,
    erasure: createErasureService({ db, ...repos, storage, auth, cipher }),
    reminders: createReminderService({
      db,
      ...repos,
      auth,
      campaign,
      entryLinks,
      dispatch: reminderDispatcher,
      sendJobs: { kick: () => reminderSends.kick() },
      secret: config.secret,
      settings: {
        channel: config.reminderChannel,
        quietHours: config.reminderQuietHours,
        intervalHours: config.reminderIntervalHours,
      },
    }),
    retention: createRetentionService({ database, db, storage, faceIndex, days: config.retentionDays }),
  };
  reminderDispatcher.start();
  // Sends too large for one request, queued a page at a time by whichever process takes them.
  const reminderSends = createReminderSendRunner({
    step: (stopping) => services.reminders.runNextSend(stopping),
    onError: (e) => console.error('reminder send job step failed:', e instanceof Error ? e.name : typeof e),
  });
  reminderSends.start();

  // The retention sweep runs where photos are made (this process or `npm run worker`), hourly.
  const retentionSweeper =
    opts.processJobs && services.retention.enabled
      ? createRetentionSweeper({
          sweep: (signal) => services.retention.sweep(signal),
          // Counts only: nothing of a student reaches the log.
          onSweep: (r) =>
            console.log(
              `retention sweep (older than ${r.days} days): ${r.deleted} attempts deleted, ${r.purged} rejected submissions' files deleted, ${r.sourcesChecked} sources checked`,
            ),
          onError: (e) => console.error('retention sweep failed:', e instanceof Error ? e.name : typeof e),
        })
      : undefined;
  retentionSweeper?.start();

  let closing = false;
  /** Resolves once this process takes photo jobs (rejects if its engine cannot start). */
  let jobsReady: Promise<void> = Promise.resolve();
  if (opts.processJobs) {
    const work = async () => {
      if (!closing) await queue.work((job) => services.photo.process(job.photoId), Math.max(1, config.photoPoolSize));
    };
    if (queue.kind === 'pg-boss') {
      // Jobs are taken from the durable queue only once the models are loaded: a job fetched
      // earlier would wait out the load on its expiry clock (minutes on a busy machine) while
      // another worker could make it. The HTTP server does not wait for this.
      jobsReady = engine.warmUp().then(work);
      jobsReady.catch((e: unknown) => {
        if (!closing)
          console.error('photo jobs not taken here: the engine did not start', e instanceof Error ? e.message : e);
      });
    } else {
      // The in-process queue has no expiry, and the pool holds jobs until a worker is ready.
      await work();
      await services.photo.requeueStuck();
    }
  }

  return {
    config,
    database,
    db,
    cipher,
    storage,
    engine,
    queue,
    repos,
    services,
    metrics,
    jobsReady,
    reminderDispatcher,
    reminderSends,
    async close() {
      closing = true;
      await retentionSweeper?.stop();
      await reminderSends.stop();
      await reminderDispatcher.stop();
      await queue.stop();
      await engine.close();
      storage.close?.();
    },
  };
}
export type AppContext = Awaited<ReturnType<typeof createContext>>;
