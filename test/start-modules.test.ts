/**
 * What a node loads at start: the packages most requests never need (image thumbnails, mail, single
 * sign-on, the two-factor QR code, Redis; Node's own fetch) load at their first use, so a node starts within a second
 * and idles within 120 MB (docs/benchmarks.md, issue 15: start and idle). A module-resolution hook
 * in the production build records every module the server resolved until it is ready.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const LATER = ['sharp', 'nodemailer', 'openid-client', 'qrcode', 'ioredis', '@socket.io/redis-adapter'];

const HOOK = `
import { registerHooks } from 'node:module';
import fs from 'node:fs';
const seen = new Set();
registerHooks({ resolve(specifier, context, next) { const r = next(specifier, context); seen.add(r.url); return r; } });
process.on('SIGUSR2', () => fs.writeFileSync(process.env.MODULES_OUT, JSON.stringify({ resolved: [...seen], internal: process.moduleLoadList })));
`;

describe('start', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'helpdesk-start-modules-'));
  let proc: ChildProcess | null = null;
  afterAll(() => {
    proc?.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('loads none of the packages of rarely used features until they are used', async () => {
    const hook = path.join(dir, 'hook.mjs');
    const out = path.join(dir, 'modules.json');
    fs.writeFileSync(hook, HOOK);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: path.join(dir, 'data'),
      SEED_DEMO: 'false',
      LOG_LEVEL: 'info',
      MODULES_OUT: out,
    };
    delete env.DATABASE_URL;
    delete env.REDIS_URL;
    const p = spawn(process.execPath, ['--import', hook, 'dist/server/main.js'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    proc = p;
    let log = '';
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no URL in the log: ${log}`)), 20000);
      const read = (d: Buffer) => {
        log += d.toString();
        const m = log.match(/http:\/\/127\.0\.0\.1:(\d+)/);
        if (m) {
          clearTimeout(timer);
          resolve(m[0]);
        }
      };
      p.stdout!.on('data', read);
      p.stderr!.on('data', read);
    });
    for (let i = 0; i < 200 && (await fetch(`${url}/api/ready`).catch(() => null))?.status !== 200; i++) await new Promise((r) => setTimeout(r, 50));
    p.kill('SIGUSR2');
    for (let i = 0; i < 100 && !fs.existsSync(out); i++) await new Promise((r) => setTimeout(r, 50));
    const { resolved: urls, internal } = JSON.parse(fs.readFileSync(out, 'utf8')) as { resolved: string[]; internal: string[] };
    const loaded = (pkg: string) => urls.some((u) => u.includes(`/node_modules/${pkg}/`));
    // The hook sees what the server needs to answer at all.
    for (const pkg of ['fastify', 'socket.io', 'kysely', 'zod']) expect(loaded(pkg), pkg).toBe(true);
    for (const pkg of LATER) expect(loaded(pkg), `${pkg} loaded at start`).toBe(false);
    // Nor Node's own fetch (undici, about 13 MB resident): an ES module import of node:http or
    // node:https loads it, so the server takes them as CommonJS (src/server/node-http.ts).
    expect(internal.length).toBeGreaterThan(50);
    expect(internal.filter((m) => m.includes('undici'))).toEqual([]);
  });
});
