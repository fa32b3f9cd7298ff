// Reminders: who on the uncollected list can be reminded, the per-student state (opt-out, last
// reminder) and the deliveries, which are also the delivery queue. Uncollected means what the
// uncollected list means (student.repository): enrolled, no live submission (none, or rejected),
// no exemption.
import { type SQL, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.js';
import { rows } from '../../db/client.js';
import { reminderDeliveries, reminderSends } from '../../db/schema.js';
import type {
  ReminderChannel,
  ReminderOptOutSource,
  ReminderSendStatus,
  ReminderSkipCounts,
  ReminderStatus,
} from '../../domain/reminders.js';
import { REMINDER_CHANNEL_CONTACT } from '../../domain/reminders.js';
import type { Scope } from './counts.repository.js';

export type NewReminderDelivery = typeof reminderDeliveries.$inferInsert;
export type NewReminderSend = typeof reminderSends.$inferInsert;

/** A send job as stored (reminder_sends). */
export interface ReminderSendRow {
  id: string;
  unitId: number;
  campaignId: string;
  channel: ReminderChannel;
  origin: string;
  status: ReminderSendStatus;
  total: number;
  count: number;
  queued: number;
  skipped: ReminderSkipCounts;
  cursor: number;
  sendsAt: Date | null;
  error: string | null;
  attempts: number;
  createdBy: number;
  createdAt: Date;
  finishedAt: Date | null;
}

const SEND_COLUMNS = sql`id, unit_id::int AS "unitId", campaign_id AS "campaignId", channel, origin, status,
  total, count, queued, skipped, cursor::float8 AS cursor, sends_at AS "sendsAt", error, attempts,
  created_by AS "createdBy", created_at AS "createdAt", finished_at AS "finishedAt"`;

/** What the reminder is made from: the student's name and address, read for the message only. */
export interface ReminderCandidate {
  id: number;
  studentNumber: string;
  name: string;
  centreId: number;
  branchId: number;
  phone: string | null;
  email: string | null;
  /** The current submission's status: null (none) or rejected. */
  submissionStatus: 'rejected' | null;
}

export interface ReminderFilter {
  campaignId: string;
  scope: Scope;
  /** Only these student numbers (the console's selected rows). */
  studentNumbers?: string[];
}

export interface ReminderCounts {
  total: number;
  optedOut: number;
  noContact: number;
  limited: number;
}

/** A delivery taken for an attempt: the address and the text as they go out. */
export interface ClaimedDelivery {
  id: number;
  recipient: string | null;
  subject: string;
  body: string | null;
  attempts: number;
}

export interface DeliveryListRow {
  id: number;
  batchId: string;
  studentNumber: string;
  name: string;
  centreName: string | null;
  channel: ReminderChannel;
  recipientMasked: string;
  subject: string;
  bodyMasked: string;
  status: ReminderStatus;
  attempts: number;
  lastError: string | null;
  createdAt: Date;
  nextAttemptAt: Date | null;
  sentAt: Date | null;
  sentBy: string | null;
}

export interface DeliveryQuery {
  scope: Scope;
  status?: ReminderStatus;
  channel?: ReminderChannel;
  studentNumber?: string;
  campaignId?: string;
  /** Keyset cursor, newest first: ids below this one (0: from the newest). */
  after: number;
  limit: number;
}

export interface StudentReminderRow {
  studentNumber: string;
  optedOut: boolean;
  phone: string | null;
  email: string | null;
  status: ReminderStatus | null;
  channel: ReminderChannel | null;
  at: Date | null;
}

const iso = (d: Date) => d.toISOString();
/** A text[] literal, one parameter however long the list. */
const textArray = (list: string[]) => `{${list.map((v) => `"${v.replace(/[\\"]/g, '\\$&')}"`).join(',')}}`;

function scopeSql(scope: Scope, centre: SQL, branch: SQL): SQL {
  if (scope.centreId !== undefined) return sql`AND ${centre} = ${scope.centreId}`;
  if (scope.branchId !== undefined) return sql`AND ${branch} = ${scope.branchId}`;
  return sql``;
}

/** The channel's contact is on the roster row (s = students). */
export function hasContact(channel: ReminderChannel): SQL {
  const phone = sql`coalesce(s.phone, '') <> ''`;
  const email = sql`coalesce(s.email, '') <> ''`;
  const kind = REMINDER_CHANNEL_CONTACT[channel];
  return kind === 'phone' ? phone : kind === 'email' ? email : sql`(${phone} OR ${email})`;
}

