import fs from 'node:fs';
import { openDatabase } from '../db/database.js';
import { appliedMigrations, migrate as applyMigrations } from '../db/migrations.js';
import { parseOptions } from './args.js';
import { CommandFailed, configFrom, EXIT, where, type Command } from './command.js';

export const migrate: Command = {
  name: 'migrate',
  summary: 'apply the database migrations and print the schema version',
  help: `Usage: migrate

Applies the migrations this version has that the database lacks, each in its own transaction,
and prints the schema version. The server does the same when it starts; this command lets an
upgrade migrate before the new servers start.

On SQLite it needs the data directory to itself (stop the server first); it creates the
database when there is none. On PostgreSQL it may run while servers run: migrations are
serialised by a lock in the database.

Options:
  -h, --help   this text`,
  async run(args, env, io) {
    parseOptions(args, {});
    const config = configFrom(env);
    if (!config.databaseUrl) fs.mkdirSync(config.dataDir, { recursive: true });
    let handle: ReturnType<typeof openDatabase>;
    try {
      // With the server's lock on SQLite: an old server must not run on a schema it does not know.
      handle = openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
    } catch (err) {
      const locked = /locked|busy/i.test((err as Error).message);
      throw new CommandFailed(
        locked ? `A server is running on ${config.dataDir}: stop it, then migrate.` : `Cannot open the database (${where(config)}): ${(err as Error).message}`,
      );
    }
    try {
      const before = await appliedMigrations(handle.db).catch(() => [] as string[]);
      await applyMigrations(handle.db, handle.dialect);
      const after = await appliedMigrations(handle.db);
      const added = after.filter((m) => !before.includes(m));
      io.out(
        `${added.length ? `Applied ${added.join(', ')}` : 'Nothing to apply'}. Schema version: ${after[after.length - 1]} (${after.length} migrations) in ${where(config)}.`,
      );
      return EXIT.ok;
    } finally {
      await handle.close();
    }
  },
};
