// Administration endpoints: campaigns, units, admin accounts and the audit log, on PGlite and
// PostgreSQL. Refused writes answer a code with a Chinese message and store nothing.
import { sql } from 'drizzle-orm';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows } from '../../src/db/client.js';
import type {
  AdminAccount,
  AdminCampaign,
  AdminCampaignInput,
  AuditLogItem,
  CampaignsResponse,
  UnitNode,
} from '../../src/domain/admin-api.js';
import {
  adminLogins,
  BACKENDS,
  cookieOf,
  readyPhoto,
  refused,
  startServer,
  studentLogin,
  submitPhoto,
  type TestServer,
} from './harness.js';

const HAN = /[\u4e00-\u9fff]/;

describe.each(BACKENDS)('admin management API on $name', (backend) => {
  let s: TestServer;
  const cookies: Record<string, string> = {};
  beforeAll(async () => {
    s = await startServer(backend, { processJobs: false });
    Object.assign(cookies, await adminLogins(s));
  });
  afterAll(async () => {
    await s?.close();
  });
  const as = (user: string, opts: InjectOptions) =>
    s.app.inject({ ...opts, headers: { ...(opts.headers ?? {}), cookie: cookies[user]! } });
  const count = async (table: 'campaigns' | 'org_units' | 'admins' | 'audit_log') =>
    (await rows<{ n: number }>(s.database.db, sql`SELECT count(*)::int AS n FROM ${sql.identifier(table)}`))[0]!.n;
  async function login(username: string, password: string) {
    return s.app.inject({ method: 'POST', url: '/api/admin/login', payload: { username, password } });
  }

  const future: AdminCampaignInput = {
    name: '2027年春季考试照片采集',
    semester: '2027-1',
    startsAt: '2027-03-01T00:00:00.000Z',
    endsAt: '2027-04-30T16:00:00.000Z',
    specId: 'chsi',
    exemptionSemesters: 2,
    support: [{ label: '技术支持', phone: '010-1234-5678', email: ' ', hours: '工作日 9:00–17:00' }],
  };

  it('lists campaigns with the photo specs; HQ creates one, validation refuses and stores nothing', async () => {
    const list = (await as('centre1', { method: 'GET', url: '/api/admin/campaigns' })).json() as CampaignsResponse;
    expect(list.items.map((c) => c.id)).toEqual([s.demo.campaignId]);
    expect(list.specs.map((x) => x.id)).toContain('chsi');
    expect(list.specs.every((x) => HAN.test(x.name))).toBe(true);

    const campaignsBefore = await count('campaigns');
    const auditBefore = await count('audit_log');
    const bad: [Partial<AdminCampaignInput>, number, string][] = [
      [{ endsAt: '2027-02-01T00:00:00.000Z' }, 400, 'campaign.window_invalid'],
      [{ endsAt: '2028-06-01T00:00:00.000Z' }, 400, 'campaign.window_invalid'],
      [{ exemptionSemesters: 11 }, 400, 'campaign.exemption_invalid'],
      [{ exemptionSemesters: -1 }, 400, 'campaign.exemption_invalid'],
      [{ specId: 'passport-xx' }, 400, 'campaign.spec_unknown'],
      [{ semester: '2027-3' }, 400, 'campaign.semester_invalid'],
      [{ name: '   ' }, 400, 'campaign.name_required'],
      [{ startsAt: 'tomorrow' }, 400, 'request.invalid'],
      // The demo campaign opened yesterday and runs 30 days.
      [{ startsAt: new Date().toISOString() }, 409, 'campaign.window_overlap'],
    ];
    for (const [change, status, code] of bad) {
      const r = await as('hq', { method: 'POST', url: '/api/admin/campaigns', payload: { ...future, ...change } });
      refused(r, status, code);
    }
    refused(
      await as('branch1', { method: 'POST', url: '/api/admin/campaigns', payload: future }),
      403,
      'auth.forbidden',
    );
    expect(await count('campaigns')).toBe(campaignsBefore);
    expect(await count('audit_log')).toBe(auditBefore);

    const created = await as('hq', { method: 'POST', url: '/api/admin/campaigns', payload: future });
    expect(created.statusCode).toBe(200);
    const c = created.json() as AdminCampaign;
    // Blank contact fields are dropped rather than shown to students as empty lines.
    expect(c).toMatchObject({
      ...future,
      support: [{ label: '技术支持', phone: '010-1234-5678', hours: '工作日 9:00–17:00' }],
    });
    const after = (await as('branch2', { method: 'GET', url: '/api/admin/campaigns' })).json() as CampaignsResponse;
    expect(after.items.map((x) => x.id)).toEqual([c.id, s.demo.campaignId]);
    // Students still see the open campaign, and the new one has its counters.
    const pub = (await s.app.inject({ method: 'GET', url: '/api/campaign' })).json();
    expect(pub.id).toBe(s.demo.campaignId);
    const progress = await as('hq', { method: 'GET', url: `/api/admin/progress?campaignId=${c.id}` });
    expect(progress.json().root.enrolled).toBeGreaterThan(0);
    const audit = await rows<{ action: string; detail: Record<string, unknown> }>(
      s.database.db,
      sql`SELECT action, detail FROM audit_log WHERE action = 'campaign.create'`,
    );
    expect(audit).toHaveLength(1);
    expect(audit[0]!.detail).toMatchObject({ campaignId: c.id, semester: '2027-1', exemptionSemesters: 2 });
    expect(JSON.stringify(audit[0]!.detail)).not.toContain('010-1234-5678');
  });

  it('updates a campaign: window, N, spec, contacts; refuses a spec change once photos exist', async () => {
    const list = (await as('hq', { method: 'GET', url: '/api/admin/campaigns' })).json() as CampaignsResponse;
    const demo = list.items.find((c) => c.id === s.demo.campaignId)!;
    const { id: _id, ...input } = demo;
    const r = await as('hq', {
      method: 'PUT',
      url: `/api/admin/campaigns/${demo.id}`,
      payload: {
        ...input,
        name: '改名后的采集',
        exemptionSemesters: 3,
        support: [{ label: '学习中心', phone: '010-1' }],
      },
    });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ id: demo.id, name: '改名后的采集', exemptionSemesters: 3 });
    expect((await s.app.inject({ method: 'GET', url: '/api/campaign' })).json()).toMatchObject({
      name: '改名后的采集',
      support: [{ label: '学习中心', phone: '010-1' }],
    });
    const [entry] = await rows<{ detail: { changed: string[] } }>(
      s.database.db,
      sql`SELECT detail FROM audit_log WHERE action = 'campaign.update' ORDER BY id DESC LIMIT 1`,
    );
    expect(entry!.detail.changed.sort()).toEqual(['exemptionSemesters', 'name', 'support']);

    await readyPhoto(s, 0, 'pass');
    refused(
      await as('hq', {
        method: 'PUT',
        url: `/api/admin/campaigns/${demo.id}`,
        payload: { ...input, specId: 'xinhua' },
      }),
      409,
      'campaign.spec_locked',
    );
    const other = list.items.find((c) => c.id !== s.demo.campaignId)!;
    const { id: otherId, ...otherInput } = other;
    const spec = await as('hq', {
      method: 'PUT',
      url: `/api/admin/campaigns/${otherId}`,
      payload: { ...otherInput, specId: 'xinhua' },
    });
    expect(spec.json().specId).toBe('xinhua');
    refused(
      await as('hq', {
        method: 'PUT',
        url: `/api/admin/campaigns/${otherId}`,
        payload: { ...otherInput, startsAt: demo.startsAt },
      }),
      409,
      'campaign.window_overlap',
    );
    refused(
      await as('hq', {
        method: 'PUT',
        url: '/api/admin/campaigns/00000000-0000-4000-8000-000000000000',
        payload: otherInput,
      }),
      404,
      'campaign.not_found',
    );
    const unchanged = (await as('hq', { method: 'GET', url: '/api/admin/campaigns' })).json() as CampaignsResponse;
    expect(unchanged.items.find((c) => c.id === otherId)).toMatchObject({ startsAt: other.startsAt, specId: 'xinhua' });
  });

  it('manages units: tree in scope, create under the right parent, unique codes, rename', async () => {
    const hq = (await as('hq', { method: 'GET', url: '/api/admin/units' })).json().items as UnitNode[];
    expect(hq).toHaveLength(7);
    const b1 = (await as('branch1', { method: 'GET', url: '/api/admin/units' })).json().items as UnitNode[];
    expect(b1.map((u) => u.code)).toEqual(['B1', 'B1C1', 'B1C2']);
    expect((await as('centre1', { method: 'GET', url: '/api/admin/units' })).json().items).toHaveLength(1);

    const before = await count('org_units');
    const [branch1, centre1] = [s.demo.branchIds[0]!, s.demo.centreIds[0]!];
    refused(
      await as('hq', {
        method: 'POST',
        url: '/api/admin/units',
        payload: { parentId: s.demo.hqId, code: 'B1', name: '重复' },
      }),
      409,
      'unit.code_taken',
    );
    refused(
      await as('hq', {
        method: 'POST',
        url: '/api/admin/units',
        payload: { parentId: centre1, code: 'X1', name: '下级' },
      }),
      400,
      'unit.parent_invalid',
    );
    refused(
      await as('hq', { method: 'POST', url: '/api/admin/units', payload: { parentId: 99999, code: 'X1', name: '无' } }),
      404,
      'unit.not_found',
    );
    refused(
      await as('branch1', {
        method: 'POST',
        url: '/api/admin/units',
        payload: { parentId: s.demo.hqId, code: 'B9', name: '越权' },
      }),
      403,
      'auth.out_of_scope',
    );
    refused(
      await as('centre1', {
        method: 'POST',
        url: '/api/admin/units',
        payload: { parentId: centre1, code: 'X1', name: '无权' },
      }),
      403,
      'auth.forbidden',
    );
    expect(await count('org_units')).toBe(before);

    const b3 = await as('hq', {
      method: 'POST',
      url: '/api/admin/units',
      payload: { parentId: s.demo.hqId, code: 'B3', name: '上海分部' },
    });
    expect(b3.json()).toMatchObject({ code: 'B3', name: '上海分部', level: 'branch', parentId: s.demo.hqId });
    const c = await as('branch1', {
      method: 'POST',
      url: '/api/admin/units',
      payload: { parentId: branch1, code: 'B1C3', name: ' 北京西城学习中心 ' },
    });
    expect(c.json()).toMatchObject({ code: 'B1C3', name: '北京西城学习中心', level: 'centre', parentId: branch1 });
    const newCentre = c.json() as UnitNode;
    // Lists show the new units at once (the cached tree is dropped).
    expect(
      ((await as('branch1', { method: 'GET', url: '/api/admin/units' })).json().items as UnitNode[]).map((u) => u.code),
    ).toEqual(['B1', 'B1C1', 'B1C2', 'B1C3']);
    const renamed = await as('branch1', {
      method: 'PATCH',
      url: `/api/admin/units/${newCentre.id}`,
      payload: { name: '北京西城学习中心（新）' },
    });
    expect(renamed.json().name).toBe('北京西城学习中心（新）');
    refused(
      await as('branch1', {
        method: 'PATCH',
        url: `/api/admin/units/${s.demo.centreIds[2]}`,
        payload: { name: '越权' },
      }),
      403,
      'auth.out_of_scope',
    );
    refused(
      await as('branch1', { method: 'PATCH', url: `/api/admin/units/${branch1}`, payload: { name: '自改' } }),
      403,
      'auth.forbidden',
    );
    // The progress tree still answers with the new units in it.
    const tree = (await as('hq', { method: 'GET', url: '/api/admin/progress' })).json();
    expect(tree.root.children.length).toBeGreaterThanOrEqual(2);
    const audit = await rows<{ action: string; unit_id: number }>(
      s.database.db,
      sql`SELECT action, unit_id FROM audit_log WHERE action LIKE 'unit.%' ORDER BY id`,
    );
    expect(audit.map((a) => a.action)).toEqual(['unit.create', 'unit.create', 'unit.rename']);
    expect(audit[2]!.unit_id).toBe(newCentre.id);
  });

  it('manages admin accounts in scope: create, password policy, disable, reset', async () => {
    const all = (await as('hq', { method: 'GET', url: '/api/admin/admins' })).json();
    expect(all.total).toBe(7);
    const mine = (await as('branch1', { method: 'GET', url: '/api/admin/admins' })).json();
    expect((mine.items as AdminAccount[]).map((a) => a.username)).toEqual(['branch1', 'centre1', 'reviewer1']);
    expect(JSON.stringify(all)).not.toMatch(/argon2|passwordHash/);
    // A centre manages its own invigilators only: it sees its centre's accounts, creates no other role.
    const centreOwn = (await as('centre1', { method: 'GET', url: '/api/admin/admins' })).json();
    expect((centreOwn.items as AdminAccount[]).map((a) => a.username)).toEqual(['centre1']);
    refused(
      await as('centre1', {
        method: 'POST',
        url: '/api/admin/admins',
        payload: {
          username: 'c1.rev',
          displayName: '审核',
          role: 'reviewer',
          unitId: s.demo.centreIds[0]!,
          password: 'Kaozhao-c1-review-77',
        },
      }),
      403,
      'auth.forbidden',
    );

    const centre1 = s.demo.centreIds[0]!;
    const good = {
      username: 'c1.zhang',
      displayName: '张老师',
      role: 'centre',
      unitId: centre1,
      password: 'Haidian-2026!',
    };
    const before = await count('admins');
    const bad: [string, object, number, string][] = [
      ['branch1', { password: 'short-pw' }, 400, 'admin.password_weak'],
      ['branch1', { password: 'C1.ZHANG', username: 'c1.zhang' }, 400, 'admin.password_weak'],
      ['branch1', { password: 'c1.zhang.long', username: 'c1.zhang.long' }, 400, 'admin.password_weak'],
      ['branch1', { username: 'a b' }, 400, 'admin.username_invalid'],
      ['branch1', { username: 'centre1' }, 409, 'admin.username_taken'],
      ['branch1', { displayName: ' ' }, 400, 'admin.display_name_required'],
      ['branch1', { unitId: s.demo.branchIds[0]! }, 400, 'admin.role_unit_mismatch'],
      ['branch1', { unitId: s.demo.centreIds[2]! }, 403, 'auth.out_of_scope'],
      ['branch1', { role: 'branch', unitId: s.demo.branchIds[0]! }, 403, 'auth.forbidden'],
      ['branch1', { role: 'hq', unitId: s.demo.hqId }, 403, 'auth.forbidden'],
      ['hq', { role: 'reviewer', unitId: centre1 }, 400, 'admin.role_unit_mismatch'],
      ['hq', { role: 'root' }, 400, 'request.invalid'],
    ];
    for (const [user, change, status, code] of bad) {
      refused(
        await as(user, { method: 'POST', url: '/api/admin/admins', payload: { ...good, ...change } }),
        status,
        code,
      );
    }
    expect(await count('admins')).toBe(before);

    const created = await as('branch1', { method: 'POST', url: '/api/admin/admins', payload: good });
    expect(created.statusCode).toBe(200);
    const account = created.json() as AdminAccount;
    expect(account).toMatchObject({
      username: 'c1.zhang',
      displayName: '张老师',
      role: 'centre',
      unitId: centre1,
      active: true,
    });
    expect(JSON.stringify(account)).not.toContain('Haidian');
    const rev = await as('branch1', {
      method: 'POST',
      url: '/api/admin/admins',
      payload: { ...good, username: 'b1.review', role: 'reviewer', unitId: s.demo.branchIds[0]! },
    });
    expect(rev.json()).toMatchObject({ role: 'reviewer' });
    const signedIn = await login('c1.zhang', good.password);
    expect(signedIn.json()).toMatchObject({ role: 'centre', unit: { id: centre1 } });
    const zhang = cookieOf(signedIn, 'kz_admin');
    const me = () => s.app.inject({ method: 'GET', url: '/api/admin/me', headers: { cookie: zhang } });
    expect((await me()).statusCode).toBe(200);

    // Disable: its session ends and it cannot sign in; enable again.
    const off = await as('branch1', {
      method: 'PATCH',
      url: `/api/admin/admins/${account.id}`,
      payload: { active: false },
    });
    expect(off.json().active).toBe(false);
    expect((await me()).statusCode).toBe(401);
    expect((await login('c1.zhang', good.password)).statusCode).toBe(401);
    await as('branch1', { method: 'PATCH', url: `/api/admin/admins/${account.id}`, payload: { active: true } });
    expect((await login('c1.zhang', good.password)).statusCode).toBe(200);

    // Reset the password: the old one stops working, a weak one is refused.
    refused(
      await as('branch1', { method: 'PATCH', url: `/api/admin/admins/${account.id}`, payload: { password: '123' } }),
      400,
      'admin.password_weak',
    );
    const reset = await as('hq', {
      method: 'PATCH',
      url: `/api/admin/admins/${account.id}`,
      payload: { password: 'Another-pass-99' },
    });
    expect(reset.statusCode).toBe(200);
    expect((await login('c1.zhang', good.password)).statusCode).toBe(401);
    expect((await login('c1.zhang', 'Another-pass-99')).statusCode).toBe(200);

    const ids = Object.fromEntries(
      ((await as('hq', { method: 'GET', url: '/api/admin/admins' })).json().items as AdminAccount[]).map((a) => [
        a.username,
        a.id,
      ]),
    );
    refused(
      await as('branch1', { method: 'PATCH', url: `/api/admin/admins/${ids.centre3}`, payload: { active: false } }),
      403,
      'auth.out_of_scope',
    );
    refused(
      await as('branch1', { method: 'PATCH', url: `/api/admin/admins/${ids.hq}`, payload: { active: false } }),
      403,
      'auth.out_of_scope',
    );
    refused(
      await as('hq', { method: 'PATCH', url: `/api/admin/admins/${ids.hq}`, payload: { active: false } }),
      409,
      'admin.self_disable',
    );
    refused(
      await as('hq', { method: 'PATCH', url: '/api/admin/admins/99999', payload: { active: false } }),
      404,
      'admin.not_found',
    );
    refused(
      await as('hq', { method: 'PATCH', url: `/api/admin/admins/${ids.centre3}`, payload: {} }),
      400,
      'request.invalid',
    );
    // Nobody disables their own account (a branch would lock itself out).
    refused(
      await as('branch1', { method: 'PATCH', url: `/api/admin/admins/${ids.branch1}`, payload: { active: false } }),
      409,
      'admin.self_disable',
    );

    const audit = await rows<{ action: string; detail: Record<string, unknown> }>(
      s.database.db,
      sql`SELECT action, detail FROM audit_log WHERE action LIKE 'admin.%' ORDER BY id`,
    );
    expect(audit.map((a) => a.action)).toEqual([
      'admin.create',
      'admin.create',
      'admin.disable',
      'admin.enable',
      'admin.password_reset',
    ]);
    const text = JSON.stringify(audit);
    expect(text).not.toContain('张老师');
    expect(text).not.toContain('Haidian');
    expect(text).not.toContain('Another-pass');
  });

  it('reads the audit log newest first, scoped, filtered, with no personal data', async () => {
    // One review entry (a student of centre C1) next to the administration entries.
    const cookie = await studentLogin(s, 4);
    const photoId = await readyPhoto(s, 4, 'warn');
    const submit = await submitPhoto(s, cookie, photoId, 'blue');
    expect(submit.statusCode).toBe(200);
    expect(
      (await as('hq', { method: 'POST', url: `/api/admin/reviews/${photoId}`, payload: { decision: 'approve' } }))
        .statusCode,
    ).toBe(200);

    const hq = (await as('hq', { method: 'GET', url: '/api/admin/audit?limit=200' })).json().items as AuditLogItem[];
    expect(hq.length).toBe(await count('audit_log'));
    const times = hq.map((i) => Date.parse(i.at));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    expect(hq[0]).toMatchObject({
      action: 'review.approve',
      adminUsername: 'hq',
      unitId: s.demo.centreIds[0],
      studentCount: 1,
    });
    expect(hq[0]!.unitName).toMatch(HAN);
    expect(hq[0]).not.toHaveProperty('studentIds');
    const text = JSON.stringify(hq);
    const st = s.demo.students[4]!;
    expect(text).not.toContain(st.idNumber);
    expect(text).not.toContain(st.name);
    expect(text).not.toContain(st.studentNumber);

    const page2 = (await as('hq', { method: 'GET', url: '/api/admin/audit?limit=2&offset=2' })).json()
      .items as AuditLogItem[];
    expect(page2.map((i) => i.id)).toEqual(hq.slice(2, 4).map((i) => i.id));
    const admins = (await as('hq', { method: 'GET', url: '/api/admin/audit?action=admin' })).json()
      .items as AuditLogItem[];
    expect(admins.length).toBe(5);
    expect(admins.every((i) => i.action.startsWith('admin.'))).toBe(true);
    const creates = (await as('hq', { method: 'GET', url: '/api/admin/audit?action=admin.create' })).json().items;
    expect(creates).toHaveLength(2);
    refused(await as('hq', { method: 'GET', url: '/api/admin/audit?action=x%25' }), 400, 'request.invalid');

    // Branch 1: its branch and centres (the new centre B1C3 included), not HQ's campaign edits.
    const units = (await as('branch1', { method: 'GET', url: '/api/admin/units' })).json().items as UnitNode[];
    const mine = new Set(units.map((u) => u.id));
    const b1 = (await as('branch1', { method: 'GET', url: '/api/admin/audit?limit=200' })).json()
      .items as AuditLogItem[];
    expect(b1.length).toBeGreaterThan(0);
    expect(b1.every((i) => i.unitId !== null && mine.has(i.unitId))).toBe(true);
    expect(b1.some((i) => i.action === 'campaign.create')).toBe(false);
    expect(b1.length).toBe(hq.filter((i) => i.unitId !== null && mine.has(i.unitId)).length);
    const c1 = (await as('centre1', { method: 'GET', url: '/api/admin/audit?limit=200' })).json()
      .items as AuditLogItem[];
    expect(c1.length).toBeGreaterThan(0);
    expect(c1.every((i) => i.unitId === s.demo.centreIds[0])).toBe(true);
    const c1ByHq = (
      await as('hq', { method: 'GET', url: `/api/admin/audit?limit=200&unitId=${s.demo.centreIds[0]}` })
    ).json();
    expect(c1ByHq.items).toEqual(c1);
    refused(
      await as('centre1', { method: 'GET', url: `/api/admin/audit?unitId=${s.demo.branchIds[0]}` }),
      403,
      'auth.out_of_scope',
    );
    refused(await as('reviewer', { method: 'GET', url: '/api/admin/audit' }), 403, 'auth.forbidden');
  });

  it('documents the endpoints in OpenAPI', async () => {
    const doc = (await s.app.inject({ method: 'GET', url: '/docs/json' })).json();
    for (const p of [
      '/api/admin/campaigns',
      '/api/admin/campaigns/{id}',
      '/api/admin/units',
      '/api/admin/units/{id}',
      '/api/admin/admins',
      '/api/admin/admins/{id}',
      '/api/admin/audit',
    ]) {
      expect(doc.paths[p], p).toBeDefined();
    }
    expect(Object.keys(doc.paths['/api/admin/campaigns'])).toEqual(expect.arrayContaining(['get', 'post']));
  });
});
