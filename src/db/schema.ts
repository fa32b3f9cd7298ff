// Tables of the collection service. Portable between PostgreSQL 15 and PGlite (PostgreSQL 18):
// no extensions. Face embeddings are real[] for now; pgvector needs a build on Debian's PG15, and
// moving to vector(1024) + HNSW is one migration once it is installed everywhere.
import { sql } from 'drizzle-orm';
import {
  type AnyPgColumn,
  bigint,
  bigserial,
  boolean,
  customType,
  date,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  real,
  serial,
  smallint,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import type { SupportContact } from '../domain/api.js';
import type { CheckResult } from '../domain/checks.js';
import { EXAM_DECISIONS, EXAM_OVERRIDES } from '../domain/exam.js';
import {
  REMINDER_CHANNELS,
  REMINDER_OPT_OUT_SOURCES,
  REMINDER_SEND_STATUSES,
  REMINDER_STATUSES,
  type ReminderSkipCounts,
} from '../domain/reminders.js';
import { ROLES } from '../domain/roles.js';

const bytea = customType<{ data: Uint8Array; driverData: Uint8Array | Buffer }>({
  dataType: () => 'bytea',
  toDriver: (v) => Buffer.from(v.buffer, v.byteOffset, v.byteLength),
  fromDriver: (v) => new Uint8Array(v),
});

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

export const orgUnits = pgTable(
  'org_units',
  {
    id: serial('id').primaryKey(),
    parentId: integer('parent_id').references((): AnyPgColumn => orgUnits.id),
    level: text('level', { enum: ['hq', 'branch', 'centre'] }).notNull(),
    code: text('code').notNull(),
    name: text('name').notNull(),
  },
  (t) => [uniqueIndex('org_units_code_uq').on(t.code), index('org_units_parent_idx').on(t.parentId)],
);

export const students = pgTable(
  'students',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    studentNumber: text('student_number').notNull(),
    name: text('name').notNull(),
    /** AES-256-GCM: iv(12) | tag(16) | ciphertext. */
    idNumberEnc: bytea('id_number_enc').notNull(),
    /** HMAC-SHA256 of the normalised ID number, for lookups without decrypting. */
    idNumberHmac: bytea('id_number_hmac').notNull(),
    /** 1101**********1234: safe to show, kept so listing never decrypts. */
    idNumberMasked: text('id_number_masked').notNull(),
    // Denormalised tree position: scoping and roll-ups filter on these without walking the tree.
    centreId: integer('centre_id')
      .notNull()
      .references(() => orgUnits.id),
    branchId: integer('branch_id')
      .notNull()
      .references(() => orgUnits.id),
    enrolmentStatus: text('enrolment_status', { enum: ['enrolled', 'suspended', 'graduated', 'withdrawn'] })
      .notNull()
      .default('enrolled'),
    intakeSemester: text('intake_semester').notNull(),
    phone: text('phone'),
    /** Optional, from the roster: where the smtp reminder channel writes. */
    email: text('email'),
    consentVersion: text('consent_version'),
    consentAt: ts('consent_at'),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('students_number_uq').on(t.studentNumber),
    index('students_centre_idx').on(t.centreId, t.id),
    index('students_branch_idx').on(t.branchId, t.id),
    index('students_id_hmac_idx').on(t.idNumberHmac),
  ],
);

export const consents = pgTable(
  'consents',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    studentId: bigint('student_id', { mode: 'number' })
      .notNull()
      .references(() => students.id),
    version: text('version').notNull(),
    at: ts('at').notNull().defaultNow(),
    ip: text('ip'),
  },
  (t) => [index('consents_student_idx').on(t.studentId)],
);

export const campaigns = pgTable('campaigns', {
  id: uuid('id').primaryKey().defaultRandom(),
  name: text('name').notNull(),
  /** e.g. 2026-2 (year, term 1 spring / 2 autumn); semesterIndex = year * 2 + term - 1 orders them. */
  semester: text('semester').notNull(),
  semesterIndex: integer('semester_index').notNull(),
  startsAt: ts('starts_at').notNull(),
  endsAt: ts('ends_at').notNull(),
  specId: text('spec_id').notNull().default('chsi'),
  /** An approved photo from the last N semesters exempts a student. */
  exemptionSemesters: smallint('exemption_semesters').notNull().default(2),
  support: jsonb('support').$type<SupportContact[]>().notNull().default([]),
  createdAt: ts('created_at').notNull().defaultNow(),
});

