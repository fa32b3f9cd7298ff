// Sends fuzz cases to a server over real HTTP (fetch), with a student's and an admin's session
// attached as each case asks, and tallies what came back by kind. Used by scripts/fuzz.ts (the
// CLI, in-process or against --url) and by test/server/fuzz.test.ts, so the test and the 5,000-case
// run judge the same way: any 5xx other than 503 (the photo service busy) fails, and so does a
// server that stops answering /healthz.
import type { FuzzCase } from './cases.js';

export interface Logins {
  students: { studentNumber: string; idNumber: string }[];
  admin: { username: string; password: string };
}

export interface Outcome {
  index: number;
  kind: string;
  status: number; // 0: no HTTP answer (connection reset, timeout)
  ms: number;
  note: string;
  /** For a 5xx or no answer: the start of the body or the network error. */
  detail?: string;
}

export interface KindStats {
  cases: number;
  statuses: Map<number, number>;
  server5xx: number;
  busy503: number;
  noAnswer: number;
}

export interface RunResult {
  byKind: Map<string, KindStats>;
  failures: Outcome[];
  noAnswers: Outcome[];
  rss: { atCase: number; mb: number }[];
  healthFailures: { atCase: number; detail: string }[];
  relogins: number;
  ms: number;
  /** The fuzz students' photo attempts after the run, by status or error code (e.g. failed:image.corrupt). */
  attempts: Map<string, number>;
}

export interface RunOptions {
  baseUrl: string;
  logins: Logins;
  /** RSS of the server in bytes, when it can be read (in-process, or /proc/PID with --pid). */
  rss?: () => number | undefined;
  sampleEvery?: number;
  timeoutMs?: number;
  onProgress?: (done: number, r: RunResult) => void;
}

const setCookieOf = (res: Response, name: string): string | undefined => {
  for (const c of res.headers.getSetCookie()) {
    const [pair] = c.split(';');
    if (pair?.startsWith(`${name}=`) && pair.length > name.length + 1) return pair;
  }
  return undefined;
};

/**
 * Sessions over HTTP, as the apps get them: a student verifies (student number + ID number) and
 * consents to the current agreement, so uploads reach the photo service; the admin logs in.
 */
export class Sessions {
  private students: (string | undefined)[];
  private admin: string | undefined;
  private next = 0;
  relogins = 0;
  constructor(
    private readonly base: string,
    private readonly logins: Logins,
  ) {
    this.students = logins.students.map(() => undefined);
  }

  private post(path: string, body: unknown, cookie?: string) {
    return fetch(this.base + path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: this.base, ...(cookie ? { cookie } : {}) },
      body: JSON.stringify(body),
    });
  }

  async studentLogin(i: number): Promise<string> {
    const st = this.logins.students[i]!;
    const res = await this.post('/api/student/verify', { studentNumber: st.studentNumber, idNumber: st.idNumber });
    const cookie = setCookieOf(res, 'kz_sid');
    if (res.status !== 200 || !cookie) throw new Error(`student sign-in #${i} answered ${res.status}`);
    const me = (await res.json()) as { consentVersion: string | null; currentAgreementVersion: string };
    if (me.consentVersion !== me.currentAgreementVersion) {
      const c = await this.post('/api/student/consent', { version: me.currentAgreementVersion }, cookie);
      if (c.status !== 200) throw new Error(`student consent #${i} answered ${c.status}`);
    }
    this.students[i] = cookie;
    return cookie;
  }

  async adminLogin(): Promise<string> {
    const res = await this.post('/api/admin/login', this.logins.admin);
    const cookie = setCookieOf(res, 'kz_admin');
    if (res.status !== 200 || !cookie) throw new Error(`admin sign-in answered ${res.status}`);
    this.admin = cookie;
    return cookie;
  }

  /**
   * What became of the uploads the server accepted (202): the engine decodes them after the
   * answer, so a hostile image that crashed it shows here (failed:engine.crashed), not as a 5xx.
   */
  async attempts(): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (const cookie of this.students) {
      if (!cookie) continue;
      const res = await fetch(`${this.base}/api/student/photos`, { headers: { cookie } });
      if (res.status !== 200) continue;
      const { items } = (await res.json()) as { items: { status: string; error: { code: string } | null }[] };
      for (const a of items) {
        const key = a.error ? `${a.status}:${a.error.code}` : a.status;
        out.set(key, (out.get(key) ?? 0) + 1);
      }
    }
    return out;
  }

  async start(): Promise<void> {
    for (let i = 0; i < this.students.length; i++) await this.studentLogin(i);
    await this.adminLogin();
  }

  /**
   * Uploads rotate over the students: one student may have one photo in the making and ten per
   * ten minutes, so one session alone would answer 409/429 to nearly every image case after the
   * first, and the mutated images would never reach the decoder.
   */
  cookieFor(c: FuzzCase): { cookie?: string; slot?: number } {
    if (c.auth === 'admin') return { cookie: this.admin };
    if (c.auth === 'student') {
      const slot = this.next++ % this.students.length;
      return { cookie: this.students[slot], slot };
    }
    return {};
  }

  /** A 401 on a case that carried a session: the session ended (it expired, or a case ended it). */
  async renew(c: FuzzCase, slot: number | undefined): Promise<void> {
    this.relogins++;
    try {
      if (c.auth === 'admin') await this.adminLogin();
      else if (slot !== undefined) await this.studentLogin(slot);
    } catch {
      // Counted, not fatal: later cases of that role then answer 401, still a 4xx.
    }
  }
}

export async function health(base: string, timeoutMs = 10_000): Promise<string | undefined> {
  try {
    const r = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(timeoutMs) });
    if (r.status !== 200) return `healthz ${r.status}`;
    await r.arrayBuffer();
    return undefined;
  } catch (e) {
    return `healthz: ${(e as Error).message}`;
  }
}

