/**
 * Setup mode in a real browser: the server process (`node … src/server/main.ts`) on an empty
 * database prints a setup token; the Tech Console shows "Create the first admin"; a wrong token is
 * refused and announced; the right one creates the admin, who then logs in.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeViolations } from './support/a11y.js';
import { HAS_CHROMIUM, launch, screenshotPath, type Browsers } from './support/browser.js';
import { HAS_PORTAL_BUILD, WEB_DIST } from './support/portal.js';
import { eventually } from './support/console-ui.js';
import { ClusterNode } from '../test/support/cluster.js';
import { openSqliteFile, sqliteFile } from '../src/server/db/database.js';

describe.skipIf(!HAS_CHROMIUM || !HAS_PORTAL_BUILD)('the first admin, through the setup page', { timeout: 90000 }, () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'helpdesk-setup-e2e-'));
  let node: ClusterNode;
  let b: Browsers;
  beforeAll(async () => {
    node = await ClusterNode.start('setup', { DATA_DIR: dataDir, SEED_DEMO: 'false', WEB_DIST, DATABASE_URL: '', REDIS_URL: '' });
    b = await launch(node.url);
  });
  afterAll(async () => {
    await b?.close();
    await node?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('wrong token refused and announced, then the admin created and logged in; no axe violation', async () => {
    await eventually(() => /Setup token: \S+/.test(node.logs())).toBe(true);
    const token = node.logs().match(/Setup token: (\S+)/)![1];

    const page = await (await b.newContext()).newPage();
    page.setDefaultTimeout(10000);
    await page.goto('/console');
    await page.getByRole('heading', { name: 'Create the first admin' }).waitFor();
    await expect.poll(() => page.title()).toContain('Create the first admin');
    expect(await axeViolations(page)).toEqual([]);

    const form = page.getByRole('form', { name: 'The first admin' });
    await form.getByLabel('Name').fill('Ada First');
    await form.getByLabel('Email').fill('ada@example.test');
    await form.getByLabel('Password').fill('first-admin-pass');
    await form.getByLabel('Setup token').fill('not-the-token');
    await form.getByRole('button', { name: 'Create the first admin' }).click();
    // Announced (role=alert) and tied to the field it is about.
    await eventually(() => page.getByRole('alert').textContent()).toContain('That setup token is not valid');
    const tokenField = form.getByLabel('Setup token');
    expect(await tokenField.getAttribute('aria-invalid')).toBe('true');
    const describedBy = (await tokenField.getAttribute('aria-describedby'))!.split(' ');
    const described = await Promise.all(describedBy.map((id) => page.locator(`[id="${id}"]`).textContent()));
    expect(described.join(' ')).toContain('not valid');
    await page.screenshot({ path: screenshotPath('console-setup') });

    await tokenField.fill(token);
    await form.getByRole('button', { name: 'Create the first admin' }).click();
    await eventually(() => page.getByRole('status').textContent()).toContain('The first admin, ada@example.test, is created');
    // The login form comes with the new admin's email filled in.
    expect(await page.getByLabel('Email').inputValue()).toBe('ada@example.test');
    await page.getByLabel('Password').fill('first-admin-pass');
    await page.getByRole('button', { name: 'Log in' }).click();
    await eventually(() => page.getByTestId('me-name').textContent()).toBe('Ada First');
    await page.getByRole('link', { name: 'Admin' }).waitFor();

    const db = openSqliteFile(sqliteFile(dataDir), { readonly: true });
    try {
      expect(await db.db.selectFrom('techs').select(['email', 'name', 'role']).execute()).toEqual([
        { email: 'ada@example.test', name: 'Ada First', role: 'admin' },
      ]);
    } finally {
      await db.close();
    }
    // The token is spent: the API says so.
    const again = await fetch(`${node.url}/api/setup/admin`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: node.url },
      body: JSON.stringify({ token, name: 'X', email: 'x@example.test', password: 'long-enough' }),
    });
    expect(again.status).toBe(409);
  });
});
