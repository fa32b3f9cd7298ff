// Reminders to students who have not submitted (issue 20, item 3), through the API on a real
// database: the preview and the send from the uncollected list, the outbox, a real local HTTP
// receiver for the webhook channel (signed JSON; a receiver answering 500 is retried, then the
// delivery is marked failed) and a real local SMTP server for the smtp channel. The daily limit,
// the opt-out, quiet hours and the admin's scope hold; nothing personal reaches the log.
import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'drizzle-orm';
import type { InjectOptions } from 'fastify';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config.js';
import { loadConfig, quietHours } from '../../src/config.js';
import { rows } from '../../src/db/client.js';
import type { UncollectedResponse } from '../../src/domain/admin-api.js';
import {
  REMINDER_FINAL_STATUSES,
  REMINDER_INLINE_MAX,
  REMINDER_OPT_OUT_PARAM,
  type ReminderDelivery,
  type ReminderPreview,
  type ReminderSendResponse,
  type ReminderStudentState,
} from '../../src/domain/reminders.js';
import { createReminderDispatcher } from '../../src/jobs/reminder-dispatch.js';
import { createReminderChannel } from '../../src/server/repositories/reminder-channel.repository.js';
import { createReminderService } from '../../src/server/services/reminder.service.js';
import {
  adminLogins,
  BACKENDS,
  multipart,
  refused,
  type ServerOptions,
  startServer,
  studentLogin,
  type TestServer,
  until,
} from './harness.js';

const WEBHOOK_SECRET = 'test-webhook-secret-0123456789';
/** Quiet hours off and retries quick: the tests wait for deliveries, they never time them. */
const QUICK: Partial<Config> = { reminderQuietHours: null, reminderRetryLimit: 2, reminderRetryBaseMs: 20 };

interface Person {
  id: number;
  studentNumber: string;
  name: string;
  phone: string | null;
  email: string | null;
}

/** A server plus the helpers every block needs: requests as a demo admin, students of a centre. */
async function setUp(backend: (typeof BACKENDS)[number], opts: ServerOptions) {
  const s = await startServer(backend, { processJobs: false, ...opts });
  const cookies = await adminLogins(s, ['hq', 'branch1', 'branch2', 'centre1', 'centre3', 'reviewer']);
  const as = (user: string, o: InjectOptions) =>
    s.app.inject({ ...o, headers: { ...(o.headers ?? {}), cookie: cookies[user]! } });
  /** Demo centres: [B1C1 (centre1), B1C2, B2C1 (centre3), B2C2]. */
  const centre = (i: number) => s.demo.centreIds[i]!;
  const people = (centreIndex: number) =>
    rows<Person>(
      s.ctx.db,
      sql`SELECT id::int AS id, student_number AS "studentNumber", name, phone, email FROM students
          WHERE centre_id = ${centre(centreIndex)} AND enrolment_status = 'enrolled' ORDER BY id`,
    );
  const deliveries = async (user: string, unitId: number, query = '') =>
    (await as(user, { method: 'GET', url: `/api/admin/units/${unitId}/reminders?limit=500${query}` })).json()
      .items as ReminderDelivery[];
  /** Waits until every delivery of the unit has left the queue (sent, failed or cancelled). */
  const settled = (unitId: number, query = '') =>
    until('deliveries to settle', async () => {
      const list = await deliveries('hq', unitId, query);
      return list.length > 0 && list.every((d) => (REMINDER_FINAL_STATUSES as readonly string[]).includes(d.status))
        ? list
        : undefined;
    });
  return { s, as, centre, people, deliveries, settled };
}

const post = (url: string, payload: object = {}): InjectOptions => ({ method: 'POST', url, payload });

/** Quiet hours around now (China time): what is sent now waits. */
function quietNow() {
  const minute = Math.floor((Date.now() + 8 * 3600_000) / 60_000) % 1440;
  return { from: (minute + 1440 - 60) % 1440, to: (minute + 60) % 1440 };
}

/** The token of a message's opt-out link (the real text, as the student receives it). */
function optOutTokenIn(text: string): string {
  const m = new RegExp(`[?&]${REMINDER_OPT_OUT_PARAM}=([^\\s&]+)`).exec(text);
  if (!m) throw new Error('no opt-out link in the message');
  return m[1]!;
}

const linkOptOut = (s: TestServer, token: string) =>
  s.app.inject({ method: 'POST', url: '/api/student/reminder-opt-out', payload: { token } });

