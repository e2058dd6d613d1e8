/**
 * The production build (`npm run build`, which `npm test` runs first) serves everything from a
 * clean copy that holds only what a deployment ships (package files, dist/, scripts/) with
 * production dependencies only (`npm ci --omit=dev`): no TypeScript loader, no build tool.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { io } from 'socket.io-client';
import { afterAll, describe, expect, it } from 'vitest';
import { DEMO_LOGINS, DEMO_PASSWORD } from '../src/server/seed.js';
import { loginAs } from './support/http.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SHIPPED = ['package.json', 'package-lock.json', 'dist/server', 'dist/shared', 'dist/web', 'scripts'];
const BUILD_TOOLS = ['tsx', 'typescript', 'vite', 'vitest', 'esbuild', '@biomejs/biome', 'playwright-core'];

const exited = (p: ChildProcess) => (p.exitCode !== null || p.signalCode !== null ? Promise.resolve() : new Promise<void>((r) => p.once('exit', () => r())));

describe('production build', () => {
  const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'helpdesk-prod-'));
  let proc: ChildProcess | null = null;
  afterAll(async () => {
    if (proc && proc.exitCode === null) {
      proc.kill('SIGKILL');
      await exited(proc);
    }
    fs.rmSync(copy, { recursive: true, force: true });
  });

  it('runs from a clean copy with production dependencies only', async () => {
    for (const p of SHIPPED) {
      expect(fs.existsSync(path.join(ROOT, p)), `${p} is built`).toBe(true);
      fs.cpSync(path.join(ROOT, p), path.join(copy, p), { recursive: true });
    }
    // Node 24's own bin first on PATH: npm and the server run on the Node of this test.
    const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH}` };
    const install = spawnSync('npm', ['ci', '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], {
      cwd: copy,
      env,
      encoding: 'utf8',
    });
    expect(install.status, install.stderr).toBe(0);
    for (const tool of BUILD_TOOLS) expect(fs.existsSync(path.join(copy, 'node_modules', tool)), `${tool} is not installed`).toBe(false);

    // The operator commands run from the build too.
    const cli = spawnSync(process.execPath, ['dist/server/cli.js', '--help'], { cwd: copy, env, encoding: 'utf8' });
    expect(cli.status, cli.stderr).toBe(0);
    for (const c of ['create-admin', 'backup', 'export-person', 'erase-person', 'retention-run']) expect(cli.stdout).toContain(c);

    // `npm start` in the copy: there are no sources to build, so it runs dist/server/main.js.
    const dataDir = path.join(copy, 'data');
    const runEnv: NodeJS.ProcessEnv = { ...env, PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'warn' };
    delete runEnv.DATABASE_URL;
    delete runEnv.REDIS_URL;
    delete runEnv.SEED_DEMO;
    delete runEnv.WEB_DIST;
    const p = spawn(process.execPath, ['scripts/start.mjs'], { cwd: copy, env: runEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    proc = p;
    let out = '';
    p.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    const end = Date.now() + 60_000;
    while (!/Demo logins[\s\S]*\n\n/.test(out)) {
      if (p.exitCode !== null) throw new Error(`the built server exited early:\n${out}`);
      if (Date.now() > end) throw new Error(`the built server printed no URL in time:\n${out}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(out).not.toMatch(/Building/);
    const url = out.match(/Client Portal: (http:\/\/127\.0\.0\.1:\d+)\//)![1];

    // Both web apps, their scripts, the API and a live connection.
    for (const page of ['/', '/console']) {
      const res = await fetch(url + page);
      expect(res.status).toBe(200);
      const html = await res.text();
      const script = html.match(/<script type="module" crossorigin src="([^"]+)"/)?.[1];
      expect(script, `${page} loads its script`).toBeTruthy();
      const js = await fetch(url + script);
      expect(js.status).toBe(200);
      expect(js.headers.get('content-type')).toMatch(/javascript/);
    }
    expect((await fetch(`${url}/api/health`)).status).toBe(200);
    const portal = DEMO_LOGINS.find((l) => l.audience !== 'console')!;
    const agent = await loginAs(url, 'portal', portal.email, DEMO_PASSWORD);
    expect((await agent.get('/api/portal/chats')).status).toBe(200);
    const socket = io(`${url}/portal`, { transports: ['websocket'], extraHeaders: { cookie: agent.cookieHeader() }, reconnection: false });
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', () => resolve());
        socket.once('connect_error', reject);
      });
    } finally {
      socket.close();
    }

    // A search, answered by the compiled reader thread (db/search-reader-worker.js, which loads the
    // search's presenter with production dependencies only), gzipped as a browser takes it.
    const admin = await loginAs(url, 'tech', DEMO_LOGINS.find((l) => l.audience === 'console')!.email, DEMO_PASSWORD);
    const [board] = (await agent.get('/api/portal/boards')).body as { id: number }[];
    const made = await agent.post('/api/portal/chats', { boardId: board.id, subject: 'Plotter', message: 'The plotter jams on every page' });
    expect(made.status, made.text).toBe(201);
    const chatId = made.body.chat.id;
    expect((await admin.post(`/api/console/chats/${chatId}/join`)).status).toBe(200);
    const ended = await admin.post(`/api/console/chats/${chatId}/end`, { outcome: 'ticket_created', boardId: board.id, summary: 'Plotter jams' });
    expect(ended.status, ended.text).toBe(200);
    const searched = await fetch(`${url}/api/console/search?q=plotter`, { headers: { cookie: admin.cookieHeader(), 'accept-encoding': 'gzip' } });
    expect(searched.status).toBe(200);
    expect(searched.headers.get('content-encoding')).toBe('gzip');
    const found = (await searched.json()) as { id: number; snippet: string | null; snippetIn: string | null }[];
    expect(found.map((c) => c.id)).toEqual([chatId]);
    // The first match is the subject: its snippet is the subject alone, the word highlighted.
    expect(found[0]).toMatchObject({ snippet: '\u0002Plotter\u0003', snippetIn: 'subject' });

    // The server is the compiled JavaScript, with no TypeScript loader, in one process: on Node 24
    // start.mjs became the server.
    const children = fs.readFileSync(`/proc/${p.pid}/task/${p.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
    expect(children).toHaveLength(0);
    const argv = fs.readFileSync(`/proc/${p.pid}/cmdline`, 'utf8').split('\0');
    expect(argv).toContain('dist/server/main.js');
    expect(argv.join(' ')).not.toMatch(/tsx|--import|--loader/);

    p.kill('SIGTERM');
    await exited(p);
    expect(p.exitCode).toBe(0);
  }, 240_000);
});
