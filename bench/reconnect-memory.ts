/**
 * Server memory when 2,000 connections drop and come back (issue 11, item 7.8): 1,000 active
 * chats, each side connected (portal and console), subscribed and sending one message; then every
 * connection drops at once and reconnects, subscribes and sends again, three times. Memory is
 * sampled for 45 s
 * afterwards, as the process sees it (RSS, heap used) and after forced full collections (what is
 * really retained), with the sizes of the server's per-connection and per-user structures.
 *
 *   node --import tsx bench/reconnect-memory.ts            # 1,000 chats (2,000 connections)
 *   BENCH_CHATS=100 node --import tsx bench/reconnect-memory.ts
 *   BENCH_CYCLES=5 ...                                      # drop and reconnect 5 times (default 3)
 *   BENCH_NODE_FLAGS=default ...                            # without scripts/server-node-flags.json
 *   BENCH_SNAPSHOTS=1 ...                                   # also heap snapshots in the data dir
 *
 * Not part of `npm test`; results go to bench/results/reconnect-memory.json.
 */
import { fork } from 'node:child_process';
import path from 'node:path';
import type { Socket } from 'socket.io-client';
import { SERVER_NODE_FLAGS } from '../src/server/node-flags.js';
import { seed } from './seed.js';
import { ROOT, connectSocket, freshDataDir, mapLimit, sleep, writeResult } from './lib.js';

const CHATS = Number(process.env.BENCH_CHATS ?? 1000);
const SNAPSHOTS = process.env.BENCH_SNAPSHOTS === '1';
const CYCLES = Number(process.env.BENCH_CYCLES ?? 3);
/** BENCH_NODE_FLAGS=default runs the server without the production Node options, for comparison. */
const NODE_FLAGS = process.env.BENCH_NODE_FLAGS === 'default' ? [] : SERVER_NODE_FLAGS;

const dataDir = freshDataDir('reconnect');
const seeded = await seed(dataDir, { chats: CHATS, alertTechs: 0, portalUsers: CHATS });
const child = fork(path.join(ROOT, 'bench/memory-server.ts'), [], {
  cwd: ROOT,
  execArgv: [...NODE_FLAGS, '--expose-gc', '--import', 'tsx'],
  env: { ...process.env, PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, SEED_DEMO: 'false', LOG_LEVEL: 'warn', NODE_ENV: 'production' },
  stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
});
const url = await new Promise<string>((resolve) => {
  let out = '';
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
    const m = out.match(/http:\/\/127\.0\.0\.1:\d+/);
    if (m) resolve(m[0]);
  });
});

let nextId = 0;
function ask<T>(op: 'measure' | 'snapshot', extra: Record<string, unknown> = {}): Promise<T> {
  const id = ++nextId;
  return new Promise((resolve) => {
    const on = (m: { id: number }) => {
      if (m.id !== id) return;
      child.off('message', on);
      resolve(m as T);
    };
    child.on('message', on);
    child.send({ id, op, ...extra });
  });
}
type Sample = { rssMb: number; heapUsedMb: number; heapTotalMb: number; externalMb: number; counts: unknown };
const measure = async (label: string) => {
  const natural = await ask<Sample>('measure');
  const collected = await ask<Sample>('measure', { gc: true });
  const row = {
    label,
    natural: { rssMb: natural.rssMb, heapUsedMb: natural.heapUsedMb, heapTotalMb: natural.heapTotalMb },
    afterGc: { rssMb: collected.rssMb, heapUsedMb: collected.heapUsedMb, heapTotalMb: collected.heapTotalMb, externalMb: collected.externalMb },
    counts: collected.counts,
  };
  console.log(JSON.stringify(row));
  return row;
};
/** Only the process's own view, no forced collection: what an operator's graph shows. */
const observe = async (label: string) => {
  const s = await ask<Sample>('measure');
  const row = { label, natural: { rssMb: s.rssMb, heapUsedMb: s.heapUsedMb, heapTotalMb: s.heapTotalMb } };
  console.log(JSON.stringify(row));
  return row;
};

async function connectAll(round: number): Promise<Socket[]> {
  const sockets: Socket[] = [];
  await mapLimit(seeded.chats, 50, async (c) => {
    for (const [nsp, cookie] of [
      ['/portal', c.portalCookie],
      ['/console', c.techCookie],
    ] as const) {
      const s = await connectSocket(url + nsp, cookie, 60000);
      sockets.push(s);
      await s.timeout(30000).emitWithAck('chat:subscribe', { chatId: c.chatId, afterSeq: 0 });
      await s.timeout(30000).emitWithAck('message:send', { chatId: c.chatId, body: `round ${round} from ${nsp}`, clientId: `r${round}-${nsp}-${c.chatId}` });
    }
  });
  return sockets;
}

const rows: unknown[] = [];
try {
  rows.push(await measure('started, no connections'));
  let sockets = await connectAll(0);
  rows.push(await measure(`${sockets.length} connected, subscribed, one message each`));
  if (SNAPSHOTS) await ask('snapshot', { file: path.join(dataDir, 'before-drop.heapsnapshot') });
  for (let cycle = 1; cycle <= CYCLES; cycle++) {
    // Every connection drops at once (a network blip, a load balancer restart)...
    for (const s of sockets) s.io.engine.close();
    await sleep(2000);
    rows.push(await observe(`cycle ${cycle}: all dropped, 2 s later`));
    // ...and comes back.
    sockets = await connectAll(cycle);
    if (cycle < CYCLES) rows.push(await measure(`cycle ${cycle}: ${sockets.length} reconnected`));
  }
  rows.push(await observe(`cycle ${CYCLES}: ${sockets.length} reconnected`));
  let waited = 0;
  for (const t of [10, 30, 45]) {
    await sleep((t - waited) * 1000);
    waited = t;
    rows.push(await observe(`${t} s after reconnecting`));
  }
  rows.push(await measure('45 s after reconnecting, then forced full collections'));
  if (SNAPSHOTS) await ask('snapshot', { file: path.join(dataDir, 'after-reconnect.heapsnapshot') });
  for (const s of sockets) s.close();
} finally {
  child.kill('SIGTERM');
}
const file = writeResult(NODE_FLAGS.length ? 'reconnect-memory' : 'reconnect-memory-default-flags', {
  date: new Date().toISOString(),
  chats: CHATS,
  connections: CHATS * 2,
  nodeFlags: NODE_FLAGS,
  cycles: CYCLES,
  rows,
  snapshotsIn: SNAPSHOTS ? dataDir : null,
});
console.log(`written ${file}`);
process.exit(0);
