/**
 * `npm run screenshots`: the README's screenshots, taken on the demo data.
 *
 * Builds what is stale, starts the production server on a fresh SQLite demo database in a
 * temporary directory, opens support all day (so nothing depends on the clock), and makes a
 * believable working day through the real pages and the API: three completed chats with tickets
 * and notes (VPN, Outlook password prompts, a printer), a live chat between Alice (Acme Corp) and
 * Sam, and a request from Gina (Globex) waiting in the queue; before them, two weeks of past chats
 * for the Reports page (made through the API, then moved back in time in the database and their
 * report measures rebuilt by the operator command). Then Chromium photographs each
 * screen in the light and the dark scheme, at desktop (1280×800) and phone (390×844) size, into
 * docs/screenshots/<app>-<screen>-<light|dark>[-phone].png, stops the server and exits.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { buildIfStale } from './build-if-stale.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(ROOT, 'docs', 'screenshots');
const PASSWORD = 'demo-pass-2026'; // the demo's published password (src/server/seed.ts)
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };
const SCHEMES = ['light', 'dark'] as const;
const written: string[] = [];

// ---------------------------------------------------------------------------------------------
// The server

type Server = { url: string; child: ChildProcess; dataDir: string; output: string[]; env: NodeJS.ProcessEnv };

const serverFlags = () => (JSON.parse(fs.readFileSync(path.join(ROOT, 'scripts', 'server-node-flags.json'), 'utf8')) as { flags: string[] }).flags;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

async function startServer(): Promise<Server> {
  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'helpdesk-screenshots-'));
  const flags = serverFlags();
  const env = {
    ...process.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    SEED_DEMO: 'true',
    LOG_LEVEL: 'warn',
    // The scenes take a few minutes: no wait offer and no "has left" for Gina, who waits with no page open.
    CHAT_WAIT_OFFER_SECONDS: '3600',
    CHAT_DISCONNECT_GRACE_SECONDS: '3600',
  };
  const child = spawn(process.execPath, [...flags, 'dist/server/main.js'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  child.stdout?.on('data', (d) => output.push(String(d)));
  child.stderr?.on('data', (d) => output.push(String(d)));
  const server = { url: `http://127.0.0.1:${port}`, child, dataDir, output, env };
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    const ok = await fetch(`${server.url}/api/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return server;
    await sleep(200);
  }
  child.kill('SIGTERM');
  throw new Error(`The server did not start:\n${output.join('')}`);
}

async function stopServer(server: Server) {
  if (server.child.exitCode === null) {
    const exited = new Promise((resolve) => server.child.once('exit', resolve));
    server.child.kill('SIGTERM');
    await Promise.race([exited, sleep(10_000)]);
    if (server.child.exitCode === null) server.child.kill('SIGKILL');
  }
  fs.rmSync(server.dataDir, { recursive: true, force: true });
}

// ---------------------------------------------------------------------------------------------
// The API, as a non-browser client: a cookie jar and JSON

class Api {
  private cookies = new Map<string, string>();
  constructor(private readonly base: string) {}

  static async login(base: string, audience: 'portal' | 'tech', email: string): Promise<Api> {
    const api = new Api(base);
    await api.call('POST', `/api/auth/${audience}/login`, { email, password: PASSWORD });
    return api;
  }

  // biome-ignore lint/suspicious/noExplicitAny: the answers are the API's JSON, read by name
  async call(method: string, url: string, body?: unknown): Promise<any> {
    const headers: Record<string, string> = { cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ') };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(this.base + url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair.indexOf('=');
      this.cookies.set(pair.slice(0, i), pair.slice(i + 1));
    }
    const text = await res.text();
    // Paced (messages sent quickly, as a script does): wait as told and send it again.
    const retryAfterMs = res.status === 429 ? Number(JSON.parse(text).error?.details?.retryAfterMs) : Number.NaN;
    if (retryAfterMs <= 10_000) {
      await sleep(retryAfterMs + 50);
      return this.call(method, url, body);
    }
    if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : null;
  }
  get = (url: string) => this.call('GET', url);
  post = (url: string, body: unknown = {}) => this.call('POST', url, body);
  put = (url: string, body: unknown) => this.call('PUT', url, body);
}

// ---------------------------------------------------------------------------------------------
// The demo day's content

type People = { admin: Api; sam: Api; alice: Api; bob: Api; gina: Api };

async function logins(url: string): Promise<People> {
  return {
    admin: await Api.login(url, 'tech', 'admin@helpdesk.test'),
    sam: await Api.login(url, 'tech', 'sam@helpdesk.test'),
    alice: await Api.login(url, 'portal', 'alice@acme.test'),
    bob: await Api.login(url, 'portal', 'bob@acme.test'),
    gina: await Api.login(url, 'portal', 'gina@globex.test'),
  };
}

/** Support is open every day, all day, so the pages never say "closed" whatever the clock says. */
async function alwaysOpen(admin: Api) {
  const allDay = [{ start: '00:00', end: '24:00' }];
  await admin.put('/api/admin/office-hours', { timezone: 'UTC', schedule: Object.fromEntries(['0', '1', '2', '3', '4', '5', '6'].map((d) => [d, allDay])) });
}

