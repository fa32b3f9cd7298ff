// Shared plumbing for the student-app browser tests: the face photos, a fresh build of the app,
// the real server on a temp data directory, Debian's chromium with a fake camera, screenshots.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { facesDir } from '../faces.js';
import { chromiumMissing, launchChromium } from '../support/chromium.js';
import { ROOT, type Server, startServer as startServerProcess } from '../support/server-process.js';

export { ensureWebBuilt as ensureBuilt, ROOT, type Server } from '../support/server-process.js';

export const SCREENSHOTS = path.join(ROOT, 'test-output/screenshots');

/** Why the suite cannot run here, or null. With KAOZHAO_REQUIRE_FACES=1 a missing piece fails instead. */
export function missingPrerequisite(): string | null {
  const missing: string[] = [];
  if (!existsSync(path.join(facesDir, 'portraits')))
    missing.push(`face photos (${facesDir}/portraits; set KAOZHAO_FACES)`);
  const noChromium = chromiumMissing();
  if (noChromium) missing.push(noChromium);
  if (!commandExists('ffmpeg')) missing.push('ffmpeg (apt-get install ffmpeg)');
  if (!existsSync(path.join(ROOT, 'src/main.ts'))) missing.push('the server (src/main.ts)');
  if (missing.length === 0) return null;
  const why = `student e2e needs ${missing.join(', ')}`;
  if (process.env.KAOZHAO_REQUIRE_FACES === '1') throw new Error(why);
  console.log(`skipping: ${why}`);
  return why;
}

function commandExists(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export function face(relative: string): string {
  const file = path.join(facesDir, relative);
  if (!existsSync(file)) throw new Error(`face photo missing: ${file}`);
  return file;
}

/** Every test signs in from 127.0.0.1; the per-client limit is for the public internet. */
export function startServer(): Promise<Server> {
  return startServerProcess({ KAOZHAO_IDENTIFY_PER_IP_PER_MINUTE: '1000' });
}

/** A fake-camera video (.y4m) made from a still photo, letterboxed into a portrait 720×960 frame. */
export function makeY4m(photo: string, dir: string): string {
  const out = path.join(dir, `${path.basename(photo).replace(/\.\w+$/, '')}.y4m`);
  execFileSync(
    'ffmpeg',
    [
      '-loglevel',
      'error',
      '-y',
      '-loop',
      '1',
      '-i',
      photo,
      '-t',
      '2',
      '-r',
      '10',
      '-pix_fmt',
      'yuv420p',
      '-vf',
      'scale=720:960:force_original_aspect_ratio=decrease,pad=720:960:(ow-iw)/2:(oh-ih)/2:color=white,setsar=1',
      out,
    ],
    { stdio: 'pipe' },
  );
  return out;
}

export interface LaunchOptions {
  /** .y4m fed to the fake camera; without it Chromium's built-in test pattern is used. */
  video?: string;
  /** Auto-accept the camera prompt (the default); false leaves the permission to the test. */
  autoAllow?: boolean;
  /** Chromium's fake camera (the default); false leaves the machine's real devices, usually none. */
  fakeCamera?: boolean;
}

export function launch(options: LaunchOptions = {}): Promise<Browser> {
  const args: string[] = [];
  if (options.fakeCamera !== false) args.push('--use-fake-device-for-media-stream');
  if (options.autoAllow !== false) args.push('--use-fake-ui-for-media-stream');
  if (options.video) args.push(`--use-file-for-fake-video-capture=${options.video}`);
  return launchChromium(args);
}

/** A phone-sized page (390×844 by default) with touch and WeChat's user agent. */
export async function phonePage(browser: Browser, baseURL: string, width = 390): Promise<Page> {
  const context = await browser.newContext({
    baseURL,
    viewport: { width, height: 844 },
    deviceScaleFactor: 1,
    isMobile: true,
    hasTouch: true,
    locale: 'zh-CN',
    userAgent:
      'Mozilla/5.0 (Linux; Android 13; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36 MicroMessenger/8.0.44',
  });
  return context.newPage();
}

export async function shoot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  // Not while a lazy page is still loading or its photo is still downloading.
  await page.waitForFunction(
    () =>
      !document.querySelector('.spinner') && [...document.images].every((img) => img.complete && img.naturalWidth > 0),
    undefined,
    { timeout: 15_000 },
  );
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** The page fits the screen: no sideways scrolling at phone widths. */
export function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
}

export interface DemoStudent {
  studentNumber: string;
  idNumber: string;
}

/**
 * Demo students from the file `src/main.ts` writes when it seeds an empty database
 * (DATA_DIR/demo-logins.txt: a header, then 学号<TAB>身份证号 per line). Each is confirmed through
 * the API so a changed seed fails here, loudly, rather than in the middle of a flow.
 */
export async function demoStudents(server: Server, count: number): Promise<DemoStudent[]> {
  const file = path.join(server.dataDir, 'demo-logins.txt');
  if (!existsSync(file)) throw new Error(`the server wrote no ${file}: has src/main.ts stopped seeding?`);
  const out = readFileSync(file, 'utf8')
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split('\t'))
    .filter((f): f is [string, string] => f.length === 2 && Boolean(f[0]) && Boolean(f[1]))
    .map(([studentNumber, idNumber]) => ({ studentNumber, idNumber }))
    .slice(0, count);
  if (out.length < count) throw new Error(`${file} lists ${out.length} students, the tests need ${count}`);
  for (const s of out) {
    const res = await fetch(`${server.url}/api/student/identify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ studentNumber: s.studentNumber }),
    });
    if (!res.ok) throw new Error(`demo student from ${file} not found (${res.status})`);
  }
  return out;
}
