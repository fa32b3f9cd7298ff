// Reminders to the students who have not submitted (催交提醒): the preview (how many a send would
// reach, who is skipped and why, one message as it reads), the send (one delivery per student,
// queued for the dispatcher in src/jobs/reminder-dispatch.ts), each student's opt-out and the
// delivery record. Every read and write keeps to the admin's unit scope; the console sees names
// and addresses masked, and nothing personal goes into the audit detail or an error.
import { createHmac, hkdfSync, randomUUID, timingSafeEqual } from 'node:crypto';
import type { Db, DbOrTx } from '../../db/client.js';
import { KaozhaoError } from '../../domain/errors.js';
import {
  clockTime,
  type QuietHours,
  quietUntil,
  REMINDER_CHANNEL_CONTACT,
  REMINDER_INLINE_MAX,
  REMINDER_OPT_OUT_PARAM,
  type ReminderChannel,
  type ReminderDeliveriesResponse,
  type ReminderOptOutSource,
  type ReminderPreview,
  type ReminderRequest,
  type ReminderSendResponse,
  type ReminderSkipCounts,
  type ReminderStudentState,
  type StudentReminderSetting,
} from '../../domain/reminders.js';
import { createAuditRepository } from '../repositories/audit.repository.js';
import type { Campaign, CampaignRepository } from '../repositories/campaign.repository.js';
import type { OrgRepository, OrgUnit } from '../repositories/org.repository.js';
import {
  createReminderRepository,
  type DeliveryQuery,
  type NewReminderDelivery,
  type ReminderCandidate,
  type ReminderFilter,
  type ReminderRepository,
  type ReminderSendRow,
} from '../repositories/reminder.repository.js';
import type { StudentRepository } from '../repositories/student.repository.js';
import { type AdminAuthService, type AdminPrincipal, scopeOf } from './admin-auth.service.js';
import type { CampaignService } from './campaign.service.js';
import { contactsFor, type EntryLinkService } from './entry-link.service.js';
import { maskEmail, maskName, maskPhone } from './id-number.js';

/** Students read, claimed and queued per transaction: a send of more runs as a job. */
const PAGE = REMINDER_INLINE_MAX;
/** A send job's lease: a holder that has not committed a page for this long is presumed dead. */
const SEND_LEASE_MS = 2 * 60_000;
/** Takes of one send (each after its holder died or a page failed) before it stops as failed. */
const SEND_ATTEMPTS = 5;

export interface ReminderSettings {
  channel: ReminderChannel;
  quietHours: QuietHours | null;
  intervalHours: number;
  /** Tests: a smaller page, so a send larger than one page needs no thousands of students. */
  pageSize?: number;
}

/** The page's transaction was overtaken: another process holds the send now. */
class LeaseLost extends Error {}

/** 2026年9月30日 18:00, China time. */
function chinaDateTime(d: Date): string {
  const t = new Date(d.getTime() + 8 * 3600_000);
  const hm = `${String(t.getUTCHours()).padStart(2, '0')}:${String(t.getUTCMinutes()).padStart(2, '0')}`;
  return `${t.getUTCFullYear()}年${t.getUTCMonth() + 1}月${t.getUTCDate()}日 ${hm}`;
}

/** The contact a message names: the first of the centre's (then branch's, then general) with a phone. */
interface ReminderContact {
  label: string;
  phone: string;
}

export interface ReminderText {
  subject: string;
  text: string;
}

/** The link's token in the copy kept for the console: whoever reads the outbox cannot use it. */
const MASKED_TOKEN = '***';

/** The message: one template for every channel (an SMS gateway sends `text`; email adds `subject`). */
export function renderReminder(v: {
  name: string;
  campaign: Pick<Campaign, 'name' | 'endsAt'>;
  centre: Pick<OrgUnit, 'name'>;
  link: string;
  contact: ReminderContact | undefined;
  rejected: boolean;
  /** The student's own opt-out link (no sign-in needed); without one (the demo's drawn history),
   *  the student is sent to their centre. */
  optOutLink?: string;
}): ReminderText {
  const why = v.rejected ? '您提交的照片未通过审核，请重新拍摄' : '您尚未提交考试照片';
  const help = v.contact ? `如有疑问请联系${v.contact.label}（${v.contact.phone}）。` : '';
  const optOut = v.optOutLink
    ? `不希望再收到此类提醒请打开 ${v.optOutLink} 退订。`
    : '不希望再收到此类提醒，请告知学习中心。';
  return {
    subject: `请尽快提交考试照片：${v.campaign.name}`,
    text:
      `${v.name}同学：您好！${v.campaign.name}将于${chinaDateTime(v.campaign.endsAt)}截止，${why}。` +
      `请用手机打开 ${v.link} 按提示拍照并提交。${help}${optOut}【${v.centre.name}】`,
  };
}

