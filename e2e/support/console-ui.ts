/** Helpers for the Tech Console browser tests: a tech's page, logged in, with recorded dialogs and notifications. */
import { expect } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { PASSWORD, type TestServer } from '../../test/support/server.js';

/**
 * Runs before any page script: records every system notification the page creates (the headless
 * browser shows none), and lets a test pretend the tab is hidden, as when the tech is elsewhere.
 */
const INIT = () => {
  const w = window as unknown as { __notes: { title: string; body: string }[]; __hidden: boolean; __beeps: number; Notification: unknown };
  w.__notes = [];
  w.__hidden = false;
  w.__beeps = 0;
  // Counts alert sounds: each tone is one oscillator started.
  const start = OscillatorNode.prototype.start;
  OscillatorNode.prototype.start = function (...args: Parameters<typeof start>) {
    w.__beeps++;
    return start.apply(this, args);
  };
  const Real = window.Notification;
  class Recorded {
    static get permission() {
      return Real ? Real.permission : 'granted';
    }
    static requestPermission() {
      return Promise.resolve('granted');
    }
    onclick: (() => void) | null = null;
    constructor(title: string, opts: { body?: string } = {}) {
      w.__notes.push({ title, body: opts.body ?? '' });
    }
    close() {}
  }
  w.Notification = Recorded;
  Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => (w.__hidden ? 'hidden' : 'visible') });
  Object.defineProperty(document, 'hidden', { configurable: true, get: () => w.__hidden });
};

/** expect.poll with room for a busy machine: Vitest's own default (1 s) is too short for a browser round trip under load. */
export function eventually<T>(fn: () => T | Promise<T>, opts: { timeout?: number } = {}) {
  return expect.poll(fn, { timeout: opts.timeout ?? 10000, interval: 50 });
}

export type TechPage = { page: Page; dialogs: string[] };

export async function techPage(ctx: BrowserContext, email: string): Promise<TechPage> {
  await ctx.addInitScript(INIT);
  const page = await ctx.newPage();
  // A missing control fails the step with its name, well before the test's own time limit.
  page.setDefaultTimeout(10000);
  const dialogs: string[] = [];
  page.on('dialog', (d) => {
    // A native dialog here would mean user text ran as code (or an unexpected confirm()).
    dialogs.push(d.message());
    void d.dismiss().catch(() => {});
  });
  await consoleLogin(page, email);
  return { page, dialogs };
}

/**
 * The browser's autoplay rule, played out: audio stays suspended until the page is allowed to
 * play (`__allowAudio()`, as a first click would), and resume() before that never settles.
 */
export const BLOCKING_AUTOPLAY = () => {
  const w = window as unknown as { __allowAudio: () => void };
  let allowed = false;
  const contexts: AudioContext[] = [];
  const Real = window.AudioContext;
  class Blocked extends Real {
    constructor() {
      super();
      contexts.push(this);
    }
    get state() {
      return allowed ? 'running' : 'suspended';
    }
    resume() {
      if (!allowed) return new Promise<void>(() => {});
      this.dispatchEvent(new CustomEvent('statechange', { detail: 'played' }));
      return Promise.resolve();
    }
    // The real context underneath changes state on its own schedule: only the played-out
    // changes reach the page.
    addEventListener(type: string, fn: EventListenerOrEventListenerObject, opts?: boolean | AddEventListenerOptions) {
      if (type !== 'statechange') return super.addEventListener(type, fn, opts);
      const only = (e: Event) => {
        if (e instanceof CustomEvent) (typeof fn === 'function' ? fn : fn.handleEvent.bind(fn))(e);
      };
      wrapped.set(fn, only);
      super.addEventListener(type, only, opts);
    }
    removeEventListener(type: string, fn: EventListenerOrEventListenerObject, opts?: boolean | EventListenerOptions) {
      super.removeEventListener(type, (type === 'statechange' && wrapped.get(fn)) || fn, opts);
    }
  }
  const wrapped = new WeakMap<EventListenerOrEventListenerObject, EventListener>();
  Object.defineProperty(window, 'AudioContext', { value: Blocked, configurable: true });
  w.__allowAudio = () => {
    allowed = true;
  };
};

export async function consoleLogin(page: Page, email: string) {
  await page.goto('/console');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await eventually(() => page.getByRole('complementary', { name: 'Status bar' }).isVisible()).toBe(true);
  // Live updates start once the socket is up; the status bar is read after it connects. An alert
  // sent before the socket is up is not replayed (the Waiting list shows the chat): wait for it.
  await eventually(() => page.getByTestId('sb-waiting-count').textContent()).toMatch(/^\d+$/);
  await page.locator('[data-connection="connected"]').first().waitFor({ state: 'attached' });
}

export const setHidden = (page: Page, hidden: boolean) => page.evaluate((h) => ((window as unknown as { __hidden: boolean }).__hidden = h), hidden);
export const notifications = (page: Page) => page.evaluate(() => (window as unknown as { __notes: { title: string; body: string }[] }).__notes);

export const beeps = (page: Page) => page.evaluate(() => (window as unknown as { __beeps: number }).__beeps);

export const section = (page: Page, name: 'waiting' | 'active' | 'abandoned' | 'callback') => page.getByTestId(`sb-${name}`);
export const count = (page: Page, name: 'waiting' | 'active' | 'abandoned' | 'callback') => page.getByTestId(`sb-${name}-count`).textContent();
export const toast = (page: Page, chatId: number) => page.locator(`[data-testid="alert-toast"][data-chat-id="${chatId}"]`);

/** Every message the console shows, in order, with its seq. */
export async function consoleMessages(page: Page) {
  return page
    .locator('.message-list li[data-seq]')
    .evaluateAll((els) => els.map((e) => ({ seq: Number(e.getAttribute('data-seq')), body: e.querySelector('.message-body')?.textContent ?? '' })));
}

/** A link of the console's main navigation. */
export const navTo = (page: Page, name: string) => page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true }).click();

/** Readable names for the screenshots (factories make unique, random ones); once per test database. */
export async function friendlyNames(
  s: TestServer,
  w: { boardId: number; companyId: number; tech: { id: number }; user: { id: number } },
  names = { board: 'Service Desk', company: 'Acme Ltd', tech: 'Alex Morgan', user: 'Sam Carter' },
) {
  const db = s.ctx.db;
  await db.updateTable('boards').set({ name: names.board }).where('id', '=', w.boardId).execute();
  await db.updateTable('companies').set({ name: names.company }).where('id', '=', w.companyId).execute();
  await db.updateTable('techs').set({ name: names.tech }).where('id', '=', w.tech.id).execute();
  await db.updateTable('portal_users').set({ name: names.user }).where('company_id', '=', w.companyId).execute();
}
