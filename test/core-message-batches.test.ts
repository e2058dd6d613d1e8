/**
 * Message batches (services/message-batches.ts): sends made together share one transaction and a
 * fixed number of statements on both databases; each caller still gets its own outcome, a refusal
 * fails alone, and any other failure leaves nothing of the batch half-written.
 */
import { describe, expect, it } from 'vitest';
import { DIALECTS } from './support/databases.js';
import type { TestServer } from './support/server.js';
import { activeChat, waitingChat, type World, serverWithWorld } from './support/flows.js';
import { sendMessage } from '../src/server/services/messages.js';
import { loadPortalActor, loadTechActor } from '../src/server/policies/access.js';
import { AppError } from '../src/server/errors.js';
import { sql } from 'kysely';
import { until } from './support/realtime.js';

describe.each(DIALECTS)('message batches on %s', (kind) => {
  let s: TestServer;
  let w: World;
  serverWithWorld(kind, (server, seeded) => ((s = server), (w = seeded)));

  const messagesOf = (chatId: number) => s.ctx.db.selectFrom('messages').selectAll().where('chat_id', '=', chatId).orderBy('seq').execute();
  /** PostgreSQL: until a send's batch waits for a row lock another transaction holds. */
  const sendWaitingForLock = () =>
    until(
      async () =>
        Number(
          (
            await sql<{ n: number }>`select count(*) as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`.execute(
              s.ctx.db,
            )
          ).rows[0].n,
        ) > 0,
      10000,
      'the send waiting for the row lock',
    );
  const createdEvents = () => {
    const seen: { chatId: number; seq: number }[] = [];
    const off = s.ctx.bus.on('message.created', (e) => void seen.push({ chatId: e.chatId, seq: e.seq }));
    return { seen, off };
  };

  it('sends to several chats at once: each committed once with gapless seq, a refused one alone changes nothing', async () => {
    const tech = (await loadTechActor(s.ctx.db, w.tech.id))!;
    const chats = [await activeChat(w), await activeChat(w), await activeChat(w)];
    const waiting = await waitingChat(w);
    const before = await Promise.all([...chats, waiting].map(async (id) => (await messagesOf(id)).length));
    const events = createdEvents();
    // All started in one turn of the event loop: one group on SQLite.
    const calls = chats.flatMap((chatId) => [0, 1, 2].map((i) => sendMessage(s.ctx, tech, chatId, `m${i}`, `g-${chatId}-${i}`)));
    const refused = sendMessage(s.ctx, tech, waiting, 'too early', 'g-waiting').then(
      () => 'sent',
      (e) => e.code,
    );
    const results = await Promise.all(calls);
    expect(await refused).toBe('invalid_transition');
    events.off();
    expect(results.every((r) => r.duplicate === false)).toBe(true);
    for (const [i, chatId] of chats.entries()) {
      const stored = await messagesOf(chatId);
      expect(stored.map((m) => Number(m.seq))).toEqual(Array.from({ length: before[i] + 3 }, (_, k) => k + 1));
      // Concurrent sends to one chat commit in some order (call order in a SQLite group).
      expect(
        stored
          .slice(-3)
          .map((m) => m.client_id)
          .sort(),
      ).toEqual([0, 1, 2].map((k) => `g-${chatId}-${k}`));
      // Events once each, only after the commit that holds them; on SQLite (one connection, one
      // group) also in seq order. On PostgreSQL each send commits on its own connection: the row
      // lock orders the commits, but their answers may reach this process in another order.
      const seqs = events.seen.filter((e) => e.chatId === chatId).map((e) => e.seq);
      const want = stored.slice(-3).map((m) => Number(m.seq));
      expect(kind === 'sqlite' ? seqs : [...seqs].sort((a, b) => a - b)).toEqual(want);
    }
    expect((await messagesOf(waiting)).length).toBe(before[3]);
    expect(events.seen.some((e) => e.chatId === waiting)).toBe(false);
  });

  it('a refusal by state inside the group fails alone: the chat ended between the check and the append', async () => {
    const tech = (await loadTechActor(s.ctx.db, w.tech.id))!;
    const open = await activeChat(w);
    const ended = await activeChat(w);
    const user = (await loadPortalActor(s.ctx.db, w.user.id))!;
    // The participant check passes (the chat is active when read), then the chat ends before the
    // append: the conditional counter bump matches nothing and nothing is written.
    const send = () =>
      sendMessage(s.ctx, user, ended, 'refused', 'r-2').then(
        () => 'sent',
        (e) => e.code,
      );
    let a: ReturnType<typeof sendMessage>;
    let b: Promise<string>;
    if (kind === 'sqlite') {
      // The checks run at once; the group's transaction only at the next turn, after this update.
      a = sendMessage(s.ctx, tech, open, 'kept', 'r-1');
      b = send();
      await s.ctx.db.updateTable('chats').set({ status: 'completed' }).where('id', '=', ended).execute();
    } else {
      // The end holds the chat's row lock while the send checks (reads do not wait for it) and its
      // batch locks the chat, which waits; the end then commits and the batch finds it over.
      await s.ctx.db.transaction().execute(async (trx) => {
        await trx.updateTable('chats').set({ status: 'completed' }).where('id', '=', ended).execute();
        a = sendMessage(s.ctx, tech, open, 'kept', 'r-1');
        b = send();
        await sendWaitingForLock();
      });
    }
    expect((await a!).message.body).toBe('kept');
    expect(await b!).toBe('invalid_transition');
    expect((await messagesOf(ended)).some((m) => m.client_id === 'r-2')).toBe(false);
  });

  it("a requester's leave that commits between a send's check and its append wins: the send is refused, nothing written", async () => {
    const chatId = await activeChat(w);
    const user = (await loadPortalActor(s.ctx.db, w.user.id))!;
    let sent: Promise<unknown>;
    const send = () =>
      sendMessage(s.ctx, user, chatId, 'one more thing', 'after-leave').then(
        () => 'sent',
        (e) => e.code,
      );
    if (kind === 'sqlite') {
      sent = send();
      await s.ctx.db.updateTable('chats').set({ left_at: Date.now() }).where('id', '=', chatId).execute();
    } else {
      await s.ctx.db.transaction().execute(async (trx) => {
        await trx.updateTable('chats').set({ left_at: Date.now() }).where('id', '=', chatId).execute();
        sent = send();
        await sendWaitingForLock();
      });
    }
    expect(await sent!).toBe('invalid_transition');
    expect((await messagesOf(chatId)).some((m) => m.client_id === 'after-leave')).toBe(false);
  });

  it('the same client id twice at once: stored once, both answered with that message', async () => {
    const tech = (await loadTechActor(s.ctx.db, w.tech.id))!;
    const chatId = await activeChat(w);
    const [x, y] = await Promise.all([sendMessage(s.ctx, tech, chatId, 'once', 'dup-1'), sendMessage(s.ctx, tech, chatId, 'once', 'dup-1')]);
    expect(x.message.id).toBe(y.message.id);
    expect([x.duplicate, y.duplicate].sort()).toEqual([false, true]);
    const stored = await messagesOf(chatId);
    expect(stored.filter((m) => m.client_id === 'dup-1')).toHaveLength(1);
    expect(stored.map((m) => Number(m.seq))).toEqual(Array.from({ length: stored.length }, (_, k) => k + 1));
  });

  it.runIf(kind === 'postgres')('a retry in another batch, queued behind its original on the row lock, is stored once and answered with it', async () => {
    const tech = (await loadTechActor(s.ctx.db, w.tech.id))!;
    const chatId = await activeChat(w);
    // Known scope, so each send is queued at once; the chat's row is held meanwhile, so the first
    // batch waits on it and the retry forms a second batch that waits too. The second batch's
    // look-up of stored client ids was read before the first committed: its insert meets the
    // unique index, it rolls back, and the retry is written again alone and finds the original.
    await sendMessage(s.ctx, tech, chatId, 'warm', 'race-0');
    let first!: ReturnType<typeof sendMessage>;
    let retry!: ReturnType<typeof sendMessage>;
    await s.ctx.db.transaction().execute(async (trx) => {
      await trx.updateTable('chats').set({ subject: 'held' }).where('id', '=', chatId).execute();
      first = sendMessage(s.ctx, tech, chatId, 'once', 'race-1');
      await sendWaitingForLock();
      retry = sendMessage(s.ctx, tech, chatId, 'once', 'race-1');
      await until(
        async () =>
          Number(
            (
              await sql<{ n: number }>`select count(*) as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`.execute(
                s.ctx.db,
              )
            ).rows[0].n,
          ) >= 2,
        10000,
        'both batches waiting for the row lock',
      );
    });
    const [a, b] = await Promise.all([first, retry]);
    expect(b.message.id).toBe(a.message.id);
    expect([a.duplicate, b.duplicate]).toEqual([false, true]);
    const stored = await messagesOf(chatId);
    expect(stored.filter((m) => m.client_id === 'race-1')).toHaveLength(1);
    expect(stored.map((m) => Number(m.seq))).toEqual(Array.from({ length: stored.length }, (_, k) => k + 1));
  });

  it('an unexpected failure in a batch leaves nothing of it half-written; the other sends commit once each', async () => {
    const tech = (await loadTechActor(s.ctx.db, w.tech.id))!;
    const chatId = await activeChat(w);
    const other = await activeChat(w);
    // One send to each chat first: the node then knows both chats' scope, so the four sends below
    // are queued without a read, in call order, into one batch.
    await Promise.all([sendMessage(s.ctx, tech, chatId, 'warm', 'f-0'), sendMessage(s.ctx, tech, other, 'warm', 'f-00')]);
    const before = (await messagesOf(chatId)).length;
    const events = createdEvents();
    // A body the database refuses (not null): the batch's insert fails as a whole, so every send of
    // the batch is written again alone; only the broken one fails, and its seq is not lost.
    const results = await Promise.allSettled([
      sendMessage(s.ctx, tech, chatId, 'first', 'f-1'),
      sendMessage(s.ctx, tech, chatId, null as unknown as string, 'f-broken'),
      sendMessage(s.ctx, tech, other, 'elsewhere', 'f-2'),
      sendMessage(s.ctx, tech, chatId, 'last', 'f-3'),
    ]);
    events.off();
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).not.toBeInstanceOf(AppError);
    const stored = await messagesOf(chatId);
    expect(stored.map((m) => Number(m.seq))).toEqual(Array.from({ length: before + 2 }, (_, k) => k + 1));
    expect(stored.slice(-2).map((m) => m.body)).toEqual(['first', 'last']);
    expect((await messagesOf(other)).filter((m) => m.client_id === 'f-2')).toHaveLength(1);
    // One event per stored message, none for the failed one.
    expect(events.seen.filter((e) => e.chatId === chatId).map((e) => e.seq)).toEqual(stored.slice(-2).map((m) => Number(m.seq)));
  });

  it('the limiter counts every send: a burst after a state change the node has not seen is still throttled', async () => {
    const chatId = await waitingChat(w);
    const user = (await loadPortalActor(s.ctx.db, w.user.id))!;
    // Refused while waiting: the node now remembers the chat as waiting.
    await expect(sendMessage(s.ctx, user, chatId, 'too early', 'l-0')).rejects.toMatchObject({ code: 'invalid_transition' });
    expect((await w.techClient.post(`/api/console/chats/${chatId}/join`)).status).toBe(200);
    const before = (await messagesOf(chatId)).length;
    // Forty at once, all checked against the remembered "waiting" before any batch writes.
    const results = await Promise.allSettled(Array.from({ length: 40 }, (_, i) => sendMessage(s.ctx, user, chatId, `burst ${i}`, `l-${i + 1}`)));
    const sent = results.filter((r) => r.status === 'fulfilled').length;
    const limited = results.filter((r) => r.status === 'rejected' && (r.reason as AppError).code === 'rate_limited').length;
    expect(sent + limited).toBe(40);
    expect(sent).toBeLessThanOrEqual(20);
    expect((await messagesOf(chatId)).length).toBe(before + sent);
  });

  it('sends to a chat that is over are counted too: a flood of them is throttled, not queued without end', async () => {
    const chatId = await activeChat(w);
    expect((await w.techClient.post(`/api/console/chats/${chatId}/end`, { outcome: 'ended' })).status).toBe(200);
    const user = (await loadPortalActor(s.ctx.db, w.user.id))!;
    const codes = (await Promise.allSettled(Array.from({ length: 40 }, (_, i) => sendMessage(s.ctx, user, chatId, `late ${i}`, `o-${i}`)))).map((r) =>
      r.status === 'rejected' ? (r.reason as AppError).code : 'sent',
    );
    expect(codes.filter((c) => c === 'sent')).toEqual([]);
    expect(codes.filter((c) => c === 'rate_limited').length).toBeGreaterThanOrEqual(20);
  });
});