export const photos = pgTable(
  'photos',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    studentId: bigint('student_id', { mode: 'number' })
      .notNull()
      .references(() => students.id),
    campaignId: uuid('campaign_id')
      .notNull()
      .references(() => campaigns.id),
    status: text('status', {
      enum: ['processing', 'ready', 'failed', 'submitted', 'needs_review', 'approved', 'rejected'],
    }).notNull(),
    source: text('source', { enum: ['upload', 'camera', 'import'] })
      .notNull()
      .default('upload'),
    sourceType: text('source_type'),
    sourceBytes: integer('source_bytes'),
    specId: text('spec_id').notNull(),
    progress: real('progress').notNull().default(0),
    errorCode: text('error_code'),
    verdict: text('verdict', { enum: ['pass', 'warn', 'fail'] }),
    report: jsonb('report').$type<CheckResult[]>(),
    /** Backgrounds rendered, in spec order; files are in storage under the photo id. */
    backgrounds: text('backgrounds').array(),
    hasCutout: boolean('has_cutout').notNull().default(false),
    embedding: real('embedding').array(),
    background: text('background', { enum: ['blue', 'white', 'gray'] }),
    reviewerId: integer('reviewer_id'),
    reason: text('reason'),
    attempts: smallint('attempts').notNull().default(0),
    createdAt: ts('created_at').notNull().defaultNow(),
    processedAt: ts('processed_at'),
    submittedAt: ts('submitted_at'),
    reviewedAt: ts('reviewed_at'),
  },
  (t) => [
    index('photos_student_idx').on(t.studentId, t.createdAt),
    index('photos_processing_idx').on(t.createdAt).where(sql`status = 'processing'`),
  ],
);

/**
 * The student's current submission in a campaign: at most one row, so a double click or two
 * concurrent submits cannot make two. centre/branch are copied for scoped queues and exports.
 */
export const submissions = pgTable(
  'submissions',
  {
    campaignId: uuid('campaign_id').notNull(),
    studentId: bigint('student_id', { mode: 'number' }).notNull(),
    photoId: uuid('photo_id')
      .notNull()
      .references(() => photos.id),
    status: text('status', { enum: ['needs_review', 'approved', 'rejected'] }).notNull(),
    centreId: integer('centre_id').notNull(),
    branchId: integer('branch_id').notNull(),
    submittedAt: ts('submitted_at').notNull(),
    reviewedAt: ts('reviewed_at'),
  },
  (t) => [
    primaryKey({ columns: [t.campaignId, t.studentId] }),
    index('submissions_status_idx').on(t.campaignId, t.status, t.centreId),
    index('submissions_student_idx').on(t.studentId, t.status),
  ],
);

/**
 * Per centre and campaign counters, changed in the same transaction as the status they count, so
 * the HQ tree over 3,000 centres reads 3,000 rows instead of aggregating 4.5 million students.
 */
export const centreCounts = pgTable(
  'centre_counts',
  {
    campaignId: uuid('campaign_id').notNull(),
    centreId: integer('centre_id').notNull(),
    branchId: integer('branch_id').notNull(),
    enrolled: integer('enrolled').notNull().default(0),
    exempt: integer('exempt').notNull().default(0),
    needsReview: integer('needs_review').notNull().default(0),
    approved: integer('approved').notNull().default(0),
    rejected: integer('rejected').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.campaignId, t.centreId] })],
);

/** Events per centre and day (Asia/Shanghai calendar day), for the daily report and trend. */
export const dailyCounts = pgTable(
  'daily_counts',
  {
    campaignId: uuid('campaign_id').notNull(),
    centreId: integer('centre_id').notNull(),
    branchId: integer('branch_id').notNull(),
    day: date('day', { mode: 'string' }).notNull(),
    submitted: integer('submitted').notNull().default(0),
    approved: integer('approved').notNull().default(0),
    rejected: integer('rejected').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.campaignId, t.day, t.centreId] })],
);

/** Exemptions computed when a campaign's counts are refreshed. */
export const exemptions = pgTable(
  'exemptions',
  {
    campaignId: uuid('campaign_id').notNull(),
    studentId: bigint('student_id', { mode: 'number' }).notNull(),
    photoId: uuid('photo_id').notNull(),
  },
  (t) => [primaryKey({ columns: [t.campaignId, t.studentId] })],
);