describe.each(BACKENDS)('reminders through the outbox on $name', (backend) => {
  let t: Awaited<ReturnType<typeof setUp>>;
  beforeAll(async () => {
    t = await setUp(backend, { config: QUICK });
  });
  afterAll(async () => {
    await t?.s.close();
  });

  it('previews the count and a masked message, sends, and holds the daily limit', async () => {
    const { s, as, centre, people } = t;
    const unit = centre(0);
    // The uncollected list as the console shows it: the reminders start from the same students.
    const list = (
      await as('centre1', { method: 'GET', url: `/api/admin/units/${unit}/uncollected?limit=1000` })
    ).json() as UncollectedResponse;
    const inCentre = await people(0);
    const reachable = inCentre.filter((p) => p.phone || p.email);
    expect(list.items.length).toBe(inCentre.length);
    expect(reachable.length).toBeGreaterThan(3);
    expect(reachable.length).toBeLessThan(inCentre.length);

    const preview = (await as('centre1', post(`/api/admin/units/${unit}/reminders/preview`))).json() as ReminderPreview;
    expect(preview).toMatchObject({
      channel: 'outbox',
      total: list.items.length,
      count: reachable.length,
      skipped: { optedOut: 0, noContact: inCentre.length - reachable.length, limited: 0 },
      quietHours: null,
      intervalHours: 24,
    });
    // The sample: the first student it would go to, name and phone masked, the centre's own link.
    const first = reachable[0]!;
    expect(preview.sample!.studentNumber).toBe(first.studentNumber);
    expect(preview.sample!.to).toMatch(/^1\d\d\*{4}\d{4}$/);
    expect(preview.sample!.to).not.toBe(first.phone);
    expect(preview.sample!.text).not.toContain(first.name);
    expect(preview.sample!.text).toContain(`${first.name[0]}*`);
    expect(preview.sample!.text).toContain(`http://localhost/?c=B1C1&k=${s.demo.campaignId}`);
    expect(preview.sample!.text).toContain('北京海淀学习中心');
    expect(preview.sample!.text).toContain('010-6649-0101');
    expect(preview.sample!.subject).toContain(preview.campaign.name);

    const sent = (await as('centre1', post(`/api/admin/units/${unit}/reminders/send`))).json() as ReminderSendResponse;
    expect(sent).toMatchObject({ channel: 'outbox', queued: reachable.length, total: list.items.length });
    expect(sent.sendsAt).toBeNull();

    // The outbox: every message stored, shown masked, nothing kept unmasked once delivered.
    const outbox = await t.settled(unit, '&channel=outbox');
    expect(outbox.map((d) => d.status)).toEqual(reachable.map(() => 'sent'));
    expect(new Set(outbox.map((d) => d.studentNumber))).toEqual(new Set(reachable.map((p) => p.studentNumber)));
    for (const d of outbox) {
      const p = reachable.find((x) => x.studentNumber === d.studentNumber)!;
      expect(d.text).not.toContain(p.name);
      expect(d.to).not.toBe(p.phone ?? p.email);
      expect(d).toMatchObject({ batchId: sent.batchId, attempts: 1, lastError: null, sentBy: '演示centre1' });
    }
    const kept = await rows<{ n: number }>(
      s.ctx.db,
      sql`SELECT count(*)::int AS n FROM reminder_deliveries WHERE recipient IS NOT NULL OR body IS NOT NULL`,
    );
    expect(kept[0]!.n).toBe(0);

    // The daily limit: a second send the same day reaches nobody; the preview says why.
    const again = (await as('centre1', post(`/api/admin/units/${unit}/reminders/send`))).json() as ReminderSendResponse;
    expect(again.queued).toBe(0);
    expect(again.skipped.limited).toBe(reachable.length);
    const after = (await as('centre1', post(`/api/admin/units/${unit}/reminders/preview`))).json() as ReminderPreview;
    expect([after.count, after.skipped.limited, after.sample]).toEqual([0, reachable.length, null]);
    // Not even through HQ, for the whole university.
    const hq = (
      await as(
        'hq',
        post(`/api/admin/units/${s.demo.hqId}/reminders/send`, {
          studentNumbers: [first.studentNumber],
        }),
      )
    ).json() as ReminderSendResponse;
    expect([hq.queued, hq.skipped.limited]).toEqual([0, 1]);

    // Each student's state for the list, and the audit log: the send, in the centre's scope.
    const states = (
      await as('centre1', {
        method: 'GET',
        url: `/api/admin/units/${unit}/reminders/students?numbers=${first.studentNumber},${inCentre.find((p) => !p.phone && !p.email)!.studentNumber}`,
      })
    ).json().items as ReminderStudentState[];
    expect(states.find((x) => x.studentNumber === first.studentNumber)).toMatchObject({
      optedOut: false,
      reachable: true,
      latest: { status: 'sent', channel: 'outbox' },
    });
    expect(states.find((x) => x.studentNumber !== first.studentNumber)).toMatchObject({
      reachable: false,
      latest: null,
    });
    const audit = (await as('centre1', { method: 'GET', url: '/api/admin/audit?action=reminder.send' })).json().items;
    const entry = audit.find((a: { detail: { batchId?: string } }) => a.detail.batchId === sent.batchId);
    expect(entry).toMatchObject({ unitId: unit, studentCount: reachable.length, detail: { channel: 'outbox' } });
    // The attempts that reached nobody are on record too.
    expect(audit.filter((a: { detail: { queued: number } }) => a.detail.queued === 0).length).toBeGreaterThanOrEqual(1);

    // Nothing personal in the log: no reminded student's name, phone or message.
    const logs = s.logs();
    for (const p of reachable) {
      expect(logs).not.toContain(p.name);
      if (p.phone) expect(logs).not.toContain(p.phone);
    }
  });

  it('an opted-out student is skipped, and opting out cancels a reminder still waiting', async () => {
    const { s, as, centre, people } = t;
    const unit = centre(1); // B1C2: branch1's, not yet reminded
    const reachable = (await people(1)).filter((p) => p.phone);
    const [x, y] = reachable;
    const optOut = (who: string, number: string, optOut: boolean) =>
      as(who, { method: 'PUT', url: `/api/admin/students/${number}/reminder-opt-out`, payload: { optOut } });

    const r = await optOut('branch1', x!.studentNumber, true);
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json()).toMatchObject({ studentNumber: x!.studentNumber, optedOut: true });
    const preview = (
      await as(
        'branch1',
        post(`/api/admin/units/${unit}/reminders/preview`, {
          studentNumbers: [x!.studentNumber, y!.studentNumber],
        }),
      )
    ).json() as ReminderPreview;
    expect(preview).toMatchObject({ total: 2, count: 1, skipped: { optedOut: 1, noContact: 0, limited: 0 } });
    const sent = (
      await as('branch1', post(`/api/admin/units/${unit}/reminders/send`, { studentNumbers: [x!.studentNumber] }))
    ).json() as ReminderSendResponse;
    expect([sent.queued, sent.skipped.optedOut]).toEqual([0, 1]);
    expect(await t.deliveries('branch1', unit, `&studentNumber=${x!.studentNumber}`)).toEqual([]);

    // In quiet hours a reminder waits for their end; opting out meanwhile cancels it. The service
    // is built with quiet hours around now (the server's own has none), on the same database.
    const minute = Math.floor((Date.now() + 8 * 3600_000) / 60_000) % 1440;
    const quiet = { from: (minute + 1440 - 60) % 1440, to: (minute + 60) % 1440 };
    const quietService = createReminderService({
      db: s.ctx.db,
      ...s.ctx.repos,
      auth: s.ctx.services.auth,
      campaign: s.ctx.services.campaign,
      entryLinks: s.ctx.services.entryLinks,
      dispatch: { kick: () => {} },
      settings: { channel: 'outbox', quietHours: quiet, intervalHours: 24 },
      secret: s.ctx.config.secret,
    });
    const branch1 = await s.ctx.services.auth.principal((await s.ctx.repos.admins.byUsername('branch1'))!.id);
    const qp = await quietService.preview(branch1, unit, { studentNumbers: [y!.studentNumber] }, 'http://localhost');
    expect(qp.quietHours).toMatchObject({ active: true });
    expect(new Date(qp.quietHours!.resumesAt!).getTime()).toBeGreaterThan(Date.now());
    const qs = await quietService.send(branch1, unit, { studentNumbers: [y!.studentNumber] }, 'http://localhost');
    expect(qs.queued).toBe(1);
    expect(qs.sendsAt).toBe(qp.quietHours!.resumesAt);
    const [waiting] = await t.deliveries('branch1', unit, `&studentNumber=${y!.studentNumber}`);
    expect(waiting).toMatchObject({ status: 'queued', nextAttemptAt: qs.sendsAt });

    expect((await optOut('branch1', y!.studentNumber, true)).statusCode).toBe(200);
    const [cancelled] = await t.deliveries('branch1', unit, `&studentNumber=${y!.studentNumber}`);
    expect(cancelled).toMatchObject({ id: waiting!.id, status: 'cancelled', lastError: 'opted_out' });

    // Back in: the opt-out is lifted (the daily limit still counts the cancelled one's day).
    const back = await optOut('branch1', x!.studentNumber, false);
    expect(back.json()).toMatchObject({ optedOut: false });
    const audit = (await as('branch1', { method: 'GET', url: '/api/admin/audit?action=reminder' })).json().items;
    const actions = audit.map((a: { action: string }) => a.action);
    expect(actions).toEqual(expect.arrayContaining(['reminder.opt_out', 'reminder.opt_in']));
  });

  it("keeps to the admin's scope: another unit's students can be neither reminded nor listed nor opted out", async () => {
    const { s, as, centre, people } = t;
    const other = (await people(2)).find((p) => p.phone)!; // B2C1: centre3's, branch2's
    for (const path of ['preview', 'send']) {
      refused(await as('centre1', post(`/api/admin/units/${centre(2)}/reminders/${path}`)), 403, 'auth.out_of_scope');
      refused(await as('branch1', post(`/api/admin/units/${centre(3)}/reminders/${path}`)), 403, 'auth.out_of_scope');
      refused(await as('centre1', post(`/api/admin/units/${s.demo.hqId}/reminders/${path}`)), 403, 'auth.out_of_scope');
      refused(await as('reviewer', post(`/api/admin/units/${centre(0)}/reminders/${path}`)), 403, 'auth.forbidden');
    }
    // Named explicitly in an own-unit request, another centre's student is simply not there.
    const named = (
      await as(
        'centre1',
        post(`/api/admin/units/${centre(0)}/reminders/send`, { studentNumbers: [other.studentNumber] }),
      )
    ).json() as ReminderSendResponse;
    expect([named.total, named.queued]).toEqual([0, 0]);
    refused(
      await as('centre1', { method: 'GET', url: `/api/admin/units/${centre(2)}/reminders` }),
      403,
      'auth.out_of_scope',
    );
    const states = await as('centre1', {
      method: 'GET',
      url: `/api/admin/units/${centre(0)}/reminders/students?numbers=${other.studentNumber}`,
    });
    expect(states.json().items).toEqual([]);
    refused(
      await as('centre1', {
        method: 'PUT',
        url: `/api/admin/students/${other.studentNumber}/reminder-opt-out`,
        payload: { optOut: true },
      }),
      404,
      'student.not_found',
    );
    // The deliveries a branch lists are its own centres' only.
    const b2 = await t.deliveries('branch2', s.demo.branchIds[1]!);
    expect(b2).toEqual([]);
    expect((await t.deliveries('branch1', s.demo.branchIds[0]!)).length).toBeGreaterThan(0);
    const state = await rows<{ n: number }>(
      s.ctx.db,
      sql`SELECT count(*)::int AS n FROM reminder_state WHERE student_id = ${other.id}`,
    );
    expect(state[0]!.n).toBe(0);
  });

  it('a student opts out in the app (我的照片查询); recorded, audit-logged, respected by the send', async () => {
    const { s, as } = t;
    const st = s.demo.students.find((x) => x.centreId === t.centre(2))!;
    const cookie = await studentLogin(s, s.demo.students.indexOf(st));
    const mine = (o: InjectOptions) => s.app.inject({ ...o, headers: { cookie } });
    expect((await mine({ method: 'GET', url: '/api/student/reminders' })).json()).toEqual({ optedOut: false });
    // Not signed in: refused.
    refused(await s.app.inject({ method: 'GET', url: '/api/student/reminders' }), 401, 'auth.required');
    refused(
      await mine({ method: 'PUT', url: '/api/student/reminders', payload: { optOut: 'yes' } }),
      400,
      'request.invalid',
    );

    const off = await mine({ method: 'PUT', url: '/api/student/reminders', payload: { optOut: true } });
    expect(off.statusCode, off.body).toBe(200);
    expect(off.json()).toEqual({ optedOut: true });
    const [state] = await rows<{ via: string; by: number | null }>(
      s.ctx.db,
      sql`SELECT opted_out_via AS via, opted_out_by AS by FROM reminder_state WHERE student_id = ${st.id}`,
    );
    expect(state).toEqual({ via: 'app', by: null });
    // Every channel's send skips them: the preview counts them as opted out.
    const preview = (
      await as(
        'centre3',
        post(`/api/admin/units/${t.centre(2)}/reminders/preview`, { studentNumbers: [st.studentNumber] }),
      )
    ).json() as ReminderPreview;
    expect(preview).toMatchObject({ total: 1, count: 0, skipped: { optedOut: 1 } });
    // The centre sees it on its list.
    const states = (
      await as('centre3', {
        method: 'GET',
        url: `/api/admin/units/${t.centre(2)}/reminders/students?numbers=${st.studentNumber}`,
      })
    ).json().items as ReminderStudentState[];
    expect(states[0]).toMatchObject({ optedOut: true });

    // Back in from the app; both changes audit-logged in the centre's scope, as the student's own.
    expect((await mine({ method: 'PUT', url: '/api/student/reminders', payload: { optOut: false } })).json()).toEqual({
      optedOut: false,
    });
    const audit = (await as('centre3', { method: 'GET', url: '/api/admin/audit?action=reminder' })).json().items as {
      action: string;
      adminUsername: string | null;
      detail: { via?: string };
    }[];
    const own = audit.filter((a) => a.detail.via === 'app');
    expect(own.map((a) => a.action)).toEqual(['reminder.opt_in', 'reminder.opt_out']);
    expect(own.every((a) => a.adminUsername === null)).toBe(true);
  });

  it('switching the channel: rows waiting for the old one are cancelled with a reason and can be sent again', async () => {
    const { s, as, centre, people } = t;
    const unit = centre(2);
    const two = (await people(2)).filter((p) => p.phone).slice(-2);
    // Queued for the webhook (in its quiet hours, so they wait), on this server's database.
    const webhookService = createReminderService({
      db: s.ctx.db,
      ...s.ctx.repos,
      auth: s.ctx.services.auth,
      campaign: s.ctx.services.campaign,
      entryLinks: s.ctx.services.entryLinks,
      dispatch: { kick: () => {} },
      settings: { channel: 'webhook', quietHours: quietNow(), intervalHours: 24 },
      secret: s.ctx.config.secret,
    });
    const hq = await s.ctx.services.auth.principal((await s.ctx.repos.admins.byUsername('hq'))!.id);
    const numbers = two.map((p) => p.studentNumber);
    const sent = await webhookService.send(hq, unit, { studentNumbers: numbers }, 'http://localhost');
    expect([sent.channel, sent.queued]).toEqual(['webhook', 2]);
    const query = `&channel=webhook`;
    // This server delivers through the outbox: its dispatcher never takes a webhook row.
    expect((await t.deliveries('hq', unit, query)).map((d) => d.status)).toEqual(['queued', 'queued']);

    // A process starting with the outbox configured (the admin switched the channel and restarted).
    const stranded: { deliveries: number; sends: number }[] = [];
    const restarted = createReminderDispatcher({
      reminders: s.ctx.repos.reminders,
      channel: createReminderChannel(s.ctx.config),
      quietHours: null,
      retryLimit: 1,
      retryBaseMs: 20,
      onStranded: (r) => stranded.push(r),
    });
    restarted.start();
    try {
      const cancelled = await t.settled(unit, query);
      expect(cancelled.map((d) => [d.status, d.lastError])).toEqual([
        ['cancelled', 'channel_changed'],
        ['cancelled', 'channel_changed'],
      ]);
      // Whichever process of the new channel sweeps first cancels them: this one, or (on a loaded
      // machine, seen once under PostgreSQL) the server's own outbox dispatcher, whose sweep is
      // the same; the count is reported by the one that did.
      if (stranded.length > 0) expect(stranded).toEqual([{ deliveries: 2, sends: 0 }]);
      const kept = await rows<{ n: number }>(
        s.ctx.db,
        sql`SELECT count(*)::int AS n FROM reminder_deliveries WHERE channel = 'webhook' AND (recipient IS NOT NULL OR body IS NOT NULL)`,
      );
      expect(kept[0]!.n).toBe(0);
    } finally {
      await restarted.stop();
    }
    // Never delivered, so not counted against the daily limit: the new channel reaches them.
    const preview = (
      await as('hq', post(`/api/admin/units/${unit}/reminders/preview`, { studentNumbers: numbers }))
    ).json() as ReminderPreview;
    expect([preview.channel, preview.count]).toEqual(['outbox', 2]);
    const again = (
      await as('hq', post(`/api/admin/units/${unit}/reminders/send`, { studentNumbers: numbers }))
    ).json() as ReminderSendResponse;
    expect([again.status, again.queued]).toEqual(['done', 2]);
    const outbox = await t.settled(unit, '&channel=outbox');
    expect(outbox.map((d) => d.status)).toEqual(['sent', 'sent']);
  });

  it('two sends at once remind each student once', async () => {
    const { as, centre, people } = t;
    const reachable = (await people(3)).filter((p) => p.phone || p.email);
    const url = `/api/admin/units/${centre(3)}/reminders/send`;
    const [a, b] = await Promise.all([as('hq', post(url)), as('branch2', post(url))]);
    const queued = [a.json() as ReminderSendResponse, b.json() as ReminderSendResponse].map((r) => r.queued);
    expect(queued[0]! + queued[1]!).toBe(reachable.length);
    const list = await t.settled(centre(3));
    expect(list).toHaveLength(reachable.length);
    expect(new Set(list.map((d) => d.studentNumber)).size).toBe(reachable.length);
  });

  it('erasing a student (PIPL) takes their reminders with them', async () => {
    const { s, as, centre } = t;
    const [d] = await t.deliveries('hq', centre(0));
    const [before] = await rows<{ id: number }>(
      s.ctx.db,
      sql`SELECT id::int AS id FROM students WHERE student_number = ${d!.studentNumber}`,
    );
    const left = async () =>
      (
        await rows<{ n: number }>(
          s.ctx.db,
          sql`SELECT (SELECT count(*) FROM reminder_deliveries WHERE student_id = ${before!.id})::int
                   + (SELECT count(*) FROM reminder_state WHERE student_id = ${before!.id})::int AS n`,
        )
      )[0]!.n;
    expect(await left()).toBeGreaterThanOrEqual(2);
    const r = await as('hq', post(`/api/admin/students/${d!.studentNumber}/erase`, { confirm: d!.studentNumber }));
    expect(r.statusCode, r.body).toBe(200);
    expect(await left()).toBe(0);
  });

  it('answers bad input with a clear 4xx, and a closed campaign with its own code', async () => {
    const { s, as, centre } = t;
    const url = `/api/admin/units/${centre(0)}/reminders/preview`;
    for (const payload of [
      { studentNumbers: [] },
      { studentNumbers: ['26 01; DROP'] },
      { studentNumbers: 'x' },
      { campaignId: 'not-a-uuid' },
      { other: 1 },
    ]) {
      refused(await as('centre1', post(url, payload)), 400, 'request.invalid');
    }
    refused(await as('centre1', post('/api/admin/units/abc/reminders/send')), 400, 'request.invalid');
    refused(await as('centre1', post('/api/admin/units/99999999999/reminders/send')), 400, 'request.invalid');
    refused(await as('hq', post('/api/admin/units/999999/reminders/send')), 404, 'unit.not_found');
    refused(
      await as('centre1', { method: 'GET', url: `/api/admin/units/${centre(0)}/reminders/students?numbers=a;b` }),
      400,
      'request.invalid',
    );
    refused(
      await as('centre1', { method: 'GET', url: `/api/admin/units/${centre(0)}/reminders?status=lost` }),
      400,
      'request.invalid',
    );
    refused(
      await as('centre1', { method: 'PUT', url: '/api/admin/students/2601000001/reminder-opt-out', payload: {} }),
      400,
      'request.invalid',
    );
    refused(
      await as('centre1', post(url, { campaignId: '00000000-0000-4000-8000-000000000000' })),
      404,
      'campaign.not_found',
    );
    const old = await s.ctx.repos.campaigns.create({
      name: '往期采集',
      semester: '2020-1',
      semesterIndex: 4039,
      startsAt: new Date('2020-03-01T00:00:00Z'),
      endsAt: new Date('2020-04-01T00:00:00Z'),
    });
    refused(await as('centre1', post(url, { campaignId: old.id })), 409, 'reminder.campaign_not_open');
  });

  it('the roster takes an optional email column; a bad address is reported without being quoted', async () => {
    const { s, as } = t;
    const ids = ['11010519491231002X', '110105198001011238'];
    const csv = [
      '学号,姓名,身份证号,学习中心代码,入学学期,邮箱',
      `2699000001,测试甲,${ids[0]},B1C1,2026-1,jia@example.edu.cn`,
      `2699000002,测试乙,${ids[1]},B1C1,2026-1,not-an-address`,
    ].join('\n');
    const up = multipart('file', 'roster.csv', Buffer.from(csv), 'text/csv');
    const res = await as('branch1', { method: 'POST', url: '/api/admin/roster?acceptGoodRows=true', ...up });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ imported: true, inserted: 1, rejected: 1 });
    expect(res.json().errors).toEqual([{ row: 3, column: '邮箱', reason: '邮箱格式不正确' }]);
    const [row] = await rows<{ email: string }>(
      s.ctx.db,
      sql`SELECT email FROM students WHERE student_number = '2699000001'`,
    );
    expect(row!.email).toBe('jia@example.edu.cn');
    expect(s.logs()).not.toContain('jia@example.edu.cn');
  });

  it('configuration: a channel that cannot work stops the start', () => {
    const env = { ...process.env };
    const load = (vars: Record<string, string>) => {
      Object.assign(process.env, vars);
      try {
        return loadConfig({ secret: 'x'.repeat(32), dataDir: t.s.ctx.config.dataDir });
      } finally {
        for (const k of Object.keys(vars)) {
          if (env[k] === undefined) delete process.env[k];
          else process.env[k] = env[k];
        }
      }
    };
    expect(load({}).reminderChannel).toBe('outbox');
    expect(load({}).reminderQuietHours).toEqual({ from: 21 * 60, to: 8 * 60 });
    expect(() => load({ KAOZHAO_REMINDER_CHANNEL: 'sms' })).toThrow(/KAOZHAO_REMINDER_CHANNEL/);
    expect(() => load({ KAOZHAO_REMINDER_CHANNEL: 'webhook' })).toThrow(/WEBHOOK_URL/);
    expect(() =>
      load({
        KAOZHAO_REMINDER_CHANNEL: 'webhook',
        KAOZHAO_REMINDER_WEBHOOK_URL: 'http://gw',
        KAOZHAO_REMINDER_WEBHOOK_SECRET: 'short',
      }),
    ).toThrow(/SECRET/);
    expect(() => load({ KAOZHAO_REMINDER_CHANNEL: 'smtp', KAOZHAO_SMTP_URL: 'smtp://mail' })).toThrow(/SMTP_FROM/);
    expect(() => load({ KAOZHAO_SMTP_URL: 'http://mail' })).toThrow(/KAOZHAO_SMTP_URL/);
    expect(load({ KAOZHAO_REMINDER_RETRY_SECONDS: '0.5' }).reminderRetryBaseMs).toBe(500);
    expect(quietHours('22-7')).toEqual({ from: 22 * 60, to: 7 * 60 });
    expect(quietHours('12:30-13:45')).toEqual({ from: 750, to: 825 });
    expect(quietHours('off')).toBeNull();
    for (const bad of ['8', '25-7', '21:60-8', '8-8', 'night']) expect(() => quietHours(bad), bad).toThrow();
  });
});