/** Canned replies: two shared by the admin, one of Sam's own. */
async function cannedReplies(p: People) {
  await p.admin.post('/api/admin/canned-replies', {
    shortcut: 'hello',
    body: 'Hi {first_name}, {tech_name} from the service desk here. How can I help?',
    boardId: null,
  });
  await p.admin.post('/api/admin/canned-replies', {
    shortcut: 'restart',
    body: 'Please save your work and restart the laptop; I will wait here.',
    boardId: null,
  });
  await p.sam.post('/api/console/canned-replies', {
    shortcut: 'dock-fw',
    body: 'The dock firmware update is on its way to your laptop, {first_name}: it takes about two minutes.',
  });
}

async function boardId(user: Api, name: string): Promise<number> {
  const boards: { id: number; name: string }[] = await user.get('/api/portal/boards');
  const board = boards.find((b) => b.name === name);
  if (!board) throw new Error(`No board ${name}`);
  return board.id;
}

/** A conversation: `user` lines from the portal user, `tech` lines from the tech, in order. */
type Line = { user: string } | { tech: string };

async function say(user: Api, tech: Api, chatId: number, lines: Line[]) {
  for (const [i, line] of lines.entries()) {
    const [who, side, body] = 'user' in line ? [user, 'portal', line.user] : [tech, 'console', line.tech];
    await who.post(`/api/${side}/chats/${chatId}/messages`, { body, clientId: `shot-${chatId}-${i}` });
  }
}

/** Alice's VPN ticket: a chat about it with Sam, ended with a note (the ticket already exists). */
async function vpnChat(p: People) {
  const tickets: { id: number; summary: string }[] = await p.alice.get('/api/portal/tickets');
  const vpn = tickets.find((t) => t.summary === 'Laptop will not connect to VPN');
  if (!vpn) throw new Error('The demo VPN ticket is missing');
  const { chat } = await p.alice.post(`/api/portal/tickets/${vpn.id}/chat`, {
    message: 'Hi, my laptop still will not connect to the VPN. The client says "certificate expired" since this morning.',
  });
  await p.sam.post(`/api/console/chats/${chat.id}/join`);
  await say(p.alice, p.sam, chat.id, [
    { tech: 'Hi Alice, thanks for the screenshot on the ticket. Your device certificate ran out last night; I can renew it from here.' },
    { user: 'Great, do I need to do anything? I already tried typing my password again, twice.' },
    { tech: 'No, your password is fine, it is only the certificate.' },
    { tech: 'I have pushed a new certificate to your laptop. Please quit the VPN client completely and start it again.' },
    { user: 'Restarted it. It says connected now, and I can open the intranet.' },
    { tech: 'Perfect. The new certificate is valid for a year, so this should not come back.' },
    { user: 'Thank you, Sam!' },
  ]);
  await p.sam.post(`/api/console/chats/${chat.id}/end`, {
    outcome: 'ended',
    note: 'Device certificate had expired. Renewed it from the MDM console and pushed it to the laptop; VPN connects again.',
  });
}

