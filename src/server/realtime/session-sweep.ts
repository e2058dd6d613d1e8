/**
 * Open connections outlive their session only briefly: every so often each node checks, in
 * batches, that the sessions behind its sockets still exist (logout elsewhere, expiry, a
 * deactivated account) and closes the sockets whose session is gone. Events are checked on
 * every call anyway; this stops the pushes.
 */
import type { Server, Socket } from 'socket.io';
import type { Logger } from 'pino';
import type { Ctx } from '../services/context.js';
import { actorFromToken, tokenHash } from '../services/auth.js';
import { liveSessionHashes } from '../db/repositories/people.js';
import { sessionTokens } from './handlers.js';

/**
 * Small batches with a turn of the event loop between them: on SQLite a query does not yield, so
 * checking 2,000 sessions in one go held every socket's traffic for 5-10 ms; a batch of 100 takes
 * under half a millisecond.
 */
const BATCH = 100;
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

export async function sweepSessions(ctx: Ctx, io: Server): Promise<number> {
  const byToken = new Map<string, Socket[]>();
  for (const name of ['/portal', '/console']) {
    for (const s of io.of(name).sockets.values()) {
      const t = sessionTokens.get(s);
      if (!t) continue;
      byToken.set(t, [...(byToken.get(t) ?? []), s]);
    }
  }
  const tokens = [...byToken.keys()];
  let closed = 0;
  for (let i = 0; i < tokens.length; i += BATCH) {
    if (i > 0) await nextTurn();
    const chunk = tokens.slice(i, i + BATCH);
    const hashes = new Map(chunk.map((t) => [tokenHash(t), t]));
    const alive = await liveSessionHashes(ctx.db, [...hashes.keys()], ctx.now());
    for (const [hash, token] of hashes) {
      if (alive.has(hash)) continue;
      // Confirmed through the one place that knows how sessions are stored before closing anything.
      if (await actorFromToken(ctx.db, token)) continue;
      for (const s of byToken.get(token) ?? []) {
        s.disconnect(true);
        closed++;
      }
    }
  }
  return closed;
}

export function startSessionSweep(ctx: Ctx, io: Server, log: Logger): () => void {
  let running = false;
  const handle = setInterval(
    () => {
      if (running) return;
      running = true;
      sweepSessions(ctx, io)
        .catch((err) => log.error({ err }, 'session sweep failed'))
        .finally(() => (running = false));
    },
    Math.max(1000, ctx.config.timerSweepMs * 30),
  );
  handle.unref();
  return () => clearInterval(handle);
}
