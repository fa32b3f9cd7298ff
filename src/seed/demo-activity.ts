// The demo's month of use: without it a fresh `npm start` shows every dashboard at 0% and an
// empty review queue, and whoever evaluates the product sees nothing of what it does. The history
// is written as the services would have left it (photos and their files, submissions, counters,
// daily counts, reviews with reasons, audit entries, a reminder batch, an exam session), with
// times spread over the campaign's days so far. The photos are drawn figures (demo-portrait.ts),
// never run through the engine; their rows carry DEMO_SOURCE_TYPE.
//
// Deterministic for a seed: the same students submit, are approved, rejected and reminded on
// every machine; the times follow "now". The students of demo-logins.txt are left untouched, so
// whoever tries the student app (and the browser tests) starts from nothing.
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { Db, DbOrTx } from '../db/client.js';
import { rows } from '../db/client.js';
import {
  auditLog,
  dailyCounts,
  examChecks,
  examSessions,
  photos,
  reminderDeliveries,
  reminderState,
  submissions,
} from '../db/schema.js';
import type { AuditAction } from '../domain/audit.js';
import type { BackgroundName } from '../domain/backgrounds.js';
import { CHECK_IDS, CHECKS, type CheckId, type CheckResult } from '../domain/checks.js';
import { entryPath } from '../domain/entry.js';
import type { ExamDecision, ExamOverride, ExamUnableReason } from '../domain/exam.js';
import { VERIFY_THRESHOLD } from '../photo/similarity.js';
import { loadSpec } from '../photo/spec.js';
import { chinaDay, createCountsRepository, type SubmissionStatus } from '../server/repositories/counts.repository.js';
import { createOrgRepository } from '../server/repositories/org.repository.js';
import type { StorageRepository } from '../server/repositories/storage.repository.js';
import { contactsFor } from '../server/services/entry-link.service.js';
import { maskName, maskPhone } from '../server/services/id-number.js';
import { renderReminder } from '../server/services/reminder.service.js';
import type { DemoData } from './demo.seed.js';
import { DEMO_LOGIN_STUDENTS } from './demo-logins.js';
import { drawPortraits } from './demo-portrait.js';
import { rng } from './names.js';

/** photos.source_type of every demo photo: a drawing, not a phone's JPEG or PNG. */
export const DEMO_SOURCE_TYPE = 'demo';

/** How far into its window the demo's campaign is, and how long it has left: a month in all. */
export const DEMO_DAYS_SO_FAR = 18;
export const DEMO_DAYS_LEFT = 12;

/** Share of each centre's students who have submitted, in demo.centreIds order: the last lags. */
const CENTRE_SHARE = [0.78, 0.66, 0.72, 0.21];
/** Share of first attempts whose report passes outright (approved at once); the rest warn. */
const PASS_SHARE = 0.7;
const REJECT_SHARE = 0.3;
const RESUBMIT_SHARE = 0.5;
/** Drawn looks: each rendered once per background, shared by many photos (rendering dominates). */
const LOOKS = 24;
/** Where a reminder's link points: the default address of `npm start`. */
const DEMO_ORIGIN = 'http://127.0.0.1:3000/';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const CHINA = 8 * HOUR;

export interface DemoActivityOptions {
  seed?: number;
  now?: Date;
}

export interface DemoActivity {
  photos: number;
  submissions: number;
  approved: number;
  rejected: number;
  needsReview: number;
  reminders: number;
  examChecks: number;
}