/** Bob's Outlook keeps asking for his password: Sam fixes it and records it as a new ticket. */
async function outlookChat(p: People) {
  const { chat } = await p.bob.post('/api/portal/chats', {
    boardId: await boardId(p.bob, 'Service Desk'),
    subject: 'Outlook keeps asking for my password',
    message: 'Since I changed my Windows password on Monday, Outlook asks for my password every few minutes, even after I type it in.',
  });
  await p.sam.post(`/api/console/chats/${chat.id}/join`);
  await say(p.bob, p.sam, chat.id, [
    { tech: 'Hi Bob, Outlook is probably still holding on to your old password. Could you open Credential Manager from the Start menu?' },
    { user: 'OK, it is open. I see a lot of entries under Windows Credentials.' },
    { tech: 'Remove the ones starting with "MicrosoftOffice16" and then restart Outlook. It will ask you to sign in once more.' },
    { user: 'Done, I signed in again and it has been quiet for five minutes now.' },
    { tech: 'Good. I will open a ticket so we can check tomorrow that it stays that way.' },
  ]);
  await p.sam.post(`/api/console/chats/${chat.id}/end`, {
    outcome: 'ticket_created',
    boardId: await boardId(p.bob, 'Service Desk'),
    summary: 'Outlook password prompts after a password change',
    note: 'Cleared the cached Office credentials in Credential Manager; Outlook signed in again. Check with Bob tomorrow morning.',
  });
}

/** Gina's floor printer prints blank pages: Ada books an onsite visit. */
async function printerChat(p: People) {
  const { chat } = await p.gina.post('/api/portal/chats', {
    boardId: await boardId(p.gina, 'Onsite'),
    subject: 'Printer on the 2nd floor prints blank pages',
    message: 'The big printer next to the kitchen on the 2nd floor only prints blank pages since yesterday afternoon.',
  });
  await p.admin.post(`/api/console/chats/${chat.id}/join`);
  await say(p.gina, p.admin, chat.id, [
    { tech: 'Hello Gina, sorry about that. Does the printer show any message on its display?' },
    { user: 'It says "Toner low" but it said that last week too.' },
    { tech: 'Could you print a configuration page from the printer menu (Reports > Configuration page)?' },
    { user: 'That one comes out blank as well.' },
    { tech: 'Then it is the printer itself, most likely the toner cartridge or the drum. I am booking a technician to come by tomorrow morning.' },
    { user: 'Thanks, I will put a note on it so nobody wastes paper.' },
  ]);
  await p.admin.post(`/api/console/chats/${chat.id}/end`, {
    outcome: 'ticket_created',
    boardId: await boardId(p.gina, 'Onsite'),
    summary: 'Replace toner and check the drum of the 2nd floor printer',
    note: 'Configuration page prints blank too, so it is the printer, not the driver. Onsite visit booked for tomorrow 9:00; bring a toner cartridge.',
  });
  await p.admin.post(`/api/console/chats/${chat.id}/notes`, { body: 'Globex asked that the visit be done before 10:00, when their payroll run prints.' });
}

/** Gina asks again and waits in the queue: the console's Waiting list shows her. */
async function waitingRequest(p: People) {
  await p.gina.post('/api/portal/chats', {
    boardId: await boardId(p.gina, 'Service Desk'),
    subject: 'Locked out of the finance app',
    message: 'I reset my password this morning as asked, and now the finance app says my account is locked. I need to approve invoices before 3 pm.',
  });
}

// ---------------------------------------------------------------------------------------------
// Two weeks of past chats, for the Reports page

