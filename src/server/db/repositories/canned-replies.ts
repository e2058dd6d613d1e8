/** SQL of canned replies: shared ones (owner null) and techs' personal ones. */
import type { Tx } from '../database.js';

const COLUMNS = ['id', 'owner_tech_id', 'board_id', 'shortcut', 'body', 'updated_at'] as const;

/** The shared replies (all, or those for every board and for `boardId`), and `techId`'s own. */
export function cannedRepliesFor(db: Tx, techId: number, boardId: number | 'any') {
  return db
    .selectFrom('canned_replies')
    .select(COLUMNS)
    .where((eb) =>
      eb.or([
        eb('owner_tech_id', '=', techId),
        boardId === 'any'
          ? eb('owner_tech_id', 'is', null)
          : eb.and([eb('owner_tech_id', 'is', null), eb.or([eb('board_id', 'is', null), eb('board_id', '=', boardId)])]),
      ]),
    )
    .orderBy('shortcut')
    .orderBy('id')
    .execute();
}

export function sharedCannedReplies(db: Tx) {
  return db.selectFrom('canned_replies').select(COLUMNS).where('owner_tech_id', 'is', null).orderBy('shortcut').execute();
}

export async function insertCannedReply(
  db: Tx,
  values: { owner_tech_id: number | null; board_id: number | null; shortcut: string; body: string; now: number },
): Promise<number> {
  const { now, ...rest } = values;
  const r = await db
    .insertInto('canned_replies')
    .values({ ...rest, created_at: now, updated_at: now })
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(r.id);
}

/** Changes a reply of that owner (null: a shared one); false when there is none. */
export async function updateCannedReply(
  db: Tx,
  id: number,
  owner: number | null,
  values: { board_id: number | null; shortcut: string; body: string; now: number },
): Promise<boolean> {
  const r = await db
    .updateTable('canned_replies')
    .set({ board_id: values.board_id, shortcut: values.shortcut, body: values.body, updated_at: values.now })
    .where('id', '=', id)
    .where('owner_tech_id', owner === null ? 'is' : '=', owner)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function deleteCannedReply(db: Tx, id: number, owner: number | null): Promise<boolean> {
  const r = await db
    .deleteFrom('canned_replies')
    .where('id', '=', id)
    .where('owner_tech_id', owner === null ? 'is' : '=', owner)
    .executeTakeFirst();
  return Number(r.numDeletedRows) === 1;
}