interface Hit {
  headers: http.IncomingHttpHeaders;
  body: string;
  json: { id: number; to: string; subject: string; text: string; attempt: number };
}

/** A gateway on a local port: records every POST; answers 500 for the phones in `failing`. */
async function startGateway(failing: Set<string>) {
  const hits: Hit[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const json = JSON.parse(body) as Hit['json'];
      hits.push({ headers: req.headers, body, json });
      res.statusCode = failing.has(json.to) ? 500 : 200;
      res.end(res.statusCode === 200 ? '{"ok":true}' : 'gateway error');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/sms`,
    hits,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe.each(BACKENDS)('reminders through a webhook on $name', (backend) => {
  let t: Awaited<ReturnType<typeof setUp>>;
  let gateway: Awaited<ReturnType<typeof startGateway>>;
  const failing = new Set<string>();
  beforeAll(async () => {
    gateway = await startGateway(failing);
    t = await setUp(backend, {
      config: {
        ...QUICK,
        reminderChannel: 'webhook',
        reminderWebhookUrl: gateway.url,
        reminderWebhookSecret: WEBHOOK_SECRET,
      },
    });
  });
  afterAll(async () => {
    await t?.s.close();
    await gateway?.close();
  });

  it('the gateway receives each message as JSON signed with the shared secret', async () => {
    const { s, as, centre, people } = t;
    const withPhone = (await people(2)).filter((p) => p.phone).slice(0, 2);
    const sent = (
      await as(
        'centre3',
        post(`/api/admin/units/${centre(2)}/reminders/send`, {
          studentNumbers: withPhone.map((p) => p.studentNumber),
        }),
      )
    ).json() as ReminderSendResponse;
    expect([sent.channel, sent.queued]).toEqual(['webhook', 2]);
    const done = await t.settled(centre(2));
    expect(done.map((d) => d.status)).toEqual(['sent', 'sent']);

    expect(gateway.hits).toHaveLength(2);
    for (const hit of gateway.hits) {
      const ts = hit.headers['x-kaozhao-timestamp'] as string;
      const expected = createHmac('sha256', WEBHOOK_SECRET).update(`${ts}.${hit.body}`).digest('hex');
      expect(hit.headers['x-kaozhao-signature']).toBe(`sha256=${expected}`);
      expect(hit.headers['content-type']).toMatch(/^application\/json/);
      expect(Math.abs(Number(ts) - Date.now() / 1000)).toBeLessThan(3600);
      const p = withPhone.find((x) => x.phone === hit.json.to)!;
      // The gateway gets the real number and the real text: it is the one that texts the student.
      expect(p).toBeDefined();
      expect(hit.json.text).toContain(`${p.name}同学`);
      expect(hit.json.text).toContain(`http://localhost/?c=B2C1&k=${s.demo.campaignId}`);
      expect(hit.json.attempt).toBe(1);
      expect(hit.headers['x-kaozhao-delivery']).toBe(String(hit.json.id));
      expect(done.map((d) => d.id)).toContain(hit.json.id);
    }
    // A tampered body no longer matches its signature.
    const hit = gateway.hits[0]!;
    const forged = hit.body.replace(hit.json.to, '13900000000');
    const ts = hit.headers['x-kaozhao-timestamp'] as string;
    expect(createHmac('sha256', WEBHOOK_SECRET).update(`${ts}.${forged}`).digest('hex')).not.toBe(
      (hit.headers['x-kaozhao-signature'] as string).slice('sha256='.length),
    );
  });

  it('a gateway answering 500 is retried with backoff, then the delivery is marked failed', async () => {
    const { as, centre, people } = t;
    const [p] = (await people(3)).filter((x) => x.phone);
    failing.add(p!.phone!);
    const before = gateway.hits.length;
    const sent = (
      await as('hq', post(`/api/admin/units/${centre(3)}/reminders/send`, { studentNumbers: [p!.studentNumber] }))
    ).json() as ReminderSendResponse;
    expect(sent.queued).toBe(1);
    const [d] = await t.settled(centre(3));
    // The first attempt and KAOZHAO_REMINDER_RETRY_LIMIT (2) retries, then failed.
    expect(d).toMatchObject({ status: 'failed', attempts: 3, lastError: 'http_500', studentNumber: p!.studentNumber });
    const mine = gateway.hits.slice(before);
    expect(mine.map((h) => h.json.attempt)).toEqual([1, 2, 3]);
    expect(new Set(mine.map((h) => h.json.id))).toEqual(new Set([d!.id]));

    // A reminder that never arrived does not count against the daily limit: the student can be
    // reminded again, and this time the gateway takes it.
    failing.delete(p!.phone!);
    const preview = (
      await as('hq', post(`/api/admin/units/${centre(3)}/reminders/preview`, { studentNumbers: [p!.studentNumber] }))
    ).json() as ReminderPreview;
    expect(preview.count).toBe(1);
    await as('hq', post(`/api/admin/units/${centre(3)}/reminders/send`, { studentNumbers: [p!.studentNumber] }));
    const list = await until('the second reminder', async () => {
      const l = await t.deliveries('hq', centre(3));
      return l.length === 2 && l[0]!.status === 'sent' ? l : undefined;
    });
    expect(list.map((x) => x.status)).toEqual(['sent', 'failed']);
    // The console's filter for failed deliveries.
    expect((await t.deliveries('hq', centre(3), '&status=failed')).map((x) => x.id)).toEqual([d!.id]);
    expect(t.s.logs()).not.toContain(p!.phone!);
  });

  it("each message carries the student's own opt-out link: no sign-in, idempotent, audit-logged", async () => {
    const { s, as, centre, people } = t;
    const [p, q] = (await people(1)).filter((x) => x.phone);
    const before = gateway.hits.length;
    const sent = (
      await as(
        'hq',
        post(`/api/admin/units/${centre(1)}/reminders/send`, { studentNumbers: [p!.studentNumber, q!.studentNumber] }),
      )
    ).json() as ReminderSendResponse;
    expect(sent.queued).toBe(2);
    const done = await t.settled(centre(1));
    const hits = gateway.hits.slice(before);
    const hitOf = (x: Person) => hits.find((h) => h.json.to === x.phone)!;
    const token = optOutTokenIn(hitOf(p!).json.text);
    // Each student's link is their own; the console's copy does not hold a usable one.
    expect(optOutTokenIn(hitOf(q!).json.text)).not.toBe(token);
    expect(hitOf(p!).json.text).toContain(`http://localhost/?${REMINDER_OPT_OUT_PARAM}=`);
    for (const d of done) expect(d.text).toContain(`${REMINDER_OPT_OUT_PARAM}=***`);

    // Followed: opted out, with no sign-in; followed again: the same answer, nothing new recorded.
    const first = await linkOptOut(s, token);
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json()).toEqual({ optedOut: true, already: false });
    expect((await linkOptOut(s, token)).json()).toEqual({ optedOut: true, already: true });
    const audit = (await as('hq', { method: 'GET', url: '/api/admin/audit?action=reminder.opt_out' })).json().items as {
      unitId: number;
      studentCount: number;
      detail: { via?: string };
    }[];
    expect(audit.filter((a) => a.detail.via === 'link')).toEqual([
      expect.objectContaining({ unitId: centre(1), studentCount: 1 }),
    ]);
    const [state] = await rows<{ via: string }>(
      s.ctx.db,
      sql`SELECT opted_out_via AS via FROM reminder_state WHERE student_id = ${p!.id}`,
    );
    expect(state!.via).toBe('link');
    // Respected by the send: the student is skipped as opted out, the other one as reminded today.
    const preview = (
      await as(
        'hq',
        post(`/api/admin/units/${centre(1)}/reminders/preview`, {
          studentNumbers: [p!.studentNumber, q!.studentNumber],
        }),
      )
    ).json() as ReminderPreview;
    expect(preview.skipped).toMatchObject({ optedOut: 1, limited: 1 });

    // A forged or altered token opts nobody out and says nothing about who exists.
    const [id, mac] = token.split('.');
    const otherId = (Number.parseInt(id!, 36) + 1).toString(36);
    for (const bad of [`${otherId}.${mac}`, `${id}.${'A'.repeat(22)}`, 'x', `${id}.${mac}x`]) {
      refused(await linkOptOut(s, bad), 404, 'reminder.link_invalid');
    }
    refused(
      await s.app.inject({ method: 'POST', url: '/api/student/reminder-opt-out', payload: {} }),
      400,
      'request.invalid',
    );
    const [other] = await rows<{ n: number }>(
      s.ctx.db,
      sql`SELECT count(*)::int AS n FROM reminder_state WHERE student_id = ${Number.parseInt(otherId, 36)} AND opted_out_at IS NOT NULL`,
    );
    expect(other!.n).toBe(0);
    expect(s.logs()).not.toContain(token);
  });
});

