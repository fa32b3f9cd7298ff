// The entry QR code in the browser (issue 20, item 2): a centre admin opens 入口二维码, prints the
// A4 poster (its QR code, read back from the rendered page, is the link shown in the console, and
// it carries the three shooting tips of the student app), and a phone that opens the link sees the
// centre's name and its own contacts on the home page. Screenshots at 1440×900.

import jsqr from 'jsqr';
import type { Browser } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { POSTER_TIPS } from '../../src/domain/shooting-tips.js';
import { demoAdminPassword } from '../support/server-process.js';
import { desktopPage, ensureBuilt, launch, missingPrerequisite, type Server, shoot, startServer } from './harness.js';

const skip = missingPrerequisite();
// jsqr is a webpack UMD bundle: its function is the CommonJS export's `default` under Node's ESM
// loader, the default import itself under vitest's interop.
type Decode = typeof jsqr.default;
const jsQR: Decode = (jsqr as { default?: Decode }).default ?? (jsqr as unknown as Decode);

describe.skipIf(skip)('entry QR code and poster in the console', () => {
  let server: Server;
  let browser: Browser;
  beforeAll(async () => {
    ensureBuilt();
    server = await startServer();
    browser = await launch();
  }, 240_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  test('a centre prints its poster; the QR code on it opens the app with the centre’s contacts', async () => {
    const { page, errors } = await desktopPage(browser, server.url);
    await page.goto('/admin/');
    await page.getByLabel('用户名').fill('centre1');
    await page.getByLabel('密码').fill(demoAdminPassword(server, 'centre1'));
    await page.getByRole('button', { name: /登\s*录/ }).click();
    await page.getByTestId('whoami').waitFor();
    await page.getByRole('menuitem', { name: '入口二维码' }).click();
    const card = page.getByTestId('entry-card');
    await card.waitFor();
    const url = (await page.getByTestId('entry-url').locator('code').textContent())!;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?c=B1C1&k=[0-9a-f-]{36}$/);
    await shoot(page, 'entry-qr');

    // The poster opens in a tab of its own.
    const [poster] = await Promise.all([
      page.context().waitForEvent('page'),
      card.getByRole('link', { name: /打印海报/ }).click(),
    ]);
    await poster.setViewportSize({ width: 1440, height: 900 });
    const sheet = poster.getByTestId('poster');
    await sheet.waitFor();
    const text = (await sheet.textContent())!;
    expect(text).toContain('北京海淀学习中心');
    expect(text).toContain('采集时间');
    for (const tip of POSTER_TIPS) expect(text).toContain(tip.title);
    expect(POSTER_TIPS).toHaveLength(3);
    await shoot(poster, 'entry-poster');
    // Read the code back from the rendered poster, as a phone would from the print.
    const qr = await sharp(await sheet.locator('.kz-poster-qr img').screenshot())
      .ensureAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    const read = jsQR(
      new Uint8ClampedArray(qr.data.buffer, qr.data.byteOffset, qr.data.length),
      qr.info.width,
      qr.info.height,
    );
    expect(read?.data).toBe(url);

    // The student's phone follows the link: the centre and its own desk on the home page.
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'zh-CN' });
    const student = await phone.newPage();
    await student.goto(read!.data);
    await student.getByTestId('entry-centre').getByText('北京海淀学习中心').waitFor();
    await student.getByText('010-6649-0101').first().waitFor();
    await phone.close();
    expect(errors.filter((e) => !e.includes('Failed to load resource') && !e.includes('favicon'))).toEqual([]);
  }, 240_000);
});