export const admins = pgTable(
  'admins',
  {
    id: serial('id').primaryKey(),
    username: text('username').notNull(),
    displayName: text('display_name').notNull(),
    passwordHash: text('password_hash').notNull(),
    role: text('role', { enum: ROLES }).notNull(),
    unitId: integer('unit_id')
      .notNull()
      .references(() => orgUnits.id),
    active: boolean('active').notNull().default(true),
    createdAt: ts('created_at').notNull().defaultNow(),
    /** Consecutive failed sign-ins since the last success or lock; a lock starts the count again. */
    failedLogins: smallint('failed_logins').notNull().default(0),
    /** Sign-in refused until then, whatever the password (ADMIN_LOCKOUT in src/domain/password-policy.ts). */
    lockedUntil: ts('locked_until'),
    /** Set when another admin chose the password (create, reset): only its owner should know it. */
    mustChangePassword: boolean('must_change_password').notNull().default(false),
  },
  (t) => [uniqueIndex('admins_username_uq').on(t.username)],
);

/** Sessions by SHA-256 of the cookie token: a database dump does not yield usable cookies. */
export const sessions = pgTable(
  'sessions',
  {
    tokenHash: text('token_hash').primaryKey(),
    kind: text('kind', { enum: ['student', 'admin'] }).notNull(),
    subjectId: bigint('subject_id', { mode: 'number' }).notNull(),
    expiresAt: ts('expires_at').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [index('sessions_expires_idx').on(t.expiresAt)],
);

export const auditLog = pgTable(
  'audit_log',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    adminId: integer('admin_id'),
    action: text('action').notNull(),
    unitId: integer('unit_id'),
    /** Non-personal detail: filters, counts, file names. */
    detail: jsonb('detail').$type<Record<string, unknown>>().notNull().default({}),
    /** Students concerned; for exports of a whole unit, the unit + filter in detail define them. */
    studentIds: bigint('student_ids', { mode: 'number' }).array(),
    studentCount: integer('student_count').notNull().default(0),
    at: ts('at').notNull().defaultNow(),
  },
  (t) => [index('audit_log_at_idx').on(t.at), index('audit_log_unit_at_idx').on(t.unitId, t.at)],
);

/** Photo files when storage is the database (several machines share them). */
export const photoFiles = pgTable('photo_files', {
  key: text('key').primaryKey(),
  bytes: bytea('bytes').notNull(),
  createdAt: ts('created_at').notNull().defaultNow(),
});

/** Fixed-window attempt counters shared by every API process (identify/verify per student number). */
export const rateCounters = pgTable(
  'rate_counters',
  {
    key: text('key').notNull(),
    windowStart: ts('window_start').notNull(),
    count: integer('count').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.key, t.windowStart] }), index('rate_counters_window_idx').on(t.windowStart)],
);

/** An exam sitting at a learning centre's door: the checks of the 考场核验 station are grouped by it. */
export const examSessions = pgTable(
  'exam_sessions',
  {
    id: serial('id').primaryKey(),
    centreId: integer('centre_id')
      .notNull()
      .references(() => orgUnits.id),
    name: text('name').notNull(),
    room: text('room').notNull(),
    startsAt: ts('starts_at').notNull(),
    createdBy: integer('created_by').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [index('exam_sessions_centre_starts_idx').on(t.centreId, t.startsAt)],
);

/**
 * One face check at exam entry, with the invigilator's override if any. Never the live frame: only
 * the numbers and the decision, so the record proves who was let in without keeping a face.
 */
export const examChecks = pgTable(
  'exam_checks',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    sessionId: integer('session_id').references(() => examSessions.id),
    studentId: bigint('student_id', { mode: 'number' }).notNull(),
    /** The student's centre at the time of the check: scoping without a join. */
    centreId: integer('centre_id').notNull(),
    adminId: integer('admin_id').notNull(),
    at: ts('at').notNull().defaultNow(),
    photoId: uuid('photo_id'),
    similarity: real('similarity'),
    threshold: real('threshold'),
    decision: text('decision', { enum: EXAM_DECISIONS }).notNull(),
    /** Why a comparison could not be made: an error code (exam.no_face, exam.face_covered, exam.no_photo). */
    reason: text('reason'),
    liveFaceScore: real('live_face_score'),
    /** The engine's advisory anti-spoof score (1 = a real face) when it gives one. */
    antiSpoof: real('anti_spoof'),
    override: text('override', { enum: EXAM_OVERRIDES }),
    overrideReason: text('override_reason'),
    overrideBy: integer('override_by'),
    overrideAt: ts('override_at'),
  },
  (t) => [
    index('exam_checks_session_idx').on(t.sessionId, t.at),
    index('exam_checks_centre_at_idx').on(t.centreId, t.at),
  ],
);