/** What a warning says, and the reviewer's reason when the photo is refused for it. */
const WARNINGS: {
  id: CheckId;
  value: number;
  unit?: string;
  threshold: string;
  zh: string;
  en: string;
  reason: string;
}[] = [
  {
    id: 'hair.eyebrows',
    value: 0.42,
    threshold: '< 0.3 pass, else warn',
    zh: '头发可能遮挡眉毛，将由人工审核',
    en: 'Hair may cover the eyebrows: a reviewer will check',
    reason: '头发遮挡眉毛，请将头发梳到耳后、露出眉毛后重新拍摄',
  },
  {
    id: 'glasses.reflection',
    value: 0.37,
    threshold: '< 0.25 pass, else warn',
    zh: '镜片可能反光，将由人工审核',
    en: 'The lenses may reflect light: a reviewer will check',
    reason: '眼镜镜片反光遮挡眼睛，请调整角度或摘下眼镜后重新拍摄',
  },
  {
    id: 'light.uneven',
    value: 0.31,
    threshold: '< 0.22 pass, else warn',
    zh: '面部光线不够均匀，将由人工审核',
    en: 'Uneven light on the face: a reviewer will check',
    reason: '面部一侧有明显阴影，请面向窗户或灯光、光线均匀时重新拍摄',
  },
  {
    id: 'expression.neutral',
    value: 0.58,
    threshold: '< 0.45 pass, else warn',
    zh: '表情可能不够自然，将由人工审核',
    en: 'The expression may not be neutral: a reviewer will check',
    reason: '表情不自然（露齿笑），请保持自然表情、嘴唇闭合后重新拍摄',
  },
  {
    id: 'jewelry.earrings',
    value: 0.51,
    threshold: '< 0.4 pass, else warn',
    zh: '可能佩戴耳饰，将由人工审核',
    en: 'Earrings may be visible: a reviewer will check',
    reason: '请摘下耳饰后重新拍摄',
  },
  {
    id: 'pose.yaw',
    value: 11.6,
    unit: '°',
    threshold: '< 10 pass, < 15 warn',
    zh: '头部略有侧转，建议正对镜头重拍',
    en: 'Head slightly turned: face the lens',
    reason: '头部侧转，请正对镜头、双眼平视后重新拍摄',
  },
];

/** Measured values of a passing report, by check (others are scores from 0, fine, to 1). */
const PASS_VALUES: Partial<Record<CheckId, [number, number, string?]>> = {
  'face.count': [1, 1],
  'face.resolution': [96, 140, 'px'],
  'pose.yaw': [0.4, 6, '°'],
  'pose.pitch': [0.5, 7, '°'],
  'pose.roll': [0.2, 3.5, '°'],
  'shoulders.level': [0.3, 4, '°'],
  'background.uniform': [0.4, 1.6],
  'light.exposure': [0.55, 0.72],
};

function report(r: () => number, warn: (typeof WARNINGS)[number] | undefined, fileKB: number): CheckResult[] {
  const out: CheckResult[] = [];
  // The engine's checks: every one but the server's own duplicate check, made at submission.
  for (const id of CHECK_IDS) {
    if (id === 'identity.duplicate') continue;
    if (warn && id === warn.id) {
      out.push({
        id,
        status: 'warn',
        value: Math.round((warn.value + r() * 0.08) * 100) / 100,
        ...(warn.unit ? { unit: warn.unit } : {}),
        threshold: warn.threshold,
        message: { zh: warn.zh, en: warn.en },
      });
      continue;
    }
    const range = PASS_VALUES[id];
    const value =
      id === 'file.size' ? fileKB : range ? range[0] + r() * (range[1] - range[0]) : Math.round(r() * 15) / 100;
    const unit = id === 'file.size' ? 'KB' : range?.[2];
    out.push({
      id,
      status: 'pass',
      value: Math.round(value * 100) / 100,
      ...(unit ? { unit } : {}),
      threshold: '示例数据 demo data',
      message: { zh: CHECKS[id].zh, en: CHECKS[id].en },
    });
  }
  return out;
}

/** China midnight of the day `t` falls in. */
const chinaMidnight = (t: number) => Math.floor((t + CHINA) / DAY) * DAY - CHINA;

/**
 * When a student submits: more in the first days after the campaign opens, fewer at weekends,
 * most at lunchtime and in the evening (China time). `from`..`to` bounds it.
 */
