/** Shared pieces of the bench: child servers, clocks, percentiles, bounded concurrency. */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { io, type Socket } from 'socket.io-client';
import { buildIfStale } from '../scripts/build-if-stale.mjs';
import { SERVER_NODE_FLAGS } from '../src/server/node-flags.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const RESULTS_DIR = path.join(ROOT, 'bench', 'results');

/** Wall-clock milliseconds with sub-millisecond resolution, comparable across processes. */
export const nowMs = () => performance.timeOrigin + performance.now();
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function percentiles(values: number[]) {
  if (!values.length) return { count: 0, p50: NaN, p90: NaN, p99: NaN, max: NaN, mean: NaN };
  const s = Float64Array.from(values).sort();
  const at = (q: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
  const mean = s.reduce((a, b) => a + b, 0) / s.length;
  const r = (x: number) => Math.round(x * 100) / 100;
  return { count: s.length, p50: r(at(0.5)), p90: r(at(0.9)), p99: r(at(0.99)), max: r(s[s.length - 1]), mean: r(mean) };
}

export function freshDataDir(name: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `helpdesk-bench-${name}-`));
}

export type Child = { proc: ChildProcess; url: string; pid: number; stop: () => Promise<void> };

/**
 * Spawns `node <script>` (`node --import tsx <script>` for TypeScript) and waits for it to print
 * its URL (`http://127.0.0.1:<port>`). The child gets its own file-descriptor limit from the shell
 * that runs the bench. `ipc` opens an IPC channel to it (`proc.send`, `proc.on('message')`).
 */
export async function spawnNode(
  script: string,
  env: Record<string, string>,
  timeoutMs = 30000,
  nodeArgs: string[] = [],
  opts: { ipc?: boolean } = {},
): Promise<Child> {
  // BENCH_SERVER_NODE_ARGS, e.g. "--cpu-prof --cpu-prof-dir=prof", profiles the servers.
  const extraArgs = [...nodeArgs, ...(process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean)];
  const loader = script.endsWith('.ts') ? ['--import', 'tsx'] : [];
  const proc = spawn(process.execPath, [...extraArgs, ...loader, script], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    // An IPC channel only for a bench that questions the child (bench/memory-probe.mjs).
    stdio: opts.ipc ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'],
  });
  // BENCH_SERVER_LOG_DIR keeps each server's whole output (e.g. with --trace-gc) as <script>-<pid>.log.
  if (process.env.BENCH_SERVER_LOG_DIR) {
    const log = fs.createWriteStream(path.join(process.env.BENCH_SERVER_LOG_DIR, `${path.basename(script)}-${proc.pid}.log`));
    proc.stdout!.pipe(log, { end: false });
    proc.stderr!.pipe(log, { end: false });
    proc.once('close', () => log.end());
  }
  let out = '';
  let err = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} did not start within ${timeoutMs} ms: ${err.slice(-2000)}`)), timeoutMs);
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = out.match(/http:\/\/127\.0\.0\.1:(\d+)/);
      if (m) {
        clearTimeout(timer);
        resolve(`http://127.0.0.1:${m[1]}`);
      }
    });
    proc.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      if (err.length > 20000) err = err.slice(-10000);
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited with ${code}: ${err.slice(-2000)}`));
    });
  });
  // Keep draining output so the child never blocks on a full pipe; surface errors on exit.
  proc.stdout!.resume();
  const stop = async () => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise<void>((r) => proc.once('exit', () => r()));
    proc.kill('SIGTERM');
    const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(t);
    if (err.trim()) console.error(`[${path.basename(script)} stderr, last lines]\n${err.trim().split('\n').slice(-5).join('\n')}`);
  };
  return { proc, url, pid: proc.pid!, stop };
}

/** The production build of the server, built first when missing or older than its sources (as `npm start` does). */
export const PRODUCT_SERVER = 'dist/server/main.js';
let built = false;
export function ensureServerBuilt() {
  if (built) return;
  buildIfStale(['server'], (line) => console.log(`bench: ${line}`));
  built = true;
}

/** The Node options and environment the product server runs with in the bench. */
export function productServerLaunch(dataDir: string, extraEnv: Record<string, string> = {}) {
  ensureServerBuilt();
  // The product runs with the Node options `npm start` gives it; BENCH_PRODUCT_NODE_ARGS adds more.
  const nodeArgs = [...SERVER_NODE_FLAGS, ...(process.env.BENCH_PRODUCT_NODE_ARGS ?? '').split(' ').filter(Boolean)];
  const env = { PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, SEED_DEMO: 'false', LOG_LEVEL: 'warn', NODE_ENV: 'production', ...extraEnv };
  return { nodeArgs, env };
}

/** The product server (its production build) on a fresh SQLite data directory (already seeded by the caller). */
export function spawnProductServer(dataDir: string, extraEnv: Record<string, string> = {}) {
  const { nodeArgs, env } = productServerLaunch(dataDir, extraEnv);
  return spawnNode(PRODUCT_SERVER, env, 30000, nodeArgs);
}

/** The bare relay; with `db`, the storing relay writing to that SQLite file (bench/relay-server.ts). */
export function spawnRelayServer(db?: string, env: Record<string, string> = {}) {
  // BENCH_STORING_RELAY_WRITER=thread: the storing relay commits on a worker thread.
  const writer: Record<string, string> = process.env.BENCH_STORING_RELAY_WRITER ? { RELAY_WRITER: process.env.BENCH_STORING_RELAY_WRITER } : {};
  return spawnNode('bench/relay-server.ts', { PORT: '0', ...(db ? { RELAY_DB: db, ...writer } : {}), ...env });
}

/** Resident set size of a process in MB, from /proc (Linux). */
export function rssMb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = status.match(/VmRSS:\s+(\d+)\s+kB/);
  return m ? Math.round((Number(m[1]) / 1024) * 10) / 10 : NaN;
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux). */
export function cpuSeconds(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return ticks / 100;
}

/**
 * Milliseconds of CPU a process's main thread (its event loop) has used so far, in nanosecond
 * resolution (/proc/<pid>/task/<pid>/schedstat, Linux): worker threads are not counted.
 */
export function mainThreadCpuMs(pid: number): number {
  const [onCpuNs] = fs.readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'utf8').trim().split(/\s+/).map(Number);
  return onCpuNs / 1e6;
}

/**
 * Milliseconds a process's main thread has spent runnable but waiting for a CPU, so far
 * (/proc/<pid>/schedstat, Linux). On a virtual machine this includes the time an idle virtual
 * CPU takes to wake up, which every event-loop wake-up pays.
 */
export function runqueueWaitMs(pid: number): number {
  const [, waitNs] = fs.readFileSync(`/proc/${pid}/schedstat`, 'utf8').trim().split(/\s+/).map(Number);
  return waitNs / 1e6;
}

export function connectSocket(url: string, cookie: string | null, timeoutMs = 20000): Promise<Socket> {
  const socket = io(url, {
    transports: ['websocket'],
    extraHeaders: cookie ? { cookie } : {},
    reconnection: false,
    forceNew: true,
    timeout: timeoutMs,
  });
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      socket.close();
      reject(new Error('connect timed out'));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(t);
      resolve(socket);
    });
    socket.once('connect_error', (e) => {
      clearTimeout(t);
      socket.close();
      reject(e);
    });
  });
}

/** Runs `fn` over `items` with at most `limit` in flight; keeps the results in order. */
export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  });
  await Promise.all(workers);
  return out;
}

export function closeAll(sockets: Socket[]) {
  for (const s of sockets) s.close();
}

export function writeResult(name: string, data: unknown) {
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, `${name}.json`);
  fs.writeFileSync(file, `${JSON.stringify(data, null, 2)}\n`);
  return file;
}

/** One line per full-scale scenario run, so every run stays on record, not only the latest. */
export function appendHistory(line: unknown) {
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  fs.appendFileSync(path.join(RESULTS_DIR, 'history.jsonl'), `${JSON.stringify(line)}\n`);
}

export function machine() {
  return {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.type()} ${os.release()}`,
  };
}

