// Least privilege on students' contact data in the admin API: the learning centre, which calls
// the students who have not submitted, sees phone numbers in full; HQ and branches see them masked
// (an HQ-wide uncollected list must not become a directory of millions of phone numbers).
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminLogin, BACKENDS, startServer, type TestServer } from './harness.js';

const MASKED = /^\d{3}\*{4}\d{4}$/;
const FULL = /^1\d{10}$/;

describe.each(BACKENDS)('students’ phones in admin lists on $name', (backend) => {
  let s: TestServer;
  let centre1: number;
  const cookies: Record<string, string> = {};
  beforeAll(async () => {
    s = await startServer(backend, { processJobs: false });
    for (const u of ['hq', 'branch1', 'centre1']) cookies[u] = await adminLogin(s, u);
    centre1 = s.demo.admins.find((a) => a.username === 'centre1')!.unitId;
  });
  afterAll(async () => {
    await s?.close();
  });

  const phones = async (username: string): Promise<string[]> => {
    const r = await s.app.inject({
      method: 'GET',
      url: `/api/admin/units/${centre1}/uncollected?limit=60`,
      headers: { cookie: cookies[username]! },
    });
    expect(r.statusCode, r.body).toBe(200);
    return (r.json().items as { phone: string | null }[]).map((i) => i.phone).filter((p): p is string => !!p);
  };

  it('shows a centre its students’ phones in full, HQ and the branch masked', async () => {
    const full = await phones('centre1');
    expect(full.length).toBeGreaterThan(5);
    expect(full.every((p) => FULL.test(p))).toBe(true);
    for (const who of ['hq', 'branch1']) {
      const masked = await phones(who);
      expect(masked).toHaveLength(full.length);
      expect(
        masked.every((p) => MASKED.test(p)),
        who,
      ).toBe(true);
      // The same students, the same last four digits.
      expect(masked.map((p) => p.slice(-4))).toEqual(full.map((p) => p.slice(-4)));
    }
  });

  it('masks phones in HQ’s Excel export too', async () => {
    const r = await s.app.inject({
      method: 'GET',
      url: `/api/admin/units/${s.demo.hqId}/uncollected?format=xlsx`,
      headers: { cookie: cookies.hq! },
    });
    expect(r.statusCode).toBe(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(r.rawPayload as unknown as ArrayBuffer);
    const ws = wb.worksheets[0]!;
    const header = (ws.getRow(1).values as unknown[]).slice(1);
    const col = header.indexOf('手机') + 1;
    expect(col).toBeGreaterThan(0);
    const values: string[] = [];
    ws.eachRow((row, n) => {
      const v = String(row.getCell(col).value ?? '');
      if (n > 1 && v) values.push(v);
    });
    expect(values.length).toBeGreaterThan(20);
    expect(values.every((p) => MASKED.test(p))).toBe(true);
  });
});
