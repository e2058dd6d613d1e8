/**
 * The actor behind each connection, read from its session once and kept until something about it
 * changes, instead of 1-3 database reads on every event of a busy chat.
 *
 * It stays exact because everything that changes an actor says so on every node:
 * `tech.access_changed` (grants, role, name, deactivation, password, two-factor required or
 * reset), `tech.status_changed`
 * (DNR), `portal.access_changed` and `session.ended` (logout) make the fan-out call `forgetUser`
 * here and on the other nodes (see fanout.ts), before the next event of that user is handled.
 * Two safety nets cover what such a notice could miss:
 * - while the cluster bus (Redis) is away, nothing is kept: every event reads the session again,
 *   and everything kept is dropped when Redis returns, as notices may have been lost meanwhile;
 * - an entry is read again after 60-75 s at the latest (session expiry, anything unforeseen); the
 *   session sweep closes expired sessions' sockets meanwhile.
 */
import type { Socket } from 'socket.io';
import type { Db } from '../db/database.js';
import type { Actor } from '../policies/access.js';
import { actorFromToken } from '../services/auth.js';
import { mustSetUpTwoFactor } from '../services/two-factor.js';

/**
 * Spread over 60-75 s per entry: connections that all started together must not all read again
 * in the same second (2,000 chat users at once cost a visible spike in the bench).
 */
const MAX_AGE_MS = 60_000;
const maxAge = () => MAX_AGE_MS * (1 + Math.random() / 4);

type Entry = { actor: Promise<Actor | null>; until: number; generation: number };

export type SocketActors = ReturnType<typeof createSocketActors>;

export function createSocketActors(db: Db, opts: { tokenOf: (socket: Socket) => string | undefined; trusted: () => boolean; now?: () => number }) {
  const entries = new WeakMap<Socket, Entry>();
  const now = opts.now ?? Date.now;
  let generation = 0;

  return {
    /** The socket's actor, or null when its session is gone. */
    get(socket: Socket): Promise<Actor | null> {
      const t = now();
      const kept = entries.get(socket);
      if (kept && kept.generation === generation && t < kept.until && opts.trusted()) return kept.actor;
      // Read fresh. The entry is stored before the read completes, so concurrent events share it;
      // a `forget` meanwhile removes it, and the next event reads again after the change.
      // A tech an admin requires to set up two-factor is no actor here (services/two-factor.ts):
      // their socket closes, as the handshake would refuse it.
      const actor = actorFromToken(db, opts.tokenOf(socket)).then(async (a) => (a?.kind === 'tech' && (await mustSetUpTwoFactor(db, a.id)) ? null : a));
      const entry: Entry = { actor, until: t + maxAge(), generation };
      entries.set(socket, entry);
      // A failed read (database error) is not kept; a missing session is (null: the socket closes).
      actor.catch(() => {
        if (entries.get(socket) === entry) entries.delete(socket);
      });
      return actor;
    },
    /** This socket's next event reads its session and actor again. */
    forget(socket: Socket): void {
      entries.delete(socket);
    },
    /** Every socket's next event reads again (the cluster bus came back; notices may be lost). */
    forgetAll(): void {
      generation++;
    },
  };
}
