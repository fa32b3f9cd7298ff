// Entry links and QR codes (issue 20, item 2): the QR code a centre prints decodes to its link,
// the link's query opens the public endpoint with that centre's contacts, the QR endpoints keep
// to the admin's scope, bad input answers 400/404, and an upload by the link is attributed.
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import jsqr from 'jsqr';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import type { CampaignInfo } from '../../src/domain/api.js';
import { ENTRY_UPLOAD_FIELDS, type EntryInfo, type EntryLinkResponse } from '../../src/domain/entry.js';
import { createEntryLinkService } from '../../src/server/services/entry-link.service.js';
import { adminLogins, BACKENDS, multipart, startServer, studentLogin, type TestServer } from './harness.js';

const HAN = /[\u4e00-\u9fff]/;
// jsqr is a webpack UMD bundle: under Node's ESM loader its function is the CommonJS export's
// `default`, under vitest's interop the default import itself.
type Decode = typeof jsqr.default;
const jsQR: Decode = (jsqr as { default?: Decode }).default ?? (jsqr as unknown as Decode);

/** Decodes the QR code in an image (PNG, or SVG rasterised by sharp) with jsQR. */
async function decodeQr(image: Buffer): Promise<string | undefined> {
  const { data, info } = await sharp(image, { density: 150 })
    .flatten({ background: '#ffffff' })
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const code = jsQR(new Uint8ClampedArray(data.buffer, data.byteOffset, data.length), info.width, info.height);
  return code?.data;
}

