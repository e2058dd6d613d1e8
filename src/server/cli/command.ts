/** What every operator command shares: its shape, its exit codes, and its way into the database. */
import fs from 'node:fs';
import { loadConfig, type Config } from '../config.js';
import { openDatabase, ping, sqliteFile, type DbHandle } from '../db/database.js';
import { appliedMigrations, LATEST_MIGRATION } from '../db/migrations.js';

export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

/** Wrong arguments or input: the command prints the message and its usage, and exits with 2. */
export class UsageError extends Error {}
/** The command could not do its work: it prints the message and exits with 1. */
export class CommandFailed extends Error {}

export type Io = {
  out: (line: string) => void;
  err: (line: string) => void;
  /** Standard input, for a password that is not on the command line. */
  stdin: NodeJS.ReadStream;
};

export type Command = {
  name: string;
  summary: string;
  /** The full --help text. */
  help: string;
  run: (args: string[], env: NodeJS.ProcessEnv, io: Io) => Promise<number>;
};

export function configFrom(env: NodeJS.ProcessEnv): Config {
  try {
    return loadConfig(env);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

export const where = (config: Config) => (config.databaseUrl ? 'PostgreSQL (DATABASE_URL)' : `SQLite in ${config.dataDir}`);

/**
 * The server's database, opened next to a running server (no data-directory lock on SQLite), and
 * migrated up to date: a command never writes into a schema it does not know.
 */
export async function openCurrentDatabase(config: Config): Promise<DbHandle> {
  if (!config.databaseUrl && !fs.existsSync(sqliteFile(config.dataDir))) {
    throw new CommandFailed(`No database in ${config.dataDir}: start the server once, or run the migrate command, first.`);
  }
  const handle = openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, alongsideServer: true });
  try {
    await ping(handle.db).catch((err: Error) => {
      throw new CommandFailed(`Cannot reach the database (${where(config)}): ${err.message}`);
    });
    const applied = await appliedMigrations(handle.db).catch(() => [] as string[]);
    if (!applied.includes(LATEST_MIGRATION)) {
      throw new CommandFailed(`The database (${where(config)}) is not at the latest schema (${LATEST_MIGRATION}): run the migrate command first.`);
    }
    return handle;
  } catch (err) {
    await handle.close();
    throw err;
  }
}
