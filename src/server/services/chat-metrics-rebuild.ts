/**
 * Rebuilds the per-chat report measures (`chat_metrics`) from what is recorded: the chats, their
 * transitions and their messages (docs/metrics.md). For chats made before migration 026, chats
 * written straight into the database (an import, a benchmark's seed), or after a repair. Business
 * hours use the office hours in force now: the ones in force when each duration closed are not
 * recorded anywhere else. Runs in batches of chats, each in one transaction, so a server may keep
 * running; a chat that changes meanwhile is written again by its own transaction.
 */
import type { Insertable } from 'kysely';
import type { Db } from '../db/database.js';
import type { ChatMetricsTable } from '../db/schema.js';
import { businessBetween } from '../domain/business-time.js';
import type { OfficeHours } from '../domain/office-hours.js';
import { loadOfficeHours } from './office-hours.js';

const BATCH = 500;

type ChatFacts = {
  id: number;
  requested_at: number;
  company_id: number;
  board_id: number;
  tech_id: number | null;
  joined_at: number | null;
  ended_at: number | null;
  abandoned_at: number | null;
  callback_at: number | null;
  completed_at: number | null;
  rating: number | null;
  status: string;
  first_response_at: number | null;
};
type Step = { event: string; from_status: string | null; actor_id: number | null; at: number };

const n = (v: unknown) => (v === null || v === undefined ? null : Number(v));

/** One chat's measures from its facts: the same definitions the live writes follow. */
export function measuresOf(
  c: ChatFacts,
  steps: Step[],
  firstTechMessage: number | null,
  messages: number | null,
  hours: OfficeHours,
): Insertable<ChatMetricsTable> {
  const join = steps.find((s) => s.event === 'join');
  const firstJoinedAt = join?.at ?? c.joined_at;
  const techId = join ? join.actor_id : c.joined_at !== null ? c.tech_id : null;
  const transfers = steps.filter((s) => s.event === 'transfer' || s.event === 'hand_over').length;
  const ended = steps.find((s) => s.event === 'end')?.at ?? c.ended_at;
  const completeFromCallback = steps.find((s) => s.event === 'complete' && s.from_status === 'callback');
  const lastTransferBeforeLeave = steps.filter((s) => s.event === 'transfer' && (c.abandoned_at === null || s.at <= c.abandoned_at)).pop();
  const queuedAt = lastTransferBeforeLeave?.at ?? c.requested_at;
  const firstResponse = firstJoinedAt !== null && firstTechMessage !== null && firstTechMessage >= firstJoinedAt ? firstTechMessage : null;
  const disposition = c.callback_at !== null ? 'callback' : c.abandoned_at !== null ? 'abandoned' : firstJoinedAt !== null ? 'answered' : 'waiting';
  const span = (a: number | null, b: number | null) => (a === null || b === null ? null : b - a);
  return {
    chat_id: c.id,
    requested_at: c.requested_at,
    company_id: c.company_id,
    board_id: c.board_id,
    tech_id: techId,
    disposition,
    queued_at: queuedAt,
    first_joined_at: firstJoinedAt,
    join_ms: span(c.requested_at, firstJoinedAt),
    join_bh_ms: businessBetween(hours, c.requested_at, firstJoinedAt),
    first_response_at: firstResponse,
    first_response_ms: span(firstJoinedAt, firstResponse),
    first_response_bh_ms: businessBetween(hours, firstJoinedAt, firstResponse),
    ended_at: ended,
    handle_ms: ended === null ? null : span(firstJoinedAt, ended),
    handle_bh_ms: ended === null ? null : businessBetween(hours, firstJoinedAt, ended),
    abandoned_at: c.abandoned_at,
    abandon_wait_ms: span(c.abandoned_at === null ? null : queuedAt, c.abandoned_at),
    abandon_wait_bh_ms: c.abandoned_at === null ? null : businessBetween(hours, queuedAt, c.abandoned_at),
    callback_at: c.callback_at,
    callback_completed_at: completeFromCallback?.at ?? (c.callback_at !== null && c.status === 'completed' ? c.completed_at : null),
    completed_at: c.completed_at,
    messages: c.status === 'completed' ? messages : null,
    transfers,
    rating: c.rating,
  };
}

