/**
 * The admin's side of single sign-on: issuers (the secret is stored and sent to the issuer only,
 * never returned: the list says whether one is set), password sign-in per side, and each
 * company's email domains with its choice to create unknown people on first sign-in.
 *
 * Password sign-in for techs can be turned off only while an issuer serves techs, and the last
 * such issuer cannot be removed (or stop serving techs) while it is off: an admin cannot lock
 * everyone out this way (the `create-admin` command stays a way back in).
 */
import { Conflict, NotFound, ValidationFailed } from '../errors.js';
import type { Db, Tx } from '../db/database.js';
import { inTransaction, type Ctx } from './context.js';
import {
  companySignInRows,
  countIssuersFor,
  deleteIssuerRow,
  insertIssuer,
  issuerById,
  issuerRows,
  passwordSettings,
  saveCompanySignIn,
  savePasswordSetting,
  updateIssuerRow,
} from '../db/repositories/sso.js';
import { isUniqueViolation } from '../db/database.js';
import { discover, forgetIssuer, redirectUri } from './oidc.js';
import type { AdminIssuer, CompanySignIn, SsoAdminView } from '../../shared/sso.js';

type IssuerInput = { name: string; issuerUrl: string; clientId: string; clientSecret: string; forTechs: boolean; forPortal: boolean; createTechs: boolean };

const lockout = () =>
  new Conflict(
    'sso_lockout',
    'Password sign-in for techs is off: at least one issuer must serve techs, or nobody could sign in to the console. Turn password sign-in for techs on first.',
  );

export async function ssoAdminView(db: Db, origin: string): Promise<SsoAdminView> {
  const [rows, passwordSignIn] = await Promise.all([issuerRows(db), passwordSettings(db)]);
  return {
    issuers: rows.map(
      (r): AdminIssuer => ({
        id: Number(r.id),
        name: r.name,
        issuerUrl: r.issuer_url,
        clientId: r.client_id,
        hasClientSecret: r.client_secret.length > 0,
        forTechs: r.for_techs === 1,
        forPortal: r.for_portal === 1,
        createTechs: r.create_techs === 1,
      }),
    ),
    passwordSignIn,
    redirectUris: { tech: redirectUri(origin, 'tech'), portal: redirectUri(origin, 'portal') },
  };
}

/** A new issuer, saved once its discovery document answers. */
export async function createIssuer(ctx: Ctx, input: IssuerInput): Promise<number> {
  await discover(input.issuerUrl, input.clientId, input.clientSecret);
  const now = ctx.now();
  return insertIssuer(ctx.db, {
    name: input.name,
    issuer_url: input.issuerUrl,
    client_id: input.clientId,
    client_secret: input.clientSecret,
    for_techs: input.forTechs ? 1 : 0,
    for_portal: input.forPortal ? 1 : 0,
    create_techs: input.createTechs ? 1 : 0,
    created_at: now,
    updated_at: now,
  });
}

export async function updateIssuer(ctx: Ctx, id: number, patch: Partial<IssuerInput>): Promise<void> {
  const row = await issuerById(ctx.db, id);
  if (!row) throw new NotFound('Issuer');
  const next = {
    issuerUrl: patch.issuerUrl ?? row.issuer_url,
    clientId: patch.clientId ?? row.client_id,
    clientSecret: patch.clientSecret ?? row.client_secret,
    forTechs: patch.forTechs ?? row.for_techs === 1,
    forPortal: patch.forPortal ?? row.for_portal === 1,
  };
  if (!next.forTechs && !next.forPortal) throw new ValidationFailed('An issuer serves techs, portal users or both', { field: 'forTechs' });
  // Discovered before the transaction: no connection is held while the issuer answers.
  if (patch.issuerUrl !== undefined || patch.clientId !== undefined) await discover(next.issuerUrl, next.clientId, next.clientSecret);
  await inTransaction(ctx, async (trx) => {
    if (!next.forTechs) await assertTechsKeepAWayIn(trx, id);
    const found = await updateIssuerRow(trx, id, {
      ...(patch.name !== undefined ? { name: patch.name } : {}),
      issuer_url: next.issuerUrl,
      client_id: next.clientId,
      client_secret: next.clientSecret,
      for_techs: next.forTechs ? 1 : 0,
      for_portal: next.forPortal ? 1 : 0,
      ...(patch.createTechs !== undefined ? { create_techs: patch.createTechs ? 1 : 0 } : {}),
      updated_at: ctx.now(),
    });
    if (!found) throw new NotFound('Issuer');
  });
  forgetIssuer(id);
}

export async function deleteIssuer(ctx: Ctx, id: number): Promise<void> {
  await inTransaction(ctx, async (trx) => {
    await assertTechsKeepAWayIn(trx, id);
    if (!(await deleteIssuerRow(trx, id))) throw new NotFound('Issuer');
  });
  forgetIssuer(id);
}

/** Refused when tech password sign-in is off and no issuer but `issuerId` serves techs. */
async function assertTechsKeepAWayIn(trx: Tx, issuerId: number) {
  const password = await passwordSettings(trx);
  if (!password.tech && (await countIssuersFor(trx, 'tech', issuerId)) === 0) throw lockout();
}

export async function setPasswordSignIn(ctx: Ctx, settings: { tech: boolean; portal: boolean }): Promise<void> {
  await inTransaction(ctx, async (trx) => {
    if (!settings.tech && (await countIssuersFor(trx, 'tech')) === 0)
      throw new Conflict('sso_lockout', 'Add an issuer for techs first: with password sign-in off and no issuer, nobody could sign in to the console.');
    await savePasswordSetting(trx, 'tech', settings.tech);
    await savePasswordSetting(trx, 'portal', settings.portal);
  });
}

export async function companiesSignIn(db: Db): Promise<CompanySignIn[]> {
  const [companies, domains] = await companySignInRows(db);
  return companies.map((c) => ({
    companyId: Number(c.id),
    emailDomains: domains.filter((d) => Number(d.company_id) === Number(c.id)).map((d) => d.domain),
    createUsers: c.sso_create_users === 1,
    issuerId: c.sso_issuer_id === null ? null : Number(c.sso_issuer_id),
  }));
}

/** A domain belongs to one company at most: naming one another company has is refused, naming it. */
export async function setCompanySignIn(
  ctx: Ctx,
  companyId: number,
  input: { emailDomains: string[]; createUsers: boolean; issuerId: number | null },
): Promise<void> {
  try {
    await inTransaction(ctx, async (trx) => {
      if (input.issuerId !== null) {
        const issuer = await issuerById(trx, input.issuerId);
        if (issuer?.for_portal !== 1) throw new ValidationFailed('Choose an identity provider that serves the Client Portal', { field: 'issuerId' });
      }
      if (!(await saveCompanySignIn(trx, companyId, input.emailDomains, input.createUsers, input.issuerId))) throw new NotFound('Company');
    });
  } catch (e) {
    if (!isUniqueViolation(e)) throw e;
    const [, domains] = await companySignInRows(ctx.db);
    const taken = domains.find((d) => input.emailDomains.includes(d.domain) && Number(d.company_id) !== companyId);
    throw new Conflict(
      'duplicate',
      taken ? `The domain ${taken.domain} already belongs to another company` : 'One of these domains already belongs to another company',
    );
  }
}
