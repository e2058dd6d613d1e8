/**
 * API tokens: what an admin sends to create one and what the admin pages see of them. The secret
 * appears once, in `CreatedApiToken`; no other answer carries it.
 */
import { z } from 'zod';
import { text } from './schemas.js';

/**
 * `read`: the GET routes of the Tech Console and the admin API; `write`: those and the console's
 * other methods; `admin`: every route of the admin API. The rule: `scopesAllowing` in
 * src/server/policies/token-scopes.ts.
 */
export const TOKEN_SCOPES = ['read', 'write', 'admin'] as const;
export const TokenScope = z.enum(TOKEN_SCOPES);
export type TokenScope = z.infer<typeof TokenScope>;
/** What every secret starts with, so a leaked one is recognised (by secret scanners, by people). */
export const TOKEN_PREFIX = 'hdt_';

export const ApiTokenBody = z
  .object({
    name: text(100),
    scopes: z
      .array(TokenScope)
      .min(1, 'Choose at least one scope')
      .max(TOKEN_SCOPES.length)
      .refine((s) => new Set(s).size === s.length, 'Name each scope once'),
    /** When it stops working (ISO 8601, in the future); null or absent: never. */
    expiresAt: z.iso.datetime({ offset: true }).nullable().optional(),
  })
  .strict();
export type ApiTokenBody = z.input<typeof ApiTokenBody>;

export const ApiTokenStatus = z.enum(['active', 'expired', 'revoked', 'suspended']);
export type ApiTokenStatus = z.infer<typeof ApiTokenStatus>;

export const ApiToken = z.object({
  id: z.number().int(),
  name: z.string(),
  /** The secret's first characters, to tell tokens apart; not enough to use one. */
  prefix: z.string(),
  scopes: z.array(TokenScope),
  /** `suspended`: its admin is deactivated or no longer an admin, so it does not work. */
  status: ApiTokenStatus,
  createdBy: z.object({ id: z.number().int(), name: z.string() }),
  createdAt: z.string(),
  expiresAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
  lastUsedAt: z.string().nullable(),
  lastUsedIp: z.string().nullable(),
});
export type ApiToken = z.infer<typeof ApiToken>;

/** The answer to a creation: the token, and its secret, shown this once. */
export const CreatedApiToken = z.object({ token: ApiToken, secret: z.string() });
export type CreatedApiToken = z.infer<typeof CreatedApiToken>;