export function createReminderService(deps: {
  db: Db;
  reminders: ReminderRepository;
  students: StudentRepository;
  units: OrgRepository;
  campaigns: CampaignRepository;
  auth: AdminAuthService;
  campaign: CampaignService;
  entryLinks: EntryLinkService;
  /** Wakes the dispatcher of this process after a send. */
  dispatch: { kick(): void };
  /** Wakes the send runner of this process (src/jobs/reminder-send.ts) after a send became a job. */
  sendJobs?: { kick(): void };
  settings: ReminderSettings;
  /** Key material (KAOZHAO_SECRET) for the opt-out links' tokens. */
  secret: string;
}) {
  const { db, reminders, units, auth, entryLinks, settings } = deps;
  const channel = settings.channel;
  const contactKind = REMINDER_CHANNEL_CONTACT[channel];
  const pageSize = settings.pageSize ?? PAGE;

  // The opt-out token: the student's id and an HMAC of it under a key of its own, so a link opts
  // out its own student only, needs no sign-in and no stored token, and works however often it
  // is followed (the opt-out is idempotent). It can only opt out: opting back in needs the app.
  const optOutKey = Buffer.from(hkdfSync('sha256', deps.secret, 'kaozhao', 'reminder-opt-out', 32));
  const macOf = (id: string) => createHmac('sha256', optOutKey).update(`opt-out:${id}`).digest().subarray(0, 16);
  function optOutToken(studentId: number): string {
    const id = studentId.toString(36);
    return `${id}.${macOf(id).toString('base64url')}`;
  }
  function studentOfToken(token: string): number | null {
    const m = /^([0-9a-z]{1,11})\.([A-Za-z0-9_-]{22})$/.exec(token);
    if (!m) return null;
    const given = Buffer.from(m[2]!, 'base64url');
    const want = macOf(m[1]!);
    return given.length === want.length && timingSafeEqual(given, want) ? Number.parseInt(m[1]!, 36) : null;
  }
  /** The opt-out page of the student app, on the same base as the entry link. */
  const optOutLinkOf = (entryLink: string, token: string) =>
    new URL(`?${REMINDER_OPT_OUT_PARAM}=${token}`, entryLink).href;

  /** The admin may remind, and the unit asked for lies in the scope (403 otherwise, as the list does). */
  async function scoped(p: AdminPrincipal, unitId: number): Promise<OrgUnit> {
    auth.can(p, 'remind');
    return auth.unitInScope(p, unitId);
  }

  async function openCampaign(id: string | undefined, now: Date): Promise<Campaign> {
    let c: Campaign | undefined;
    if (id === undefined) c = await deps.campaign.current();
    else {
      c = await deps.campaigns.byId(id);
      if (!c) throw KaozhaoError.of('campaign.not_found');
    }
    if (now < c.startsAt || now >= c.endsAt) throw KaozhaoError.of('reminder.campaign_not_open');
    return c;
  }

  const cutoffOf = (now: Date) => new Date(now.getTime() - settings.intervalHours * 3600_000);

  function filterOf(unit: OrgUnit, c: Campaign, req: ReminderRequest): ReminderFilter {
    const numbers = req.studentNumbers?.map((n) => n.trim()).filter(Boolean);
    return { campaignId: c.id, scope: scopeOf(unit), ...(numbers ? { studentNumbers: numbers } : {}) };
  }

  function recipientOf(s: ReminderCandidate): string {
    const phone = s.phone?.trim() ?? '';
    const email = s.email?.trim() ?? '';
    return contactKind === 'email' ? email : contactKind === 'phone' ? phone : phone || email;
  }

  function maskRecipient(to: string): string {
    return to.includes('@') ? maskEmail(to) : maskPhone(to);
  }

  /** Builds each student's message: the link and the contacts are their own centre's. */
  async function composer(c: Campaign, origin: string) {
    const all = await units.all();
    const byId = new Map(all.map((u) => [u.id, u]));
    const perCentre = new Map<number, { centre: OrgUnit; link: string; contact: ReminderContact | undefined }>();
    return (s: ReminderCandidate) => {
      let centre = perCentre.get(s.centreId);
      if (!centre) {
        const unit = byId.get(s.centreId)!;
        const branch = unit.parentId === null ? undefined : byId.get(unit.parentId);
        const withPhone = contactsFor(c.support, unit, branch).find((x) => x.phone);
        centre = {
          centre: unit,
          link: entryLinks.urlOf(unit, c, origin),
          contact: withPhone ? { label: withPhone.label, phone: withPhone.phone! } : undefined,
        };
        perCentre.set(s.centreId, centre);
      }
      const common = {
        campaign: c,
        centre: centre.centre,
        link: centre.link,
        contact: centre.contact,
        rejected: s.submissionStatus === 'rejected',
      };
      return {
        real: renderReminder({ ...common, name: s.name, optOutLink: optOutLinkOf(centre.link, optOutToken(s.id)) }),
        masked: renderReminder({
          ...common,
          name: maskName(s.name),
          optOutLink: optOutLinkOf(centre.link, MASKED_TOKEN),
        }),
      };
    };
  }

  function quietInfo(now: Date): ReminderPreview['quietHours'] {
    const q = settings.quietHours;
    if (!q) return null;
    const until = quietUntil(now, q);
    return {
      from: clockTime(q.from),
      to: clockTime(q.to),
      active: until !== null,
      resumesAt: until?.toISOString() ?? null,
    };
  }

  /** The named students of the scope (others are left out, as if unknown). */
  async function studentStates(
    p: AdminPrincipal,
    unitId: number,
    studentNumbers: string[],
    campaignId: string | undefined,
  ): Promise<ReminderStudentState[]> {
    const unit = await scoped(p, unitId);
    // No campaign at all: the states still answer, with no latest reminder.
    const cid = campaignId ?? (await deps.campaigns.current())?.id ?? null;
    const numbers = [...new Set(studentNumbers.map((n) => n.trim()).filter(Boolean))];
    const list = await reminders.studentStates(scopeOf(unit), numbers, cid);
    const has = (v: string | null) => (v ?? '').trim() !== '';
    return list.map((r) => ({
      studentNumber: r.studentNumber,
      optedOut: r.optedOut,
      reachable:
        contactKind === 'phone' ? has(r.phone) : contactKind === 'email' ? has(r.email) : has(r.phone) || has(r.email),
      latest:
        r.status && r.channel && r.at
          ? { status: r.status, channel: r.channel, at: new Date(r.at).toISOString() }
          : null,
    }));
  }

  interface SendPlan {
    batchId: string;
    unit: OrgUnit;
    campaign: Campaign;
    filter: ReminderFilter;
    adminId: number;
    compose: Awaited<ReturnType<typeof composer>>;
  }

  /**
   * One page in one transaction: the students are marked reminded, their messages stored and the
   * send audit-logged together (and a job's cursor moved, `within`), so a crash midway leaves no
   * message unrecorded and no student marked without one.
   */
  async function writePage(
    plan: SendPlan,
    page: ReminderCandidate[],
    now: Date,
    cutoff: Date,
    within?: (tx: DbOrTx, written: { rows: number; lost: number }) => Promise<void>,
  ): Promise<{ rows: number; lost: number }> {
    const { batchId, campaign: c } = plan;
    const sendsAt = quietUntil(now, settings.quietHours);
    return db.transaction(async (tx) => {
      const claimed = new Set(
        await createReminderRepository(tx).claim(
          page.map((s) => s.id),
          now,
          cutoff,
        ),
      );
      const rows: NewReminderDelivery[] = [];
      const perCentre = new Map<number, number[]>();
      for (const s of page) {
        if (!claimed.has(s.id)) continue;
        const to = recipientOf(s);
        const { real, masked } = plan.compose(s);
        rows.push({
          batchId,
          campaignId: c.id,
          studentId: s.id,
          centreId: s.centreId,
          branchId: s.branchId,
          channel,
          recipient: to,
          recipientMasked: maskRecipient(to),
          subject: real.subject,
          body: real.text,
          bodyMasked: masked.text,
          status: 'queued',
          nextAttemptAt: sendsAt ?? now,
          createdBy: plan.adminId,
          // The claim's time: a failed delivery finds the claim it made by it (markFailed).
          createdAt: now,
        });
        const ids = perCentre.get(s.centreId) ?? [];
        ids.push(s.id);
        perCentre.set(s.centreId, ids);
      }
      await createReminderRepository(tx).insert(rows);
      const audit = createAuditRepository(tx);
      for (const [centreId, ids] of perCentre) {
        await audit.record({
          adminId: plan.adminId,
          action: 'reminder.send',
          unitId: centreId,
          detail: { batchId, campaignId: c.id, channel, sentFor: plan.unit.code, queued: ids.length },
          studentIds: ids,
        });
      }
      const written = { rows: rows.length, lost: page.length - claimed.size };
      await within?.(tx, written);
      return written;
    });
  }

  /** Nobody to remind: the attempt is still on record, in the scope it was made for. */
  async function recordNobody(plan: SendPlan, skipped: ReminderSkipCounts): Promise<void> {
    await createAuditRepository(db).record({
      adminId: plan.adminId,
      action: 'reminder.send',
      unitId: plan.unit.id,
      detail: {
        batchId: plan.batchId,
        campaignId: plan.campaign.id,
        channel,
        sentFor: plan.unit.code,
        queued: 0,
        skipped,
      },
    });
  }

  function sendResponse(r: ReminderSendRow): ReminderSendResponse {
    const date = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());
    return {
      batchId: r.id,
      status: r.status,
      channel: r.channel,
      total: r.total,
      count: r.count,
      queued: r.queued,
      skipped: r.skipped,
      sendsAt: date(r.sendsAt),
      error: r.error,
      finishedAt: date(r.finishedAt),
    };
  }

  /** A student's own opt-out (or back in): recorded with how, audit-logged in their centre's scope. */
  async function studentOptOut(studentId: number, optOut: boolean, via: ReminderOptOutSource) {
    const s = await deps.students.byId(studentId);
    if (!s) throw KaozhaoError.of('reminder.link_invalid');
    const was = await reminders.optedOut(s.id);
    if (was === optOut) return { optedOut: optOut, already: true };
    await db.transaction(async (tx) => {
      const cancelled = await createReminderRepository(tx).setOptOut(s.id, optOut, null, new Date(), via);
      await createAuditRepository(tx).record({
        adminId: null,
        action: optOut ? 'reminder.opt_out' : 'reminder.opt_in',
        unitId: s.centreId,
        detail: optOut ? { by: 'student', via, cancelled } : { by: 'student', via },
        studentIds: [s.id],
      });
    });
    return { optedOut: optOut, already: false };
  }

  return {
    async preview(p: AdminPrincipal, unitId: number, req: ReminderRequest, origin: string): Promise<ReminderPreview> {
      const unit = await scoped(p, unitId);
      const now = new Date();
      const c = await openCampaign(req.campaignId, now);
      const f = filterOf(unit, c, req);
      const cutoff = cutoffOf(now);
      const counts = await reminders.counts(f, channel, cutoff);
      const [first] = await reminders.eligible(f, channel, cutoff, 0, 1);
      let sample: ReminderPreview['sample'] = null;
      if (first) {
        const { masked } = (await composer(c, origin))(first);
        sample = { studentNumber: first.studentNumber, to: maskRecipient(recipientOf(first)), ...masked };
      }
      const { total, ...skipped } = counts;
      return {
        channel,
        campaign: { id: c.id, name: c.name, endsAt: c.endsAt.toISOString() },
        total,
        count: Math.max(0, total - skipped.optedOut - skipped.noContact - skipped.limited),
        skipped,
        sample,
        quietHours: quietInfo(now),
        intervalHours: settings.intervalHours,
      };
    },

    /**
     * Queues one reminder per eligible student. Up to a page of them (and any selection of rows,
     * at most REMINDER_STUDENTS_MAX) inside the request, answered done; a larger send (a branch,
     * HQ-wide: millions) is stored as a job and answered running at once, and the send runner
     * (src/jobs/reminder-send.ts) of some process queues it a page per transaction.
     */
    async send(p: AdminPrincipal, unitId: number, req: ReminderRequest, origin: string): Promise<ReminderSendResponse> {
      const unit = await scoped(p, unitId);
      const now = new Date();
      const c = await openCampaign(req.campaignId, now);
      const f = filterOf(unit, c, req);
      const cutoff = cutoffOf(now);
      const { total, ...skipped } = await reminders.counts(f, channel, cutoff);
      const count = Math.max(0, total - skipped.optedOut - skipped.noContact - skipped.limited);
      const sendsAt = quietUntil(now, settings.quietHours);
      const batchId = randomUUID();
      if (count > pageSize && !f.studentNumbers) {
        // Checked here against an unusable address rather than found by the job.
        entryLinks.urlOf(unit, c, origin);
        await reminders.createSend({
          id: batchId,
          unitId: unit.id,
          campaignId: c.id,
          channel,
          origin,
          status: 'running',
          total,
          count,
          skipped,
          sendsAt,
          createdBy: p.admin.id,
          createdAt: now,
        });
        deps.sendJobs?.kick();
        return {
          batchId,
          status: 'running',
          channel,
          total,
          count,
          queued: 0,
          skipped,
          sendsAt: sendsAt?.toISOString() ?? null,
          error: null,
          finishedAt: null,
        };
      }
      const plan: SendPlan = {
        batchId,
        unit,
        campaign: c,
        filter: f,
        adminId: p.admin.id,
        compose: await composer(c, origin),
      };
      let queued = 0;
      for (let after = 0; ; ) {
        const page = await reminders.eligible(f, channel, cutoff, after, pageSize);
        if (page.length === 0) break;
        after = page[page.length - 1]!.id;
        const written = await writePage(plan, page, now, cutoff);
        queued += written.rows;
        // Reminded by another send since the page was read.
        skipped.limited += written.lost;
        if (page.length < pageSize) break;
      }
      if (queued === 0) await recordNobody(plan, skipped);
      if (queued > 0) deps.dispatch.kick();
      const done = new Date().toISOString();
      return {
        batchId,
        status: 'done',
        channel,
        total,
        count,
        queued,
        skipped,
        sendsAt: sendsAt?.toISOString() ?? null,
        error: null,
        finishedAt: done,
      };
    },

    /** A send's progress, for an admin whose scope holds the unit it was made for (404 otherwise). */
    async sendProgress(p: AdminPrincipal, batchId: string): Promise<ReminderSendResponse> {
      auth.can(p, 'remind');
      const row = await reminders.sendById(batchId);
      if (!row) throw KaozhaoError.of('reminder.send_not_found');
      try {
        await auth.unitInScope(p, row.unitId);
      } catch {
        // Another scope's send is not there, as another unit's student is not.
        throw KaozhaoError.of('reminder.send_not_found');
      }
      return sendResponse(row);
    },

    /**
     * The send runner's step: takes one running send nobody holds and queues it to the end, a
     * page per transaction; false when there was none. A page whose commit finds the send taken
     * over (this process was presumed dead) is rolled back and the send left to its new holder.
     */
    async runNextSend(stopping: () => boolean = () => false): Promise<boolean> {
      const owner = randomUUID();
      const lease = () => new Date(Date.now() + SEND_LEASE_MS);
      const job = await reminders.takeSend(channel, owner, new Date(), lease());
      if (!job) return false;
      const stop = (error: string) => reminders.finishSend(job.id, owner, 'failed', error, new Date());
      if (job.attempts > SEND_ATTEMPTS) {
        await stop('error');
        return true;
      }
      const c = await deps.campaigns.byId(job.campaignId);
      const unit = await units.byId(job.unitId);
      if (!c || !unit || Date.now() >= c.endsAt.getTime()) {
        // The campaign closed while the send was under way: what was queued stays queued.
        await stop('campaign_closed');
        return true;
      }
      const plan: SendPlan = {
        batchId: job.id,
        unit,
        campaign: c,
        filter: { campaignId: c.id, scope: scopeOf(unit) },
        adminId: job.createdBy,
        compose: await composer(c, job.origin),
      };
      let queued = job.queued;
      try {
        for (let after = job.cursor; ; ) {
          const now = new Date();
          const cutoff = cutoffOf(now);
          const page = await reminders.eligible(plan.filter, channel, cutoff, after, pageSize);
          const last = page.length > 0 ? page[page.length - 1]!.id : after;
          const written = await writePage(plan, page, now, cutoff, async (tx, w) => {
            const ok = await createReminderRepository(tx).advanceSend(job.id, owner, {
              cursor: last,
              queued: w.rows,
              limited: w.lost,
              leaseUntil: lease(),
            });
            if (!ok) throw new LeaseLost();
          });
          after = last;
          queued += written.rows;
          // Deliveries start while later pages are still being queued.
          if (written.rows > 0) deps.dispatch.kick();
          if (page.length < pageSize) break;
          if (stopping()) {
            // Shutting down: the send is let go at once rather than when its lease runs out.
            await reminders.releaseSend(job.id, owner);
            return true;
          }
        }
      } catch (e) {
        if (e instanceof LeaseLost) return true;
        // Left running with its lease: taken again (here or elsewhere) once the lease runs out.
        throw e;
      }
      if (queued === 0) {
        const row = await reminders.sendById(job.id);
        await recordNobody(plan, row?.skipped ?? job.skipped);
      }
      await reminders.finishSend(job.id, owner, 'done', null, new Date());
      return true;
    },

    async deliveries(
      p: AdminPrincipal,
      unitId: number,
      q: Omit<DeliveryQuery, 'scope'>,
    ): Promise<ReminderDeliveriesResponse> {
      const unit = await scoped(p, unitId);
      const list = await reminders.list({ ...q, studentNumber: q.studentNumber?.trim(), scope: scopeOf(unit) });
      const date = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());
      return {
        items: list.map((r) => ({
          id: r.id,
          batchId: r.batchId,
          studentNumber: r.studentNumber,
          maskedName: maskName(r.name),
          centreName: r.centreName ?? '',
          channel: r.channel,
          to: r.recipientMasked,
          subject: r.subject,
          text: r.bodyMasked,
          status: r.status,
          attempts: r.attempts,
          lastError: r.lastError,
          createdAt: date(r.createdAt)!,
          nextAttemptAt: date(r.nextAttemptAt),
          sentAt: date(r.sentAt),
          sentBy: r.sentBy,
        })),
        next: list.length === q.limit ? list[list.length - 1]!.id : null,
      };
    },

    studentStates,

    /** A student of the scope opts out (or back in); audit-logged. Outside the scope: 404, like an unknown number. */
    async setOptOut(p: AdminPrincipal, studentNumber: string, optOut: boolean): Promise<ReminderStudentState> {
      auth.can(p, 'remind');
      const s = await deps.students.byNumber(studentNumber.trim());
      if (!s || !auth.studentInScope(p, s)) throw KaozhaoError.of('student.not_found');
      await db.transaction(async (tx) => {
        const cancelled = await createReminderRepository(tx).setOptOut(s.id, optOut, p.admin.id, new Date());
        await createAuditRepository(tx).record({
          adminId: p.admin.id,
          action: optOut ? 'reminder.opt_out' : 'reminder.opt_in',
          unitId: s.centreId,
          detail: optOut ? { cancelled } : {},
          studentIds: [s.id],
        });
      });
      const [state] = await studentStates(p, p.unit.id, [s.studentNumber], undefined);
      return state!;
    },

    /** The token of a student's opt-out link (tests, and the message). */
    optOutToken,

    /**
     * The link in a reminder, followed: no sign-in, the token names the student. Idempotent: a
     * second use answers `already` and changes nothing; a token that does not verify is refused
     * without saying whether any student exists.
     */
    async optOutByLink(token: string): Promise<StudentReminderSetting> {
      const id = studentOfToken(token);
      if (id === null) throw KaozhaoError.of('reminder.link_invalid');
      return studentOptOut(id, true, 'link');
    },

    /** The signed-in student's own setting (我的照片查询). */
    async studentSetting(studentId: number): Promise<StudentReminderSetting> {
      return { optedOut: await reminders.optedOut(studentId) };
    },

    async setStudentOptOut(studentId: number, optOut: boolean): Promise<StudentReminderSetting> {
      const r = await studentOptOut(studentId, optOut, 'app');
      return { optedOut: r.optedOut };
    },
  };
}

export type ReminderService = ReturnType<typeof createReminderService>;
