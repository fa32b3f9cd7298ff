// Admin account hygiene (issue 18, finding 9 and the sign-in items): per-account lockout that HQ
// sees and lifts, a first sign-in password change for accounts another admin set up, one password
// policy, password change with the current password ending the other sessions, and sign-ins in
// the audit log. On PGlite and PostgreSQL.
import { sql } from 'drizzle-orm';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows } from '../../src/db/client.js';
import type { AdminAccount, AdminSelf } from '../../src/domain/admin-api.js';
import { ADMIN_LOCKOUT, checkPasswordPolicy } from '../../src/domain/password-policy.js';
import {
  ADMIN_PASSWORD,
  adminLogin,
  adminLogins,
  BACKENDS,
  cookieOf,
  refused,
  startServer,
  type TestServer,
} from './harness.js';

describe('password policy', () => {
  it('refuses short, digit-only, repetitive, common and username-bearing passwords', () => {
    const cases: [string, string, ReturnType<typeof checkPasswordPolicy>][] = [
      ['c1.wang', '1234567890', 'length'],
      ['c1.wang', '123456789012', 'digits'],
      ['c1.wang', 'Short-pw1!', 'length'],
      ['c1.wang', 'x'.repeat(129), 'length'],
      ['c1.wang', 'aaaaaaaaaaaa', 'repetitive'],
      ['c1.wang', 'abababababab', 'repetitive'],
      ['c1.wang', 'password1234', 'common'],
      ['c1.wang', 'Password-123!', 'common'],
      ['c1.wang', 'KAOZHAO_DEMO', 'common'],
      ['c1.wang', 'kaozhao-demo2026', 'common'],
      ['c1.wang', '1qaz2wsx3edc', 'common'],
      ['c1.wang', 'my-C1.Wang-2026', 'username'],
      ['c1.wang', 'Haidian-2026!', null],
      ['c1.wang', 'correct horse battery', null],
      // Two-letter names ("hq") are refused as the whole password, not as a substring.
      ['hq', 'Hq', 'length'],
      ['hq', 'three-hqs-in-a-row', null],
    ];
    for (const [user, pw, rule] of cases) expect([user, pw, checkPasswordPolicy(user, pw)]).toEqual([user, pw, rule]);
  });
});