describe.each(BACKENDS)('entry links and QR codes on $name', (backend) => {
  let s: TestServer;
  const cookies: Record<string, string> = {};
  /** Demo units: B1 (centres B1C1, B1C2), B2 (B2C1, B2C2); centre1 is B1C1, centre3 is B2C1. */
  let centre: (i: number) => number;
  beforeAll(async () => {
    s = await startServer(backend, { processJobs: false });
    Object.assign(cookies, await adminLogins(s));
    centre = (i) => s.demo.centreIds[i]!;
  });
  afterAll(async () => {
    await s?.close();
  });
  const as = (user: string, opts: InjectOptions) =>
    s.app.inject({ ...opts, headers: { ...(opts.headers ?? {}), cookie: cookies[user]! } });
  function refused(r: LightMyRequestResponse, status: number, code?: string) {
    expect(r.statusCode, r.body).toBe(status);
    if (code) expect(r.json().code).toBe(code);
    expect(r.json().message).toMatch(HAN);
  }

  it("the PNG and the SVG decode to the centre's link; its query opens the centre's contacts", async () => {
    const link = (await as('centre1', { method: 'GET', url: `/api/admin/units/${centre(0)}/entry-link` })).json();
    const { url, centre: c, campaign } = link as EntryLinkResponse;
    expect([c.code, campaign.id]).toEqual(['B1C1', s.demo.campaignId]);
    // Nothing but the centre and the campaign in the link.
    expect(url).toBe(`http://localhost/?c=B1C1&k=${s.demo.campaignId}`);

    const png = await as('centre1', { method: 'GET', url: `/api/admin/units/${centre(0)}/entry-qr.png` });
    expect(png.statusCode).toBe(200);
    expect(png.headers['content-type']).toBe('image/png');
    expect(png.headers['cache-control']).toContain('no-store');
    const meta = await sharp(png.rawPayload).metadata();
    expect(meta.format).toBe('png');
    expect(meta.width).toBeGreaterThanOrEqual(300);
    expect(await decodeQr(png.rawPayload)).toBe(url);

    const svg = await as('centre1', { method: 'GET', url: `/api/admin/units/${centre(0)}/entry-qr.svg` });
    expect(svg.headers['content-type']).toMatch(/^image\/svg\+xml/);
    expect(svg.body).toMatch(/^<svg /);
    expect(await decodeQr(svg.rawPayload)).toBe(url);

    // Follow the link: the app asks the public endpoint with the link's own query.
    const query = new URL(url).search;
    const entry = await s.app.inject({ method: 'GET', url: `/api/entry${query}` });
    expect(entry.statusCode).toBe(200);
    const info = entry.json() as EntryInfo;
    expect(info.centre).toEqual({ code: 'B1C1', name: '北京海淀学习中心' });
    expect(info.campaign).toMatchObject({ id: s.demo.campaignId, open: true });
    // The centre's own desk first, then the campaign's general contacts; no other centre's.
    expect(info.contacts.map((x) => x.label)).toEqual(['北京海淀学习中心', '学习中心', '技术支持']);
    expect(info.contacts[0]).toMatchObject({ unitCode: 'B1C1', phone: '010-6649-0101' });

    // Another centre's link shows that centre's desk instead.
    const other = (await s.app.inject({ method: 'GET', url: '/api/entry?c=B2C2' })).json() as EntryInfo;
    expect(other.contacts.map((x) => x.label)).toEqual(['深圳南山学习中心', '学习中心', '技术支持']);

    // The general home page (no link) does not list every centre's desk.
    const general = (await s.app.inject({ method: 'GET', url: '/api/campaign' })).json() as CampaignInfo;
    expect(general.support.map((x) => x.label)).toEqual(['学习中心', '技术支持']);
  });

  it('a link names the campaign asked for, and the address the admin used', async () => {
    const r = await as('hq', {
      method: 'GET',
      url: `/api/admin/units/${centre(3)}/entry-link?campaignId=${s.demo.campaignId}`,
      headers: { host: 'photo.example.edu.cn' },
    });
    expect(r.statusCode).toBe(200);
    expect(r.json().url).toBe(`http://photo.example.edu.cn/?c=B2C2&k=${s.demo.campaignId}`);
  });

  it('KAOZHAO_PUBLIC_URL is the base of every link, path prefix kept; a malformed one stops the start', async () => {
    const previous = process.env.KAOZHAO_PUBLIC_URL;
    try {
      const config = (v: string) => {
        process.env.KAOZHAO_PUBLIC_URL = v;
        return loadConfig({ secret: 'x'.repeat(32), dataDir: s.ctx.config.dataDir }).publicUrl;
      };
      expect(config('https://photo.example.edu.cn/kz')).toBe('https://photo.example.edu.cn/kz/');
      for (const bad of ['photo.example.edu.cn', 'ftp://example.edu.cn/', 'https://example.edu.cn/?a=1']) {
        expect(() => config(bad), bad).toThrow(/KAOZHAO_PUBLIC_URL/);
      }
      const service = createEntryLinkService({
        ...s.ctx.repos,
        auth: s.ctx.services.auth,
        campaign: s.ctx.services.campaign,
        publicUrl: 'https://photo.example.edu.cn/kz/',
      });
      const hq = await s.ctx.services.auth.principal((await s.ctx.repos.admins.byUsername('hq'))!.id);
      const { url } = await service.link(hq, centre(1), undefined, 'http://10.0.0.5:3000');
      expect(url).toBe(`https://photo.example.edu.cn/kz/?c=B1C2&k=${s.demo.campaignId}`);
      const { body } = await service.qr(hq, centre(1), undefined, 'http://10.0.0.5:3000', 'png');
      expect(await decodeQr(body as Buffer)).toBe(url);
    } finally {
      if (previous === undefined) delete process.env.KAOZHAO_PUBLIC_URL;
      else process.env.KAOZHAO_PUBLIC_URL = previous;
    }
  });

  it('keeps to the admin scope: a centre its own, a branch its centres, HQ all; others 404', async () => {
    const get = (user: string, unitId: number | string, ext = 'png') =>
      as(user, { method: 'GET', url: `/api/admin/units/${unitId}/entry-qr.${ext}` });
    // Allowed.
    for (const [user, i] of [
      ['centre1', 0],
      ['centre3', 2],
      ['branch1', 0],
      ['branch1', 1],
      ['branch2', 3],
      ['hq', 2],
    ] as const) {
      expect((await get(user, centre(i))).statusCode, `${user} → centre ${i}`).toBe(200);
    }
    // Another centre, or another branch's centre, answers like an unknown id.
    refused(await get('centre1', centre(1)), 404, 'unit.not_found');
    refused(await get('centre1', centre(2), 'svg'), 404, 'unit.not_found');
    refused(await get('branch1', centre(2)), 404, 'unit.not_found');
    refused(await get('branch2', centre(0), 'svg'), 404, 'unit.not_found');
    refused(
      await as('branch2', { method: 'GET', url: `/api/admin/units/${centre(1)}/entry-link` }),
      404,
      'unit.not_found',
    );
    refused(await get('hq', 2_000_000), 404, 'unit.not_found');
    // Reviewers judge photos; they do not run the centres' outreach.
    refused(await get('reviewer', centre(0)), 403, 'auth.forbidden');
    // Not signed in.
    const anon = await s.app.inject({ method: 'GET', url: `/api/admin/units/${centre(0)}/entry-qr.png` });
    expect(anon.statusCode).toBe(401);
    // A branch or HQ has no entry link of its own.
    refused(await get('branch1', s.demo.branchIds[0]!), 400, 'entry.centre_only');
    refused(await get('hq', s.demo.hqId, 'svg'), 400, 'entry.centre_only');
  });

  it('bad ids answer 400 or 404, never 500', async () => {
    const cases: [string, number][] = [
      ['/api/admin/units/abc/entry-qr.png', 400],
      ['/api/admin/units/0/entry-qr.png', 400],
      ['/api/admin/units/-1/entry-qr.svg', 400],
      ['/api/admin/units/1.5/entry-qr.png', 400],
      ['/api/admin/units/99999999999999999999/entry-qr.png', 400],
      [`/api/admin/units/${centre(0)}/entry-qr.png?campaignId=nope`, 400],
      [`/api/admin/units/${centre(0)}/entry-qr.png?campaignId=urn:uuid:${s.demo.campaignId}`, 400],
      [`/api/admin/units/${centre(0)}/entry-qr.png?campaignId=${s.demo.campaignId}&x=1`, 400],
      [`/api/admin/units/${centre(0)}/entry-qr.svg?campaignId=00000000-0000-4000-8000-000000000000`, 404],
      [`/api/admin/units/${centre(0)}/entry-qr.gif`, 404],
    ];
    for (const [url, status] of cases) refused(await as('hq', { method: 'GET', url }), status);

    const publicCases: [string, number, string][] = [
      ['/api/entry', 400, 'request.invalid'],
      ['/api/entry?c=', 400, 'request.invalid'],
      ['/api/entry?c=../../etc', 400, 'request.invalid'],
      [`/api/entry?c=${'A'.repeat(33)}`, 400, 'request.invalid'],
      ['/api/entry?c=B1C1&k=1', 400, 'request.invalid'],
      ['/api/entry?c=NOPE', 404, 'entry.centre_not_found'],
      // A branch or HQ code is no centre's link.
      ['/api/entry?c=B1', 404, 'entry.centre_not_found'],
      ['/api/entry?c=HQ', 404, 'entry.centre_not_found'],
      ['/api/entry?c=B1C1&k=00000000-0000-4000-8000-000000000000', 404, 'campaign.not_found'],
    ];
    for (const [url, status, code] of publicCases) refused(await s.app.inject({ method: 'GET', url }), status, code);

    // A Host header no URL can hold is the client's error, not the server's.
    const badHost = await as('hq', {
      method: 'GET',
      url: `/api/admin/units/${centre(0)}/entry-link`,
      headers: { host: 'bad host^' },
    });
    expect(badHost.statusCode).toBe(400);
    expect(s.logs()).not.toMatch(/"level":50/);
  });

  it('a campaign contact for one unit must name a unit that exists (else it would show to nobody)', async () => {
    const list = (await as('hq', { method: 'GET', url: '/api/admin/campaigns' })).json();
    const { id, ...current } = list.items.find((c: { id: string }) => c.id === s.demo.campaignId);
    const put = (support: unknown[]) =>
      as('hq', { method: 'PUT', url: `/api/admin/campaigns/${id}`, payload: { ...current, support } });
    refused(
      await put([...current.support, { label: '新中心', unitCode: 'B9C9' }]),
      400,
      'campaign.contact_unit_unknown',
    );
    const after = (await as('hq', { method: 'GET', url: '/api/admin/campaigns' })).json();
    expect(after.items.find((c: { id: string }) => c.id === id).support).toEqual(current.support);
  });

  it('records the link an upload came in by, in that centre’s audit scope; a bogus one is dropped', async () => {
    const jpeg = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#8899aa' } })
      .jpeg()
      .toBuffer();
    const send = async (studentIndex: number, fields: Record<string, string>) => {
      const cookie = await studentLogin(s, studentIndex);
      const m = multipart('photo', 'me.jpg', jpeg, 'image/jpeg', { source: 'camera', ...fields });
      const r = await s.app.inject({
        method: 'POST',
        url: '/api/student/photos',
        headers: { cookie, ...m.headers },
        payload: m.payload,
      });
      expect(r.statusCode, r.body).toBe(202);
      return r.json().id as string;
    };
    // Demo student i is at centre i % 4: student 0 at B1C1, student 1 at B1C2.
    const own = await send(0, {
      [ENTRY_UPLOAD_FIELDS.centre]: 'B1C1',
      [ENTRY_UPLOAD_FIELDS.campaign]: s.demo.campaignId,
    });
    const visiting = await send(1, { [ENTRY_UPLOAD_FIELDS.centre]: 'B1C1' });
    await send(4, { [ENTRY_UPLOAD_FIELDS.centre]: 'NOPE' });
    await send(5, { [ENTRY_UPLOAD_FIELDS.centre]: "B1C1'; drop table" });
    await send(6, {});

    const audit = async (user: string) =>
      (await as(user, { method: 'GET', url: '/api/admin/audit?action=entry' })).json().items as {
        action: string;
        adminUsername: string | null;
        unitName: string;
        studentCount: number;
        detail: Record<string, unknown>;
      }[];
    const seen = await audit('centre1');
    expect(seen.map((e) => e.detail.photoId).sort()).toEqual([own, visiting].sort());
    for (const e of seen) {
      expect([e.action, e.adminUsername, e.unitName, e.studentCount]).toEqual([
        'entry.upload',
        null,
        '北京海淀学习中心',
        1,
      ]);
      expect(e.detail.campaignId).toBe(s.demo.campaignId);
    }
    expect(seen.find((e) => e.detail.photoId === own)!.detail.ownCentre).toBe(true);
    expect(seen.find((e) => e.detail.photoId === visiting)!.detail.ownCentre).toBe(false);
    // Another branch does not see B1C1's attributions; HQ sees them all, and only these two.
    expect(await audit('branch2')).toEqual([]);
    expect((await audit('hq')).length).toBe(2);
  });
});
