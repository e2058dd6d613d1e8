/** The privacy commands: export-person, erase-person, retention-run (services/privacy.ts does the work). */
import fs from 'node:fs';
import type { Config } from '../config.js';
import type { DbHandle } from '../db/database.js';
import { AppError } from '../errors.js';
import { EventBus } from '../events/bus.js';
import { createMetrics } from '../metrics.js';
import type { Ctx } from '../services/context.js';
import { erasePortalUser, exportPortalUser, exportTech, runRetention } from '../services/privacy.js';
import { createLimits } from '../services/limits.js';
import { parseOptions } from './args.js';
import { CommandFailed, configFrom, EXIT, openCurrentDatabase, UsageError, where, type Command } from './command.js';

/**
 * The services' context for a command: the database, and no live connections. Live events (a
 * person signed out) have no listener here; a running server cuts the person's connections when
 * its session sweep finds their sessions gone.
 */
function commandCtx(handle: DbHandle, config: Config): Ctx {
  return {
    db: handle.db,
    dialect: handle.dialect,
    bus: new EventBus(() => {}),
    config,
    presence: { isTechOnline: async () => false, isPortalOnline: async () => false },
    now: () => Date.now(),
    limits: createLimits(),
    metrics: createMetrics(),
  };
}

async function withCtx<T>(env: NodeJS.ProcessEnv, fn: (ctx: Ctx, config: Config) => Promise<T>): Promise<T> {
  const config = configFrom(env);
  const handle = await openCurrentDatabase(config);
  try {
    return await fn(commandCtx(handle, config), config);
  } catch (err) {
    // A refusal of the service (not found, open chat, confirmation) is the command's failure.
    if (err instanceof AppError) throw new CommandFailed(`${err.message} (${err.code})`);
    throw err;
  } finally {
    await handle.close();
  }
}

const positiveId = (v: string | undefined, option: string) => {
  if (v === undefined) return undefined;
  if (!/^[1-9]\d{0,9}$/.test(v)) throw new UsageError(`${option} takes a number (an id)`);
  return Number(v);
};

export const exportPerson: Command = {
  name: 'export-person',
  summary: 'write everything stored about a portal user or a tech as JSON',
  help: `Usage: export-person (--portal-user <id> | --tech <id>) [--out <file>]

Writes everything stored about one person as JSON, to standard output or to a new file: for a
portal user their profile, every chat they requested (messages, history, callback details), the
tickets they are the contact of and their sessions' times; for a tech their account, grants, the
chats they joined, their messages and notes. Never a password hash or a session token. The same
as the admin page's download. Works while the server runs.

Options:
  --portal-user <id>   the portal user's id (Admin, Portal users)
  --tech <id>          the tech's id
  --out <file>         a new file to write (refused if it exists); default: standard output
  -h, --help           this text`,
  async run(args, env, io) {
    const { values } = parseOptions(args, { 'portal-user': { type: 'string' }, tech: { type: 'string' }, out: { type: 'string' } });
    const portalUser = positiveId(values['portal-user'], '--portal-user');
    const tech = positiveId(values.tech, '--tech');
    if ((portalUser === undefined) === (tech === undefined)) throw new UsageError('Give one of --portal-user <id> or --tech <id>');
    if (values.out && fs.existsSync(values.out)) throw new UsageError(`${values.out} exists: give a new file`);
    const data: { person: { kind: string; id: number } } = await withCtx(env, async (ctx) =>
      portalUser !== undefined ? exportPortalUser(ctx, portalUser) : exportTech(ctx, tech!),
    );
    const json = `${JSON.stringify(data, null, 2)}\n`;
    if (values.out) {
      fs.writeFileSync(values.out, json, { flag: 'wx', mode: 0o600 });
      io.out(`Wrote the data of ${data.person.kind === 'tech' ? 'tech' : 'portal user'} ${data.person.id} to ${values.out}.`);
    } else {
      io.out(json.trimEnd());
    }
    return EXIT.ok;
  },
};

export const erasePerson: Command = {
  name: 'erase-person',
  summary: 'erase a portal user\'s data (they become "Deleted user")',
  help: `Usage: erase-person --portal-user <id> --confirm-email <their email>

Erases a portal user, as the admin page does: their name (shown as "Deleted user"), email, phone
and password; the text of every message they wrote (the messages stay in place, so each chat's
order is intact); their chats' subjects and callback details; their chats' transcript files;
their sessions. Their chats' search text is rebuilt without their words. The chats' times,
statuses and outcomes, the tickets, and the techs' messages and notes stay, for reports.

Refused while they have a waiting or active chat (end it first). --confirm-email must be their
current email, so a mistyped id erases no one. Running it again changes nothing more. Works
while the server runs (their open connections close within a minute).

Options:
  --portal-user <id>         the portal user's id
  --confirm-email <email>    their email, as a confirmation
  -h, --help                 this text`,
  async run(args, env, io) {
    const { values } = parseOptions(args, { 'portal-user': { type: 'string' }, 'confirm-email': { type: 'string' } });
    const id = positiveId(values['portal-user'], '--portal-user');
    if (id === undefined || !values['confirm-email']) throw new UsageError('Give --portal-user <id> and --confirm-email <their email>');
    const r = await withCtx(env, (ctx) => erasePortalUser(ctx, id, values['confirm-email']!));
    if (!r.erased) io.out(`Portal user ${id} was erased before; nothing to do.`);
    else io.out(`Erased portal user ${id}: ${r.chats} chats kept without their text, ${r.transcripts} transcript files removed.`);
    return EXIT.ok;
  },
};

export const retentionRun: Command = {
  name: 'retention-run',
  summary: "remove old completed chats' messages and files now (RETENTION_DAYS)",
  help: `Usage: retention-run [--days <n>]

Removes the messages, search text and transcript files of chats completed more than <n> days ago
(default: RETENTION_DAYS). The chats themselves stay (times, outcome, counts for reports). A
running server does the same every hour when RETENTION_DAYS is set; this runs it now, for
example right after lowering the setting. Running it twice removes nothing more.

Options:
  --days <n>    keep completed chats' messages this many days (1 or more)
  -h, --help    this text`,
  async run(args, env, io) {
    const { values } = parseOptions(args, { days: { type: 'string' } });
    const given = positiveId(values.days, '--days');
    const config = configFrom(env);
    const days = given ?? config.retentionDays;
    if (days === null) throw new UsageError('No retention is set: give --days <n> or set RETENTION_DAYS');
    const r = await withCtx(env, (ctx) => runRetention(ctx, { days }));
    io.out(
      `Retention of ${days} days in ${where(config)}: removed the messages of ${r.chats} completed chats (${r.messages} messages, ${r.files} transcript files).`,
    );
    return EXIT.ok;
  },
};