/**
 * FROM/WHERE of the uncollected students a filter names, with their reminder state as rs. A page
 * (`probe`) looks each student's submission up by key, as the uncollected list does, so a page
 * costs the same however many students precede it; a count over the whole scope joins instead,
 * which the planner may hash over an HQ-wide campaign rather than probe millions of times.
 */
function uncollected(f: ReminderFilter, probe: boolean): SQL {
  const numbers = f.studentNumbers ? sql`AND s.student_number = ANY(${textArray(f.studentNumbers)}::text[])` : sql``;
  const submission = probe
    ? sql`LEFT JOIN LATERAL (SELECT x.status FROM submissions x
                             WHERE x.campaign_id = ${f.campaignId} AND x.student_id = s.id LIMIT 1) sub ON true`
    : sql`LEFT JOIN submissions sub ON sub.campaign_id = ${f.campaignId} AND sub.student_id = s.id`;
  return sql`FROM students s
    LEFT JOIN reminder_state rs ON rs.student_id = s.id
    ${submission}
    WHERE s.enrolment_status = 'enrolled' ${scopeSql(f.scope, sql`s.centre_id`, sql`s.branch_id`)} ${numbers}
      AND (sub.status IS NULL OR sub.status = 'rejected')
      AND NOT EXISTS (SELECT 1 FROM exemptions e WHERE e.campaign_id = ${f.campaignId} AND e.student_id = s.id)`;
}

