/**
 * A person's data: export (JSON) and erase; and the retention of completed chats' messages.
 *
 * Erasing a portal user keeps what the service provider's records and reports need (the chats'
 * times, statuses, outcomes and counts; the tickets; the techs' own messages and notes) and
 * removes what the person wrote or is: their name, email, phone and password, their messages'
 * text, their chats' subjects and callback details, the transcripts of their chats, their
 * sessions. Their chats' search documents are rebuilt without their text, so search finds none
 * of it. Their messages stay in place (so each chat's seq stays gapless) as "Deleted user" with
 * the text removed.
 *
 * Retention (RETENTION_DAYS): a completed chat older than that loses its messages, its search
 * document and its transcript files; the chat itself (times, outcome, counts for reports) stays.
 */
import { deleteFiles, fileIdsOfChats } from '../db/repositories/files.js';
import { redactDeliveriesOfChats } from '../db/repositories/webhooks.js';
import { sql } from 'kysely';
import type { Tx } from '../db/database.js';
import { deleteSessionsOf, updatePortalUserRow } from '../db/repositories/people.js';
import {
  chatsJoinedBy,
  chatsOfRequester,
  chatsPastRetention,
  messagesByTech,
  messagesOfChats,
  notesByTech,
  openChatsOf,
  portalUserForExport,
  removeAttachments,
  sessionsOf,
  techForExport,
  techGrants,
  ticketsOfContact,
  transcriptIdsOf,
  transitionsOfChats,
} from '../db/repositories/privacy.js';
import { AppError, NotFound } from '../errors.js';
import { inTransaction, type Ctx } from './context.js';
import { indexChat } from './search.js';
import { deleteSearchDocuments } from '../db/repositories/search.js';

export const ERASED_NAME = 'Deleted user';
export const ERASED_TEXT = '(removed: the author’s data was erased)';
const iso = (ms: number | null | undefined) => (ms === null || ms === undefined ? null : new Date(Number(ms)).toISOString());

/** Rows grouped by their chat, in their order. */
function byChat<R extends { chat_id: number }>(rows: R[]): Map<number, R[]> {
  const out = new Map<number, R[]>();
  for (const r of rows) {
    const id = Number(r.chat_id);
    const list = out.get(id);
    if (list) list.push(r);
    else out.set(id, [r]);
  }
  return out;
}

/** Everything stored about a portal user, as JSON an admin can hand over. */
export async function exportPortalUser(ctx: Ctx, userId: number) {
  return ctx.db.transaction().execute(async (trx) => {
    const u = await portalUserForExport(trx, userId);
    if (!u) throw new NotFound('Portal user');
    const chats = await chatsOfRequester(trx, userId);
    const ids = chats.map((c) => Number(c.id));
    const [messages, transitions, tickets, sessions] = await Promise.all([
      messagesOfChats(trx, ids),
      transitionsOfChats(trx, ids),
      ticketsOfContact(trx, userId),
      sessionsOf(trx, 'portal', userId),
    ]);
    const messagesByChat = byChat(messages);
    const transitionsByChat = byChat(transitions);
    return {
      exportedAt: new Date(ctx.now()).toISOString(),
      person: {
        kind: 'portal_user' as const,
        id: Number(u.id),
        name: u.name,
        email: u.email,
        phone: u.phone,
        company: u.company_name,
        active: u.active === 1,
        createdAt: iso(u.created_at),
        erasedAt: iso(u.erased_at),
      },
      chats: chats.map((c) => ({
        id: Number(c.id),
        subject: c.subject,
        board: c.board_name,
        company: c.company_name,
        status: c.status,
        outcome: c.outcome,
        technician: c.tech_name,
        ticketId: c.ticket_id === null ? null : Number(c.ticket_id),
        createdTicketId: c.created_ticket_id === null ? null : Number(c.created_ticket_id),
        requestedAt: iso(c.requested_at),
        joinedAt: iso(c.joined_at),
        leftAt: iso(c.left_at),
        endedAt: iso(c.ended_at),
        abandonedAt: iso(c.abandoned_at),
        callbackAt: iso(c.callback_at),
        completedAt: iso(c.completed_at),
        callback: c.callback_phone || c.callback_message ? { phone: c.callback_phone, time: c.callback_time, message: c.callback_message } : null,
        messagesRemovedAt: iso(c.messages_purged_at),
        rating: c.rating == null ? null : { score: Number(c.rating), comment: c.rating_comment },
        messages: (messagesByChat.get(Number(c.id)) ?? []).map((m) => ({
          seq: m.seq,
          author: m.author_kind === 'portal' ? 'you' : m.author_kind,
          authorName: m.author_kind === 'tech' ? m.tech_name : null,
          body: m.body,
          at: iso(m.created_at),
        })),
        history: (transitionsByChat.get(Number(c.id)) ?? []).map((t) => ({
          event: t.event,
          from: t.from_status,
          to: t.to_status,
          by: t.actor_kind,
          at: iso(t.at),
        })),
      })),
      tickets: tickets.map((t) => ({ id: Number(t.id), summary: t.summary, status: t.status, createdAt: iso(t.created_at), updatedAt: iso(t.updated_at) })),
      sessions: sessions.map((s) => ({ createdAt: iso(s.created_at), expiresAt: iso(s.expires_at) })),
    };
  });
}

