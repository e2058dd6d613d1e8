/** SQL of API tokens (services/api-tokens.ts). */
import type { Kysely } from 'kysely';
import type { Tx } from '../database.js';
import type { Database } from '../schema.js';
import { prepared } from '../prepared.js';

/** A token by the hash of its secret, as rows (none or one): read on every request that carries one. */
export const apiTokenByHash = prepared((db: Kysely<Database>, hash: string) =>
  db.selectFrom('api_tokens').select(['id', 'scopes', 'created_by', 'expires_at', 'revoked_at', 'last_used_at']).where('token_hash', '=', hash),
);

export async function insertApiToken(
  db: Tx,
  values: { name: string; token_hash: string; prefix: string; scopes: string; created_by: number; created_at: number; expires_at: number | null },
): Promise<number> {
  const r = await db.insertInto('api_tokens').values(values).returning('id').executeTakeFirstOrThrow();
  return Number(r.id);
}

/** Every token with its creator, newest first. */
export function apiTokensWithCreator(db: Tx, id?: number) {
  let q = db
    .selectFrom('api_tokens')
    .innerJoin('techs', 'techs.id', 'api_tokens.created_by')
    .select([
      'api_tokens.id',
      'api_tokens.name',
      'api_tokens.prefix',
      'api_tokens.scopes',
      'api_tokens.created_at',
      'api_tokens.expires_at',
      'api_tokens.revoked_at',
      'api_tokens.last_used_at',
      'api_tokens.last_used_ip',
      'techs.id as creator_id',
      'techs.name as creator_name',
      'techs.role as creator_role',
      'techs.active as creator_active',
    ])
    .orderBy('api_tokens.id', 'desc');
  if (id !== undefined) q = q.where('api_tokens.id', '=', id);
  return q.execute();
}

/** Revokes a token not yet revoked; false when there is no such token or it was revoked already. */
export async function revokeApiToken(db: Tx, id: number, by: number, now: number): Promise<boolean> {
  const r = await db.updateTable('api_tokens').set({ revoked_at: now, revoked_by: by }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/**
 * Records a use, unless one was recorded after `since`: of several nodes (or requests) seeing the
 * same stale time, one writes.
 */
export async function recordApiTokenUse(db: Tx, id: number, at: number, ip: string, since: number): Promise<void> {
  await db
    .updateTable('api_tokens')
    .set({ last_used_at: at, last_used_ip: ip })
    .where('id', '=', id)
    .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<=', since)]))
    .execute();
}