/** Busy CPU seconds of the whole machine so far (all cores), from /proc/stat. */
export function machineBusySeconds(): number {
  const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0];
  const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
  return (user + nice + system + irq + softirq + steal) / 100;
}

const SERVICES = new Set(['postgres', 'redis-server']);

/** CPU seconds used so far by each PostgreSQL and Redis process on the machine, by pid (Linux /proc). */
export function serviceCpuSeconds(): Map<number, number> {
  const out = new Map<number, number>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      if (!SERVICES.has(comm)) continue;
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(Number(entry), (Number(fields[11]) + Number(fields[12])) / 100);
    } catch {
      // the process ended meanwhile
    }
  }
  return out;
}

/** CPU seconds the PostgreSQL and Redis processes alive at the end used since `before` (one that ended meanwhile is not counted). */
function serviceCpuSince(before: Map<number, number>): number {
  let total = 0;
  for (const [pid, secs] of serviceCpuSeconds()) total += secs - (before.get(pid) ?? 0);
  return total;
}

/**
 * What else ran on the machine during a window: busy cores of the whole machine minus the server
 * and this load process. Other work on a shared 2-core box skews latency; the results say how much.
 */
export function contention(serverPid: number) {
  const m0 = machineBusySeconds();
  const d0 = serviceCpuSeconds();
  const s0 = cpuSeconds(serverPid);
  const l0 = process.cpuUsage();
  const t0 = nowMs();
  return () => {
    const secs = (nowMs() - t0) / 1000;
    const l = process.cpuUsage(l0);
    const server = (cpuSeconds(serverPid) - s0) / secs;
    const load = (l.user + l.system) / 1e6 / secs;
    const machine = (machineBusySeconds() - m0) / secs;
    const services = serviceCpuSince(d0) / secs;
    const r = (x: number) => Math.round(x * 100) / 100;
    return {
      serverCores: r(server),
      loadProcessCores: r(load),
      // PostgreSQL and Redis: part of the system under test when the server uses them.
      databaseAndRedisCores: r(services),
      otherProcessesCores: r(Math.max(0, machine - server - load - services)),
      loadAverage1m: r(os.loadavg()[0]),
    };
  };
}

/** Samples the event-loop delay of this (load) process, to tell client-side stalls apart. */
export function loopLag() {
  const samples: number[] = [];
  let last = performance.now();
  const h = setInterval(() => {
    const t = performance.now();
    samples.push(t - last - 50);
    last = t;
  }, 50);
  return {
    stop: () => {
      clearInterval(h);
      return percentiles(samples);
    },
  };
}