/** Everything stored about a tech: account, grants, the chats they joined, their messages and notes. */
export async function exportTech(ctx: Ctx, techId: number) {
  return ctx.db.transaction().execute(async (trx) => {
    const t = await techForExport(trx, techId);
    if (!t) throw new NotFound('Tech');
    const [[boards, companies], chats, messages, notes, sessions] = await Promise.all([
      techGrants(trx, techId),
      chatsJoinedBy(trx, techId),
      messagesByTech(trx, techId),
      notesByTech(trx, techId),
      sessionsOf(trx, 'tech', techId),
    ]);
    return {
      exportedAt: new Date(ctx.now()).toISOString(),
      person: {
        kind: 'tech' as const,
        id: Number(t.id),
        name: t.name,
        email: t.email,
        role: t.role,
        active: t.active === 1,
        available: t.available === 1,
        createdAt: iso(t.created_at),
      },
      grants: { boards: boards.map((b) => b.name), allCompanies: t.all_companies === 1, companies: companies.map((c) => c.name) },
      chats: chats.map((c) => ({
        id: Number(c.id),
        subject: c.subject,
        status: c.status,
        outcome: c.outcome,
        requestedAt: iso(c.requested_at),
        joinedAt: iso(c.joined_at),
        endedAt: iso(c.ended_at),
        completedAt: iso(c.completed_at),
      })),
      messages: messages.map((m) => ({ chatId: Number(m.chat_id), seq: m.seq, body: m.body, at: iso(m.created_at) })),
      notes: notes.map((n) => ({ chatId: Number(n.chat_id), body: n.body, createdAt: iso(n.created_at), updatedAt: iso(n.updated_at) })),
      sessions: sessions.map((s) => ({ createdAt: iso(s.created_at), expiresAt: iso(s.expires_at) })),
    };
  });
}

/**
 * Erases a portal user (see the top of this file). Refused while they have a waiting or active
 * chat: that chat must end first. Erasing twice changes nothing more. `confirmEmail` must be the
 * person's current email, so an id typed by mistake erases no one.
 */
