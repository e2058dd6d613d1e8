/** Helpers for the Client Portal browser tests: server with the built pages, login, office hours, tech side. */
import path from 'node:path';
import fs from 'node:fs';
import { afterAll, beforeAll, expect } from 'vitest';
import type { Page } from 'playwright-core';
import { startTestServer, PASSWORD, type TestServer } from '../../test/support/server.js';
import { loginAs, type Client } from '../../test/support/http.js';
import { connect } from '../../test/support/sockets.js';
import { saveOfficeHours } from '../../src/server/services/office-hours.js';
import { CHROMIUM, HAS_CHROMIUM, launch, type Browsers } from './browser.js';
import type { TechChatView } from '../../src/shared/views.js';

/** Where the built pages are: WEB_DIST when set (a separate build), else the project's dist/web. */
export const WEB_DIST = path.resolve(process.env.WEB_DIST ?? 'dist/web');
export const HAS_PORTAL_BUILD = fs.existsSync(path.join(WEB_DIST, 'index.html'));
// On a developer machine a missing browser or build skips these suites; CI (REQUIRE_BROWSER=1) must run them.
if (process.env.REQUIRE_BROWSER === '1' && !(HAS_CHROMIUM && HAS_PORTAL_BUILD)) {
  throw new Error(`Browser tests need ${HAS_CHROMIUM ? '' : `Chromium at ${CHROMIUM} and `}the built pages in ${WEB_DIST} (npm run build:web)`);
}

export function startPortalServer(env: Record<string, string> = {}): Promise<TestServer> {
  return startTestServer('sqlite', { WEB_DIST, ...env });
}

export const ALWAYS_OPEN = Object.fromEntries(['0', '1', '2', '3', '4', '5', '6'].map((d) => [d, [{ start: '00:00', end: '24:00' }]]));
export const NEVER_OPEN = {};
export async function setOfficeHours(s: TestServer, schedule: Record<string, { start: string; end: string }[]>, timezone = 'UTC') {
  await saveOfficeHours(s.ctx.db, { timezone, schedule });
}

export async function portalLogin(page: Page, email: string) {
  await page.goto('/');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { name: 'My tickets and chats' }).waitFor();
}

/** A tech as the Tech Console would be: logged in over HTTP with a live console socket. */
export async function techSide(s: TestServer, email: string) {
  const http = await loginAs(s.url, 'tech', email, PASSWORD);
  const socket = await connect(s.url, '/console', http);
  return { http, socket };
}

/**
 * The tech joins as the console does, over HTTP; the server puts the tech's live sockets into the
 * chat's stream. Returns the tech's view of the chat.
 */
export async function techJoins(tech: { http: Client }, chatId: number): Promise<TechChatView> {
  const r = await tech.http.post(`/api/console/chats/${chatId}/join`);
  expect(r.status, r.text).toBe(200);
  return r.body;
}

/** Fills and submits the new-request form in chat mode; returns the chat id from the URL. */
export async function requestChat(page: Page, subject: string, message: string) {
  await page.getByRole('link', { name: 'New request', exact: true }).click();
  await page.getByLabel('Topic').selectOption({ index: 1 });
  await page.getByLabel('Subject').fill(subject);
  await page.getByLabel('Message', { exact: true }).fill(message);
  await page.getByRole('radio', { name: /Chat now/ }).check();
  await page.getByRole('button', { name: 'Start chat' }).click();
  await page.waitForURL(/\/chats\/\d+$/);
  return Number(new URL(page.url()).pathname.split('/').pop());
}

/** Every message the page shows, in order, with its seq. */
export async function shownMessages(page: Page) {
  return page
    .locator('.message-list li[data-seq]')
    .evaluateAll((els) => els.map((e) => ({ seq: Number(e.getAttribute('data-seq')), body: e.querySelector('.message-body')?.textContent ?? '' })));
}

/** expect.poll with room for a loaded CI machine: vitest's own default gives up after 1 s. */
export function eventually<T>(fn: () => T | Promise<T>, opts: { timeout?: number } = {}) {
  return expect.poll(fn, { timeout: opts.timeout ?? 10000, interval: 50 });
}

/**
 * Leaves the chat or the queue as a user does: the button, then the confirmation it asks for.
 * `which`: 'chat' ("Leave the chat"), 'queue' ("Leave the queue"), or 'offer' (the offer's "Leave").
 */
export async function leaveAndConfirm(page: Page, which: 'chat' | 'queue' | 'offer') {
  const name = which === 'chat' ? 'Leave the chat' : which === 'queue' ? 'Leave the queue' : 'Leave';
  await page.getByRole('button', { name, exact: true }).first().click();
  const dialog = page.getByRole('alertdialog');
  await dialog.getByRole('button', { name: which === 'chat' ? 'Leave the chat' : 'Leave the queue', exact: true }).click();
}

/**
 * One server (SQLite, the built pages; support open all day unless `alwaysOpen: false`) and one
 * browser for a test file, started before its tests and stopped after: read `suite.s` and
 * `suite.b` inside the tests.
 */
export function browserSuite(env: Record<string, string> = {}, opts: { alwaysOpen?: boolean } = {}) {
  const suite = {} as { s: TestServer; b: Browsers };
  beforeAll(async () => {
    suite.s = await startPortalServer(env);
    if (opts.alwaysOpen !== false) await setOfficeHours(suite.s, ALWAYS_OPEN);
    suite.b = await launch(suite.s.url);
  });
  afterAll(async () => {
    await suite.b?.close();
    await suite.s?.stop();
  });
  return suite;
}
