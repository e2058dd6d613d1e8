/** SQL of a person's data (export, erase) and of the retention sweep. */
import type { Tx } from '../database.js';
import { coTechPattern } from './chats.js';

/** A portal user's chats, oldest first, with board and company names and the joined tech's name. */
export function chatsOfRequester(db: Tx, userId: number) {
  return db
    .selectFrom('chats')
    .innerJoin('boards as b', 'b.id', 'chats.board_id')
    .innerJoin('companies as c', 'c.id', 'chats.company_id')
    .leftJoin('techs as t', 't.id', 'chats.tech_id')
    .select([
      'chats.id',
      'chats.source',
      'chats.ticket_id',
      'chats.created_ticket_id',
      'chats.subject',
      'chats.status',
      'chats.outcome',
      'chats.requested_at',
      'chats.joined_at',
      'chats.left_at',
      'chats.ended_at',
      'chats.abandoned_at',
      'chats.callback_at',
      'chats.completed_at',
      'chats.callback_phone',
      'chats.callback_time',
      'chats.callback_message',
      'chats.messages_purged_at',
      'chats.rating',
      'chats.rating_comment',
      'b.name as board_name',
      'c.name as company_name',
      't.name as tech_name',
    ])
    .where('chats.requester_id', '=', userId)
    .orderBy('chats.id')
    .execute();
}

export function messagesOfChats(db: Tx, chatIds: number[]) {
  if (!chatIds.length) return Promise.resolve([]);
  return db
    .selectFrom('messages')
    .leftJoin('techs as t', (j) => j.onRef('t.id', '=', 'messages.author_id').on('messages.author_kind', '=', 'tech'))
    .select(['messages.chat_id', 'messages.seq', 'messages.author_kind', 'messages.body', 'messages.created_at', 't.name as tech_name'])
    .where('messages.chat_id', 'in', chatIds)
    .orderBy('messages.chat_id')
    .orderBy('messages.seq')
    .execute();
}

export function transitionsOfChats(db: Tx, chatIds: number[]) {
  if (!chatIds.length) return Promise.resolve([]);
  return db
    .selectFrom('transitions')
    .select(['chat_id', 'event', 'from_status', 'to_status', 'actor_kind', 'at'])
    .where('chat_id', 'in', chatIds)
    .orderBy('chat_id')
    .orderBy('id')
    .execute();
}

export function ticketsOfContact(db: Tx, userId: number) {
  return db.selectFrom('tickets').select(['id', 'summary', 'status', 'created_at', 'updated_at']).where('contact_id', '=', userId).orderBy('id').execute();
}

export function sessionsOf(db: Tx, kind: 'tech' | 'portal', userId: number) {
  return db
    .selectFrom('sessions')
    .select(['created_at', 'expires_at'])
    .where('user_kind', '=', kind)
    .where('user_id', '=', userId)
    .orderBy('created_at')
    .execute();
}

export function portalUserForExport(db: Tx, userId: number) {
  return db
    .selectFrom('portal_users as pu')
    .innerJoin('companies as c', 'c.id', 'pu.company_id')
    .select(['pu.id', 'pu.name', 'pu.email', 'pu.phone', 'pu.active', 'pu.created_at', 'pu.erased_at', 'c.name as company_name'])
    .where('pu.id', '=', userId)
    .executeTakeFirst();
}

export function techForExport(db: Tx, techId: number) {
  return db
    .selectFrom('techs')
    .select(['id', 'name', 'email', 'role', 'active', 'available', 'all_companies', 'created_at'])
    .where('id', '=', techId)
    .executeTakeFirst();
}

export function techGrants(db: Tx, techId: number) {
  return Promise.all([
    db
      .selectFrom('tech_boards as tb')
      .innerJoin('boards as b', 'b.id', 'tb.board_id')
      .select('b.name')
      .where('tb.tech_id', '=', techId)
      .orderBy('b.name')
      .execute(),
    db
      .selectFrom('tech_companies as tc')
      .innerJoin('companies as c', 'c.id', 'tc.company_id')
      .select('c.name')
      .where('tc.tech_id', '=', techId)
      .orderBy('c.name')
      .execute(),
  ]);
}

export function messagesByTech(db: Tx, techId: number) {
  return db
    .selectFrom('messages')
    .select(['chat_id', 'seq', 'body', 'created_at'])
    .where('author_kind', '=', 'tech')
    .where('author_id', '=', techId)
    .orderBy('chat_id')
    .orderBy('seq')
    .execute();
}

export function notesByTech(db: Tx, techId: number) {
  return db.selectFrom('notes').select(['chat_id', 'body', 'created_at', 'updated_at']).where('author_id', '=', techId).orderBy('chat_id').execute();
}

export function chatsJoinedBy(db: Tx, techId: number) {
  return (
    db
      .selectFrom('chats')
      .select(['id', 'subject', 'status', 'outcome', 'requested_at', 'joined_at', 'ended_at', 'completed_at'])
      // Led, invited into, or held before a transfer (the transitions keep who joined or took it over).
      .where((eb) =>
        eb.or([
          eb('tech_id', '=', techId),
          eb('co_techs', 'like', coTechPattern(techId)),
          eb(
            'id',
            'in',
            eb
              .selectFrom('transitions')
              .select('chat_id')
              .where('actor_kind', '=', 'tech')
              .where('actor_id', '=', techId)
              .where('event', 'in', ['join', 'hand_over', 'add_tech']),
          ),
        ]),
      )
      .orderBy('id')
      .execute()
  );
}

/** Chat ids with an open (waiting or active) request of this user. */
export async function openChatsOf(db: Tx, userId: number): Promise<number[]> {
  const rows = await db.selectFrom('chats').select('id').where('requester_id', '=', userId).where('status', 'in', ['waiting', 'active']).execute();
  return rows.map((r) => Number(r.id));
}

/** Transcript files of these chats (attached to tickets at the end). */
export async function transcriptIdsOf(db: Tx, chatIds: number[]): Promise<number[]> {
  if (!chatIds.length) return [];
  const rows = await db.selectFrom('attachments').select('id').where('chat_id', 'in', chatIds).execute();
  return rows.map((r) => Number(r.id));
}

/**
 * Removes attachments: their timeline entries keep the chat session's facts (times, counts) but
 * lose the file, and say why.
 */
export async function removeAttachments(db: Tx, ids: number[], reason: 'erased' | 'retention'): Promise<void> {
  if (!ids.length) return;
  const entries = await db.selectFrom('timeline').select(['id', 'data']).where('attachment_id', 'in', ids).execute();
  for (const e of entries) {
    const data = { ...(JSON.parse(e.data) as Record<string, unknown>), fileRemoved: reason };
    await db
      .updateTable('timeline')
      .set({ attachment_id: null, data: JSON.stringify(data) })
      .where('id', '=', e.id)
      .execute();
  }
  await db.deleteFrom('attachments').where('id', 'in', ids).execute();
}

/** Completed chats whose messages are due for removal, oldest first. */
export async function chatsPastRetention(db: Tx, completedBefore: number, limit: number): Promise<number[]> {
  const rows = await db
    .selectFrom('chats')
    .select('id')
    .where('status', '=', 'completed')
    .where('completed_at', '<', completedBefore)
    .where('messages_purged_at', 'is', null)
    .orderBy('completed_at')
    .limit(limit)
    .execute();
  return rows.map((r) => Number(r.id));
}
