// Reminders in the browser (issue 20, item 3): a centre admin previews the reminder to its
// uncollected students (the count it will go to, a masked sample with the centre's entry link),
// sends it, and finds each message in 催交提醒 → 发件箱 (the default channel: nothing leaves the
// server). Screenshots at 1440×900.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { demoAdminPassword } from '../support/server-process.js';
import { desktopPage, ensureBuilt, launch, missingPrerequisite, type Server, shoot, startServer } from './harness.js';

const skip = missingPrerequisite();

describe.skipIf(skip)('reminders in the console', () => {
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

  test('a centre previews and sends a reminder, then reads it in the outbox', async () => {
    const { page, errors } = await desktopPage(browser, server.url);
    await page.goto('/admin/');
    await page.getByLabel('用户名').fill('centre1');
    await page.getByLabel('密码').fill(demoAdminPassword(server, 'centre1'));
    await page.getByRole('button', { name: /登\s*录/ }).click();
    await page.getByTestId('whoami').waitFor();
    await page.getByRole('menuitem', { name: '未采集学生' }).click();
    await page.getByTestId('uncollected-table').waitFor();
    await page.getByTestId('remind').click();

    const preview = page.getByTestId('reminder-preview');
    await preview.waitFor();
    const count = Number((await page.getByTestId('reminder-count').textContent())!.replace(/\D/g, ''));
    expect(count).toBeGreaterThan(0);
    const sample = (await page.getByTestId('reminder-sample').textContent())!;
    // The centre's own entry link goes with the message; the sample shows no full name.
    expect(sample).toMatch(/\/\?c=B1C1&k=[0-9a-f-]{36}/);
    expect(sample).toMatch(/\*/);
    await shoot(page, 'reminder-preview');

    await page.getByRole('button', { name: new RegExp(`发送给 ${count}`) }).click();
    await preview.waitFor({ state: 'detached' });
    await page.getByRole('menuitem', { name: '催交提醒' }).click();
    await page.getByRole('tab', { name: '发件箱' }).click();
    const outbox = page.getByTestId('reminder-outbox');
    await outbox.locator('tbody tr.ant-table-row').first().waitFor();
    const rows = await outbox.locator('tbody tr.ant-table-row').count();
    expect(rows).toBeGreaterThanOrEqual(Math.min(count, 20));
    await shoot(page, 'reminders-outbox');
    expect(errors.filter((e) => !e.includes('Failed to load resource') && !e.includes('favicon'))).toEqual([]);
  }, 120_000);
});