describe.each(BACKENDS)('reminders by email on $name', (backend) => {
  let t: Awaited<ReturnType<typeof setUp>>;
  let smtp: SMTPServer;
  const mails: { envelopeTo: string[]; mail: ParsedMail }[] = [];
  beforeAll(async () => {
    smtp = new SMTPServer({
      // Plain SMTP on loopback: no certificate to trust, no account to log in with.
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onData(stream, session, callback) {
        simpleParser(stream).then(
          (mail) => {
            mails.push({ envelopeTo: session.envelope.rcptTo.map((r) => r.address), mail });
            callback();
          },
          (e: Error) => callback(e),
        );
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', () => resolve()));
    const { port } = smtp.server.address() as AddressInfo;
    t = await setUp(backend, {
      config: {
        ...QUICK,
        reminderChannel: 'smtp',
        smtpUrl: `smtp://127.0.0.1:${port}`,
        smtpFrom: '考照 <noreply@example.edu.cn>',
      },
    });
  });
  afterAll(async () => {
    await t?.s.close();
    await new Promise<void>((resolve) => (smtp ? smtp.close(() => resolve()) : resolve()));
  });

  it('the SMTP server receives the mail; students without an address are skipped', async () => {
    const { s, as, centre, people } = t;
    const inCentre = await people(0);
    const [a, b] = inCentre;
    await s.ctx.db.execute(
      sql`UPDATE students SET email = CASE id WHEN ${a!.id} THEN 'a.student@example.edu.cn'
                                              WHEN ${b!.id} THEN 'b.student@example.edu.cn' END
          WHERE id IN (${a!.id}, ${b!.id})`,
    );
    const preview = (
      await as('centre1', post(`/api/admin/units/${centre(0)}/reminders/preview`))
    ).json() as ReminderPreview;
    expect(preview).toMatchObject({ channel: 'smtp', count: 2, skipped: { noContact: inCentre.length - 2 } });
    expect(preview.sample!.to).toBe('a***@example.edu.cn');

    const sent = (
      await as('centre1', post(`/api/admin/units/${centre(0)}/reminders/send`))
    ).json() as ReminderSendResponse;
    expect(sent.queued).toBe(2);
    const done = await t.settled(centre(0));
    expect(done.map((d) => [d.status, d.to]).sort()).toEqual([
      ['sent', 'a***@example.edu.cn'],
      ['sent', 'b***@example.edu.cn'],
    ]);
    expect(mails.map((m) => m.envelopeTo[0]).sort()).toEqual(['a.student@example.edu.cn', 'b.student@example.edu.cn']);
    for (const { envelopeTo, mail } of mails) {
      const p = envelopeTo[0] === 'a.student@example.edu.cn' ? a! : b!;
      expect(mail.from?.value[0]?.address).toBe('noreply@example.edu.cn');
      expect(mail.subject).toBe(`请尽快提交考试照片：${preview.campaign.name}`);
      expect(mail.text).toContain(`${p.name}同学`);
      expect(mail.text).toContain(`http://localhost/?c=B1C1&k=${s.demo.campaignId}`);
      expect(String(mail.headers.get('x-kaozhao-delivery'))).toMatch(/^\d+$/);
    }
    expect(s.logs()).not.toContain('a.student@example.edu.cn');
  });
});

describe.each(BACKENDS)('a send larger than one page runs as a job on $name', (backend) => {
  let t: Awaited<ReturnType<typeof setUp>>;
  beforeAll(async () => {
    // Enough students that HQ's whole list is more than one page of REMINDER_INLINE_MAX.
    t = await setUp(backend, { config: QUICK, students: 3000 });
  });
  afterAll(async () => {
    await t?.s.close();
  });

  it('answers 202 at once, queues page by page in the background, and the progress is scoped', async () => {
    const { s, as } = t;
    const hqId = s.demo.hqId;
    const preview = (await as('hq', post(`/api/admin/units/${hqId}/reminders/preview`))).json() as ReminderPreview;
    expect(preview.count).toBeGreaterThan(REMINDER_INLINE_MAX);

    const r = await as('hq', post(`/api/admin/units/${hqId}/reminders/send`));
    expect(r.statusCode, r.body).toBe(202);
    const started = r.json() as ReminderSendResponse;
    expect(started).toMatchObject({ status: 'running', count: preview.count, total: preview.total, error: null });
    expect(started.queued).toBeLessThan(preview.count);

    // Another unit's admin cannot follow it; an unknown id is not there; a malformed one is refused.
    const progressUrl = `/api/admin/reminders/sends/${started.batchId}`;
    refused(await as('centre1', { method: 'GET', url: progressUrl }), 404, 'reminder.send_not_found');
    refused(await as('reviewer', { method: 'GET', url: progressUrl }), 403, 'auth.forbidden');
    refused(
      await as('hq', { method: 'GET', url: '/api/admin/reminders/sends/00000000-0000-4000-8000-000000000000' }),
      404,
      'reminder.send_not_found',
    );
    refused(await as('hq', { method: 'GET', url: '/api/admin/reminders/sends/nope' }), 400, 'request.invalid');

    const seen = new Set<number>();
    const done = await until('the send job to finish', async () => {
      const p = (await as('hq', { method: 'GET', url: progressUrl })).json() as ReminderSendResponse;
      seen.add(p.queued);
      return p.status === 'running' ? undefined : p;
    });
    expect(done).toMatchObject({ status: 'done', queued: preview.count, error: null });
    expect(done.finishedAt).not.toBeNull();

    // Each reachable student once, every message delivered, audited per centre with the batch id.
    const [stored] = await rows<{ n: number; students: number }>(
      s.ctx.db,
      sql`SELECT count(*)::int AS n, count(DISTINCT student_id)::int AS students FROM reminder_deliveries
          WHERE batch_id = ${started.batchId}`,
    );
    expect(stored).toEqual({ n: preview.count, students: preview.count });
    await until('the deliveries to settle', async () => {
      const [x] = await rows<{ n: number }>(
        s.ctx.db,
        sql`SELECT count(*)::int AS n FROM reminder_deliveries WHERE batch_id = ${started.batchId} AND status <> 'sent'`,
      );
      return x!.n === 0 ? true : undefined;
    });
    const audit = await rows<{ n: number; queued: number }>(
      s.ctx.db,
      sql`SELECT count(*)::int AS n, sum((detail->>'queued')::int)::int AS queued FROM audit_log
          WHERE action = 'reminder.send' AND detail->>'batchId' = ${started.batchId}`,
    );
    expect(audit[0]!.queued).toBe(preview.count);
    // More than one page: at least one audit entry per centre and page.
    expect(audit[0]!.n).toBeGreaterThan(s.demo.centreIds.length);

    // A second send reaches nobody (all reminded today): small, so answered in the request.
    const again = await as('hq', post(`/api/admin/units/${hqId}/reminders/send`));
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ status: 'done', queued: 0, skipped: { limited: preview.count } });
  });
});
