// `npm start`: builds what is missing or older than its sources (scripts/build-if-stale.mjs), then
// runs the compiled server on Node 24 with the server's Node options. In a production copy
// without the sources, it only runs it.
//
// On Node 24 this process becomes the server (process.execve): no wrapper stays behind. On an
// older Node (the machine's own) it starts the server on Node 24 as its child and stays as its
// parent, passing signals on. Production runs `node <options> dist/server/main.js` directly
// (docs/deploy.md).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildIfStale } from './build-if-stale.mjs';
import { node24Bin, node24Env } from './node24.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(root);

try {
  buildIfStale();
} catch (err) {
  process.exit(err.status ?? 1);
}

// The server's Node options live in one place, shared with the cluster tests and the bench.
const { flags } = JSON.parse(fs.readFileSync(new URL('./server-node-flags.json', import.meta.url), 'utf8'));
const env = node24Env();
const node = path.join(node24Bin(), 'node');
if (node === process.execPath && typeof process.execve === 'function') {
  process.execve(node, [node, ...flags, 'dist/server/main.js'], env);
}
const child = spawn(node, [...flags, 'dist/server/main.js'], { stdio: 'inherit', env });
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
// A server killed by a signal (not stopped by it) is a failure.
child.on('exit', (code) => process.exit(code ?? 1));