function submitTime(r: () => number, from: number, to: number): number {
  const first = chinaMidnight(from);
  const days = Math.max(1, Math.ceil((to - first) / DAY));
  const weights: number[] = [];
  for (let d = 0; d < days; d++) {
    const weekday = new Date(first + d * DAY + CHINA).getUTCDay();
    weights.push((1 + 2.2 * Math.exp(-d / 3)) * (weekday === 0 || weekday === 6 ? 0.55 : 1));
  }
  const total = weights.reduce((a, b) => a + b, 0);
  for (let tries = 0; tries < 20; tries++) {
    let x = r() * total;
    let d = 0;
    while (d < days - 1 && x > weights[d]!) x -= weights[d++]!;
    const u = r();
    const hour = u < 0.3 ? 11.8 + r() * 1.8 : u < 0.72 ? 19 + r() * 3.5 : u < 0.97 ? 8 + r() * 15 : 23 + r() * 1.5;
    const t = first + d * DAY + hour * HOUR;
    if (t >= from && t <= to) return Math.round(t);
  }
  return Math.round(from + r() * (to - from));
}

/** A reviewer's decision some hours after submission, in working hours when it falls at night. */
function reviewTime(r: () => number, submitted: number): number {
  let t = submitted + (1 + r() * 20) * HOUR;
  const hour = ((t + CHINA) % DAY) / HOUR;
  if (hour < 8.5 || hour > 21) t = chinaMidnight(t + (hour > 21 ? DAY : 0)) + (9 + r() * 3) * HOUR;
  return Math.round(t);
}

interface Attempt {
  id: string;
  studentId: number;
  centreId: number;
  branchId: number;
  look: number;
  background: BackgroundName;
  submittedAt: number;
  warn: (typeof WARNINGS)[number] | undefined;
  status: SubmissionStatus;
  reviewedAt: number | null;
  reviewerId: number | null;
  reason: string | null;
}

type DailyKey = `${string}|${number}`;

async function insertChunked<T>(items: T[], size: number, write: (chunk: T[]) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await write(items.slice(i, i + size));
}