/** A small seeded random generator (mulberry32): the same history on every run. */
function seeded(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type PastChat = { id: number; at: number; waitMs: number; responseMs: number; handleMs: number; outcome: 'answered' | 'abandoned' | 'callback' };

const PAST_SUBJECTS = [
  'Cannot log in to the VPN',
  'Outlook will not sync',
  'New starter needs a laptop',
  'Printer shows paper jam',
  'Teams call has no sound',
  'Password expired',
  'Shared drive is read-only',
  'Second screen flickers',
];

/**
 * About 120 chats over the 14 days before today, in the shape of a service desk: more on weekdays,
 * peaks mid-morning and after lunch, most answered within a minute or two, a long tail of waits,
 * some abandoned and some turned into callbacks. Made through the API as they would be (Alice,
 * Bob and Gina asking; Sam and Ada answering), each moved to its past time in the database, and
 * their report measures rebuilt from the moved events by `reports-rebuild`.
 */
async function pastChats(p: People, server: Server) {
  const rand = seeded(16);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)];
  const desk = await boardId(p.alice, 'Service Desk');
  const users = [p.alice, p.bob, p.gina];
  const techs = [p.sam, p.sam, p.admin];
  const today = new Date();
  today.setUTCHours(0, 0, 0, 0);
  const hourWeights = [0, 0, 0, 0, 0, 0, 0, 1, 4, 9, 10, 8, 4, 6, 9, 8, 6, 3, 1, 1, 0, 0, 0, 0];
  const hourOf = () => {
    let r = rand() * hourWeights.reduce((a, b) => a + b, 0);
    for (const [h, w] of hourWeights.entries()) if ((r -= w) < 0) return h;
    return 10;
  };
  /** Minutes of wait with a long tail: mostly under two minutes, now and then ten or more. */
  const waitMs = () => Math.round(Math.min(40 * 60_000, 8_000 + 55_000 * (-Math.log(1 - rand())) ** 1.6));
  let n = 0;
  for (let daysAgo = 14; daysAgo >= 1; daysAgo--) {
    const day = today.getTime() - daysAgo * 86_400_000;
    const weekday = new Date(day).getUTCDay();
    const count = weekday === 0 || weekday === 6 ? 1 + Math.floor(rand() * 3) : 7 + Math.floor(rand() * 7);
    for (let i = 0; i < count; i++) {
      const user = users[n % users.length];
      const tech = techs[n % techs.length];
      n++;
      const { chat } = await user.post('/api/portal/chats', {
        boardId: desk,
        subject: pick(PAST_SUBJECTS),
        message: 'Hello, could someone help me with this?',
      });
      const roll = rand();
      const outcome = roll < 0.12 ? 'abandoned' : roll < 0.2 ? 'callback' : 'answered';
      if (outcome === 'abandoned') {
        await user.post(`/api/portal/chats/${chat.id}/leave`);
        // Followed up, as a desk does, so the status bar's lists show today's only.
        await tech.post(`/api/console/chats/${chat.id}/complete`, { note: 'Mailed to ask whether it is still a problem.' });
      } else if (outcome === 'callback') {
        await user.post(`/api/portal/chats/${chat.id}/callback`, { phone: '+1 555 0100', preferredTime: 'after 2 pm' });
        await tech.post(`/api/console/chats/${chat.id}/complete`, { note: 'Called back; solved on the phone.' });
      } else {
        await tech.post(`/api/console/chats/${chat.id}/join`);
        await tech.post(`/api/console/chats/${chat.id}/messages`, { body: 'Hi, I am on it.', clientId: `past-${chat.id}-1` });
        await user.post(`/api/portal/chats/${chat.id}/messages`, { body: 'Thanks!', clientId: `past-${chat.id}-2` });
        await tech.post(`/api/console/chats/${chat.id}/end`, { outcome: 'ended' });
      }
      const at = day + hourOf() * 3_600_000 + Math.floor(rand() * 3_600_000);
      const past: PastChat = {
        id: chat.id,
        at,
        waitMs: outcome === 'abandoned' ? Math.round(waitMs() * 1.5) : waitMs(),
        responseMs: 10_000 + Math.floor(rand() * 60_000),
        handleMs: (3 + rand() * 20) * 60_000,
        outcome,
      };
      // Moved to its past time at once: a user's requests of the last hour are paced (domain/request-pacing.ts).
      backdate(server, [past]);
    }
  }
  const rebuild = spawn(process.execPath, [...serverFlags(), 'dist/server/cli.js', 'reports-rebuild'], { cwd: ROOT, env: server.env, stdio: 'inherit' });
  const code = await new Promise((resolve) => rebuild.once('exit', resolve));
  if (code !== 0) throw new Error(`reports-rebuild exited with ${code}`);
}

