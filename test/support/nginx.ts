/**
 * A real nginx (Debian's package) as a child process on a free port, running the repository's own
 * configuration (deploy/nginx/helpdesk.conf) with the test's nodes as its upstream servers.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './cluster.js';
import { sleep } from './sockets.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const NGINX = process.env.NGINX_PATH ?? '/usr/sbin/nginx';
export const HAS_NGINX = fs.existsSync(NGINX);
export const SHIPPED_CONFIG = path.join(ROOT, 'deploy/nginx/helpdesk.conf');

/** The shipped server configuration with these upstream ports and this listen port. */
export function configFor(upstreamPorts: number[], listenPort: number): string {
  const shipped = fs.readFileSync(SHIPPED_CONFIG, 'utf8');
  const servers = shipped.match(/^ *server 127\.0\.0\.1:\d+.*$/gm);
  if (!servers?.length || !/^ *listen 80;$/m.test(shipped)) throw new Error('deploy/nginx/helpdesk.conf changed shape: update test/support/nginx.ts');
  const options = servers[0].replace(/^ *server 127\.0\.0\.1:\d+/, '');
  return shipped
    .replace(servers.join('\n'), upstreamPorts.map((p) => `    server 127.0.0.1:${p}${options}`).join('\n'))
    .replace(/^ *listen 80;$/m, `    listen 127.0.0.1:${listenPort};`);
}

export type Nginx = {
  url: string;
  port: number;
  accessLog: () => { status: number; upstream: string; method: string; uri: string; upgrade: string }[];
  stop: () => Promise<void>;
};

export async function startNginx(upstreamPorts: number[]): Promise<Nginx> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'helpdesk-nginx-'));
  const port = await freePort();
  for (const t of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) fs.mkdirSync(path.join(dir, 'tmp', t), { recursive: true });
  const main = `
${process.getuid?.() === 0 ? 'user root;' : ''}
worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
  log_format upstreams '$status $upstream_addr $request_method $uri "$http_upgrade"';
  access_log ${dir}/access.log upstreams;
  client_body_temp_path ${dir}/tmp/body;
  proxy_temp_path ${dir}/tmp/proxy;
  fastcgi_temp_path ${dir}/tmp/fastcgi;
  uwsgi_temp_path ${dir}/tmp/uwsgi;
  scgi_temp_path ${dir}/tmp/scgi;
${configFor(upstreamPorts, port)}
}
`;
  fs.writeFileSync(path.join(dir, 'nginx.conf'), main);
  const proc: ChildProcess = spawn(NGINX, ['-p', dir, '-c', path.join(dir, 'nginx.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const end = Date.now() + 10_000;
  for (;;) {
    if (proc.exitCode !== null)
      throw new Error(`nginx exited: ${err}\n${fs.existsSync(path.join(dir, 'error.log')) ? fs.readFileSync(path.join(dir, 'error.log'), 'utf8') : ''}`);
    try {
      await fetch(`${url}/api/health`);
      break;
    } catch {
      if (Date.now() > end) throw new Error(`nginx did not listen: ${err}`);
      await sleep(50);
    }
  }
  return {
    url,
    port,
    accessLog: () =>
      fs
        .readFileSync(path.join(dir, 'access.log'), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => {
          const [status, upstream, method, uri, upgrade] = l.split(' ');
          return { status: Number(status), upstream, method, uri, upgrade: upgrade.replace(/"/g, '') };
        }),
    stop: async () => {
      if (proc.exitCode === null) {
        const gone = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGTERM');
        await gone;
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
