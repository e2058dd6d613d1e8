/**
 * API tokens (SPEC Part 2, "Identity, email and integrations"). An admin creates a named token
 * with scopes and an optional expiry; its secret is shown once and stored only as its SHA-256 (a
 * random 32-byte secret needs no slow hash: there is nothing to guess). A token acts as the admin
 * who created it, limited by its scopes (policies/token-scopes.ts), and works only while that
 * admin is active and still an admin: it never carries more than a person who can be stopped.
 * Revoking keeps the row, so the list still shows who made it and when it was last used.
 */
import crypto from 'node:crypto';
import { NotFound, TokenInvalid, ValidationFailed } from '../errors.js';
import type { Db } from '../db/database.js';
import { loadTechActor, type TechActor } from '../policies/access.js';
import { TOKEN_PREFIX, TOKEN_SCOPES, type ApiToken, type ApiTokenBody, type CreatedApiToken, type TokenScope } from '../../shared/api-tokens.js';
import { apiTokenByHash, apiTokensWithCreator, insertApiToken, recordApiTokenUse, revokeApiToken as revokeRow } from '../db/repositories/api-tokens.js';

/** The last use is written at most this often per token, never on every request. */
export const LAST_USE_EVERY_MS = 60_000;
/** Characters of the secret kept to tell tokens apart in the list (36 of its 256 bits). */
const SHOWN_CHARS = 6;

const hashOf = (secret: string) => crypto.createHash('sha256').update(secret).digest('hex');
const iso = (ms: number | null) => (ms === null ? null : new Date(Number(ms)).toISOString());
const parseScopes = (s: string) => s.split(',').filter((x): x is TokenScope => (TOKEN_SCOPES as readonly string[]).includes(x));

type Row = Awaited<ReturnType<typeof apiTokensWithCreator>>[number];

function present(r: Row, now: number): ApiToken {
  const expiresAt = r.expires_at === null ? null : Number(r.expires_at);
  const status =
    r.revoked_at !== null
      ? 'revoked'
      : expiresAt !== null && expiresAt <= now
        ? 'expired'
        : Number(r.creator_active) !== 1 || r.creator_role !== 'admin'
          ? 'suspended'
          : 'active';
  return {
    id: Number(r.id),
    name: r.name,
    prefix: r.prefix,
    scopes: parseScopes(r.scopes),
    status,
    createdBy: { id: Number(r.creator_id), name: r.creator_name },
    createdAt: new Date(Number(r.created_at)).toISOString(),
    expiresAt: iso(expiresAt),
    revokedAt: iso(r.revoked_at),
    lastUsedAt: iso(r.last_used_at),
    lastUsedIp: r.last_used_ip,
  };
}

async function presentOne(db: Db, id: number, now: number) {
  const [row] = await apiTokensWithCreator(db, id);
  if (!row) throw new NotFound('API token');
  return present(row, now);
}

export async function listApiTokens(db: Db, now: number): Promise<ApiToken[]> {
  return (await apiTokensWithCreator(db)).map((r) => present(r, now));
}

export async function createApiToken(db: Db, admin: TechActor, body: ApiTokenBody, now: number): Promise<CreatedApiToken> {
  const expiresAt = body.expiresAt ? Date.parse(body.expiresAt) : null;
  if (expiresAt !== null && expiresAt <= now) throw new ValidationFailed('The expiry must be in the future', { field: 'expiresAt' });
  const secret = TOKEN_PREFIX + crypto.randomBytes(32).toString('base64url');
  // Kept in the order of TOKEN_SCOPES, whatever order they came in.
  const scopes = TOKEN_SCOPES.filter((s) => body.scopes.includes(s));
  const id = await insertApiToken(db, {
    name: body.name,
    token_hash: hashOf(secret),
    prefix: secret.slice(0, TOKEN_PREFIX.length + SHOWN_CHARS),
    scopes: scopes.join(','),
    created_by: admin.id,
    created_at: now,
    expires_at: expiresAt,
  });
  return { token: await presentOne(db, id, now), secret };
}

/** Revoking a revoked token changes nothing and answers it as it is. */
export async function revokeApiToken(db: Db, admin: TechActor, id: number, now: number): Promise<ApiToken> {
  await revokeRow(db, id, admin.id, now);
  return presentOne(db, id, now);
}

/**
 * The admin a token acts as, and its scopes; TokenInvalid when the secret is unknown, revoked or
 * expired, or its admin is deactivated or no longer an admin. Records the use (time and address)
 * when the last recorded one is a minute old: one write a minute per token, not one per request.
 */
export async function actorFromApiToken(db: Db, secret: string, ip: string, now: number): Promise<{ actor: TechActor; scopes: TokenScope[]; tokenId: number }> {
  if (!secret.startsWith(TOKEN_PREFIX) || secret.length > 200) throw new TokenInvalid();
  const [t] = await apiTokenByHash(db, hashOf(secret));
  if (!t || t.revoked_at !== null || (t.expires_at !== null && Number(t.expires_at) <= now)) throw new TokenInvalid();
  const actor = await loadTechActor(db, Number(t.created_by));
  if (actor?.role !== 'admin') throw new TokenInvalid();
  if (t.last_used_at === null || Number(t.last_used_at) <= now - LAST_USE_EVERY_MS) await recordApiTokenUse(db, Number(t.id), now, ip, now - LAST_USE_EVERY_MS);
  return { actor, scopes: parseScopes(t.scopes), tokenId: Number(t.id) };
}