/** Moves each past chat's recorded events to its planned times: request, join or leaving, first reply, end. */
function backdate(server: Server, chats: PastChat[]) {
  const db = new DatabaseSync(path.join(server.dataDir, 'helpdesk.sqlite'), { timeout: 10_000 });
  try {
    const chat = db.prepare(
      `update chats set requested_at = ?,
         joined_at = case when joined_at is null then null else ? end,
         first_response_at = case when first_response_at is null then null else ? end,
         ended_at = case when ended_at is null then null else ? end,
         left_at = case when left_at is null then null else ? end,
         completed_at = case when completed_at is null then null else ? end,
         abandoned_at = case when abandoned_at is null then null else ? end,
         callback_at = case when callback_at is null then null else ? end
       where id = ?`,
    );
    const steps = db.prepare('select id, event from transitions where chat_id = ? order by id');
    const step = db.prepare('update transitions set at = ? where id = ?');
    const messages = db.prepare('select id, author_kind from messages where chat_id = ? order by seq');
    const message = db.prepare('update messages set created_at = ? where id = ?');
    db.exec('begin');
    for (const c of chats) {
      const joined = c.at + c.waitMs;
      const replied = joined + c.responseMs;
      const ended = joined + c.handleMs;
      const left = c.at + c.waitMs;
      chat.run(c.at, joined, replied, ended, ended, ended, left, left, c.id);
      for (const s of steps.all(c.id) as { id: number; event: string }[]) {
        const when = s.event === 'request' ? c.at : s.event === 'join' ? joined : s.event === 'leave' || s.event === 'request_callback' ? left : ended;
        step.run(when, s.id);
      }
      const rows = messages.all(c.id) as { id: number; author_kind: string }[];
      let afterJoin = 0;
      for (const [i, m] of rows.entries()) {
        if (i === 0) message.run(c.at, m.id);
        else if (m.author_kind === 'system') message.run(c.outcome === 'answered' ? joined : left, m.id);
        else message.run(replied + afterJoin++ * 45_000, m.id);
      }
    }
    db.exec('commit');
  } finally {
    db.close();
  }
}

// ---------------------------------------------------------------------------------------------
// The browser

const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** A person's browser window: their own cookies, notifications allowed, sound allowed without a click. */
async function newContext(browser: Browser, baseURL: string, size = DESKTOP): Promise<BrowserContext> {
  const ctx = await browser.newContext({ baseURL, viewport: size, colorScheme: 'light' });
  await ctx.grantPermissions(['notifications'], { origin: baseURL });
  return ctx;
}

async function portalLogin(ctx: BrowserContext, email: string): Promise<Page> {
  const page = await ctx.newPage();
  await page.goto('/');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { name: 'My tickets and chats' }).waitFor();
  return page;
}

async function consoleLogin(ctx: BrowserContext, email: string): Promise<Page> {
  const page = await ctx.newPage();
  await page.goto('/console');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('complementary', { name: 'Status bar' }).waitFor();
  await page.locator('[data-connection="connected"]').first().waitFor({ state: 'attached' });
  return page;
}

/** Waits until the page shows no loading text, no busy region, its fonts and a couple of quiet frames. */
async function settled(page: Page) {
  await page.waitForFunction(
    () => !document.querySelector('[aria-busy="true"]') && !/Loading/.test(document.body.textContent ?? '') && document.fonts.status === 'loaded',
    undefined,
    { timeout: 10_000 },
  );
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
  await page.waitForTimeout(400); // colour transitions
}

/**
 * Photographs the page as it is, once in each colour scheme, without a focus ring. `fullPage`: the
 * whole page, for pages taller than the window (a phone's chat, a long form).
 */
async function shoot(page: Page, name: string, opts: { phone?: boolean; fullPage?: boolean } = {}) {
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  for (const scheme of SCHEMES) {
    await page.emulateMedia({ colorScheme: scheme });
    await settled(page);
    const file = path.join(OUT, `${name}-${scheme}${opts.phone ? '-phone' : ''}.png`);
    await page.screenshot({ path: file, fullPage: opts.fullPage });
    written.push(file);
  }
  await page.emulateMedia({ colorScheme: 'light' });
}

const messageBox = (page: Page) => page.getByLabel('Message', { exact: true });
const shownMessage = (page: Page, body: string) => page.locator('.message-list .message-body', { hasText: body });

/** Types a message as a person does and waits until the other side shows it. */
async function typeAndSend(from: Page, to: Page, body: string) {
  await messageBox(from).pressSequentially(body, { delay: 5 });
  await messageBox(from).press('Enter');
  await shownMessage(to, body).waitFor();
  await shownMessage(from, body).waitFor();
}

