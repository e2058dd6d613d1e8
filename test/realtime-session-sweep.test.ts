/**
 * The session sweep closes exactly the sockets whose session is gone, and on a node with many
 * connections it checks them in small batches, letting other work run in between.
 */
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Server, Socket } from 'socket.io';
import { DIALECTS } from './support/databases.js';
import { startTestServer, type TestServer } from './support/server.js';
import { sweepSessions } from '../src/server/realtime/session-sweep.js';
import { sessionTokens } from '../src/server/realtime/handlers.js';
import { tokenHash } from '../src/server/services/auth.js';

describe.each(DIALECTS)('session sweep on %s', (kind) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer(kind);
  });
  afterAll(async () => s?.stop());

  it('closes only the sockets whose session is gone, in batches that yield to other work', async () => {
    const company = await s.f.company();
    const user = await s.f.portalUser(company);
    const now = Date.now();
    // 250 connections (more than two batches): 40 lost their session, 10 have an expired one.
    const sockets = Array.from({ length: 250 }, (_, i) => {
      const token = `sweep-${kind}-${i}-${crypto.randomBytes(8).toString('hex')}`;
      const fate = i % 25 < 4 ? 'deleted' : i % 25 === 4 ? 'expired' : 'live';
      const socket = {
        closed: false,
        disconnect() {
          this.closed = true;
        },
      };
      sessionTokens.set(socket as unknown as Socket, token);
      return { token, fate, socket };
    });
    for (const x of sockets.filter((x) => x.fate !== 'deleted')) {
      await s.ctx.db
        .insertInto('sessions')
        .values({
          token_hash: tokenHash(x.token),
          user_kind: 'portal',
          user_id: user.id,
          created_at: now,
          expires_at: x.fate === 'expired' ? now - 1000 : now + 3_600_000,
        })
        .execute();
    }
    const half = sockets.length / 2;
    const io = {
      of: (name: string) => ({
        sockets: new Map(sockets.filter((_, i) => (name === '/portal' ? i < half : i >= half)).map((x, i) => [`${name}-${i}`, x.socket])),
      }),
    };

    let otherWorkRan = false;
    setImmediate(() => (otherWorkRan = true));
    const closed = await sweepSessions(s.ctx, io as unknown as Server);
    // Other work ran while the sweep was still going (on SQLite a query never yields by itself).
    expect(otherWorkRan).toBe(true);
    expect(closed).toBe(50);
    for (const x of sockets) expect({ fate: x.fate, closed: x.socket.closed }).toEqual({ fate: x.fate, closed: x.fate !== 'live' });
  });
});
