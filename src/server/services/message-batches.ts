/**
 * Message sends are written in batches. Every send that arrives in one turn of the event loop, or
 * while earlier batches are being written, joins the next batch; a batch is one transaction of a
 * fixed number of statements (db/repositories/message-batch.ts): lock the chats and look up the
 * client ids already stored, then insert the new messages and advance the counters. The cost of a
 * commit and of each round trip to PostgreSQL is then shared by every message of the batch.
 *
 * Each send is decided on its chat's locked row with the rule table (policies/rules.ts), in the
 * order the sends arrived: a retry of a stored message is answered with it; a send the chat's state
 * or the author's place in it no longer allows is refused alone, with nothing written; the others
 * get the chat's next `seq`, without gaps. A failure that is not a refusal rolls the whole batch
 * back, and each of its sends is then written again alone, so each caller gets its own outcome.
 * Events are published after the commit, in `seq` order per chat.
 */
import { AppError, NotFound } from '../errors.js';
import { isUniqueViolation, type Db, type Tx } from '../db/database.js';
import type { Message } from '../db/schema.js';
import { appendMessages, lockChatsAndPriors, type LockedChat, type NewMessage, type SendKey } from '../db/repositories/message-batch.js';
import type { ChatScope } from '../db/repositories/chats.js';
import type { Actor } from '../policies/access.js';
import { authorize, can, stateAllows } from '../policies/rules.js';
import { Outbox } from '../events/bus.js';
import type { Ctx } from './context.js';
import { refusal } from './transition.js';
import { presentMessage } from './presenters.js';
import { queueWebhooks } from './webhook-events.js';
import { recordFirstResponses } from './chat-metrics.js';
import type { FileView, MessageView } from '../../shared/views.js';

/** `file`: a stored file the message carries (services/files.ts); its body is then the file's name. */
export type SendRequest = { actor: Actor; chatId: number; body: string; clientId: string; now: number; file?: FileView };
export type SendResult = { message: MessageView; duplicate: boolean };

type Pending = SendRequest & { resolve: (r: SendResult) => void; reject: (e: unknown) => void };
type Queue = { pending: Pending[]; running: number; scheduled: boolean; scopes: Map<number, ChatScope> };

/** The most sends in one batch. */
const MAX_BATCH = 500;
/**
 * Batches written at once: SQLite has one connection; on PostgreSQL up to half the pool (at most
 * 4), so reads and other commands always find a connection.
 */
const inFlight = (ctx: Ctx) => (ctx.dialect === 'sqlite' ? 1 : Math.max(1, Math.min(4, Math.floor(ctx.config.databasePoolSize / 2))));
/** How many chats' last seen scope a node keeps for the checks before a send is queued. */
const SCOPES_KEPT = 20_000;

const queues = new WeakMap<Db, Queue>();

function queueOf(db: Db): Queue {
  let q = queues.get(db);
  if (!q) queues.set(db, (q = { pending: [], running: 0, scheduled: false, scopes: new Map() }));
  return q;
}

/**
 * The chat's scope as the last batch that wrote to it saw it (kept per node, bounded), or
 * undefined. A hint only: it spares a read before the send is queued, and the batch decides again
 * on the locked row, so a stale scope can delay a refusal but never let a send through.
 */
export function lastSeenScope(db: Db, chatId: number): ChatScope | undefined {
  return queueOf(db).scopes.get(chatId);
}

export function rememberScope(db: Db, scope: ChatScope): void {
  const scopes = queueOf(db).scopes;
  const id = Number(scope.id);
  scopes.delete(id);
  scopes.set(id, {
    id,
    status: scope.status,
    requester_id: scope.requester_id,
    tech_id: scope.tech_id,
    co_techs: scope.co_techs,
    board_id: scope.board_id,
    company_id: scope.company_id,
    left_at: scope.left_at,
  });
  if (scopes.size > SCOPES_KEPT) scopes.delete(scopes.keys().next().value!);
}

/** Queues a send for the next batch; settles once that batch has committed (or refused it). */
export function submitSend(ctx: Ctx, req: SendRequest): Promise<SendResult> {
  const q = queueOf(ctx.db);
  return new Promise<SendResult>((resolve, reject) => {
    q.pending.push({ ...req, resolve, reject });
    if (!q.scheduled) {
      q.scheduled = true;
      setImmediate(() => {
        q.scheduled = false;
        pump(ctx, q);
      });
    }
  });
}

function pump(ctx: Ctx, q: Queue) {
  while (q.running < inFlight(ctx) && q.pending.length) {
    const batch = q.pending.splice(0, MAX_BATCH);
    q.running++;
    void runBatch(ctx, batch).finally(() => {
      q.running--;
      pump(ctx, q);
    });
  }
}

type Outcome = { result: SendResult } | { error: AppError };

async function runBatch(ctx: Ctx, batch: Pending[], again = false): Promise<void> {
  let outcomes: Outcome[];
  ctx.metrics.messageBatchSize.observe(batch.length);
  try {
    outcomes = await writeBatch(ctx, batch);
  } catch (err) {
    // A send alone that met the unique index: a copy committed by another batch after this one
    // looked for it (message-batch.ts). Written once more, it finds that copy.
    if (batch.length === 1 && !again && isUniqueViolation(err)) return runBatch(ctx, batch, true);
    if (batch.length === 1) return batch[0].reject(err);
    // Nothing of the batch was kept: each send again alone, for its own outcome.
    for (const p of batch) await runBatch(ctx, [p]);
    return;
  }
  for (const [i, o] of outcomes.entries()) {
    if ('error' in o) batch[i].reject(o.error);
    else batch[i].resolve(o.result);
  }
}