// ---------------------------------------------------------------------------------------------
// The scenes

type Stage = { url: string; browser: Browser; alice: Page; sam: Page; chatId: number };

/** Alice fills in a new request (photographed before she sends it), then starts the chat; Sam joins from the alert. */
async function newRequestScene(alice: Page, sam: Page): Promise<number> {
  await alice.getByRole('link', { name: 'New request', exact: true }).click();
  await alice.getByTestId('office-openings').waitFor();
  await alice.getByLabel('Topic').selectOption({ label: 'Service Desk' });
  await alice.getByLabel('Subject').fill('Second monitor stays black when docked');
  await messageBox(alice).fill('Since this morning my second monitor stays black when I dock my laptop. The laptop screen and the USB keyboard work fine.');
  await alice.getByRole('radio', { name: /Chat now/ }).check();
  await shoot(alice, 'portal-new-request', { fullPage: true });

  await alice.getByRole('button', { name: 'Start chat' }).click();
  await alice.waitForURL(/\/chats\/\d+$/);
  const chatId = Number(new URL(alice.url()).pathname.split('/').pop());
  const toast = sam.locator(`[data-testid="alert-toast"][data-chat-id="${chatId}"]`);
  await toast.getByRole('button', { name: /^Join/ }).click();
  await sam.waitForURL(new RegExp(`/console/chats/${chatId}$`));
  await alice.getByTestId('tech-name').waitFor();
  return chatId;
}

/** A few messages each way, typed in both pages. */
async function liveChatScene(alice: Page, sam: Page) {
  const lines: [Page, Page, string][] = [
    [sam, alice, 'Hi Alice, Sam from the service desk here. Which dock is it: the grey USB-C one or the older one with the round power plug?'],
    [alice, sam, 'The grey USB-C one.'],
    [sam, alice, 'Thanks. In Settings > System > Display, does "Detect" find the second screen?'],
    [alice, sam, 'No, it says "Another display not detected".'],
    [sam, alice, "That matches last night's dock firmware update. I am sending the fix to your laptop now; it takes about two minutes."],
    [alice, sam, 'OK, I will wait. Do I need to restart afterwards?'],
    [sam, alice, 'No restart needed: just unplug the dock and plug it back in once the update note appears.'],
  ];
  for (const [from, to, body] of lines.slice(0, 4)) await typeAndSend(from, to, body);
  // Alice shows what she sees: a screenshot, sent with the paperclip; Sam sees it as a thumbnail.
  await alice.getByTestId('file-picker').setInputFiles({ name: 'display-settings.png', mimeType: 'image/png', buffer: await displaySettingsPicture() });
  await sam.locator('img[alt="display-settings.png"]').evaluate((img: HTMLImageElement) => img.decode());
  for (const [from, to, body] of lines.slice(4)) await typeAndSend(from, to, body);
}

/** A picture of the display settings saying no second display was found (drawn as SVG, made a PNG). */
async function displaySettingsPicture(): Promise<Buffer> {
  const { default: sharp } = await import('sharp');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="960" height="600" font-family="DejaVu Sans, sans-serif">
    <rect width="960" height="600" fill="#f3f3f3"/>
    <rect width="960" height="48" fill="#ffffff"/><text x="24" y="31" font-size="18" fill="#222">Settings</text>
    <text x="48" y="110" font-size="30" fill="#111">System  ›  Display</text>
    <rect x="48" y="150" width="864" height="200" rx="8" fill="#ffffff" stroke="#dddddd"/>
    <rect x="400" y="185" width="160" height="110" rx="6" fill="#0067c0"/><text x="472" y="250" font-size="40" fill="#ffffff">1</text>
    <rect x="48" y="380" width="864" height="72" rx="8" fill="#ffffff" stroke="#dddddd"/>
    <text x="72" y="424" font-size="20" fill="#222">Multiple displays</text>
    <rect x="736" y="398" width="150" height="36" rx="4" fill="#e8e8e8"/><text x="782" y="422" font-size="18" fill="#222">Detect</text>
    <rect x="48" y="472" width="864" height="72" rx="8" fill="#fff4ce" stroke="#e6c35c"/>
    <text x="72" y="516" font-size="20" fill="#5c4400">⚠  Another display not detected</text>
  </svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}

