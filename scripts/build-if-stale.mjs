// Builds what is missing or older than its sources: the web pages with Vite, the server with the
// TypeScript compiler. Used by `npm start` (scripts/start.mjs) and the bench, so both run the
// production build of the code as it is now. In a production copy without the sources it does
// nothing. Plain JavaScript, no dependencies: it runs on the machine's own Node.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { node24Env } from './node24.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function newest(dir) {
  let t = 0;
  if (!fs.existsSync(dir)) return t;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : fs.statSync(p).mtimeMs);
  }
  return t;
}
const at = (p) => path.join(root, p);
const stale = (built, sources) => !fs.existsSync(at(built)) || fs.statSync(at(built)).mtimeMs < Math.max(...sources.map((s) => newest(at(s))));

/** Builds the stale parts (`web`, `server`, or both); throws when a build fails. */
export function buildIfStale(parts = ['web', 'server'], log = (line) => console.log(line)) {
  const run = (what, script) => {
    log(`Building ${what}…`);
    const r = spawnSync('npm', ['run', '--silent', script], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'], env: node24Env() });
    if (r.status !== 0) throw Object.assign(new Error(`building ${what} failed`), { status: r.status ?? 1 });
  };
  if (parts.includes('web') && fs.existsSync(at('src/web')) && stale('dist/web/index.html', ['src/web', 'src/shared'])) run('the web pages', 'build:web');
  if (parts.includes('server') && fs.existsSync(at('src/server')) && stale('dist/server/main.js', ['src/server', 'src/shared']))
    run('the server', 'build:server');
}
