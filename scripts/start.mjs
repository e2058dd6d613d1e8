// `npm start`: builds the web pages when they are missing or older than their sources, then runs the server.
import { spawnSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

function newest(dir) {
  let t = 0;
  if (!fs.existsSync(dir)) return t;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : fs.statSync(p).mtimeMs);
  }
  return t;
}
const built = 'dist/web/index.html';
if (fs.existsSync('vite.config.ts') && (!fs.existsSync(built) || fs.statSync(built).mtimeMs < Math.max(newest('src/web'), newest('src/shared')))) {
  console.log('Building the web pages…');
  const r = spawnSync('npx', ['vite', 'build', '--logLevel', 'error'], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
// The server's Node options live in one place, shared with the cluster tests and the bench.
const { flags } = JSON.parse(fs.readFileSync(new URL('./server-node-flags.json', import.meta.url), 'utf8'));
const child = spawn(process.execPath, [...flags, '--import', 'tsx', 'src/server/main.ts'], { stdio: 'inherit' });
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
// A server killed by a signal (not stopped by it) is a failure.
child.on('exit', (code) => process.exit(code ?? 1));