async function portalScenes(stage: Stage) {
  const { alice, chatId } = stage;
  await alice.bringToFront();
  await shoot(alice, 'portal-chat', { fullPage: true });
  await alice.getByRole('link', { name: 'My tickets and chats' }).first().click();
  await alice.getByRole('link', { name: 'Laptop will not connect to VPN', exact: true }).waitFor();
  await alice.getByRole('link', { name: 'Return to chat' }).waitFor();
  await shoot(alice, 'portal-home');
  await alice.goto(`/chats/${chatId}`);
  await shownMessage(alice, 'No restart needed').waitFor();
}

async function consoleScenes(stage: Stage) {
  const { sam } = stage;
  await sam.bringToFront();
  await shoot(sam, 'console-chat');

  await sam.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Chats', exact: true }).click();
  await sam.getByTestId('sb-waiting').getByText('Locked out of the finance app').waitFor();
  await shoot(sam, 'console-status-bar');

  await sam.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Search', exact: true }).click();
  await sam.getByLabel('Words').fill('password');
  await sam.getByRole('button', { name: 'Search', exact: true }).click();
  await sam.getByTestId('search-result').first().locator('mark').first().waitFor();
  await shoot(sam, 'console-search');

  await sam.getByRole('link', { name: 'Outlook keeps asking for my password' }).click();
  await sam.getByTestId('note').first().waitFor();
  await sam.getByRole('link', { name: /^Ticket #\d+$/ }).click();
  await sam.waitForURL(/\/console\/tickets\/\d+$/);
  await sam.getByTestId('timeline-chat').first().waitFor();
  await shoot(sam, 'console-ticket');
}

async function adminScene(stage: Stage) {
  const ctx = await newContext(stage.browser, stage.url);
  const admin = await consoleLogin(ctx, 'admin@helpdesk.test');
  await admin.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Admin', exact: true }).click();
  await admin.getByRole('navigation', { name: 'Admin sections' }).getByRole('link', { name: 'Technicians and access' }).click();
  // The whole page: the form that adds a technician, and the staff list with one technician's access opened.
  const casey = admin.getByTestId('tech-row').filter({ hasText: 'Casey Acme' });
  await casey.locator('summary').click();
  await casey.getByRole('form', { name: 'Access of Casey Acme' }).waitFor();
  await admin.evaluate(() => window.scrollTo(0, 0));
  await shoot(admin, 'console-admin', { fullPage: true });
  await ctx.close();
}

/** The Reports page on the past two weeks and today (its charts, the tables folded), and the wallboard. */
async function insightScenes(stage: Stage) {
  const ctx = await newContext(stage.browser, stage.url);
  const admin = await consoleLogin(ctx, 'admin@helpdesk.test');
  await admin.goto('/console/reports?tz=UTC');
  await admin.locator('[data-chart="abandonment"] [data-bar]').first().waitFor();
  await admin.getByRole('heading', { name: 'By company' }).waitFor();
  await shoot(admin, 'console-reports', { fullPage: true });
  await admin.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Wallboard', exact: true }).click();
  await admin.getByTestId('wb-waiting').locator('.wallboard-value').waitFor();
  await shoot(admin, 'console-wallboard');
  await ctx.close();
}

async function phoneScenes(stage: Stage) {
  const aliceCtx = await newContext(stage.browser, stage.url, PHONE);
  const alice = await portalLogin(aliceCtx, 'alice@acme.test');
  await alice.goto(`/chats/${stage.chatId}`);
  await shownMessage(alice, 'No restart needed').waitFor();
  await shoot(alice, 'portal-chat', { phone: true, fullPage: true });

  const samCtx = await newContext(stage.browser, stage.url, PHONE);
  const sam = await consoleLogin(samCtx, 'sam@helpdesk.test');
  await sam.goto(`/console/chats/${stage.chatId}`);
  await shownMessage(sam, 'No restart needed').waitFor();
  await shoot(sam, 'console-chat', { phone: true, fullPage: true });
  await aliceCtx.close();
  await samCtx.close();
}

/** Sam's workspace: the context panel, an internal note among the messages, the "/" list of canned replies open. */
async function workspaceScene(stage: Stage) {
  const { sam, chatId } = stage;
  await sam.bringToFront();
  await sam.goto(`/console/chats/${chatId}`);
  await shownMessage(sam, 'No restart needed').waitFor();
  await sam.getByRole('radio', { name: 'Internal note' }).check();
  const note = sam.getByRole('textbox', { name: 'Internal note' });
  await note.fill('Third dock this week after the 1.2 firmware: worth a problem ticket.');
  await note.press('Enter');
  await sam.getByTestId('inline-note').waitFor();
  await sam.getByRole('radio', { name: /^Reply to/ }).check();
  await messageBox(sam).pressSequentially('/', { delay: 5 });
  await sam.getByRole('listbox', { name: 'Canned replies' }).waitFor();
  await shoot(sam, 'console-workspace');
  await messageBox(sam).press('Escape');
  await messageBox(sam).fill('');
}

/** Sam hands the chat on: the dialog to transfer it, invite a colleague or send it to a board. */
async function transferScene(stage: Stage) {
  const { sam, chatId } = stage;
  await sam.goto(`/console/chats/${chatId}`);
  await sam.getByRole('button', { name: 'Transfer or invite…' }).click();
  const dialog = sam.getByRole('dialog', { name: 'Transfer or invite' });
  await dialog.getByRole('radio', { name: /Invite a tech/ }).check();
  await dialog.getByLabel('Technician').selectOption({ index: 1 });
  await shoot(sam, 'console-transfer');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
}

/** The chat ends; Alice rates it. */
async function ratingScene(stage: Stage, people: People) {
  const { alice, chatId } = stage;
  await people.sam.post(`/api/console/chats/${chatId}/end`, { outcome: 'ended' });
  await alice.bringToFront();
  await alice.goto(`/chats/${chatId}`);
  const form = alice.getByTestId('rating-form');
  await form.waitFor();
  await form.getByRole('radio', { name: '5 of 5, Excellent' }).check();
  await form.getByLabel('Anything to add? (optional)').fill('Fixed while I waited, thanks Sam!');
  await shoot(alice, 'portal-rating', { fullPage: true });
}

// ---------------------------------------------------------------------------------------------

/** Chromium: CHROMIUM_PATH when set, else the first `chromium` on PATH (Debian's package, as the browser tests use). */
function chromiumPath(): string {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const file = path.join(dir, 'chromium');
    if (dir && fs.existsSync(file)) return file;
  }
  throw new Error('No Chromium: install it (apt-get install -y chromium) or set CHROMIUM_PATH');
}

function sleep(ms: number) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function main() {
  buildIfStale(['web', 'server'], (line) => console.log(`screenshots: ${line}`));
  fs.mkdirSync(OUT, { recursive: true });
  const server = await startServer();
  let browser: Browser | undefined;
  try {
    const people = await logins(server.url);
    await alwaysOpen(people.admin);
    await pastChats(people, server);
    await vpnChat(people);
    await outlookChat(people);
    await printerChat(people);
    await waitingRequest(people);
    await cannedReplies(people);

    browser = await chromium.launch({ executablePath: chromiumPath(), args: [...FLAGS, '--autoplay-policy=no-user-gesture-required'], headless: true });
    const sam = await consoleLogin(await newContext(browser, server.url), 'sam@helpdesk.test');
    const alice = await portalLogin(await newContext(browser, server.url), 'alice@acme.test');
    const chatId = await newRequestScene(alice, sam);
    await liveChatScene(alice, sam);

    const stage: Stage = { url: server.url, browser, alice, sam, chatId };
    await portalScenes(stage);
    await consoleScenes(stage);
    await adminScene(stage);
    await insightScenes(stage);
    await phoneScenes(stage);
    await workspaceScene(stage);
    await transferScene(stage);
    await ratingScene(stage, people);
  } finally {
    await browser?.close();
    await stopServer(server);
  }
  console.log(`Wrote ${written.length} screenshots to ${path.relative(process.cwd(), OUT) || '.'}:`);
  for (const f of written) console.log(`  ${path.basename(f)}`);
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
