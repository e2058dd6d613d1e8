/**
 * What a server does with its database before it serves (SPEC "Running it in production",
 * "First start, safely"):
 *
 * - an empty database gets the demo data only for a local trial: when the server listens on a
 *   loopback address and no proxy forwards to it (TRUST_PROXY), or when SEED_DEMO=true says so;
 * - otherwise an empty database is in setup mode (services/setup.ts) and this node prints a setup
 *   token;
 * - a server reachable from other machines refuses to start while a demo account still opens with
 *   the published password, unless SEED_DEMO=true declares the whole server a demo.
 *
 * The demo password is checked against the stored hashes of the demo accounts (known by email,
 * so the cost is bounded: seven verifications at most), not against a flag set at seeding: a hash
 * check sees the truth however a password was changed or set back, by the admin pages, a command
 * or SQL.
 */
import type { Config } from './config.js';
import type { Db } from './db/database.js';
import { accountsByEmails } from './db/repositories/setup.js';
import { verifyPassword } from './services/auth.js';
import { DEMO_LOGINS, DEMO_PASSWORD, seedDemo } from './seed.js';
import { issueSetupToken, setupRequired } from './services/setup.js';

/** A start that must not go on; the message says why and how to fix it. */
export class StartRefused extends Error {}

/** 127.0.0.0/8, ::1 (also IPv4-mapped) and `localhost`: addresses no other machine reaches. */
export function isLoopbackHost(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[|\]$/g, '');
  if (h === 'localhost' || h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  const v4 = h.replace(/^::ffff:/, '');
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}

/** Why other machines can reach this server, or null for a local trial. */
export function exposure(config: Pick<Config, 'host' | 'trustProxy'>): string | null {
  if (!isLoopbackHost(config.host)) return `it listens on ${config.host}, which other machines can reach`;
  if (config.trustProxy !== false) return 'it is set up behind a proxy (TRUST_PROXY), which forwards other machines to it';
  return null;
}

export type FirstStart = {
  /** Demo data was created now, on this start. */
  seeded: boolean;
  /** A token that lets the setup page create the first admin (setup mode), for the log. */
  setupToken: string | null;
  /** SEED_DEMO=true: the server runs as a demo on purpose, whoever can reach it. */
  demoOnPurpose: boolean;
};

export async function prepareFirstStart(db: Db, config: Pick<Config, 'host' | 'trustProxy' | 'seedDemo'>): Promise<FirstStart> {
  const exposed = exposure(config);
  const demoOnPurpose = config.seedDemo === true;
  const seedAllowed = demoOnPurpose || (config.seedDemo === 'auto' && !exposed);
  const seeded = seedAllowed ? await seedDemo(db) : false;
  if (exposed && !demoOnPurpose) await refuseDemoPassword(db, exposed);
  const setupToken = (await setupRequired(db)) ? await issueSetupToken(db) : null;
  return { seeded, setupToken, demoOnPurpose };
}

/** The demo accounts (either kind) that the published password still opens. */
export async function accountsWithDemoPassword(db: Db): Promise<{ email: string; kind: 'tech' | 'portal' }[]> {
  const rows = await accountsByEmails(
    db,
    DEMO_LOGINS.map((l) => l.email),
  );
  const open = await Promise.all(rows.map((r) => verifyPassword(r.password_hash, DEMO_PASSWORD).catch(() => false)));
  return rows.filter((_, i) => open[i]).map((r) => ({ email: r.email, kind: r.kind }));
}

async function refuseDemoPassword(db: Db, exposed: string) {
  const open = await accountsWithDemoPassword(db);
  if (!open.length) return;
  throw new StartRefused(
    [
      `Refusing to start: ${exposed}, and these accounts still have the published demo password:`,
      ...open.map((a) => `  ${a.email} (${a.kind === 'tech' ? 'Tech Console' : 'Client Portal'})`),
      '',
      'Fix it in one of these ways, then start again:',
      '  - create your own admin and disable the demo accounts (the server may be stopped or running on 127.0.0.1):',
      '      npm run cli -- create-admin --email you@example.com --name "Your Name"',
      '      npm run cli -- remove-demo',
      '  - or start on HOST=127.0.0.1 and give each of those accounts a new password in Admin;',
      '  - or, for a demo that others may reach on purpose, set SEED_DEMO=true.',
    ].join('\n'),
  );
}