/** Rebuilds every chat's row; `progress` hears the count done after each batch. */
export async function rebuildChatMetrics(db: Db, progress: (done: number) => void = () => {}): Promise<number> {
  const hours = await loadOfficeHours(db);
  let after = 0;
  let done = 0;
  for (;;) {
    const chats = await db
      .selectFrom('chats')
      .select([
        'id',
        'requested_at',
        'company_id',
        'board_id',
        'tech_id',
        'joined_at',
        'ended_at',
        'abandoned_at',
        'callback_at',
        'completed_at',
        'rating',
        'status',
        'first_response_at',
        'messages_purged_at',
      ])
      .where('id', '>', after)
      .orderBy('id')
      .limit(BATCH)
      .execute();
    if (!chats.length) return done;
    const ids = chats.map((c) => Number(c.id));
    await db.transaction().execute(async (trx) => {
      const steps = await trx
        .selectFrom('transitions')
        .select(['chat_id', 'event', 'from_status', 'actor_id', 'at'])
        .where('chat_id', 'in', ids)
        .orderBy('at')
        .orderBy('id')
        .execute();
      const firsts = await trx
        .selectFrom('messages')
        .select(['chat_id', (eb) => eb.fn.min('created_at').as('at')])
        .where('chat_id', 'in', ids)
        .where('author_kind', '=', 'tech')
        .groupBy('chat_id')
        .execute();
      const counts = await trx
        .selectFrom('messages')
        .select(['chat_id', (eb) => eb.fn.countAll().as('n')])
        .where('chat_id', 'in', ids)
        .where('author_kind', '<>', 'system')
        .groupBy('chat_id')
        .execute();
      const stepsOf = new Map<number, Step[]>();
      for (const s of steps) {
        const list = stepsOf.get(Number(s.chat_id)) ?? [];
        list.push({ event: s.event, from_status: s.from_status, actor_id: n(s.actor_id), at: Number(s.at) });
        stepsOf.set(Number(s.chat_id), list);
      }
      const firstOf = new Map(firsts.map((f) => [Number(f.chat_id), Number(f.at)]));
      const countOf = new Map(counts.map((c) => [Number(c.chat_id), Number(c.n)]));
      const rows = chats.map((c) => {
        const id = Number(c.id);
        const facts: ChatFacts = {
          id,
          requested_at: Number(c.requested_at),
          company_id: Number(c.company_id),
          board_id: Number(c.board_id),
          tech_id: n(c.tech_id),
          joined_at: n(c.joined_at),
          ended_at: n(c.ended_at),
          abandoned_at: n(c.abandoned_at),
          callback_at: n(c.callback_at),
          completed_at: n(c.completed_at),
          rating: n(c.rating),
          status: c.status,
          first_response_at: n(c.first_response_at),
        };
        const first = firstOf.get(id) ?? facts.first_response_at;
        // Messages removed by retention are not there to count.
        const messages = c.messages_purged_at === null ? (countOf.get(id) ?? 0) : null;
        return measuresOf(facts, stepsOf.get(id) ?? [], first, messages, hours);
      });
      await trx.deleteFrom('chat_metrics').where('chat_id', 'in', ids).execute();
      await trx.insertInto('chat_metrics').values(rows).execute();
      // The mark the message batch reads, so a later tech message does not count as the first.
      const unmarked = chats.filter((c) => c.first_response_at === null && firstOf.has(Number(c.id))).map((c) => Number(c.id));
      if (unmarked.length)
        await trx
          .updateTable('chats')
          .set((eb) => ({
            first_response_at: eb
              .selectFrom('messages')
              .select((m) => m.fn.min('created_at').as('at'))
              .whereRef('messages.chat_id', '=', 'chats.id')
              .where('messages.author_kind', '=', 'tech'),
          }))
          .where('id', 'in', unmarked)
          .execute();
    });
    done += chats.length;
    after = ids[ids.length - 1];
    progress(done);
  }
}