export async function seedDemoActivity(
  db: Db,
  storage: StorageRepository,
  demo: DemoData,
  opts: DemoActivityOptions = {},
): Promise<DemoActivity> {
  const r = rng(opts.seed ?? 20_260_918);
  const now = (opts.now ?? new Date()).getTime();
  const [campaign] = await rows<{ startsAt: Date; endsAt: Date; specId: string }>(
    db,
    sql`SELECT starts_at AS "startsAt", ends_at AS "endsAt", spec_id AS "specId" FROM campaigns WHERE id = ${demo.campaignId}`,
  );
  if (!campaign) throw new Error('demo campaign missing');
  const start = new Date(campaign.startsAt).getTime();
  // The last submissions a few minutes ago, so "today" has some.
  const until = now - 5 * 60_000;
  const spec = loadSpec(campaign.specId);
  const bgs = Object.keys(spec.backgrounds) as BackgroundName[];
  const adminIds = new Map(
    (await rows<{ id: number; username: string }>(db, sql`SELECT id, username FROM admins`)).map((a) => [
      a.username,
      a.id,
    ]),
  );
  const adminId = (username: string) => {
    const id = adminIds.get(username);
    if (id === undefined) throw new Error(`demo admin ${username} missing`);
    return id;
  };
  const enrolled = new Set(
    (await rows<{ id: number }>(db, sql`SELECT id::int AS id FROM students WHERE enrolment_status = 'enrolled'`)).map(
      (s) => s.id,
    ),
  );
  const centreIndex = new Map(demo.centreIds.map((id, i) => [id, i]));
  const lagging = demo.centreIds[CENTRE_SHARE.length - 1]!;

  // The reminder: branch2 chases its lagging centre four days ago, mid-morning.
  const remindAt = Math.max(start + DAY, chinaMidnight(now - 4 * DAY) + 10.2 * HOUR);

  const attempts: Attempt[] = [];
  const latest = new Map<number, Attempt>();
  const audit: (typeof auditLog.$inferInsert)[] = [];
  const daily = new Map<DailyKey, { submitted: number; approved: number; rejected: number; branchId: number }>();
  const bump = (t: number, a: Attempt, k: 'submitted' | 'approved' | 'rejected') => {
    const key: DailyKey = `${chinaDay(new Date(t))}|${a.centreId}`;
    const d = daily.get(key) ?? { submitted: 0, approved: 0, rejected: 0, branchId: a.branchId };
    d[k]++;
    daily.set(key, d);
  };
  const reviewAudit = (a: Attempt, action: AuditAction) =>
    audit.push({
      adminId: a.reviewerId,
      action,
      unitId: a.centreId,
      detail: { photoId: a.id },
      studentIds: [a.studentId],
      studentCount: 1,
      at: new Date(a.reviewedAt!),
    });

  /** One attempt submitted at `t`, and what became of it by now. */
  const submit = (s: DemoData['students'][number], t: number, passRate: number): Attempt => {
    const warn = r() < passRate ? undefined : WARNINGS[Math.floor(r() * WARNINGS.length)];
    const a: Attempt = {
      id: randomUUID(),
      studentId: s.id,
      centreId: s.centreId,
      branchId: s.branchId,
      look: Math.floor(r() * LOOKS),
      background: r() < 0.85 ? spec.defaultBackground : bgs.find((b) => b !== spec.defaultBackground)!,
      submittedAt: t,
      warn,
      status: warn ? 'needs_review' : 'approved',
      reviewedAt: warn ? null : t,
      reviewerId: null,
      reason: null,
    };
    bump(t, a, 'submitted');
    if (!warn) bump(t, a, 'approved');
    else {
      const at = reviewTime(r, t);
      // Some of the older ones are still waiting: reviewers fall behind too.
      if (at < until && r() < 0.9) {
        a.reviewedAt = at;
        a.reviewerId = adminId(s.branchId === demo.branchIds[0] && r() < 0.5 ? 'reviewer1' : 'reviewer');
        a.status = r() < REJECT_SHARE ? 'rejected' : 'approved';
        if (a.status === 'rejected') a.reason = warn.reason;
        bump(at, a, a.status === 'approved' ? 'approved' : 'rejected');
        reviewAudit(a, a.status === 'approved' ? 'review.approve' : 'review.reject');
      }
    }
    attempts.push(a);
    latest.set(s.id, a);
    return a;
  };

  const pool = demo.students.slice(DEMO_LOGIN_STUDENTS).filter((s) => enrolled.has(s.id));
  for (const s of pool) {
    const share = CENTRE_SHARE[centreIndex.get(s.centreId) ?? 0]!;
    if (r() >= share) continue;
    // Half the lagging centre's few submissions came after the reminder.
    const from = s.centreId === lagging && r() < 0.5 ? remindAt : start + HOUR;
    const first = submit(s, submitTime(r, from, until), PASS_SHARE);
    if (first.status === 'rejected' && r() < RESUBMIT_SHARE) {
      const retake = first.reviewedAt! + (2 + r() * 60) * HOUR;
      if (retake < until) submit(s, Math.round(retake), 0.85);
    }
  }

  // Files first, then the rows: a reader who finds a row finds its files.
  const drawn = await drawPortraits(LOOKS, spec.backgrounds);
  const writes = attempts.flatMap((a) =>
    bgs.map((bg) => ({ key: `${a.id}/${bg}.jpg`, bytes: drawn.get(bg)![a.look]! })),
  );
  for (let i = 0; i < writes.length; i += 64) {
    await Promise.all(writes.slice(i, i + 64).map((w) => storage.put(w.key, w.bytes)));
  }

  const phones = new Map(
    (
      await rows<{ id: number; phone: string }>(
        db,
        sql`SELECT id::int AS id, phone FROM students WHERE centre_id = ${lagging} AND coalesce(phone, '') <> ''`,
      )
    ).map((s) => [s.id, s.phone]),
  );
  const reminders = remindersOf(r, pool, phones, latest, remindAt, lagging);
  const units = await createOrgRepository(db).all();
  const exam = examOf(r, demo, latest, now, adminId('centre3'));

  await db.transaction(async (tx) => {
    await insertChunked(attempts, 300, (chunk) =>
      tx.insert(photos).values(
        chunk.map((a) => {
          const created = a.submittedAt - Math.round((1 + r() * 6) * 60_000);
          const kb = Math.round(drawn.get(a.background)![a.look]!.length / 102.4) / 10;
          return {
            id: a.id,
            studentId: a.studentId,
            campaignId: demo.campaignId,
            status: a.status,
            source: r() < 0.7 ? ('camera' as const) : ('upload' as const),
            sourceType: DEMO_SOURCE_TYPE,
            specId: spec.id,
            progress: 1,
            verdict: a.warn ? ('warn' as const) : ('pass' as const),
            report: report(r, a.warn, kb),
            backgrounds: bgs,
            background: a.background,
            reviewerId: a.reviewerId,
            reason: a.reason,
            attempts: 1,
            createdAt: new Date(created),
            processedAt: new Date(created + Math.round((1.5 + r() * 3) * 1000)),
            submittedAt: new Date(a.submittedAt),
            reviewedAt: a.reviewedAt === null ? null : new Date(a.reviewedAt),
          };
        }),
      ),
    );
    await insertChunked([...latest.values()], 500, (chunk) =>
      tx.insert(submissions).values(
        chunk.map((a) => ({
          campaignId: demo.campaignId,
          studentId: a.studentId,
          photoId: a.id,
          status: a.status,
          centreId: a.centreId,
          branchId: a.branchId,
          submittedAt: new Date(a.submittedAt),
          reviewedAt: a.reviewedAt === null ? null : new Date(a.reviewedAt),
        })),
      ),
    );
    await insertChunked([...daily.entries()], 500, (chunk) =>
      tx.insert(dailyCounts).values(
        chunk.map(([key, d]) => {
          const [day, centre] = key.split('|');
          return { campaignId: demo.campaignId, centreId: Number(centre), day: day!, ...d };
        }),
      ),
    );
    await writeReminders(tx, reminders, demo, units, adminId('branch2'), remindAt);
    await writeExam(tx, exam, audit);
    await insertChunked(audit, 500, (chunk) => tx.insert(auditLog).values(chunk));
    await createCountsRepository(tx).refresh(demo.campaignId);
  });

  const finals = [...latest.values()];
  return {
    photos: attempts.length,
    submissions: finals.length,
    approved: finals.filter((a) => a.status === 'approved').length,
    rejected: finals.filter((a) => a.status === 'rejected').length,
    needsReview: finals.filter((a) => a.status === 'needs_review').length,
    reminders: reminders.length,
    examChecks: exam.checks.length,
  };
}

