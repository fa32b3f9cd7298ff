// Reminders to the students who have not submitted (催交提醒): the preview (how many a send would
// reach, who is skipped and why, one message as it reads), the send (one delivery per student,
// queued for the dispatcher in src/jobs/reminder-dispatch.ts), each student's opt-out and the
// delivery record. Every read and write keeps to the admin's unit scope; the console sees names
// and addresses masked, and nothing personal goes into the audit detail or an error.
import { randomUUID } from 'node:crypto';
import type { Db } from '../../db/client.js';
import { KaozhaoError } from '../../domain/errors.js';
import {
  clockTime,
  type QuietHours,
  quietUntil,
  REMINDER_CHANNEL_CONTACT,
  type ReminderChannel,
  type ReminderDeliveriesResponse,
  type ReminderPreview,
  type ReminderRequest,
  type ReminderSendResponse,
  type ReminderStatus,
  type ReminderStudentState,
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
} from '../repositories/reminder.repository.js';
import type { StudentRepository } from '../repositories/student.repository.js';
import { type AdminAuthService, type AdminPrincipal, scopeOf } from './admin-auth.service.js';
import type { CampaignService } from './campaign.service.js';
import { contactsFor, type EntryLinkService } from './entry-link.service.js';
import { maskEmail, maskName, maskPhone } from './id-number.js';

/** Students read, claimed and queued per transaction. */
const PAGE = 500;

export interface ReminderSettings {
  channel: ReminderChannel;
  quietHours: QuietHours | null;
  intervalHours: number;
}

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

/** The message: one template for every channel (an SMS gateway sends `text`; email adds `subject`). */
export function renderReminder(v: {
  name: string;
  campaign: Pick<Campaign, 'name' | 'endsAt'>;
  centre: Pick<OrgUnit, 'name'>;
  link: string;
  contact: ReminderContact | undefined;
  rejected: boolean;
}): ReminderText {
  const why = v.rejected ? '您提交的照片未通过审核，请重新拍摄' : '您尚未提交考试照片';
  const help = v.contact ? `如有疑问请联系${v.contact.label}（${v.contact.phone}）。` : '';
  return {
    subject: `请尽快提交考试照片：${v.campaign.name}`,
    text:
      `${v.name}同学：您好！${v.campaign.name}将于${chinaDateTime(v.campaign.endsAt)}截止，${why}。` +
      `请用手机打开 ${v.link} 按提示拍照并提交。${help}不希望再收到此类提醒，请告知学习中心。【${v.centre.name}】`,
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
  settings: ReminderSettings;
}) {
  const { db, reminders, units, auth, entryLinks, settings } = deps;
  const channel = settings.channel;
  const contactKind = REMINDER_CHANNEL_CONTACT[channel];

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
        real: renderReminder({ ...common, name: s.name }),
        masked: renderReminder({ ...common, name: maskName(s.name) }),
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
     * Queues one reminder per eligible student, a page per transaction: the students are marked
     * reminded, their messages stored and the send audit-logged together, so a crash midway leaves
     * no message unrecorded and no student marked without one.
     */
    async send(p: AdminPrincipal, unitId: number, req: ReminderRequest, origin: string): Promise<ReminderSendResponse> {
      const unit = await scoped(p, unitId);
      const now = new Date();
      const c = await openCampaign(req.campaignId, now);
      const f = filterOf(unit, c, req);
      const cutoff = cutoffOf(now);
      const before = await reminders.counts(f, channel, cutoff);
      const compose = await composer(c, origin);
      const sendsAt = quietUntil(now, settings.quietHours);
      const batchId = randomUUID();
      const { total, ...skipped } = before;
      let queued = 0;
      let audited = false;
      for (let after = 0; ; ) {
        const page = await reminders.eligible(f, channel, cutoff, after, PAGE);
        if (page.length === 0) break;
        after = page[page.length - 1]!.id;
        const written = await db.transaction(async (tx) => {
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
            const { real, masked } = compose(s);
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
              createdBy: p.admin.id,
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
              adminId: p.admin.id,
              action: 'reminder.send',
              unitId: centreId,
              detail: { batchId, campaignId: c.id, channel, sentFor: unit.code, queued: ids.length },
              studentIds: ids,
            });
          }
          return { rows: rows.length, lost: page.length - claimed.size };
        });
        queued += written.rows;
        audited ||= written.rows > 0;
        // Reminded by another send since the page was read.
        skipped.limited += written.lost;
        if (page.length < PAGE) break;
      }
      if (!audited) {
        // Nobody to remind: the attempt is still on record, in the scope it was made for.
        await createAuditRepository(db).record({
          adminId: p.admin.id,
          action: 'reminder.send',
          unitId: unit.id,
          detail: { batchId, campaignId: c.id, channel, sentFor: unit.code, queued: 0, skipped },
        });
      }
      if (queued > 0) deps.dispatch.kick();
      return { batchId, channel, total, queued, skipped, sendsAt: sendsAt?.toISOString() ?? null };
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
  };
}

export type ReminderService = ReturnType<typeof createReminderService>;
