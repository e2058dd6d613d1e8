/**
 * Hot-path queries (db/prepared.ts) run synchronously on the SQLite connection when that is safe.
 * They must never see another transaction's uncommitted writes, nor run inside it; inside a
 * transaction they see its own writes. The same holds through Kysely on PostgreSQL.
 */
import { describe, expect, it } from 'vitest';
import { DIALECTS } from './support/databases.js';
import { startTestServer, type TestServer } from './support/server.js';
import { activeChat, world, type World, serverWithWorld } from './support/flows.js';
import { getVisibleChatScope } from '../src/server/services/chat-queries.js';
import { loadTechActor } from '../src/server/policies/access.js';
import { prepared } from '../src/server/db/prepared.js';
import { isUniqueViolation } from '../src/server/db/database.js';
import { startsOver, walRestarts } from './support/wal.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(DIALECTS)('hot-path reads on %s', (kind) => {
  let s: TestServer;
  let w: World;
  serverWithWorld(kind, (server, seeded) => ((s = server), (w = seeded)));

  it('a read outside a transaction does not see, or join, a transaction in progress', async () => {
    const tech = (await loadTechActor(s.ctx.db, w.tech.id))!;
    const chatId = await activeChat(w);
    let seenInside: string | null = null;
    let readDuring: Promise<string> | null = null;
    const tx = s.ctx.db
      .transaction()
      .execute(async (trx) => {
        await trx.updateTable('chats').set({ status: 'completed' }).where('id', '=', chatId).execute();
        // Inside: its own write is visible to the same hot-path query.
        seenInside = (await getVisibleChatScope(trx, tech, chatId)).status;
        // Outside, meanwhile: must not read the uncommitted status.
        readDuring = getVisibleChatScope(s.ctx.db, tech, chatId).then((c) => c.status);
        await sleep(30);
        throw new Error('roll back');
      })
      .catch((e: Error) => e.message);
    expect(await tx).toBe('roll back');
    expect(seenInside).toBe('completed');
    expect(await readDuring!).toBe('active');
    expect((await getVisibleChatScope(s.ctx.db, tech, chatId)).status).toBe('active');
  });

  it('a failing hot-path query rejects its promise; it never throws at the call', async () => {
    const chatId = await activeChat(w);
    const insertAt = prepared((db, chat: number, seq: number) =>
      db.insertInto('messages').values({ chat_id: chat, seq, author_kind: 'system', author_id: null, body: 'x', client_id: null, created_at: 0 }),
    );
    await insertAt(s.ctx.db, chatId, 900);
    let second: Promise<unknown> | undefined;
    expect(() => (second = insertAt(s.ctx.db, chatId, 900))).not.toThrow();
    const err = await second!.then(
      () => null,
      (e: unknown) => e,
    );
    expect(isUniqueViolation(err)).toBe(true);
  });
});

describe('SQLite write-ahead log', () => {
  it('is copied back by the worker, off the event loop: after a burst of commits the log starts over', async () => {
    const { freshDatabase } = await import('./support/databases.js');
    const path = await import('node:path');
    const db = await freshDatabase('sqlite');
    const server = await startTestServer('sqlite', {}, db);
    try {
      const w = await world(server);
      const chatId = await activeChat(w);
      const db_ = server.ctx.db;
      const file = path.join(db.env.DATA_DIR, 'helpdesk.sqlite');
      const append = (seq: number) =>
        db_
          .insertInto('messages')
          .values({ chat_id: chatId, seq, author_kind: 'system', author_id: null, body: `line ${seq}`, client_id: null, created_at: Date.now() })
          .execute();
      await append(999);
      const before = walRestarts(file);
      // 500 commits back to back: about 2,000 pages, half the server connection's backstop, so only
      // the worker copies them back; once it has caught up, a commit starts the log over.
      for (let i = 0; i < 500; i++) await append(1000 + i);
      let next = 5000;
      expect(await startsOver(file, before, () => append(next++))).toBe(true);
    } finally {
      await server.stop();
    }
  });
});

describe('one server per SQLite file', () => {
  it('a server that fails to start (its port is taken) releases its data directory', async () => {
    const { freshDatabase } = await import('./support/databases.js');
    const a = await freshDatabase('sqlite');
    const b = await freshDatabase('sqlite');
    const first = await startTestServer('sqlite', {}, a);
    try {
      await expect(startTestServer('sqlite', { PORT: String(first.port) }, b)).rejects.toThrow(/EADDRINUSE/);
      // Nothing of the failed start holds b: a server starts on it at once.
      const again = await startTestServer('sqlite', {}, b);
      await again.stop();
    } finally {
      await first.stop();
      await a.drop();
      await b.drop();
    }
  });

  it('a second server on the same data directory refuses to start; the first keeps serving', async () => {
    const { freshDatabase } = await import('./support/databases.js');
    const db = await freshDatabase('sqlite');
    const first = await startTestServer('sqlite', {}, db);
    try {
      await expect(startTestServer('sqlite', {}, db)).rejects.toThrow(/locked/);
      expect((await fetch(`${first.url}/api/health`)).status).toBe(200);
    } finally {
      await first.stop();
    }
  });
});