interface Reminded {
  studentId: number;
  centreId: number;
  branchId: number;
  studentNumber: string;
  name: string;
  phone: string;
  rejected: boolean;
}

/** The lagging centre's students with a phone who had not submitted when branch2 reminded them. */
function remindersOf(
  r: () => number,
  pool: DemoData['students'],
  phones: Map<number, string>,
  latest: Map<number, Attempt>,
  at: number,
  lagging: number,
): Reminded[] {
  const out: Reminded[] = [];
  for (const s of pool) {
    if (s.centreId !== lagging || !phones.has(s.id)) continue;
    const a = latest.get(s.id);
    if (a && a.submittedAt < at) continue;
    // The console's selected rows: a page of the list, not everyone.
    if (out.length >= 40 || r() < 0.3) continue;
    out.push({
      studentId: s.id,
      centreId: s.centreId,
      branchId: s.branchId,
      studentNumber: s.studentNumber,
      name: s.name,
      phone: phones.get(s.id)!,
      rejected: false,
    });
  }
  return out;
}

async function writeReminders(
  tx: DbOrTx,
  list: Reminded[],
  demo: DemoData,
  units: Awaited<ReturnType<ReturnType<typeof createOrgRepository>['all']>>,
  by: number,
  at: number,
): Promise<void> {
  if (list.length === 0) return;
  const [campaign] = await rows<{ name: string; endsAt: Date; support: DemoSupport }>(
    tx,
    sql`SELECT name, ends_at AS "endsAt", support FROM campaigns WHERE id = ${demo.campaignId}`,
  );
  const byId = new Map(units.map((u) => [u.id, u]));
  const batchId = randomUUID();
  const rowsOut: (typeof reminderDeliveries.$inferInsert)[] = list.map((s, i) => {
    const centre = byId.get(s.centreId)!;
    const branch = centre.parentId === null ? undefined : byId.get(centre.parentId);
    const withPhone = contactsFor(campaign!.support, centre, branch).find((c) => c.phone);
    const text = renderReminder({
      name: maskName(s.name),
      campaign: { name: campaign!.name, endsAt: new Date(campaign!.endsAt) },
      centre,
      link: new URL(entryPath(centre.code, demo.campaignId).slice(1), DEMO_ORIGIN).href,
      contact: withPhone ? { label: withPhone.label, phone: withPhone.phone! } : undefined,
      rejected: s.rejected,
    });
    return {
      batchId,
      campaignId: demo.campaignId,
      studentId: s.studentId,
      centreId: s.centreId,
      branchId: s.branchId,
      channel: 'outbox',
      // Delivered: the address and the unmasked text are gone, as markSent leaves them.
      recipient: null,
      recipientMasked: maskPhone(s.phone),
      subject: text.subject,
      body: null,
      bodyMasked: text.text,
      status: 'sent',
      attempts: 1,
      createdBy: by,
      createdAt: new Date(at),
      sentAt: new Date(at + 2000 + i * 40),
    };
  });
  await tx.insert(reminderDeliveries).values(rowsOut);
  await tx
    .insert(reminderState)
    .values(list.map((s) => ({ studentId: s.studentId, lastRemindedAt: new Date(at) })))
    .onConflictDoNothing();
  const centre = byId.get(list[0]!.centreId)!;
  const branch = byId.get(centre.parentId!)!;
  await tx.insert(auditLog).values({
    adminId: by,
    action: 'reminder.send' satisfies AuditAction,
    unitId: centre.id,
    detail: { batchId, campaignId: demo.campaignId, channel: 'outbox', sentFor: branch.code, queued: list.length },
    studentIds: list.map((s) => s.studentId),
    studentCount: list.length,
    at: new Date(at),
  });
}

