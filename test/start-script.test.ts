/**
 * `npm start` (scripts/start.mjs) on a fresh machine's default: SQLite in an empty data directory.
 * It prints the URL and the demo logins, the demo logins work, the server process runs with the
 * production Node options on the compiled server (dist/server, no TypeScript loader), and a
 * SIGTERM stops it. On Node 24 (as the tests run) start.mjs becomes the server: one process, no
 * wrapper.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { DEMO_LOGINS, DEMO_PASSWORD } from '../src/server/seed.js';
import { SERVER_NODE_FLAGS } from '../src/server/node-flags.js';
import { loginAs } from './support/http.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const exited = (p: ChildProcess) => (p.exitCode !== null || p.signalCode !== null ? Promise.resolve() : new Promise<void>((r) => p.once('exit', () => r())));

describe('npm start', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'helpdesk-start-'));
  let proc: ChildProcess | null = null;
  afterAll(async () => {
    if (proc && proc.exitCode === null) {
      proc.kill('SIGKILL');
      await exited(proc);
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('serves the demo on SQLite, with the production Node options, and stops on SIGTERM', async () => {
    // The embedded default: no PostgreSQL or Redis, whatever the test run itself uses.
    const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'warn' };
    delete env.DATABASE_URL;
    delete env.REDIS_URL;
    delete env.SEED_DEMO;
    const p = spawn(process.execPath, ['scripts/start.mjs'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    proc = p;
    let out = '';
    p.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    const end = Date.now() + 90_000;
    while (!/Demo logins[\s\S]*\n\n/.test(out)) {
      if (p.exitCode !== null) throw new Error(`npm start exited early:\n${out}`);
      if (Date.now() > end) throw new Error(`npm start printed no URL and logins in time:\n${out}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(out).toContain(`SQLite in ${dataDir}`);
    const url = out.match(/Client Portal: (http:\/\/127\.0\.0\.1:\d+)\//)![1];
    for (const l of DEMO_LOGINS) expect(out).toContain(l.email);

    // A demo login works on each side.
    const portal = DEMO_LOGINS.find((l) => l.audience !== 'console')!;
    const console_ = DEMO_LOGINS.find((l) => l.audience === 'console')!;
    expect((await (await loginAs(url, 'portal', portal.email, DEMO_PASSWORD)).get('/api/portal/chats')).status).toBe(200);
    expect((await (await loginAs(url, 'tech', console_.email, DEMO_PASSWORD)).get('/api/console/status-bar')).status).toBe(200);

    // start.mjs became the server (process.execve): the same process, no child, with every
    // option of scripts/server-node-flags.json.
    const children = fs.readFileSync(`/proc/${p.pid}/task/${p.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
    expect(children).toHaveLength(0);
    const argv = fs.readFileSync(`/proc/${p.pid}/cmdline`, 'utf8').split('\0');
    expect(SERVER_NODE_FLAGS.length).toBeGreaterThan(0);
    for (const f of SERVER_NODE_FLAGS) expect(argv).toContain(f);
    // The compiled server, on Node 24, with no TypeScript loader.
    expect(argv).toContain('dist/server/main.js');
    expect(argv).not.toContain('scripts/start.mjs');
    expect(argv.join(' ')).not.toMatch(/tsx|--import|--loader/);
    expect(fs.readlinkSync(`/proc/${p.pid}/exe`)).toMatch(/node$/);

    p.kill('SIGTERM');
    await exited(p);
    expect(p.exitCode).toBe(0);
  }, 120_000);
});