/**
 * A student's reminder state: the opt-out, and when the last reminder was queued. One row per
 * student, claimed with a conditional upsert, so two sends at once cannot both remind a student
 * inside the interval.
 */
export const reminderState = pgTable('reminder_state', {
  studentId: bigint('student_id', { mode: 'number' })
    .primaryKey()
    .references(() => students.id),
  optedOutAt: ts('opted_out_at'),
  /** The admin who set it; null when the student did (optedOutVia). */
  optedOutBy: integer('opted_out_by'),
  optedOutVia: text('opted_out_via', { enum: REMINDER_OPT_OUT_SOURCES }),
  lastRemindedAt: ts('last_reminded_at'),
});

/**
 * A send too large for one request (issue 20): the job that queues its reminders a page at a
 * time, and its progress. The table is the job queue, as reminder_deliveries is for delivery: a
 * process takes a running send with SKIP LOCKED and a lease, and each page's deliveries, audit
 * entries and the cursor commit together, so a process that dies midway is taken over from the
 * last page by another (or by itself after a restart) without queuing anyone twice.
 */
export const reminderSends = pgTable(
  'reminder_sends',
  {
    id: uuid('id').primaryKey(),
    /** The unit the send was made for (its whole uncollected list: a send limited to selected rows,
     *  at most REMINDER_STUDENTS_MAX, runs in its request and no student number is kept here). */
    unitId: integer('unit_id').notNull(),
    campaignId: uuid('campaign_id')
      .notNull()
      .references(() => campaigns.id),
    channel: text('channel', { enum: REMINDER_CHANNELS }).notNull(),
    /** The address the admin used: the base of the entry links when KAOZHAO_PUBLIC_URL is unset. */
    origin: text('origin').notNull(),
    status: text('status', { enum: REMINDER_SEND_STATUSES }).notNull(),
    total: integer('total').notNull(),
    count: integer('count').notNull(),
    queued: integer('queued').notNull().default(0),
    skipped: jsonb('skipped').$type<ReminderSkipCounts>().notNull(),
    /** The last student id a committed page covered (keyset). */
    cursor: bigint('cursor', { mode: 'number' }).notNull().default(0),
    sendsAt: ts('sends_at'),
    error: text('error'),
    attempts: smallint('attempts').notNull().default(0),
    leaseOwner: uuid('lease_owner'),
    leaseUntil: ts('lease_until'),
    createdBy: integer('created_by').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
    finishedAt: ts('finished_at'),
  },
  (t) => [index('reminder_sends_running_idx').on(t.createdAt).where(sql`status = 'running'`)],
);

/**
 * One reminder to one student, and its delivery: the table is also the delivery queue (due rows
 * claimed with SKIP LOCKED), so the status the console shows is the queue's own. The address and
 * the message as sent are kept only until the delivery ends; the masked copies stay for the record.
 */
export const reminderDeliveries = pgTable(
  'reminder_deliveries',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    batchId: uuid('batch_id').notNull(),
    campaignId: uuid('campaign_id')
      .notNull()
      .references(() => campaigns.id),
    studentId: bigint('student_id', { mode: 'number' })
      .notNull()
      .references(() => students.id),
    /** The student's centre when the reminder was made: scoping without a join. */
    centreId: integer('centre_id').notNull(),
    branchId: integer('branch_id').notNull(),
    channel: text('channel', { enum: REMINDER_CHANNELS }).notNull(),
    recipient: text('recipient'),
    recipientMasked: text('recipient_masked').notNull(),
    subject: text('subject').notNull(),
    body: text('body'),
    bodyMasked: text('body_masked').notNull(),
    status: text('status', { enum: REMINDER_STATUSES }).notNull(),
    attempts: smallint('attempts').notNull().default(0),
    nextAttemptAt: ts('next_attempt_at'),
    /** While sending: another process may take the row over after this (its sender died). */
    leaseUntil: ts('lease_until'),
    lastError: text('last_error'),
    createdBy: integer('created_by').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
    sentAt: ts('sent_at'),
  },
  (t) => [
    index('reminder_deliveries_due_idx').on(t.nextAttemptAt).where(sql`status IN ('queued', 'retrying', 'sending')`),
    index('reminder_deliveries_centre_idx').on(t.centreId, t.id),
    index('reminder_deliveries_branch_idx').on(t.branchId, t.id),
    index('reminder_deliveries_student_idx').on(t.studentId, t.id),
  ],
);