type DemoSupport = Parameters<typeof contactsFor>[0];

interface DemoExam {
  session: typeof examSessions.$inferInsert;
  checks: Omit<typeof examChecks.$inferInsert, 'sessionId'>[];
  by: number;
}

/**
 * A mock sitting at centre3 three days ago (its admin, centre3, ran the door): approved students
 * pass, one is not recognised and let in by hand after checking the ID card, one frame had no face
 * and was retaken, one student had no approved photo.
 */
function examOf(r: () => number, demo: DemoData, latest: Map<number, Attempt>, now: number, by: number): DemoExam {
  const centreId = demo.centreIds[2]!;
  const startsAt = chinaMidnight(now - 3 * DAY) + 9 * HOUR;
  const approved = [...latest.values()].filter(
    (a) => a.centreId === centreId && a.status === 'approved' && a.reviewedAt! < startsAt - DAY,
  );
  const without = demo.students.slice(DEMO_LOGIN_STUDENTS).find((s) => s.centreId === centreId && !latest.has(s.id));
  const checks: DemoExam['checks'] = [];
  let t = startsAt - 35 * 60_000;
  const add = (
    a: { studentId: number; id: string | null },
    decision: ExamDecision,
    similarity: number | null,
    extra: { reason?: ExamUnableReason; override?: ExamOverride; overrideReason?: string } = {},
  ) => {
    t += Math.round((25 + r() * 50) * 1000);
    checks.push({
      studentId: a.studentId,
      centreId,
      adminId: by,
      at: new Date(t),
      photoId: a.id,
      similarity: similarity === null ? null : Math.round(similarity * 1000) / 1000,
      threshold: VERIFY_THRESHOLD,
      decision,
      reason: extra.reason ?? null,
      // No face described (none found, or no photo to compare with): no live scores, as at the door.
      liveFaceScore: decision === 'unable' ? null : Math.round((0.86 + r() * 0.12) * 1000) / 1000,
      antiSpoof: decision === 'unable' ? null : Math.round((0.9 + r() * 0.09) * 1000) / 1000,
      override: extra.override ?? null,
      overrideReason: extra.overrideReason ?? null,
      overrideBy: extra.override ? by : null,
      overrideAt: extra.override ? new Date(t + 90_000) : null,
    });
  };
  const sitting = approved.slice(0, 22);
  sitting.forEach((a, i) => {
    if (i === 6)
      add(a, 'fail', 0.86 + r() * 0.04, { override: 'pass', overrideReason: '核对身份证原件无误，本人发型变化较大' });
    else if (i === 13) {
      add(a, 'unable', null, { reason: 'exam.no_face' });
      add(a, 'pass', 0.94 + r() * 0.04);
    } else add(a, 'pass', 0.93 + r() * 0.06);
  });
  if (without) {
    add({ studentId: without.id, id: null }, 'unable', null, {
      reason: 'exam.no_photo',
      override: 'pass',
      overrideReason: '未采集照片，已核对身份证原件并登记',
    });
  }
  return {
    session: {
      centreId,
      name: '期中考试 第一场（演练）',
      room: '201 教室',
      startsAt: new Date(startsAt),
      createdBy: by,
      createdAt: new Date(startsAt - 2 * DAY),
    },
    checks,
    by,
  };
}