export async function erasePortalUser(ctx: Ctx, userId: number, confirmEmail: string) {
  const result = await inTransaction(ctx, async (trx, outbox) => {
    const u = await portalUserForExport(trx, userId);
    if (!u) throw new NotFound('Portal user');
    if (u.erased_at !== null) return { erased: false as const, chats: 0, transcripts: 0 };
    if (u.email.toLowerCase() !== confirmEmail.trim().toLowerCase()) throw new AppError('confirmation_mismatch', 'Type the person’s email to confirm', 400);
    const open = await openChatsOf(trx, userId);
    if (open.length)
      throw new AppError('person_has_open_chat', `End chat #${open[0]} first: the person has a waiting or active chat`, 409, { chatId: open[0] });
    const now = ctx.now();
    const chats = (await chatsOfRequester(trx, userId)).map((c) => Number(c.id));
    await updatePortalUserRow(trx, userId, {
      name: ERASED_NAME,
      email: `erased-${userId}@erased.invalid`,
      phone: null,
      password_hash: '!erased',
      active: 0,
      erased_at: now,
    });
    await deleteSessionsOf(trx, 'portal', userId);
    await trx.deleteFrom('login_failures').where('key', 'like', `%${u.email.toLowerCase()}%`).execute();
    if (chats.length) {
      await trx.updateTable('messages').set({ body: ERASED_TEXT, client_id: null }).where('chat_id', 'in', chats).where('author_kind', '=', 'portal').execute();
      await trx
        .updateTable('chats')
        // The rating's score stays (a number about the service); its comment is the person's words.
        .set({ subject: ERASED_TEXT, callback_phone: null, callback_time: null, callback_message: null, rating_comment: null })
        .where('id', 'in', chats)
        .execute();
    }
    const transcripts = await transcriptIdsOf(trx, chats);
    await removeAttachments(trx, transcripts, 'erased');
    // The files they sent go; those the techs sent stay with the chat.
    await deleteFiles(trx, await fileIdsOfChats(trx, chats, { kind: 'portal', id: userId }));
    for (const chatId of chats) await indexChat(trx, ctx.dialect, chatId);
    await redactDeliveriesOfChats(trx, chats);
    outbox.add('session.ended', { kind: 'portal', userId });
    outbox.add('portal.access_changed', { userId });
    return { erased: true as const, chats: chats.length, transcripts: transcripts.length };
  });
  return result;
}

/** Removes the messages and files of completed chats older than the retention; returns how many chats. */
export async function runRetention(ctx: Ctx, opts: { days?: number | null; batch?: number } = {}): Promise<{ chats: number; messages: number; files: number }> {
  const days = opts.days === undefined ? ctx.config.retentionDays : opts.days;
  const out = { chats: 0, messages: 0, files: 0 };
  if (days === null) return out;
  const before = ctx.now() - days * 86_400_000;
  for (;;) {
    const done = await inTransaction(ctx, async (trx: Tx) => {
      // On PostgreSQL one node sweeps at a time (the others find the lock taken and stop): no two
      // nodes delete the same rows at once. SQLite has one writer anyway.
      if (ctx.dialect === 'postgres' && !(await sweepLockTaken(trx))) return 0;
      const ids = await chatsPastRetention(trx, before, opts.batch ?? 200);
      if (!ids.length) return 0;
      const removed = await trx.deleteFrom('messages').where('chat_id', 'in', ids).executeTakeFirst();
      out.messages += Number(removed.numDeletedRows);
      const files = await transcriptIdsOf(trx, ids);
      await removeAttachments(trx, files, 'retention');
      const sent = await fileIdsOfChats(trx, ids);
      await deleteFiles(trx, sent);
      out.files += files.length + sent.length;
      await deleteSearchDocuments(trx, ctx.dialect, ids);
      await trx.updateTable('chats').set({ messages_purged_at: ctx.now() }).where('id', 'in', ids).execute();
      out.chats += ids.length;
      return ids.length;
    });
    if (done === 0) return out;
  }
}

async function sweepLockTaken(trx: Tx): Promise<boolean> {
  const r = await sql<{ taken: boolean }>`select pg_try_advisory_xact_lock(727002) as taken`.execute(trx);
  return r.rows[0]?.taken === true;
}

/** Runs the retention sweep now and then (hourly) while the server runs, when a retention is set. */
export function startRetentionSweeper(ctx: Ctx, onError: (e: unknown) => void, everyMs = 3_600_000): () => void {
  if (ctx.config.retentionDays === null) return () => {};
  let running = false;
  const sweep = async () => {
    if (running) return;
    running = true;
    try {
      await runRetention(ctx);
    } catch (e) {
      onError(e);
    } finally {
      running = false;
    }
  };
  const first = setTimeout(sweep, 5_000);
  const handle = setInterval(sweep, everyMs);
  first.unref();
  handle.unref();
  return () => {
    clearTimeout(first);
    clearInterval(handle);
  };
}