export function createReminderRepository(db: DbOrTx) {
  return {
    /** How the filter's uncollected students split: reminded by a send now, or skipped and why. */
    async counts(f: ReminderFilter, channel: ReminderChannel, cutoff: Date): Promise<ReminderCounts> {
      const contact = hasContact(channel);
      const [r] = await rows<ReminderCounts>(
        db,
        sql`SELECT count(*)::int AS total,
                   count(*) FILTER (WHERE rs.opted_out_at IS NOT NULL)::int AS "optedOut",
                   count(*) FILTER (WHERE rs.opted_out_at IS NULL AND NOT (${contact}))::int AS "noContact",
                   count(*) FILTER (WHERE rs.opted_out_at IS NULL AND ${contact}
                                      AND rs.last_reminded_at > ${iso(cutoff)}::timestamptz)::int AS limited
            ${uncollected(f, false)}`,
      );
      return r ?? { total: 0, optedOut: 0, noContact: 0, limited: 0 };
    },

    /** The students a send now would remind, in id order after `afterId`: one keyset page. */
    async eligible(
      f: ReminderFilter,
      channel: ReminderChannel,
      cutoff: Date,
      afterId: number,
      limit: number,
    ): Promise<ReminderCandidate[]> {
      return rows<ReminderCandidate>(
        db,
        sql`SELECT s.id::int AS id, s.student_number AS "studentNumber", s.name, s.centre_id AS "centreId",
                   s.branch_id AS "branchId", s.phone, s.email, sub.status AS "submissionStatus"
            ${uncollected(f, true)}
              AND s.id > ${afterId} AND rs.opted_out_at IS NULL AND ${hasContact(channel)}
              AND (rs.last_reminded_at IS NULL OR rs.last_reminded_at <= ${iso(cutoff)}::timestamptz)
            ORDER BY s.id LIMIT ${limit}`,
      );
    },

    /**
     * Marks these students reminded at `at`, except those opted out or reminded after `cutoff`
     * meanwhile; returns the ids it marked. One statement: of two sends at once, the second
     * waits on the first one's rows and then finds them reminded.
     */
    async claim(studentIds: number[], at: Date, cutoff: Date): Promise<number[]> {
      if (studentIds.length === 0) return [];
      const r = await rows<{ id: number }>(
        db,
        sql`INSERT INTO reminder_state (student_id, last_reminded_at)
            SELECT x, ${iso(at)}::timestamptz FROM unnest(${`{${studentIds.join(',')}}`}::bigint[]) AS x
            ON CONFLICT (student_id) DO UPDATE SET last_reminded_at = excluded.last_reminded_at
              WHERE reminder_state.opted_out_at IS NULL
                AND (reminder_state.last_reminded_at IS NULL
                     OR reminder_state.last_reminded_at <= ${iso(cutoff)}::timestamptz)
            RETURNING student_id::int AS id`,
      );
      return r.map((x) => x.id);
    },

    async insert(list: NewReminderDelivery[]): Promise<void> {
      if (list.length > 0) await db.insert(reminderDeliveries).values(list);
    },

    /**
     * Takes up to `limit` due deliveries of `channel` for an attempt (their lease runs to
     * `leaseUntil`), and any whose sender died mid-attempt (lease over). SKIP LOCKED: processes
     * sharing a PostgreSQL server take different rows.
     */
    async claimDue(channel: ReminderChannel, limit: number, now: Date, leaseUntil: Date): Promise<ClaimedDelivery[]> {
      return rows<ClaimedDelivery>(
        db,
        sql`UPDATE reminder_deliveries d
            SET status = 'sending', attempts = d.attempts + 1, lease_until = ${iso(leaseUntil)}::timestamptz
            WHERE d.id IN (
              SELECT id FROM reminder_deliveries
              WHERE channel = ${channel} AND status IN ('queued', 'retrying', 'sending')
                AND CASE WHEN status = 'sending' THEN lease_until ELSE next_attempt_at END <= ${iso(now)}::timestamptz
              ORDER BY next_attempt_at, id LIMIT ${limit}
              FOR UPDATE SKIP LOCKED)
            RETURNING d.id::int AS id, d.recipient, d.subject, d.body, d.attempts`,
      );
    },

    /** When the next delivery of `channel` falls due (an attempt, or a lease running out). */
    async nextDue(channel: ReminderChannel): Promise<Date | null> {
      const [r] = await rows<{ at: string | Date | null }>(
        db,
        sql`SELECT min(CASE WHEN status = 'sending' THEN lease_until ELSE next_attempt_at END) AS at
            FROM reminder_deliveries
            WHERE channel = ${channel} AND status IN ('queued', 'retrying', 'sending')`,
      );
      return r?.at ? new Date(r.at) : null;
    },

    /** Delivered: the address and the unmasked text are no longer needed, so no longer kept. */
    async markSent(id: number, at: Date): Promise<void> {
      await db.execute(
        sql`UPDATE reminder_deliveries
            SET status = 'sent', sent_at = ${iso(at)}::timestamptz, recipient = NULL, body = NULL,
                lease_until = NULL, next_attempt_at = NULL, last_error = NULL
            WHERE id = ${id} AND status = 'sending'`,
      );
    },

    async markRetry(id: number, next: Date, error: string): Promise<void> {
      await db.execute(
        sql`UPDATE reminder_deliveries
            SET status = 'retrying', next_attempt_at = ${iso(next)}::timestamptz, lease_until = NULL,
                last_error = ${error}
            WHERE id = ${id} AND status = 'sending'`,
      );
    },

    /**
     * Given up. A reminder that never arrived does not hold back the next one: the student's
     * interval starts again from their last reminder that did not fail.
     */
    async markFailed(id: number, error: string): Promise<void> {
      await db.execute(
        sql`WITH d AS (
              UPDATE reminder_deliveries
              SET status = 'failed', recipient = NULL, body = NULL, lease_until = NULL, next_attempt_at = NULL,
                  last_error = ${error}
              WHERE id = ${id} AND status = 'sending'
              RETURNING student_id, created_at)
            UPDATE reminder_state rs SET last_reminded_at = NULL
            FROM d WHERE rs.student_id = d.student_id AND rs.last_reminded_at = d.created_at`,
      );
    },

    /**
     * Opt-out (or back in), by an admin (adminId) or the student (adminId null, `via` link or app).
     * Opting out cancels what has not left yet; answers how many.
     */
    async setOptOut(
      studentId: number,
      optOut: boolean,
      adminId: number | null,
      at: Date,
      via: ReminderOptOutSource = 'admin',
    ): Promise<number> {
      await db.execute(
        sql`INSERT INTO reminder_state (student_id, opted_out_at, opted_out_by, opted_out_via)
            VALUES (${studentId}, ${optOut ? iso(at) : null}::timestamptz, ${optOut ? adminId : null},
                    ${optOut ? via : null})
            ON CONFLICT (student_id) DO UPDATE
              SET opted_out_at = excluded.opted_out_at, opted_out_by = excluded.opted_out_by,
                  opted_out_via = excluded.opted_out_via`,
      );
      if (!optOut) return 0;
      const r = await rows<{ n: number }>(
        db,
        sql`WITH c AS (
              UPDATE reminder_deliveries
              SET status = 'cancelled', recipient = NULL, body = NULL, next_attempt_at = NULL,
                  last_error = 'opted_out'
              WHERE student_id = ${studentId} AND status IN ('queued', 'retrying')
              RETURNING 1)
            SELECT count(*)::int AS n FROM c`,
      );
      return r[0]?.n ?? 0;
    },

    /** Whether the student has opted out (no row: not). */
    async optedOut(studentId: number): Promise<boolean> {
      const [r] = await rows<{ out: boolean }>(
        db,
        sql`SELECT opted_out_at IS NOT NULL AS out FROM reminder_state WHERE student_id = ${studentId}`,
      );
      return r?.out ?? false;
    },

    /**
     * Deliveries left waiting for a channel other than `channel` (KAOZHAO_REMINDER_CHANNEL was
     * changed, or another process still runs the old one): cancelled with the reason
     * channel_changed, `limit` at a time (SKIP LOCKED: a process still sending them keeps its
     * rows), and the student's interval released as for a failed delivery, so the next send
     * through the new channel reaches them. A row mid-attempt is left alone until its lease runs
     * out (its sender may yet finish it). Answers how many were cancelled.
     */
    async cancelOtherChannels(channel: ReminderChannel, now: Date, limit: number): Promise<number> {
      const r = await rows<{ n: number }>(
        db,
        sql`WITH d AS (
              UPDATE reminder_deliveries
              SET status = 'cancelled', recipient = NULL, body = NULL, next_attempt_at = NULL, lease_until = NULL,
                  last_error = 'channel_changed'
              WHERE id IN (
                SELECT id FROM reminder_deliveries
                WHERE channel <> ${channel}
                  AND (status IN ('queued', 'retrying') OR (status = 'sending' AND lease_until <= ${iso(now)}::timestamptz))
                LIMIT ${limit}
                FOR UPDATE SKIP LOCKED)
              RETURNING student_id, created_at),
            r AS (
              UPDATE reminder_state rs SET last_reminded_at = NULL
              FROM d WHERE rs.student_id = d.student_id AND rs.last_reminded_at = d.created_at
              RETURNING 1)
            SELECT count(*)::int AS n FROM d`,
      );
      return r[0]?.n ?? 0;
    },

    async createSend(row: NewReminderSend): Promise<void> {
      await db.insert(reminderSends).values(row);
    },

    async sendById(id: string): Promise<ReminderSendRow | undefined> {
      const [r] = await rows<ReminderSendRow>(db, sql`SELECT ${SEND_COLUMNS} FROM reminder_sends WHERE id = ${id}`);
      return r;
    },

    /**
     * Takes the oldest running send of `channel` nobody holds (never taken, or its holder's lease
     * ran out: it died) for `owner` until `leaseUntil`. SKIP LOCKED: two processes take two sends.
     */
    async takeSend(
      channel: ReminderChannel,
      owner: string,
      now: Date,
      leaseUntil: Date,
    ): Promise<ReminderSendRow | undefined> {
      const [r] = await rows<ReminderSendRow>(
        db,
        sql`UPDATE reminder_sends
            SET lease_owner = ${owner}, lease_until = ${iso(leaseUntil)}::timestamptz, attempts = attempts + 1
            WHERE id = (
              SELECT id FROM reminder_sends
              WHERE status = 'running' AND channel = ${channel}
                AND (lease_until IS NULL OR lease_until <= ${iso(now)}::timestamptz)
              ORDER BY created_at LIMIT 1
              FOR UPDATE SKIP LOCKED)
            RETURNING ${SEND_COLUMNS}`,
      );
      return r;
    },

    /**
     * A page of the send committed: its cursor, counts and lease move on. Only while `owner`
     * still holds it: false means another process took it over (this one was presumed dead), and
     * the caller rolls its page back.
     */
    async advanceSend(
      id: string,
      owner: string,
      v: { cursor: number; queued: number; limited: number; leaseUntil: Date },
    ): Promise<boolean> {
      const r = await rows<{ id: string }>(
        db,
        sql`UPDATE reminder_sends
            SET cursor = ${v.cursor}, queued = queued + ${v.queued},
                skipped = jsonb_set(skipped, '{limited}', to_jsonb((skipped->>'limited')::int + ${v.limited})),
                lease_until = ${iso(v.leaseUntil)}::timestamptz
            WHERE id = ${id} AND lease_owner = ${owner} AND status = 'running'
            RETURNING id`,
      );
      return r.length === 1;
    },

    /** This process lets the send go (shutting down): another may take it at once. */
    async releaseSend(id: string, owner: string): Promise<void> {
      await db.execute(
        sql`UPDATE reminder_sends SET lease_owner = NULL, lease_until = NULL
            WHERE id = ${id} AND lease_owner = ${owner} AND status = 'running'`,
      );
    },

    /** The send ends (done or failed), if `owner` still holds it (null: whoever does). */
    async finishSend(id: string, owner: string | null, status: ReminderSendStatus, error: string | null, at: Date) {
      const r = await rows<{ id: string }>(
        db,
        sql`UPDATE reminder_sends
            SET status = ${status}, error = ${error}, finished_at = ${iso(at)}::timestamptz,
                lease_owner = NULL, lease_until = NULL
            WHERE id = ${id} AND status = 'running' ${owner === null ? sql`` : sql`AND lease_owner = ${owner}`}
            RETURNING id`,
      );
      return r.length === 1;
    },

    /**
     * Running sends made for another channel, not held by a live process: they stop (failed,
     * channel_changed), as their waiting deliveries are cancelled. Answers how many.
     */
    async failOtherChannelSends(channel: ReminderChannel, now: Date): Promise<number> {
      const r = await rows<{ id: string }>(
        db,
        sql`UPDATE reminder_sends
            SET status = 'failed', error = 'channel_changed', finished_at = ${iso(now)}::timestamptz,
                lease_owner = NULL, lease_until = NULL
            WHERE status = 'running' AND channel <> ${channel}
              AND (lease_until IS NULL OR lease_until <= ${iso(now)}::timestamptz)
            RETURNING id`,
      );
      return r.length;
    },

    /** Deliveries of the scope, newest first, with the student's number and name (masked by the service). */
    async list(q: DeliveryQuery): Promise<DeliveryListRow[]> {
      const filters: SQL[] = [scopeSql(q.scope, sql`d.centre_id`, sql`d.branch_id`)];
      if (q.status) filters.push(sql`AND d.status = ${q.status}`);
      if (q.channel) filters.push(sql`AND d.channel = ${q.channel}`);
      if (q.studentNumber) filters.push(sql`AND s.student_number = ${q.studentNumber}`);
      if (q.campaignId) filters.push(sql`AND d.campaign_id = ${q.campaignId}`);
      if (q.after > 0) filters.push(sql`AND d.id < ${q.after}`);
      return rows<DeliveryListRow>(
        db,
        sql`SELECT d.id::int AS id, d.batch_id AS "batchId", s.student_number AS "studentNumber", s.name,
                   u.name AS "centreName", d.channel, d.recipient_masked AS "recipientMasked", d.subject,
                   d.body_masked AS "bodyMasked", d.status, d.attempts, d.last_error AS "lastError",
                   d.created_at AS "createdAt", d.next_attempt_at AS "nextAttemptAt", d.sent_at AS "sentAt",
                   a.display_name AS "sentBy"
            FROM reminder_deliveries d
            JOIN students s ON s.id = d.student_id
            LEFT JOIN org_units u ON u.id = d.centre_id
            LEFT JOIN admins a ON a.id = d.created_by
            WHERE true ${sql.join(filters, sql` `)}
            ORDER BY d.id DESC LIMIT ${q.limit}`,
      );
    },

    /** Each named student of the scope: opted out or not, contacts, and their latest reminder in the campaign. */
    async studentStates(
      scope: Scope,
      studentNumbers: string[],
      campaignId: string | null,
    ): Promise<StudentReminderRow[]> {
      if (studentNumbers.length === 0) return [];
      return rows<StudentReminderRow>(
        db,
        sql`SELECT s.student_number AS "studentNumber", rs.opted_out_at IS NOT NULL AS "optedOut",
                   s.phone, s.email, l.status, l.channel, l.created_at AS at
            FROM students s
            LEFT JOIN reminder_state rs ON rs.student_id = s.id
            LEFT JOIN LATERAL (SELECT d.status, d.channel, d.created_at FROM reminder_deliveries d
                               WHERE d.student_id = s.id AND d.campaign_id = ${campaignId}::uuid
                               ORDER BY d.id DESC LIMIT 1) l ON true
            WHERE s.student_number = ANY(${textArray(studentNumbers)}::text[])
              ${scopeSql(scope, sql`s.centre_id`, sql`s.branch_id`)}`,
      );
    },
  };
}
export type ReminderRepository = ReturnType<typeof createReminderRepository>;
