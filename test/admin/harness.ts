// Plumbing for the admin console browser test: a fresh build of web/admin, the real server on a
// temp data directory (demo seed, no photo workers), Debian's chromium at desktop size, screenshots.
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { chromiumMissing, launchChromium } from '../support/chromium.js';
import { ROOT, type Server, startServer as startServerProcess } from '../support/server-process.js';

export { ensureWebBuilt as ensureBuilt, ROOT, type Server } from '../support/server-process.js';

export const SCREENSHOTS = path.join(ROOT, 'test-output/admin-screenshots');

/** Why the test cannot run here, or null. Under CI a missing piece is a failure, not a skip. */
export function missingPrerequisite(): string | null {
  const missing: string[] = [];
  const noChromium = chromiumMissing();
  if (noChromium) missing.push(noChromium);
  if (!existsSync(path.join(ROOT, 'src/main.ts'))) missing.push('the server (src/main.ts)');
  if (missing.length === 0) return null;
  const why = `admin console e2e needs ${missing.join(', ')}`;
  if (process.env.CI) throw new Error(why);
  console.log(`skipping: ${why}`);
  return why;
}

/** A server without photo workers: the console makes no photos, so no face models are loaded. */
export function startServer(): Promise<Server> {
  return startServerProcess({ KAOZHAO_PHOTO_WORKERS: '0' });
}

export function launch(): Promise<Browser> {
  return launchChromium();
}

/** A fresh 1440×900 desktop page (own cookies) that records page errors and console errors. */
export async function desktopPage(browser: Browser, baseURL: string): Promise<{ page: Page; errors: string[] }> {
  const context = await browser.newContext({
    baseURL,
    viewport: { width: 1440, height: 900 },
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
    acceptDownloads: true,
  });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') errors.push(`${m.type()}: ${m.text()}`);
  });
  return { page, errors };
}

export async function shoot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  // Not while a table or the page is still loading, nor while an image is still downloading.
  await page.waitForFunction(
    () =>
      !document.querySelector('.ant-spin-spinning') &&
      [...document.images].every((img) => img.complete && img.naturalWidth > 0),
    undefined,
    { timeout: 15_000 },
  );
  // Charts animate in; let them settle before the picture.
  await page.waitForTimeout(800);
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`) });
}
