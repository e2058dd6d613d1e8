/**
 * The product server in a child process that the reconnect-memory bench can question over IPC:
 * `measure` answers process.memoryUsage() (after two forced full collections when `gc` is set)
 * and the sizes of everything the server keeps per connection or per user; `snapshot` writes a
 * heap snapshot. Run with `--expose-gc` (and the production Node options) by reconnect-memory.ts.
 */
import v8 from 'node:v8';
import { loadConfig } from '../src/server/config.js';
import { startServer } from '../src/server/server.js';

const server = await startServer(loadConfig(process.env), { logger: false });
console.log(server.url);

const gc = (globalThis as { gc?: () => void }).gc;
const mb = (n: number) => Math.round((n / 1024 / 1024) * 10) / 10;

function counts() {
  const io = server.realtime.io;
  const sizeOf = (x: unknown) => (x instanceof Map || x instanceof Set ? x.size : null);
  const nsp = (name: string) => {
    const n = io.of(name);
    return { sockets: n.sockets.size, rooms: n.adapter.rooms.size, sids: (n.adapter as unknown as { sids: Map<string, Set<string>> }).sids.size };
  };
  const send = server.ctx.limits.send as unknown as { buckets?: Map<string, unknown>; local?: { buckets: Map<string, unknown> } };
  return {
    engineClients: io.engine.clientsCount,
    connectionStateRecovery: Boolean((io as unknown as { opts: { connectionStateRecovery?: unknown } }).opts.connectionStateRecovery),
    portal: nsp('/portal'),
    console: nsp('/console'),
    sendBuckets: sizeOf(send.buckets ?? send.local?.buckets),
  };
}

process.on('message', (m: { id: number; op: 'measure' | 'snapshot'; gc?: boolean; file?: string }) => {
  if (m.op === 'measure') {
    if (m.gc && gc) {
      gc();
      gc();
    }
    const u = process.memoryUsage();
    process.send!({
      id: m.id,
      rssMb: mb(u.rss),
      heapUsedMb: mb(u.heapUsed),
      heapTotalMb: mb(u.heapTotal),
      externalMb: mb(u.external),
      arrayBuffersMb: mb(u.arrayBuffers),
      counts: counts(),
    });
  } else {
    process.send!({ id: m.id, file: v8.writeHeapSnapshot(m.file) });
  }
});
process.on('SIGTERM', async () => {
  await server.close().catch(() => {});
  process.exit(0);
});