async function writeExam(tx: DbOrTx, exam: DemoExam, audit: (typeof auditLog.$inferInsert)[]): Promise<void> {
  const [session] = await tx.insert(examSessions).values(exam.session).returning({ id: examSessions.id });
  const sessionId = session!.id;
  const centreId = exam.session.centreId;
  audit.push({
    adminId: exam.by,
    action: 'exam.session_create' satisfies AuditAction,
    unitId: centreId,
    detail: {
      sessionId,
      name: exam.session.name,
      room: exam.session.room,
      startsAt: exam.session.startsAt.toISOString(),
    },
    at: exam.session.createdAt!,
  });
  if (exam.checks.length === 0) return;
  const ids = await tx
    .insert(examChecks)
    .values(exam.checks.map((c) => ({ ...c, sessionId })))
    .returning({ id: examChecks.id });
  exam.checks.forEach((c, i) => {
    audit.push({
      adminId: exam.by,
      action: 'exam.verify' satisfies AuditAction,
      unitId: centreId,
      detail: {
        match: c.decision === 'pass',
        similarity: c.similarity,
        decision: c.decision,
        ...(c.reason ? { reason: c.reason } : {}),
        checkId: ids[i]!.id,
        sessionId,
      },
      studentIds: [c.studentId],
      studentCount: 1,
      at: c.at!,
    });
    if (c.override) {
      audit.push({
        adminId: exam.by,
        action: 'exam.override' satisfies AuditAction,
        unitId: centreId,
        detail: { checkId: ids[i]!.id, sessionId, decision: c.decision, override: c.override },
        studentIds: [c.studentId],
        studentCount: 1,
        at: c.overrideAt!,
      });
    }
  });
}
