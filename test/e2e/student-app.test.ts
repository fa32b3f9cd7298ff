// The student app end to end: built app, real server (embedded database, demo data, real photo
// engine), Debian's chromium at phone size with Chromium's fake camera fed from a real portrait.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { PhotoAttempt } from '../../src/domain/api.js';
import { CHECKS } from '../../src/domain/checks.js';
import { demoAdminPassword } from '../support/server-process.js';
import {
  type DemoStudent,
  demoStudents,
  ensureBuilt,
  face,
  horizontalOverflow,
  launch,
  makeY4m,
  missingPrerequisite,
  phonePage,
  ROOT,
  type Server,
  shoot,
  startServer,
} from './harness.js';

// The portrait the current engine accepts (verdict warn: small face, earrings, ears). The brief's
// slinko__without_glasses__11 fails expression.neutral and head.covering today.
const GOOD = process.env.KAOZHAO_E2E_GOOD ?? 'portraits/deepface__dataset__img13.jpg';
const MULTIPLE = 'defects/multiple_faces/facerec__examples__two_people.jpg';
// A loaded CI box (other services, parallel test files) has taken over 120 s for the first photo.
const PROCESSING_MS = 240_000;

const skip = missingPrerequisite();

// The engine's first photo loads its models: allow several minutes per flow on a busy 2-core box.
describe.skipIf(skip !== null)('student app in chromium', { timeout: 480_000 }, () => {
  let server: Server;
  let tmp: string;
  let students: DemoStudent[];
  let browser: Browser;
  /** The camera path's submission, reviewed in a later test. */
  let cameraAttempt: PhotoAttempt | undefined;

  beforeAll(async () => {
    ensureBuilt();
    tmp = mkdtempSync(path.join(os.tmpdir(), 'kaozhao-e2e-media-'));
    server = await startServer();
    students = await demoStudents(server, 6);
    browser = await launch();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  async function fits(page: Page, what: string): Promise<void> {
    expect(await horizontalOverflow(page), `${what} scrolls sideways`).toBeLessThanOrEqual(0);
  }

  /** Identity page → verified → agreement ticked → 下一步 → shooting tips. */
  async function signIn(page: Page, student: DemoStudent, screenshots = false): Promise<void> {
    await page.goto('/#/identity?next=collect');
    await page.getByPlaceholder('请输入学号').fill(student.studentNumber);
    await page.getByRole('button', { name: '查询' }).click();
    await expect.poll(() => page.getByTestId('masked').isVisible()).toBe(true);
    if (screenshots) await shoot(page, '04-identity-masked');
    await page.getByPlaceholder('18 位身份证号码').fill(student.idNumber);
    await page.getByRole('button', { name: '验证身份' }).click();
    await page.getByText('身份验证成功').waitFor();
    const next = page.getByRole('button', { name: '下一步' });
    expect(await next.isDisabled(), '下一步 before the agreement is ticked').toBe(true);
    await page.getByText('我已阅读并同意').click();
    expect(await next.isDisabled()).toBe(false);
    await next.click();
    await page.getByText('拍摄提示').first().waitFor();
  }

  async function waitForAttemptPage(page: Page): Promise<string> {
    await page.waitForURL(/#\/(result|check)\//, { timeout: PROCESSING_MS });
    await page.locator('.photo-frame, [data-testid=checks]').first().waitFor();
    const id = /#\/(?:result|check)\/([^?]+)/.exec(page.url())?.[1];
    if (!id) throw new Error(`no attempt id in ${page.url()}`);
    return decodeURIComponent(id);
  }

  function attemptOf(page: Page, id: string): Promise<PhotoAttempt> {
    return page.evaluate(async (attemptId) => {
      const res = await fetch(`/api/student/photos/${attemptId}`);
      return (await res.json()) as PhotoAttempt;
    }, id);
  }

  test('album path: home → requirements → identity → tips → 制作中 → result → checks → success → history', async () => {
    const page = await phonePage(browser, server.url);
    const student = students[0]!;

    await page.goto('/');
    await page.getByTestId('campaign-window').waitFor();
    await expect.poll(() => page.getByText('考试用照片采集').count()).toBeGreaterThan(1);
    await page.getByText('我的照片查询').first().waitFor();
    await fits(page, 'home');
    await shoot(page, '01-home');

    // The service avatar opens the support sheet.
    await page.getByRole('button', { name: '联系客服' }).click();
    await page.getByText('联系我们').waitFor();
    await shoot(page, '02-support-popup');
    await page.getByRole('button', { name: '关闭' }).click();

    await page.getByRole('button', { name: /考试用照片采集/ }).click();
    await page.getByText('证件照拍摄要求').waitFor();
    expect(await page.locator('.rule').count(), 'the eight rules').toBe(8);
    await fits(page, 'requirements');
    await shoot(page, '03-requirements');
    await page.getByRole('button', { name: '开始制作' }).click();

    // A wrong student number and a wrong ID number get the server's zh-CN explanation.
    await page.getByPlaceholder('请输入学号').fill('00000000000000');
    await page.getByRole('button', { name: '查询' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('未找到该学号');
    await shoot(page, '04-identity-wrong-number');
    await page.getByPlaceholder('请输入学号').fill(student.studentNumber);
    await page.getByRole('button', { name: '查询' }).click();
    await page.getByTestId('masked').waitFor();
    const masked = (await page.getByTestId('masked').textContent()) ?? '';
    expect(masked, 'the full ID number is never shown').not.toContain(student.idNumber);
    expect(masked).toContain('*');
    await page.getByPlaceholder('18 位身份证号码').fill(wrongId(student.idNumber));
    await page.getByRole('button', { name: '验证身份' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('身份证号与学籍信息不一致');
    await shoot(page, '05-identity-wrong-id');
    await page.getByPlaceholder('18 位身份证号码').fill(student.idNumber);
    await page.getByRole('button', { name: '验证身份' }).click();
    await page.getByText('身份验证成功').waitFor();

    // The agreement is a full page; coming back keeps the verified state.
    await page.getByRole('button', { name: /《.+》/ }).click();
    await page.getByTestId('agreement').waitFor();
    expect(((await page.getByTestId('agreement').textContent()) ?? '').length).toBeGreaterThan(50);
    await shoot(page, '06-agreement');
    await page.getByRole('button', { name: '我已阅读' }).click();
    await page.getByText('身份验证成功').waitFor();
    const next = page.getByRole('button', { name: '下一步' });
    expect(await next.isDisabled()).toBe(true);
    await page.getByText('我已阅读并同意').click();
    await shoot(page, '07-consent');
    await next.click();

    await page.getByText('请别人用后置摄像头拍').waitFor();
    await fits(page, 'tips');
    await shoot(page, '08-tips');

    await page.getByTestId('album-input').setInputFiles(face(GOOD));
    await page.getByTestId('making').waitFor({ timeout: 30_000 });
    await shoot(page, '09-making');
    const id = await waitForAttemptPage(page);
    const attempt = await attemptOf(page, id);
    const problems = attempt.report.filter((r) => r.status === 'fail').map((r) => `${r.id}: ${r.message.zh}`);
    expect(attempt.status, `engine on ${GOOD}: ${JSON.stringify(attempt.error)}`).toBe('ready');
    expect(attempt.verdict, `engine on ${GOOD} failed ${problems.join('; ')}`).not.toBe('fail');
    expect(page.url()).toContain(`#/result/${id}`);

    // Blue by default; white and gray switch without another upload.
    const photo = page.getByTestId('id-photo');
    await photo.waitFor();
    expect(await photo.getAttribute('data-background')).toBe('blue');
    await expect.poll(() => photo.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(480);
    await shoot(page, '10-result-blue');
    let uploads = 0;
    page.on('request', (r) => {
      if (r.method() === 'POST') uploads++;
    });
    for (const [label, bg] of [
      ['白色', 'white'],
      ['灰色', 'gray'],
      ['蓝色', 'blue'],
    ] as const) {
      if (!attempt.photos[bg]) continue;
      await page.getByRole('button', { name: label }).click();
      await expect.poll(() => photo.getAttribute('data-background')).toBe(bg);
      expect(await photo.getAttribute('src')).toBe(attempt.photos[bg]);
      if (bg === 'white') await shoot(page, '11-result-white');
    }
    expect(uploads, 'switching background uploads nothing').toBe(0);
    await fits(page, 'result');

    await page.getByRole('button', { name: '下一步' }).click();
    await page.getByTestId('checks').waitFor();
    const rows = page.locator('[data-check]');
    expect(await rows.count(), 'every check of the report is listed').toBe(attempt.report.length);
    for (const r of attempt.report) {
      const row = page.locator(`[data-check="${r.id}"]`);
      expect(await row.getAttribute('data-status')).toBe(r.status);
      const text = (await row.textContent()) ?? '';
      expect(text).toContain(CHECKS[r.id].zh);
      expect(text).toContain(r.message.zh);
    }
    await fits(page, 'checks');
    await shoot(page, '12-checks');

    await page.getByRole('button', { name: '确认无误并提交' }).click();
    await page.locator('.adm-dialog').getByRole('button', { name: '提交' }).click();
    await page.getByTestId('success').waitFor();
    await shoot(page, '13-success');
    const submitted = await attemptOf(page, id);
    expect(['submitted', 'needs_review', 'approved']).toContain(submitted.status);
    expect(submitted.background).toBe('blue');

    await page.getByRole('button', { name: '我的照片查询' }).click();
    await page.getByTestId('history').waitFor();
    const item = page.getByTestId('history-item').first();
    expect(await item.getAttribute('data-status')).toBe(submitted.status);
    await shoot(page, '14-my-photos');

    // Submitted: the collection entry now explains instead of opening the camera.
    await page.goto('/#/identity?next=collect');
    await page.getByTestId('state-submitted').waitFor();
    await shoot(page, '15-state-submitted');

    await page.goto('/#/faq');
    await page.getByText('打开相机后一片黑屏').waitFor();
    await shoot(page, '16-faq');
    await page.context().close();
  });

  test('camera path: rear camera requested, outline and live hints, shutter, result', async () => {
    const video = makeY4m(face(GOOD), tmp);
    const cameraBrowser = await launch({ video });
    try {
      const page = await cameraBrowser.newPage({ baseURL: server.url, viewport: { width: 390, height: 844 } });
      await page.addInitScript(() => {
        // Record the constraints the app asks for, to see it wants the rear camera first.
        const asked: unknown[] = [];
        (window as unknown as { askedConstraints: unknown[] }).askedConstraints = asked;
        const original = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
        navigator.mediaDevices.getUserMedia = (c?: MediaStreamConstraints) => {
          asked.push(JSON.parse(JSON.stringify(c ?? null)));
          return original(c);
        };
      });
      await signIn(page, students[1]!);
      await page.getByRole('button', { name: '开始拍照' }).click();
      const v = page.getByTestId('camera-video');
      await expect.poll(() => v.evaluate((el: HTMLVideoElement) => el.videoWidth), { timeout: 15_000 }).toBe(720);
      const asked = await page.evaluate(() => (window as unknown as { askedConstraints: unknown[] }).askedConstraints);
      expect(JSON.stringify(asked[0])).toContain('"facingMode":"environment"');
      await expect
        .poll(() => page.getByTestId('camera-hints').textContent(), { timeout: 10_000 })
        .toContain('已检测到人脸');
      await shoot(page, '20-camera');

      // Flip to the selfie camera and back: the fake device has no facing mode, the app falls back.
      await page.getByRole('button', { name: '切换前后摄像头' }).click();
      await expect.poll(() => v.evaluate((el: HTMLVideoElement) => el.videoWidth)).toBe(720);
      await page.getByRole('button', { name: '切换前后摄像头' }).click();
      await expect.poll(() => v.evaluate((el: HTMLVideoElement) => el.videoWidth)).toBe(720);

      await page.getByTestId('shutter').click();
      await page.getByRole('button', { name: '使用这张' }).waitFor();
      await shoot(page, '21-camera-preview');
      await page.getByRole('button', { name: '使用这张' }).click();
      const id = await waitForAttemptPage(page);
      const attempt = await attemptOf(page, id);
      const problems = attempt.report.filter((r) => r.status === 'fail').map((r) => `${r.id}: ${r.message.zh}`);
      expect(attempt.verdict, `engine on the camera frame failed ${problems.join('; ')}`).not.toBe('fail');
      expect(page.url()).toContain(`#/result/${id}`);
      await shoot(page, '22-camera-result');
      await page.getByRole('button', { name: '下一步' }).click();
      await page.getByTestId('checks').waitFor();
      await page.getByRole('button', { name: '确认无误并提交' }).click();
      await page.locator('.adm-dialog').getByRole('button', { name: '提交' }).click();
      await page.getByTestId('success').waitFor();
      const sent = await attemptOf(page, id);
      expect(['submitted', 'needs_review', 'approved']).toContain(sent.status);
      cameraAttempt = sent;
    } finally {
      await cameraBrowser.close();
    }
  });

  test('a photo with two people fails with the face-count advice and cannot be submitted', async () => {
    const page = await phonePage(browser, server.url);
    await signIn(page, students[2]!);
    await page.getByTestId('album-input').setInputFiles(face(MULTIPLE));
    const id = await waitForAttemptPage(page);
    const attempt = await attemptOf(page, id);
    const faceCount = attempt.report.find((r) => r.id === 'face.count');
    expect(faceCount?.status, 'engine verdict on two faces').toBe('fail');
    expect(page.url()).toContain(`#/check/${id}`);
    const row = page.locator('[data-check="face.count"]');
    expect(await row.getAttribute('data-status')).toBe('fail');
    expect(await row.textContent()).toContain(faceCount!.message.zh);
    expect(await page.getByTestId('verdict').textContent()).toContain('不合格');
    expect(await page.getByRole('button', { name: '确认无误并提交' }).count()).toBe(0);
    await page.getByRole('button', { name: '重新制作' }).waitFor();
    await shoot(page, '30-defect-multiple-faces');
    await page.context().close();
  });

  test('camera permission denied: the FAQ answer and 从相册选择 instead', async () => {
    const denying = await launch({ autoAllow: false });
    try {
      const page = await phonePage(denying, server.url);
      await signIn(page, students[3]!);
      await page.getByRole('button', { name: '开始拍照' }).click();
      await page.getByTestId('camera-denied').waitFor({ timeout: 20_000 });
      expect(await page.getByTestId('camera-denied').textContent()).toContain('允许使用摄像头');
      await fits(page, 'camera denied');
      await shoot(page, '23-camera-denied');
      // The album still works from here.
      await page.getByTestId('album-input').setInputFiles(face(GOOD));
      await page.getByTestId('making').waitFor({ timeout: 30_000 });
    } finally {
      await denying.close();
    }
  });

  test('no camera at all: says so and offers the album', async (ctx) => {
    const bare = await launch({ fakeCamera: false });
    try {
      const page = await phonePage(bare, server.url);
      await page.goto('/'); // mediaDevices exists only in a secure context, not on about:blank
      const hasCamera = await page.evaluate(async () =>
        (await navigator.mediaDevices.enumerateDevices()).some((d) => d.kind === 'videoinput'),
      );
      if (hasCamera) {
        console.log('skipping: this machine has a real camera');
        ctx.skip();
        return;
      }
      await signIn(page, students[5]!);
      await page.getByRole('button', { name: '开始拍照' }).click();
      await page.getByTestId('camera-nocamera').waitFor({ timeout: 20_000 });
      await page.getByRole('button', { name: '从相册选择' }).waitFor();
      await shoot(page, '24-camera-none');
    } finally {
      await bare.close();
    }
  });

  test('reload during 制作中 resumes the same attempt', async () => {
    const page = await phonePage(browser, server.url);
    await signIn(page, students[4]!);
    await page.getByTestId('album-input').setInputFiles(face(GOOD));
    await page.waitForURL(/#\/making\//, { timeout: 30_000 });
    const id = decodeURIComponent(/#\/making\/([^?]+)/.exec(page.url())![1]!);
    expect(await page.evaluate(() => sessionStorage.getItem('kaozhao.attempt'))).toBe(id);
    await page.reload();
    // Either still making the same attempt, or already past it: never lost, never a second upload.
    const after = await Promise.race([
      page
        .getByTestId('making')
        .waitFor()
        .then(() => 'making'),
      page.waitForURL(/#\/(result|check)\//).then(() => 'done'),
    ]);
    expect(['making', 'done']).toContain(after);
    expect(await waitForAttemptPage(page)).toBe(id);
    const history = await page.evaluate(async () => (await (await fetch('/api/student/photos')).json()).items.length);
    expect(history, 'one attempt, not a re-upload').toBe(1);
    await page.context().close();
  });

  test('我的照片查询 from a fresh visit asks for identity first, then lists the history', async () => {
    const page = await phonePage(browser, server.url);
    const student = students[2]!; // has the failed two-faces attempt from the test above
    await page.goto('/');
    await page.getByRole('button', { name: /我的照片查询/ }).click();
    await page.getByPlaceholder('请输入学号').fill(student.studentNumber);
    await page.getByRole('button', { name: '查询' }).click();
    await page.getByPlaceholder('18 位身份证号码').fill(student.idNumber);
    await page.getByRole('button', { name: '验证身份' }).click();
    await page.getByTestId('history').waitFor();
    const items = page.getByTestId('history-item');
    expect(await items.count()).toBe(1);
    const status = await items.first().getAttribute('data-status');
    expect(['failed', 'ready']).toContain(status);
    // The student can still redo: the state is todo.
    await page.getByRole('button', { name: '制作照片' }).waitFor();
    await shoot(page, '31-my-photos-failed');
    // Opening the entry shows why it failed.
    await items.first().getByRole('button').click();
    await page.locator('[data-check="face.count"][data-status="fail"]').waitFor();
    await page.context().close();
  });

  test('a reviewer rejects a photo: the student sees the reason and can redo', async (ctx) => {
    if (cameraAttempt?.status !== 'needs_review') {
      console.log(`skipping rejection: the camera photo went to ${cameraAttempt?.status ?? 'nothing'}, not review`);
      ctx.skip();
      return;
    }
    const login = await fetch(`${server.url}/api/admin/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'reviewer', password: demoAdminPassword(server, 'reviewer') }),
    });
    expect(login.status).toBe(200);
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
    const reason = '背景不是纯色，请站在白墙前重新拍摄';
    const decided = await fetch(`${server.url}/api/admin/reviews/${cameraAttempt.id}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie },
      body: JSON.stringify({ decision: 'reject', reason }),
    });
    expect(decided.status).toBe(200);

    const page = await phonePage(browser, server.url);
    const student = students[1]!;
    await page.goto('/#/photos');
    await page.getByPlaceholder('请输入学号').fill(student.studentNumber);
    await page.getByRole('button', { name: '查询' }).click();
    await page.getByPlaceholder('18 位身份证号码').fill(student.idNumber);
    await page.getByRole('button', { name: '验证身份' }).click();
    await page.getByTestId('history').waitFor();
    const item = page.locator('[data-testid=history-item][data-status=rejected]');
    expect(await item.textContent()).toContain(reason);
    await shoot(page, '32-my-photos-rejected');
    await page.getByRole('button', { name: '重新制作' }).click();
    await page.getByText('身份验证成功').waitFor();
    await page.getByRole('button', { name: '下一步' }).click();
    await page.getByText('请别人用后置摄像头拍').waitFor();
    await page.context().close();
  });

  test('first screen: small critical path, interactive quickly on a throttled 4G link', async () => {
    const page = await phonePage(browser, server.url);
    const cdp = await page.context().newCDPSession(page);
    // Chrome DevTools' "Fast 4G" preset, cache off. The CPU is not throttled: this shared 2-core
    // machine is already slower than a phone under load, so the time is reported, and what the app
    // controls (bytes and requests before the first screen) is asserted.
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 150,
      downloadThroughput: (9 * 1024 * 1024) / 8,
      uploadThroughput: (1.5 * 1024 * 1024) / 8,
    });
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
    const started = Date.now();
    await page.goto('/', { waitUntil: 'commit' });
    await page.getByRole('button', { name: /考试用照片采集/ }).waitFor();
    const ms = Date.now() - started;
    const assets = await page.evaluate(() =>
      performance
        .getEntriesByType('resource')
        .map((e) => new URL(e.name).pathname)
        .filter((p) => p.startsWith('/assets/')),
    );
    const gzip = (ext: string) =>
      assets
        .filter((a) => a.endsWith(ext))
        .reduce((sum, a) => sum + gzipSync(readFileSync(path.join(ROOT, 'web/student/dist', a))).length, 0);
    const js = gzip('.js');
    const css = gzip('.css');
    console.log(`first screen on Fast 4G: ${ms} ms; ${assets.length} assets, JS ${js} B gzip, CSS ${css} B gzip`);
    expect(js, 'JavaScript before the first screen (gzip bytes)').toBeLessThan(90_000);
    expect(css, 'CSS before the first screen (gzip bytes)').toBeLessThan(10_000);
    expect(assets.length, 'requests before the first screen').toBeLessThanOrEqual(4);
    await page.context().close();
  });

  test('hashed assets are cached for a year, the page itself is revalidated', async () => {
    const html = await (await fetch(`${server.url}/`)).text();
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(asset, 'index.html references a built script').toBeTruthy();
    expect((await fetch(`${server.url}${asset}`)).headers.get('cache-control')).toContain('immutable');
    expect((await fetch(`${server.url}/`)).headers.get('cache-control')).not.toContain('immutable');
    // Sent compressed when the phone accepts it, the same bytes once decoded.
    const plain = await fetch(`${server.url}${asset}`, { headers: { 'accept-encoding': 'identity' } });
    const br = await fetch(`${server.url}${asset}`, { headers: { 'accept-encoding': 'br' } });
    const gz = await fetch(`${server.url}${asset}`, { headers: { 'accept-encoding': 'gzip' } });
    expect(plain.headers.get('content-encoding')).toBeNull();
    expect(br.headers.get('content-encoding')).toBe('br');
    expect(gz.headers.get('content-encoding')).toBe('gzip');
    const text = await plain.text();
    expect(await br.text()).toBe(text);
    expect(await gz.text()).toBe(text);
  });

  test('narrow and wide phones: no sideways scrolling', async () => {
    for (const width of [360, 430]) {
      const page = await phonePage(browser, server.url, width);
      for (const hash of ['/', '/#/rules', '/#/identity?next=collect', '/#/tips', '/#/faq']) {
        await page.goto(hash);
        await page.locator('.page').first().waitFor();
        await page.waitForLoadState('networkidle');
        await fits(page, `${hash} at ${width}px`);
      }
      await page.context().close();
    }
  });
});

/** A well-formed resident ID number (valid check digit) that is not the student's. */
function wrongId(id: string): string {
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const digits = id.slice(0, 17).split('').map(Number);
  digits[16] = (digits[16]! + 2) % 10; // the sequence number's last digit (keeps the sex parity)
  const sum = digits.reduce((acc, d, i) => acc + d * weights[i]!, 0);
  return `${digits.join('')}${'10X98765432'[sum % 11]}`;
}