describe.each(BACKENDS)('admin account hygiene on $name', (backend) => {
  let s: TestServer;
  const cookies: Record<string, string> = {};
  // Each sign-in from its own address: the per-address limit (20 a minute) is not under test here,
  // the per-account one is.
  let address = 0;
  const nextAddress = () => `198.18.${(++address >> 8) & 255}.${address & 255}`;

  beforeAll(async () => {
    s = await startServer(backend, { processJobs: false, students: 20 });
    Object.assign(cookies, await adminLogins(s, ['hq', 'branch1']));
  });
  afterAll(async () => {
    await s?.close();
  });

  const login = (username: string, password: string) =>
    s.app.inject({
      method: 'POST',
      url: '/api/admin/login',
      remoteAddress: nextAddress(),
      payload: { username, password },
    });
  const as = (cookie: string, opts: InjectOptions) =>
    s.app.inject({ ...opts, headers: { ...(opts.headers ?? {}), cookie } });
  const changePassword = (cookie: string, body: object) =>
    as(cookie, { method: 'POST', url: '/api/admin/password', payload: body });
  async function account(username: string): Promise<AdminAccount> {
    const list = (await as(cookies.hq!, { method: 'GET', url: '/api/admin/admins?limit=500' })).json();
    return (list.items as AdminAccount[]).find((a) => a.username === username)!;
  }
  async function audit(where: ReturnType<typeof sql>) {
    return rows<{ action: string; admin_id: number | null; unit_id: number | null; detail: Record<string, unknown> }>(
      s.database.db,
      sql`SELECT action, admin_id, unit_id, detail FROM audit_log WHERE ${where} ORDER BY id`,
    );
  }
  /** An account created through the API by `creator` (so it must change its password). */
  async function created(creator: string, username: string, password: string): Promise<AdminAccount> {
    const r = await as(cookies[creator]!, {
      method: 'POST',
      url: '/api/admin/admins',
      payload: { username, displayName: '测试账号', role: 'centre', unitId: s.demo.centreIds[0]!, password },
    });
    expect(r.statusCode, r.body).toBe(200);
    return r.json() as AdminAccount;
  }
  /** Signs in a fresh account and replaces its first password; returns the session cookie. */
  async function ready(username: string, first: string, own: string): Promise<string> {
    const cookie = cookieOf(await login(username, first), 'kz_admin');
    const r = await changePassword(cookie, { currentPassword: first, newPassword: own });
    expect(r.statusCode, r.body).toBe(200);
    return cookie;
  }

  it('locks an account after 5 wrong passwords, even against the right one; HQ sees and lifts the lock', async () => {
    await created('branch1', 'c1.lock', 'First-pass-2026');
    const cookie = await ready('c1.lock', 'First-pass-2026', 'Own-pass-2026!');

    for (let i = 1; i < ADMIN_LOCKOUT.failures; i++)
      refused(await login('c1.lock', `wrong-${i}`), 401, 'auth.invalid_credentials');
    // The fifth failure is still an ordinary "wrong password"; it sets the lock.
    refused(await login('c1.lock', 'wrong-5'), 401, 'auth.invalid_credentials');
    const lockedOut = await login('c1.lock', 'Own-pass-2026!');
    refused(lockedOut, 423, 'auth.account_locked');
    expect(lockedOut.cookies).toEqual([]);
    expect(lockedOut.json().message).toContain(`${ADMIN_LOCKOUT.minutes} 分钟`);
    expect(Number(lockedOut.headers['retry-after'])).toBeGreaterThan((ADMIN_LOCKOUT.minutes - 1) * 60);
    // The lock is on sign-in; a session opened before it goes on working.
    expect((await as(cookie, { method: 'GET', url: '/api/admin/me' })).statusCode).toBe(200);

    const listed = await account('c1.lock');
    expect(listed.lockedUntil).not.toBeNull();
    const left = Date.parse(listed.lockedUntil!) - Date.now();
    expect(left).toBeGreaterThan((ADMIN_LOCKOUT.minutes - 1) * 60_000);
    expect(left).toBeLessThanOrEqual(ADMIN_LOCKOUT.minutes * 60_000);

    // Only someone who manages the account lifts it: not the locked account itself, not another branch.
    const other = await adminLogin(s, 'branch2');
    refused(
      await as(other, { method: 'POST', url: `/api/admin/admins/${listed.id}/unlock`, payload: {} }),
      403,
      'auth.out_of_scope',
    );
    refused(
      await as(cookie, { method: 'POST', url: `/api/admin/admins/${listed.id}/unlock`, payload: {} }),
      403,
      'auth.forbidden',
    );
    expect((await login('c1.lock', 'Own-pass-2026!')).statusCode).toBe(423);

    const unlocked = await as(cookies.hq!, {
      method: 'POST',
      url: `/api/admin/admins/${listed.id}/unlock`,
      payload: {},
    });
    expect(unlocked.statusCode).toBe(200);
    expect(unlocked.json()).toMatchObject({ username: 'c1.lock', lockedUntil: null, failedLogins: 0 });
    const back = await login('c1.lock', 'Own-pass-2026!');
    expect(back.statusCode).toBe(200);
    expect((back.json() as AdminSelf).mustChangePassword).toBe(false);

    const trail = await audit(sql`detail->>'username' = 'c1.lock' AND action <> 'admin.create'`);
    expect(trail.map((a) => [a.action, a.detail.reason ?? null])).toEqual([
      ['auth.login', null],
      ['auth.password_change', null],
      ['auth.login_failed', 'password'],
      ['auth.login_failed', 'password'],
      ['auth.login_failed', 'password'],
      ['auth.login_failed', 'password'],
      ['auth.login_failed', 'password'],
      ['auth.locked', null],
      ['auth.login_failed', 'locked'],
      ['auth.login_failed', 'locked'],
      ['admin.unlock', null],
      ['auth.login', null],
    ]);
    const hqId = (await account('hq')).id;
    expect(trail.find((a) => a.action === 'admin.unlock')?.admin_id).toBe(hqId);
    expect(trail.every((a) => a.unit_id === s.demo.centreIds[0])).toBe(true);
    // No password, right or wrong, in any row.
    expect(JSON.stringify(trail)).not.toMatch(/wrong-|Own-pass|First-pass/);
  });

  it('counts parallel guesses before checking them: no more than 5 get a verdict', async () => {
    await created('hq', 'c1.burst', 'First-pass-2026');
    await ready('c1.burst', 'First-pass-2026', 'Burst-pass-2026!');
    // All wrong: a right password in the burst would, when checked, rightly reset the count (the
    // owner signed in), and how many guesses came after it would depend on scheduling.
    const guesses = await Promise.all(Array.from({ length: 12 }, (_, i) => login('c1.burst', `guess-${i}`)));
    const statuses = guesses.map((g) => g.statusCode);
    expect(statuses.filter((c) => c === 401).length).toBe(ADMIN_LOCKOUT.failures);
    expect(statuses.filter((c) => c === 423).length).toBe(12 - ADMIN_LOCKOUT.failures);
    // The right password now waits for the lock like any other.
    expect((await login('c1.burst', 'Burst-pass-2026!')).statusCode).toBe(423);
  });

  it('lets a lock run out', async () => {
    await created('hq', 'c1.expire', 'First-pass-2026');
    await ready('c1.expire', 'First-pass-2026', 'Expire-pass-2026!');
    for (let i = 0; i < ADMIN_LOCKOUT.failures; i++) await login('c1.expire', `nope-${i}`);
    expect((await login('c1.expire', 'Expire-pass-2026!')).statusCode).toBe(423);
    await s.database.db.execute(
      sql`UPDATE admins SET locked_until = now() - interval '1 second' WHERE username = 'c1.expire'`,
    );
    expect((await account('c1.expire')).lockedUntil).toBeNull();
    expect((await login('c1.expire', 'Expire-pass-2026!')).statusCode).toBe(200);
    // A fresh count: one wrong password after the lock is not a lock again.
    refused(await login('c1.expire', 'nope-again'), 401, 'auth.invalid_credentials');
    expect((await login('c1.expire', 'Expire-pass-2026!')).statusCode).toBe(200);
  });

  it('answers an unknown username exactly as an existing one, locked included, and logs no name for it', async () => {
    await created('hq', 'c1.twin', 'First-pass-2026');
    await ready('c1.twin', 'First-pass-2026', 'Twin-pass-2026!');
    const real: LightMyRequestResponse[] = [];
    const ghost: LightMyRequestResponse[] = [];
    for (let i = 0; i <= ADMIN_LOCKOUT.failures; i++) {
      real.push(await login('c1.twin', `Typed-into-name-${i}`));
      ghost.push(await login('no-such-admin', `Typed-into-name-${i}`));
    }
    expect(ghost.map((r) => [r.statusCode, r.json()])).toEqual(real.map((r) => [r.statusCode, r.json()]));
    expect(real.at(-1)!.statusCode).toBe(423);

    // A password typed into the username box must not land in the audit log.
    await login('Secret-typed-as-name-1', 'whatever-123');
    const unknown = await audit(sql`action = 'auth.login_failed' AND admin_id IS NULL`);
    expect(unknown.length).toBe(ADMIN_LOCKOUT.failures + 2);
    expect(unknown.every((a) => a.unit_id === null && a.detail.reason === 'unknown')).toBe(true);
    const text = JSON.stringify(await audit(sql`action LIKE 'auth.%'`));
    expect(text).not.toMatch(/no-such-admin|Secret-typed|Typed-into-name|whatever/);
  });

  it('makes an account another admin set up change its password first; seeded accounts are not asked', async () => {
    expect((await as(cookies.hq!, { method: 'GET', url: '/api/admin/me' })).json().mustChangePassword).toBe(false);
    expect((await as(cookies.hq!, { method: 'GET', url: '/api/admin/progress' })).statusCode).toBe(200);

    const acct = await created('branch1', 'c1.first', 'Given-pass-2026');
    expect(acct.mustChangePassword).toBe(true);
    const signedIn = await login('c1.first', 'Given-pass-2026');
    expect(signedIn.statusCode).toBe(200);
    expect((signedIn.json() as AdminSelf).mustChangePassword).toBe(true);
    const cookie = cookieOf(signedIn, 'kz_admin');

    // Everything but me, password change and logout waits for the new password.
    for (const url of ['/api/admin/progress', '/api/admin/units', '/api/admin/campaigns', '/api/admin/reviews']) {
      refused(await as(cookie, { method: 'GET', url }), 403, 'auth.password_change_required');
    }
    const me = await as(cookie, { method: 'GET', url: '/api/admin/me' });
    expect(me.json()).toMatchObject({ username: 'c1.first', mustChangePassword: true });

    refused(
      await changePassword(cookie, { currentPassword: 'Given-pass-2026', newPassword: 'Given-pass-2026' }),
      400,
      'admin.password_unchanged',
    );
    const changed = await changePassword(cookie, { currentPassword: 'Given-pass-2026', newPassword: 'Mine-now-2026!' });
    expect(changed.statusCode).toBe(200);
    expect((changed.json() as AdminSelf).mustChangePassword).toBe(false);
    expect((await as(cookie, { method: 'GET', url: '/api/admin/progress' })).statusCode).toBe(200);
    expect((await account('c1.first')).mustChangePassword).toBe(false);

    // A reset by another admin asks again, and signs the account out.
    const reset = await as(cookies.branch1!, {
      method: 'PATCH',
      url: `/api/admin/admins/${acct.id}`,
      payload: { password: 'Reset-by-b1-2026' },
    });
    expect(reset.json()).toMatchObject({ mustChangePassword: true });
    expect((await as(cookie, { method: 'GET', url: '/api/admin/me' })).statusCode).toBe(401);
    const again = await login('c1.first', 'Reset-by-b1-2026');
    expect((again.json() as AdminSelf).mustChangePassword).toBe(true);
    refused(
      await as(cookieOf(again, 'kz_admin'), { method: 'GET', url: '/api/admin/progress' }),
      403,
      'auth.password_change_required',
    );
    // Logout stays open.
    expect(
      (await as(cookieOf(again, 'kz_admin'), { method: 'POST', url: '/api/admin/logout', payload: {} })).statusCode,
    ).toBe(200);
  });

  it('refuses weak passwords on create, reset and change, naming the rule', async () => {
    const weak = ['1234567890', '123456789012', 'password1234', 'Kaozhao-Demo', 'short-1A!', 'c1.weak-2026-ok'];
    const before = await account('c1.weak');
    expect(before).toBeUndefined();
    for (const password of weak) {
      const r = await as(cookies.hq!, {
        method: 'POST',
        url: '/api/admin/admins',
        payload: { username: 'c1.weak', displayName: '弱', role: 'centre', unitId: s.demo.centreIds[0]!, password },
      });
      refused(r, 400, 'admin.password_weak');
      expect(r.json().message).toMatch(/：.+/);
      expect(r.body).not.toContain(password);
    }
    expect(await account('c1.weak')).toBeUndefined();

    const acct = await created('hq', 'c1.weak', 'Strong-enough-26');
    for (const password of weak.slice(0, 4)) {
      refused(
        await as(cookies.hq!, { method: 'PATCH', url: `/api/admin/admins/${acct.id}`, payload: { password } }),
        400,
        'admin.password_weak',
      );
    }
    const cookie = cookieOf(await login('c1.weak', 'Strong-enough-26'), 'kz_admin');
    for (const newPassword of [...weak.slice(0, 4), 'my-c1.weak-pass']) {
      refused(
        await changePassword(cookie, { currentPassword: 'Strong-enough-26', newPassword }),
        400,
        'admin.password_weak',
      );
    }
    expect((await login('c1.weak', 'Strong-enough-26')).statusCode).toBe(200);
  });

  it('changes one’s own password only with the current one, and ends the other sessions', async () => {
    await created('hq', 'c1.change', 'First-pass-2026');
    const laptop = await ready('c1.change', 'First-pass-2026', 'Laptop-pass-2026');
    const phone = cookieOf(await login('c1.change', 'Laptop-pass-2026'), 'kz_admin');
    const id = (await account('c1.change')).id;

    // No current password, a wrong one, or the old PATCH on oneself: refused, nothing changes.
    refused(await changePassword(laptop, { newPassword: 'Stolen-pass-2026' }), 400, 'request.invalid');
    refused(
      await changePassword(laptop, { currentPassword: 'not-it-at-all', newPassword: 'Stolen-pass-2026' }),
      403,
      'admin.current_password_wrong',
    );
    const hq = await adminLogin(s, 'hq');
    const hqId = (await account('hq')).id;
    refused(
      await as(hq, { method: 'PATCH', url: `/api/admin/admins/${hqId}`, payload: { password: 'Stolen-pass-2026' } }),
      409,
      'admin.self_password',
    );
    expect((await login('hq', ADMIN_PASSWORD)).statusCode).toBe(200);
    expect((await login('c1.change', 'Laptop-pass-2026')).statusCode).toBe(200);
    expect((await as(phone, { method: 'GET', url: '/api/admin/me' })).statusCode).toBe(200);

    const ok = await changePassword(laptop, { currentPassword: 'Laptop-pass-2026', newPassword: 'Newer-pass-2026!' });
    expect(ok.statusCode).toBe(200);
    expect((await as(laptop, { method: 'GET', url: '/api/admin/me' })).statusCode).toBe(200);
    expect((await as(phone, { method: 'GET', url: '/api/admin/me' })).statusCode).toBe(401);
    refused(await login('c1.change', 'Laptop-pass-2026'), 401, 'auth.invalid_credentials');
    expect((await login('c1.change', 'Newer-pass-2026!')).statusCode).toBe(200);

    const trail = await audit(sql`admin_id = ${id} AND action = 'auth.password_change'`);
    expect(trail.length).toBe(2);
    expect(JSON.stringify(trail)).not.toMatch(/pass-2026/);
  });

  it('counts wrong current passwords on the change form toward the lock', async () => {
    await created('hq', 'c1.guess', 'First-pass-2026');
    const cookie = await ready('c1.guess', 'First-pass-2026', 'Guess-pass-2026!');
    for (let i = 0; i < ADMIN_LOCKOUT.failures; i++) {
      refused(
        await changePassword(cookie, { currentPassword: `guess-${i}-x`, newPassword: 'Taken-over-2026' }),
        403,
        'admin.current_password_wrong',
      );
    }
    refused(
      await changePassword(cookie, { currentPassword: 'Guess-pass-2026!', newPassword: 'Taken-over-2026' }),
      423,
      'auth.account_locked',
    );
    refused(await login('c1.guess', 'Guess-pass-2026!'), 423, 'auth.account_locked');
  });

  it('ends the sessions of a disabled account', async () => {
    await created('branch1', 'c1.off', 'First-pass-2026');
    const cookie = await ready('c1.off', 'First-pass-2026', 'Off-pass-2026!!');
    const id = (await account('c1.off')).id;
    expect((await as(cookie, { method: 'GET', url: '/api/admin/progress' })).statusCode).toBe(200);
    const off = await as(cookies.branch1!, {
      method: 'PATCH',
      url: `/api/admin/admins/${id}`,
      payload: { active: false },
    });
    expect(off.json().active).toBe(false);
    expect((await as(cookie, { method: 'GET', url: '/api/admin/me' })).statusCode).toBe(401);
    const left = await rows<{ n: number }>(
      s.database.db,
      sql`SELECT count(*)::int AS n FROM sessions WHERE kind = 'admin' AND subject_id = ${id}`,
    );
    expect(left[0]!.n).toBe(0);
    // A disabled account answers like an unknown one.
    refused(await login('c1.off', 'Off-pass-2026!!'), 401, 'auth.invalid_credentials');
  });

  it('logs sign-ins and failures of existing accounts in their unit, for their unit’s admins to read', async () => {
    await login('centre1', ADMIN_PASSWORD);
    await login('centre1', 'not-the-password');
    const rowsB1 = (await as(cookies.branch1!, { method: 'GET', url: '/api/admin/audit?action=auth&limit=200' })).json()
      .items as { action: string; adminUsername: string | null; unitId: number; detail: Record<string, unknown> }[];
    const centre1 = rowsB1.filter((r) => r.adminUsername === 'centre1');
    expect(centre1.slice(0, 2).map((r) => [r.action, r.detail.reason ?? null])).toEqual([
      ['auth.login_failed', 'password'],
      ['auth.login', null],
    ]);
    expect(centre1[0]!.unitId).toBe(s.demo.centreIds[0]);
    // Unknown names have no unit: only HQ reads them.
    expect(rowsB1.some((r) => r.adminUsername === null)).toBe(false);
    const rowsHq = (
      await as(cookies.hq!, { method: 'GET', url: '/api/admin/audit?action=auth.login_failed&limit=200' })
    ).json().items as { adminUsername: string | null }[];
    expect(rowsHq.some((r) => r.adminUsername === null)).toBe(true);
    expect(JSON.stringify(rowsB1)).not.toContain('not-the-password');
  });
});