const keyOf = (k: SendKey) => `${k.chatId}\u0000${k.kind}\u0000${k.authorId}\u0000${k.clientId}`;

/** What one send comes to, decided on its chat's locked row. */
type Decision = { duplicateOf: Message | NewMessage } | { append: NewMessage };

async function writeBatch(ctx: Ctx, batch: Pending[]): Promise<Outcome[]> {
  const outbox = new Outbox();
  const chatIds = [...new Set(batch.map((p) => p.chatId))];
  const keys = batch.map((p): SendKey => ({ chatId: p.chatId, kind: p.actor.kind, authorId: p.actor.id, clientId: p.clientId }));
  const { outcomes, chats } = await ctx.db.transaction().execute(async (trx: Tx) => {
    const locked = await lockChatsAndPriors(trx, ctx.dialect, chatIds, keys);
    const chats = new Map(locked.chats.map((c) => [Number(c.id), c]));
    const known = new Map<string, Message | NewMessage>(locked.priors.map((m) => [keyOf(storedKey(m)), m]));
    const decisions: (Decision | { error: AppError })[] = batch.map((p, i) => {
      try {
        return decide(p, chats.get(p.chatId), keys[i], known);
      } catch (err) {
        if (err instanceof AppError) return { error: err };
        throw err;
      }
    });
    const rows = decisions.flatMap((d) => ('append' in d ? [d.append] : []));
    const ids = new Map<string, number>();
    if (rows.length) {
      const lastSeqs = new Map(rows.map((r) => [r.chatId, r.seq]));
      for (const k of await appendMessages(trx, ctx.dialect, rows, lastSeqs)) ids.set(`${k.chat_id}:${k.seq}`, Number(k.id));
    }
    // A stored row as is; a new one from what the batch wrote and the id it got.
    const rowOf = (m: Message | NewMessage): Message =>
      'id' in m
        ? m
        : {
            id: ids.get(`${m.chatId}:${m.seq}`)!,
            chat_id: m.chatId,
            seq: m.seq,
            author_kind: m.kind,
            author_id: m.authorId,
            body: m.body,
            client_id: m.clientId,
            file_id: m.fileId,
            created_at: m.createdAt,
          };
    const outcomes = decisions.map((d, i): Outcome => {
      if ('error' in d) return d;
      const p = batch[i];
      // A retry answered with what is stored: its file, if any, is read with it (files.ts), not this send's.
      const message = presentMessage({ ...rowOf('append' in d ? d.append : d.duplicateOf), author_name: p.actor.name }, 'append' in d ? p.file : undefined);
      if ('append' in d) {
        const requesterId = Number(chats.get(p.chatId)!.requester_id);
        outbox.add('message.created', { chatId: p.chatId, messageId: message.id, seq: message.seq, message, participants: { requesterId } });
      }
      return { result: { message, duplicate: 'duplicateOf' in d } };
    });
    await recordFirstResponses(trx, firstTechMessages(chats, rows));
    await queueWebhooks(ctx, trx, outbox);
    return { outcomes, chats };
  });
  outbox.flush(ctx.bus);
  for (const chat of chats.values()) rememberScope(ctx.db, chat);
  return outcomes;
}

/** The batch's first tech message in each chat that had none yet (the locked row says). */
function firstTechMessages(chats: Map<number, LockedChat>, rows: NewMessage[]): { chatId: number; at: number }[] {
  const firsts = new Map<number, number>();
  for (const r of rows) {
    if (r.kind !== 'tech' || firsts.has(r.chatId) || chats.get(r.chatId)?.first_response_at != null) continue;
    firsts.set(r.chatId, r.createdAt);
  }
  return [...firsts].map(([chatId, at]) => ({ chatId, at }));
}

const storedKey = (m: Message): SendKey => ({ chatId: Number(m.chat_id), kind: m.author_kind, authorId: Number(m.author_id), clientId: m.client_id! });

/**
 * One send against its chat as locked, in arrival order (`chat.last_seq` advances in memory as
 * the batch takes numbers). The same order of checks as before any batch: who may see the chat,
 * then a retry of a stored message (answered even after the chat moved on), then the chat's state,
 * then the author's place in it.
 */
function decide(p: Pending, chat: LockedChat | undefined, key: SendKey, known: Map<string, Message | NewMessage>): Decision {
  if (!chat || !can(p.actor, 'chat.view', chat)) throw new NotFound('Chat');
  const k = keyOf(key);
  const prior = known.get(k);
  const writer = can(p.actor, 'chat.write', chat);
  if (prior && writer) return { duplicateOf: prior };
  if (!stateAllows('chat.write', chat, p.actor.kind)) throw refusal(chat, 'message');
  if (!writer) authorize(p.actor, 'chat.write', chat);
  chat.last_seq = Number(chat.last_seq) + 1;
  const append: NewMessage = { ...key, seq: chat.last_seq, body: p.body, fileId: p.file?.id ?? null, createdAt: p.now };
  known.set(k, append);
  return { append };
}
