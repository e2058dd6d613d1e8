/**
 * First start and setup mode (SPEC "Running it in production"). A database without any account
 * is in setup mode: the API answers `setup_required` to everything but the creation of the first
 * admin, which needs a setup token that a node printed in its log. The tokens are stored by hash,
 * so every node accepts a token any node printed; the first admin is created in one transaction
 * with the claim of the `setup_state` row, so of any number of concurrent attempts, on any node,
 * exactly one creates an admin. Once an account exists setup mode is over for good.
 */
import crypto from 'node:crypto';
import type { Db, Tx } from '../db/database.js';
import { isUniqueViolation } from '../db/database.js';
import { insertTech } from '../db/repositories/people.js';
import { anyAccount, claimSetup, deleteSetupTokens, insertSetupToken, setupTokenExists, type SetupCompletedBy } from '../db/repositories/setup.js';
import { Conflict, SetupDone, SetupRequired, SetupTokenInvalid } from '../errors.js';
import { hashPassword, tokenHash } from './auth.js';
import { addressKey, forgetAttempts } from './rate-limit.js';
import type { Limits } from './limits.js';

// Accounts are never deleted, so a database seen with one stays set up: no query after that.
const setUp = new WeakSet<Db>();

/** Whether the database has no account yet (setup mode). */
export async function setupRequired(db: Db): Promise<boolean> {
  if (setUp.has(db)) return false;
  if (await anyAccount(db)) {
    setUp.add(db);
    return false;
  }
  return true;
}

export async function assertSetUp(db: Db): Promise<void> {
  if (await setupRequired(db)) throw new SetupRequired();
}

/** A new setup token for this node's log; its hash joins the others in the database. */
export async function issueSetupToken(db: Db, now = Date.now()): Promise<string> {
  const token = crypto.randomBytes(24).toString('base64url');
  await insertSetupToken(db, tokenHash(token), now);
  return token;
}

export type NewAdmin = { email: string; name: string; password: string };

async function insertAdmin(trx: Tx, admin: NewAdmin, passwordHash: string, now: number): Promise<number> {
  return insertTech(trx, {
    email: admin.email.trim().toLowerCase(),
    name: admin.name,
    password_hash: passwordHash,
    role: 'admin',
    available: 1,
    all_companies: 1,
    active: 1,
    created_at: now,
  });
}

/**
 * The setup page's request: the first admin, if the token is one a node printed and no admin
 * was created meanwhile. Wrong tokens count against the caller's address (`limits.setupToken`).
 */
export async function createFirstAdmin(
  db: Db,
  limits: Limits,
  input: NewAdmin & { token: string },
  ip: string,
  now = Date.now(),
): Promise<{ id: number; email: string }> {
  if (!(await setupRequired(db))) throw new SetupDone();
  const attempt = await limits.setupToken.begin(db, [`setup:${addressKey(ip)}`], now);
  const hash = tokenHash(input.token);
  if (!(await setupTokenExists(db, hash))) {
    // The printed tokens are deleted when the first admin is created: a right token that lost the
    // race to another submission is told that setup is done, not that it was wrong.
    if (!(await setupRequired(db))) throw new SetupDone();
    throw new SetupTokenInvalid();
  }
  await forgetAttempts(db, attempt);
  const passwordHash = await hashPassword(input.password);
  const id = await db.transaction().execute(async (trx) => {
    // Checked again inside: the tokens are deleted by whoever set the database up meanwhile.
    if (!(await setupTokenExists(trx, hash))) throw new SetupDone();
    if (!(await claimSetup(trx, 'setup_page', now))) throw new SetupDone();
    if (await anyAccount(trx)) throw new SetupDone();
    const adminId = await insertAdmin(trx, input, passwordHash, now);
    await deleteSetupTokens(trx);
    return adminId;
  });
  setUp.add(db);
  return { id, email: input.email.trim().toLowerCase() };
}

/**
 * An admin made by an operator with access to the database (the create-admin command): in setup
 * mode it ends setup mode and voids the printed tokens; otherwise it adds one more admin.
 */
export async function createAdminAccount(
  db: Db,
  input: NewAdmin,
  by: SetupCompletedBy,
  now = Date.now(),
): Promise<{ id: number; email: string; endedSetup: boolean }> {
  const passwordHash = await hashPassword(input.password);
  try {
    return await db.transaction().execute(async (trx) => {
      const endedSetup = await claimSetup(trx, by, now);
      const id = await insertAdmin(trx, input, passwordHash, now);
      await deleteSetupTokens(trx);
      return { id, email: input.email.trim().toLowerCase(), endedSetup };
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new Conflict('duplicate', `A tech with the email ${input.email.trim().toLowerCase()} already exists`);
    throw err;
  }
}
