// `npm start`: builds what is missing or older than its sources (the web pages with Vite, the
// server with the TypeScript compiler), then runs the compiled server on Node 24 with the
// server's Node options. In a production copy without the sources, it only runs it.
import { spawnSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { node24Bin, node24Env } from './node24.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(root);

function newest(dir) {
  let t = 0;
  if (!fs.existsSync(dir)) return t;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : fs.statSync(p).mtimeMs);
  }
  return t;
}
const stale = (built, sources) => !fs.existsSync(built) || fs.statSync(built).mtimeMs < Math.max(...sources.map(newest));
const run = (what, cmd, args) => {
  console.log(`Building ${what}…`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: node24Env() });
  if (r.status !== 0) process.exit(r.status ?? 1);
};

const env = node24Env();
if (fs.existsSync('src/web') && stale('dist/web/index.html', ['src/web', 'src/shared'])) run('the web pages', 'npm', ['run', '--silent', 'build:web']);
if (fs.existsSync('src/server') && stale('dist/server/main.js', ['src/server', 'src/shared'])) run('the server', 'npm', ['run', '--silent', 'build:server']);

// The server's Node options live in one place, shared with the cluster tests and the bench.
const { flags } = JSON.parse(fs.readFileSync(new URL('./server-node-flags.json', import.meta.url), 'utf8'));
const child = spawn(path.join(node24Bin(), 'node'), [...flags, 'dist/server/main.js'], { stdio: 'inherit', env });
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
// A server killed by a signal (not stopped by it) is a failure.
child.on('exit', (code) => process.exit(code ?? 1));
