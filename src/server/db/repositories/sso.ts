/** SQL of single sign-on: issuers, password sign-in per side, company domains, sign-ins under way. */
import type { Insertable, Updateable } from 'kysely';
import type { Tx } from '../database.js';
import type { OidcIssuersTable, OidcLoginsTable } from '../schema.js';

export type Side = 'tech' | 'portal';

export function issuerRows(db: Tx) {
  return db.selectFrom('oidc_issuers').selectAll().orderBy('name').orderBy('id').execute();
}

export function issuerById(db: Tx, id: number) {
  return db.selectFrom('oidc_issuers').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function insertIssuer(db: Tx, values: Insertable<OidcIssuersTable>): Promise<number> {
  return Number((await db.insertInto('oidc_issuers').values(values).returning('id').executeTakeFirstOrThrow()).id);
}

/** True when the issuer was there to update. */
export async function updateIssuerRow(db: Tx, id: number, set: Updateable<OidcIssuersTable>): Promise<boolean> {
  const r = await db.updateTable('oidc_issuers').set(set).where('id', '=', id).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function deleteIssuerRow(db: Tx, id: number): Promise<boolean> {
  await db.deleteFrom('oidc_logins').where('issuer_id', '=', id).execute();
  const r = await db.deleteFrom('oidc_issuers').where('id', '=', id).executeTakeFirst();
  return Number(r.numDeletedRows) === 1;
}

/** How many issuers serve the side, leaving out `exceptId`. */
export async function countIssuersFor(db: Tx, side: Side, exceptId: number | null = null): Promise<number> {
  let q = db
    .selectFrom('oidc_issuers')
    .select((eb) => eb.fn.countAll<string | number>().as('n'))
    .where(side === 'tech' ? 'for_techs' : 'for_portal', '=', 1);
  if (exceptId !== null) q = q.where('id', '!=', exceptId);
  return Number((await q.executeTakeFirstOrThrow()).n);
}

/** Password sign-in per side: on unless a row says off. */
export async function passwordSettings(db: Tx): Promise<Record<Side, boolean>> {
  const rows = await db.selectFrom('sign_in_settings').selectAll().execute();
  const off = (side: Side) => rows.some((r) => r.side === side && r.password_enabled === 0);
  return { tech: !off('tech'), portal: !off('portal') };
}

/** Whether password sign-in lets in on the side: on, or off but with no issuer serving the side (nobody left without a way in). */
export async function passwordSignInOn(db: Tx, side: Side): Promise<boolean> {
  return (await passwordSettings(db))[side] || (await countIssuersFor(db, side)) === 0;
}

export async function savePasswordSetting(db: Tx, side: Side, enabled: boolean): Promise<void> {
  await db
    .insertInto('sign_in_settings')
    .values({ side, password_enabled: enabled ? 1 : 0 })
    .onConflict((oc) => oc.column('side').doUpdateSet({ password_enabled: enabled ? 1 : 0 }))
    .execute();
}

export function companySignInRows(db: Tx) {
  return Promise.all([
    db.selectFrom('companies').select(['id', 'sso_create_users', 'sso_issuer_id']).execute(),
    db.selectFrom('company_domains').selectAll().orderBy('domain').execute(),
  ]);
}

/** The company's domains become exactly these, and its choice to create unknown people; false when no such company. */
export async function saveCompanySignIn(db: Tx, companyId: number, domains: string[], createUsers: boolean, issuerId: number | null): Promise<boolean> {
  const r = await db
    .updateTable('companies')
    .set({ sso_create_users: createUsers ? 1 : 0, sso_issuer_id: issuerId })
    .where('id', '=', companyId)
    .executeTakeFirst();
  if (Number(r.numUpdatedRows) !== 1) return false;
  await db.deleteFrom('company_domains').where('company_id', '=', companyId).execute();
  if (domains.length)
    await db
      .insertInto('company_domains')
      .values(domains.map((domain) => ({ domain, company_id: companyId })))
      .execute();
  return true;
}

/** The company an email domain belongs to, with its choice to create unknown people. */
export function companyByDomain(db: Tx, domain: string) {
  return db
    .selectFrom('company_domains')
    .innerJoin('companies', 'companies.id', 'company_domains.company_id')
    .select(['companies.id', 'companies.sso_create_users', 'companies.sso_issuer_id'])
    .where('company_domains.domain', '=', domain)
    .executeTakeFirst();
}

export async function insertLogin(db: Tx, row: OidcLoginsTable): Promise<void> {
  await db.insertInto('oidc_logins').values(row).execute();
}

/** Takes the sign-in under way out, once: of two callbacks with the same state only one gets it. */
export function takeLogin(db: Tx, stateHash: string) {
  return db.deleteFrom('oidc_logins').where('state_hash', '=', stateHash).returningAll().executeTakeFirst();
}

export async function deleteExpiredLogins(db: Tx, now: number): Promise<void> {
  await db.deleteFrom('oidc_logins').where('expires_at', '<', now).execute();
}

/** Who signs in: the tech or portal user with this (lower-case) email. */
export function personByEmail(db: Tx, side: Side, email: string) {
  return db
    .selectFrom(side === 'tech' ? 'techs' : 'portal_users')
    .select(['id', 'active'])
    .where('email', '=', email)
    .executeTakeFirst();
}

/** The portal user with this (lower-case) email, with their company. */
export function portalUserByEmail(db: Tx, email: string) {
  return db.selectFrom('portal_users').select(['id', 'active', 'company_id']).where('email', '=', email).executeTakeFirst();
}
