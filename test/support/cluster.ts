/**
 * Several server nodes as child processes on one fresh PostgreSQL database and one Redis, so that
 * a test can kill -9 a node; and a Redis of the test's own that it can stop and start again.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDatabase, type DbHandle } from '../../src/server/db/database.js';
import { migrate } from '../../src/server/db/migrations.js';
import { freshDatabase, type TestDb } from './databases.js';
import { factories, type Factories } from './server.js';
import { sleep } from './sockets.js';
import { SERVER_NODE_FLAGS } from '../../src/server/node-flags.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Why the cluster suites cannot run here, or null when they can. */
export function clusterUnavailable(): string | null {
  const missing = ['DATABASE_URL', 'REDIS_URL'].filter((k) => !process.env[k]);
  return missing.length ? `cluster tests need ${missing.join(' and ')} (CI sets both)` : null;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, ms: number, isUp: () => boolean) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (!isUp()) throw new Error('process exited before listening');
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => (s.destroy(), resolve(true)));
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await sleep(50);
  }
  throw new Error(`port ${port} not listening after ${ms} ms`);
}

/** A redis-server of the test's own on a free port; `stop()` kills it, `start()` brings it back. */
export class OwnRedis {
  private proc: ChildProcess | null = null;
  private constructor(
    readonly port: number,
    private readonly extraArgs: string[],
  ) {}
  get url() {
    return `redis://127.0.0.1:${this.port}`;
  }
  /** `extraArgs` go to redis-server, for example `--rename-command SSUBSCRIBE ""` to play an older Redis. */
  static async start(extraArgs: string[] = []): Promise<OwnRedis> {
    const r = new OwnRedis(await freePort(), extraArgs);
    await r.start();
    return r;
  }
  async start() {
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...this.extraArgs];
    const proc = spawn('redis-server', args, { stdio: 'ignore' });
    this.proc = proc;
    let alive = true;
    proc.once('exit', () => (alive = false));
    await waitForPort(this.port, 10000, () => alive);
  }
  async stop() {
    const p = this.proc;
    this.proc = null;
    if (!p || p.exitCode !== null) return;
    const gone = new Promise((r) => p.once('exit', r));
    p.kill('SIGKILL');
    await gone;
  }
}

export type NodeOpts = { env?: Record<string, string> };

/** One server node: `node --import tsx src/server/main.ts` on a free port, with the production Node options. */
export class ClusterNode {
  private output: string[] = [];
  private constructor(
    readonly name: string,
    readonly port: number,
    private proc: ChildProcess,
  ) {
    const keep = (d: Buffer) => {
      this.output.push(d.toString());
      if (this.output.length > 200) this.output.shift();
    };
    proc.stdout?.on('data', keep);
    proc.stderr?.on('data', keep);
  }
  get url() {
    return `http://127.0.0.1:${this.port}`;
  }
  get alive() {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }
  logs() {
    return this.output.join('');
  }

  static async start(name: string, env: Record<string, string>): Promise<ClusterNode> {
    const port = await freePort();
    const proc = spawn(process.execPath, [...SERVER_NODE_FLAGS, '--import', 'tsx', 'src/server/main.ts'], {
      cwd: ROOT,
      env: { ...process.env, HOST: '127.0.0.1', SEED_DEMO: 'false', LOG_LEVEL: 'warn', NODE_ID: name, ...env, PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const node = new ClusterNode(name, port, proc);
    const end = Date.now() + 30000;
    for (;;) {
      if (!node.alive) throw new Error(`node ${name} exited during start:\n${node.logs()}`);
      try {
        const r = await fetch(`${node.url}/api/health`);
        if (r.ok) return node;
      } catch {
        // not listening yet
      }
      if (Date.now() > end) {
        await node.kill9();
        throw new Error(`node ${name} not healthy in time:\n${node.logs()}`);
      }
      await sleep(100);
    }
  }

  /** Dies at once, mid-whatever, like a crashed machine. */
  async kill9() {
    if (!this.alive) return;
    const gone = new Promise((r) => this.proc.once('exit', r));
    this.proc.kill('SIGKILL');
    await gone;
  }

  /** Frozen (SIGSTOP): its connections stay open and nothing on it runs, as in a long stall. */
  pause() {
    this.proc.kill('SIGSTOP');
  }
  resume() {
    this.proc.kill('SIGCONT');
  }

  /** A graceful stop (SIGTERM), as a deploy would do. */
  async stop() {
    if (!this.alive) return;
    const gone = new Promise((r) => this.proc.once('exit', r));
    this.proc.kill('SIGTERM');
    const t = setTimeout(() => this.proc.kill('SIGKILL'), 10000);
    await gone;
    clearTimeout(t);
  }
}

export type Cluster = {
  db: TestDb;
  handle: DbHandle;
  f: Factories;
  env: Record<string, string>;
  nodes: ClusterNode[];
  startNode: (name: string, extraEnv?: Record<string, string>) => Promise<ClusterNode>;
  stop: () => Promise<void>;
};

/**
 * A fresh PostgreSQL database (migrated here, so factories can fill it before nodes start) and
 * `count` nodes sharing it and the given Redis.
 */
export async function startCluster(count: number, opts: { redisUrl: string; env?: Record<string, string> }): Promise<Cluster> {
  const db = await freshDatabase('postgres');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'helpdesk-cluster-'));
  const handle = openDatabase({ databaseUrl: db.env.DATABASE_URL, dataDir });
  await migrate(handle.db, 'postgres');
  const env = { DATABASE_URL: db.env.DATABASE_URL, DATA_DIR: dataDir, REDIS_URL: opts.redisUrl, TIMER_SWEEP_MS: '100', ...(opts.env ?? {}) };
  const nodes: ClusterNode[] = [];
  const startNode = async (name: string, extraEnv: Record<string, string> = {}) => {
    const n = await ClusterNode.start(name, { ...env, ...extraEnv });
    nodes.push(n);
    return n;
  };
  try {
    await Promise.all(Array.from({ length: count }, (_, i) => startNode(String.fromCharCode(65 + i))));
  } catch (e) {
    await Promise.all(nodes.map((n) => n.kill9()));
    await handle.close();
    await db.drop();
    throw e;
  }
  nodes.sort((a, b) => a.name.localeCompare(b.name));
  return {
    db,
    handle,
    f: factories({ ctx: { db: handle.db } } as never),
    env,
    nodes,
    startNode,
    stop: async () => {
      await Promise.all(nodes.map((n) => n.kill9()));
      await handle.close();
      await db.drop().catch(() => {});
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
