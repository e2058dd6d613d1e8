/**
 * Preloaded into the product's production build by a bench that starts it with an IPC channel
 * (`node <options> --import ./bench/memory-probe.mjs dist/server/main.js`, bench/uploads.ts): it
 * answers `{ id, op: 'memory' }` with the process's own view of its memory, in bytes, and the time
 * it answered (a late answer is a busy event loop). With `gc: true` and `--expose-gc` it first runs
 * two full collections, to tell live memory from garbage; `{ id, op: 'loop' }` with the event loop's
 * delay since the previous such question. The server itself is unchanged.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';

if (process.send) {
  // The event loop's delay, 10 ms resolution, since the last `{ op: 'loop' }` (which reads and resets it).
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  process.on('message', (m) => {
    if (m?.op === 'loop') {
      const ms = (ns) => Math.round(ns / 1e4) / 100;
      process.send({ id: m.id, maxMs: ms(loop.max), p99Ms: ms(loop.percentile(99)), meanMs: ms(loop.mean) });
      loop.reset();
      return;
    }
    if (m?.op !== 'memory') return;
    const gc = globalThis.gc;
    const collected = m.gc === true && typeof gc === 'function';
    if (collected) {
      gc();
      gc();
    }
    const u = process.memoryUsage();
    process.send({
      id: m.id,
      at: performance.timeOrigin + performance.now(),
      collected,
      rss: u.rss,
      heapUsed: u.heapUsed,
      heapTotal: u.heapTotal,
      external: u.external,
      arrayBuffers: u.arrayBuffers,
    });
  });
}
