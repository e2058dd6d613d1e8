/**
 * The website widget (SPEC Part 2, "Website widget"): a company's own pages show a chat launcher
 * with one script tag; it opens the Client Portal in a frame that only the company's listed
 * origins may embed (the frame's Content-Security-Policy says `frame-ancestors` with them). The
 * visitor signs in there as a portal user, or the host page passes a signed identity: the user's
 * email and a time, with HMAC-SHA256 of `email:time` under the company's widget secret, which
 * the host's server computes (docs/integrations.md). A signature more than five minutes from now
 * is refused as old; the user must be an active portal user of that company.
 */
import crypto from 'node:crypto';
import { AppError, NotFound, ValidationFailed } from '../errors.js';
import type { Db } from '../db/database.js';
import { deleteWidgetRow, saveWidgetRow, widgetByKey, widgetOfCompany } from '../db/repositories/widgets.js';
import { startSession, type SessionMeta } from './auth.js';

/** How far a signed identity's time may be from the server's: a copied one soon stops working. */
export const IDENTITY_MAX_AGE_MS = 5 * 60_000;
const KEY_PATTERN = /^[A-Za-z0-9_-]{16,64}$/;

export type WidgetSettings = { enabled: boolean; key: string | null; origins: string[]; hasSecret: boolean };

const originsOf = (json: string): string[] => JSON.parse(json) as string[];

/** An origin as a browser sends it: http(s), a host, a port when not the default; nothing else. */
export function normalOrigin(input: string): string {
  let u: URL;
  try {
    u = new URL(input.trim());
  } catch {
    throw new ValidationFailed(`"${input}" is not an address like https://intranet.example.com`, { field: 'origins', origin: input });
  }
  const bare = u.pathname === '/' && !u.search && !u.hash && !u.username && !u.password;
  if ((u.protocol !== 'https:' && u.protocol !== 'http:') || !bare)
    throw new ValidationFailed(`"${input}" must be only a scheme and a host, like https://intranet.example.com (no path)`, {
      field: 'origins',
      origin: input,
    });
  return u.origin;
}

export async function widgetSettings(db: Db, companyId: number): Promise<WidgetSettings> {
  if (!(await db.selectFrom('companies').select('id').where('id', '=', companyId).executeTakeFirst())) throw new NotFound('Company');
  const row = await widgetOfCompany(db, companyId);
  return row
    ? { enabled: true, key: row.widget_key, origins: originsOf(row.origins), hasSecret: row.secret !== null }
    : { enabled: false, key: null, origins: [], hasSecret: false };
}

/** Turns the widget on (with its origins) or off (the key and secret go: old snippets stop). */
export async function saveWidget(db: Db, companyId: number, input: { enabled: boolean; origins: string[] }, now: number): Promise<WidgetSettings> {
  const current = await widgetSettings(db, companyId);
  if (!input.enabled) {
    await deleteWidgetRow(db, companyId);
    return widgetSettings(db, companyId);
  }
  const origins = [...new Set(input.origins.map(normalOrigin))];
  if (origins.length === 0) throw new ValidationFailed('List at least one website address that may show the chat', { field: 'origins' });
  const row = await widgetOfCompany(db, companyId);
  await saveWidgetRow(db, {
    company_id: companyId,
    widget_key: current.key ?? crypto.randomBytes(18).toString('base64url'),
    origins: JSON.stringify(origins),
    secret: row?.secret ?? null,
    updated_at: now,
  });
  return widgetSettings(db, companyId);
}

/** A new signing secret, returned this once; identities signed with the old one stop working. */
export async function rotateWidgetSecret(db: Db, companyId: number, now: number): Promise<{ secret: string }> {
  const row = await widgetOfCompany(db, companyId);
  if (!row) throw new AppError('invalid_transition', 'Turn the widget on first', 409);
  const secret = `wsec_${crypto.randomBytes(32).toString('base64url')}`;
  await saveWidgetRow(db, { ...row, secret, updated_at: now });
  return { secret };
}

/** The origins that may frame the chat of a widget key; null for a key that is not (or no longer) one. */
export async function frameOrigins(db: Db, key: string): Promise<string[] | null> {
  if (!KEY_PATTERN.test(key)) return null;
  const row = await widgetByKey(db, key);
  return row ? originsOf(row.origins) : null;
}

/** What a host site sends: HMAC-SHA256 of `email:timestamp` (ms) under the widget secret, hex. */
export function signIdentity(secret: string, email: string, timestamp: number): string {
  return crypto.createHmac('sha256', secret).update(`${email.trim().toLowerCase()}:${timestamp}`).digest('hex');
}

/** A session for the portal user a host site vouches for; refused when the signature is wrong or old. */
export async function identitySignIn(
  db: Db,
  input: { key: string; email: string; timestamp: number; signature: string },
  now: number,
  meta: SessionMeta = {},
): Promise<{ token: string }> {
  const invalid = () => new AppError('widget_signature_invalid', 'The signed identity is not valid for this widget', 401);
  const row = KEY_PATTERN.test(input.key) ? await widgetByKey(db, input.key) : undefined;
  if (!row?.secret) throw invalid();
  const expected = Buffer.from(signIdentity(row.secret, input.email, input.timestamp), 'hex');
  const given = Buffer.from(/^[0-9a-f]{64}$/i.test(input.signature) ? input.signature : '', 'hex');
  if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) throw invalid();
  if (Math.abs(now - input.timestamp) > IDENTITY_MAX_AGE_MS)
    throw new AppError('widget_signature_expired', 'The signed identity is too old: the host page must sign it again', 401, {
      maxAgeMs: IDENTITY_MAX_AGE_MS,
    });
  const user = await db
    .selectFrom('portal_users')
    .select(['id', 'active'])
    .where('email', '=', input.email.trim().toLowerCase())
    .where('company_id', '=', row.company_id)
    .executeTakeFirst();
  // A signature that is right for a person who is not (or no longer) an active user here.
  if (user?.active !== 1) throw invalid();
  return { token: await startSession(db, 'portal', Number(user.id), meta, now) };
}
