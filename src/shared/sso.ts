/**
 * Single sign-on (OpenID Connect): what the admin sends and reads, what the login pages read, and
 * the words for each refusal that ends a sign-in on the login page (`?sign_in_error=<code>`).
 */
import { z } from 'zod';
import type { ErrorCode } from './errors.js';

const id = z.number().int().positive();
export const Side = z.enum(['tech', 'portal']);
export type Side = z.infer<typeof Side>;

const noNul = (s: string) => !s.includes('\u0000');
const line = (max: number) =>
  z
    .string()
    .max(max)
    .transform((s) => s.trim())
    .pipe(z.string().min(1, 'Must not be empty').refine(noNul, 'Must not contain NUL characters'));

/** The issuer's identifier: an https URL (http only for this machine's own addresses, for trials and tests). */
export const IssuerUrl = line(500).refine((u) => {
  try {
    const url = new URL(u);
    if (url.search || url.hash) return false;
    return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname));
  } catch {
    return false;
  }
}, 'The issuer URL must be an https:// address without ? or #, e.g. https://login.microsoftonline.com/<tenant id>/v2.0');

export function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

/** A new issuer: everything, the secret included. */
export const IssuerBody = z
  .object({
    name: line(80),
    issuerUrl: IssuerUrl,
    clientId: line(300),
    clientSecret: line(2000),
    forTechs: z.boolean(),
    forPortal: z.boolean(),
    createTechs: z.boolean().default(false),
  })
  .strict()
  .refine((b) => b.forTechs || b.forPortal, { message: 'An issuer serves techs, portal users or both', path: ['forTechs'] });

/** A change to an issuer: the secret only when it is replaced (it is never sent back to be edited). */
export const IssuerPatch = z
  .object({
    name: line(80).optional(),
    issuerUrl: IssuerUrl.optional(),
    clientId: line(300).optional(),
    clientSecret: line(2000).optional(),
    forTechs: z.boolean().optional(),
    forPortal: z.boolean().optional(),
    createTechs: z.boolean().optional(),
  })
  .strict();

export const PasswordSignInBody = z.object({ tech: z.boolean(), portal: z.boolean() }).strict();

/** A domain as in an email address after the @: lower case, at least one dot. */
export const Domain = z
  .string()
  .max(253)
  .transform((d) => d.trim().toLowerCase().replace(/^@/, ''))
  .pipe(z.string().regex(/^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$/, 'Write a domain like example.com'));

export const CompanySignInBody = z
  /** `issuerId`: the only portal issuer trusted for this company's addresses; null or left out: any. */
  .object({ emailDomains: z.array(Domain).max(50), createUsers: z.boolean(), issuerId: id.nullable().default(null) })
  .strict()
  .transform((b) => ({ ...b, emailDomains: [...new Set(b.emailDomains)] }));

/** An issuer as the admin sees it: whether a secret is set, never the secret. */
export const AdminIssuer = z.object({
  id,
  name: z.string(),
  issuerUrl: z.string(),
  clientId: z.string(),
  hasClientSecret: z.boolean(),
  forTechs: z.boolean(),
  forPortal: z.boolean(),
  createTechs: z.boolean(),
});
export type AdminIssuer = z.infer<typeof AdminIssuer>;

export const SsoAdminView = z.object({
  issuers: z.array(AdminIssuer),
  passwordSignIn: z.object({ tech: z.boolean(), portal: z.boolean() }),
  /** What to register at the issuer as the redirect (reply) URI, per side. */
  redirectUris: z.object({ tech: z.string(), portal: z.string() }),
});
export type SsoAdminView = z.infer<typeof SsoAdminView>;

export const CompanySignIn = z.object({ companyId: id, emailDomains: z.array(z.string()), createUsers: z.boolean(), issuerId: id.nullable() });
export type CompanySignIn = z.infer<typeof CompanySignIn>;

/** What a login page offers: password sign-in, and a button per issuer of its side. */
export const SignInOptions = z.object({
  password: z.boolean(),
  issuers: z.array(z.object({ id, name: z.string(), startUrl: z.string() })),
});
export type SignInOptions = z.infer<typeof SignInOptions>;

/** The words the login page shows for a single sign-on that ended without a session. */
export const SIGN_IN_REFUSALS: Partial<Record<ErrorCode, string>> = {
  oidc_state_invalid: 'That sign-in link was already used or has expired. Start again with the button below.',
  oidc_token_invalid:
    'The identity provider’s answer could not be verified, so you were not signed in. Try again; if it keeps happening, tell your administrator.',
  oidc_email_unverified: 'Your identity provider does not confirm that your email address is verified, so you were not signed in.',
  oidc_domain_unknown: 'No company here uses the domain of your email address. Ask your IT contact to have it added.',
  oidc_issuer_not_allowed: 'Your company signs in with another identity provider here. Use its button, or ask your IT contact.',
  oidc_user_unknown: 'There is no account here for your email address. Ask your administrator for one.',
  oidc_user_inactive: 'Your account here is deactivated. Ask your administrator.',
  oidc_provider_error: 'The identity provider did not sign you in. Try again.',
  oidc_issuer_unavailable: 'The identity provider cannot be reached just now. Try again in a moment, or tell your administrator.',
  rate_limited: 'Too many sign-ins were started from your network just now. Wait a minute and try again.',
};

export const signInRefusal = (code: string | null): string | null =>
  code ? (SIGN_IN_REFUSALS[code as ErrorCode] ?? 'Single sign-on did not succeed. Try again.') : null;