export async function runCases(cases: Iterable<FuzzCase>, o: RunOptions): Promise<RunResult> {
  const sessions = new Sessions(o.baseUrl, o.logins);
  await sessions.start();
  const sampleEvery = o.sampleEvery ?? 100;
  const r: RunResult = {
    byKind: new Map(),
    failures: [],
    noAnswers: [],
    rss: [],
    healthFailures: [],
    relogins: 0,
    ms: 0,
    attempts: new Map(),
  };
  const t0 = Date.now();
  const sampleRss = (at: number) => {
    const b = o.rss?.();
    if (b !== undefined) r.rss.push({ atCase: at, mb: Math.round(b / 1048576) });
  };
  sampleRss(0);
  let done = 0;
  for (const c of cases) {
    const { cookie, slot } = sessions.cookieFor(c);
    const out = await send(o.baseUrl, c, cookie, o.timeoutMs ?? 60_000);
    if (out.status === 401 && cookie) await sessions.renew(c, slot);
    tally(r, out);
    done++;
    if (done % sampleEvery === 0) {
      sampleRss(done);
      const h = await health(o.baseUrl);
      if (h) r.healthFailures.push({ atCase: done, detail: h });
      r.relogins = sessions.relogins;
      o.onProgress?.(done, r);
    }
  }
  if (done % sampleEvery !== 0) sampleRss(done);
  const h = await health(o.baseUrl);
  if (h) r.healthFailures.push({ atCase: done, detail: h });
  r.relogins = sessions.relogins;
  r.ms = Date.now() - t0;
  r.attempts = await sessions.attempts();
  return r;
}

async function send(base: string, c: FuzzCase, cookie: string | undefined, timeoutMs: number): Promise<Outcome> {
  const t = Date.now();
  // As a browser on this site: a same-origin Origin on every request, unless the case lies about it.
  const headers: Record<string, string> = { origin: base, ...c.headers };
  if (cookie && !('cookie' in c.headers)) headers.cookie = cookie;
  const base0 = { index: c.index, kind: c.kind, note: c.note };
  try {
    const res = await fetch(base + c.path, {
      method: c.method,
      headers,
      body: c.body as Uint8Array<ArrayBuffer> | undefined,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    return {
      ...base0,
      status: res.status,
      ms: Date.now() - t,
      detail: res.status >= 500 ? text.slice(0, 300) : undefined,
    };
  } catch (e) {
    const err = e as Error & { cause?: { code?: string; message?: string } };
    return {
      ...base0,
      status: 0,
      ms: Date.now() - t,
      detail: `${err.message} ${err.cause?.code ?? err.cause?.message ?? ''}`,
    };
  }
}

function tally(r: RunResult, out: Outcome): void {
  let k = r.byKind.get(out.kind);
  if (!k) {
    k = { cases: 0, statuses: new Map(), server5xx: 0, busy503: 0, noAnswer: 0 };
    r.byKind.set(out.kind, k);
  }
  k.cases++;
  k.statuses.set(out.status, (k.statuses.get(out.status) ?? 0) + 1);
  if (out.status === 503) k.busy503++;
  else if (out.status >= 500) {
    k.server5xx++;
    r.failures.push(out);
  } else if (out.status === 0) {
    k.noAnswer++;
    r.noAnswers.push(out);
  }
}

/** The table: per kind, cases, status histogram, 5xx (503 apart), no-answers; then RSS. */
export function formatTable(r: RunResult): string {
  const rows = [...r.byKind.entries()].sort(([a], [b]) => a.localeCompare(b));
  const lines: string[] = [];
  const head = ['kind', 'cases', 'statuses', '5xx', '503', 'no answer'];
  const body = rows.map(([kind, k]) => [
    kind,
    String(k.cases),
    [...k.statuses.entries()]
      .sort(([a], [b]) => a - b)
      .map(([s, n]) => `${s === 0 ? 'ERR' : s}×${n}`)
      .join(' '),
    String(k.server5xx),
    String(k.busy503),
    String(k.noAnswer),
  ]);
  const total = rows.reduce(
    (t, [, k]) => ({ cases: t.cases + k.cases, s5: t.s5 + k.server5xx, b: t.b + k.busy503, n: t.n + k.noAnswer }),
    { cases: 0, s5: 0, b: 0, n: 0 },
  );
  body.push(['total', String(total.cases), '', String(total.s5), String(total.b), String(total.n)]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  // The kind and the histogram read left to right; the counts line up on the right.
  const fmt = (row: string[]) => row.map((c, i) => (i <= 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  lines.push(fmt(head), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(fmt));
  if (r.rss.length) {
    const mbs = r.rss.map((s) => s.mb);
    lines.push(
      '',
      `server RSS: before ${mbs[0]} MB, after ${mbs.at(-1)} MB, peak ${Math.max(...mbs)} MB (sampled every ${r.rss.length > 1 ? r.rss[1]!.atCase - r.rss[0]!.atCase : '-'} cases)`,
    );
  } else lines.push('', 'server RSS: not measured (give --pid PID of the server process)');
  if (r.attempts.size) {
    const a = [...r.attempts.entries()].sort(([x], [y]) => x.localeCompare(y)).map(([k, n]) => `${k}×${n}`);
    lines.push(`accepted uploads, as the engine left them (processing = not yet made): ${a.join(' ')}`);
  }
  lines.push(
    `time: ${(r.ms / 1000).toFixed(1)} s; session renewals after a 401: ${r.relogins}; /healthz failures: ${r.healthFailures.length}`,
  );
  return lines.join('\n');
}
