import path from 'node:path';
import { backupSqlite } from '../db/backup.js';
import { parseOptions } from './args.js';
import { CommandFailed, configFrom, EXIT, openCurrentDatabase, UsageError, type Command } from './command.js';

export const backup: Command = {
  name: 'backup',
  summary: 'copy the SQLite database to a new file, consistently, while the server runs',
  help: `Usage: backup <file>

Writes a consistent copy of the SQLite database of DATA_DIR to <file> (which must not exist),
while the server goes on serving: SQLite's VACUUM INTO copies one snapshot of the database. The
copy is then checked (PRAGMA integrity_check).

To restore: stop the server, remove helpdesk.sqlite, helpdesk.sqlite-wal and helpdesk.sqlite-shm
from the data directory (or use a new one), copy the backup there as helpdesk.sqlite, start.

On PostgreSQL (DATABASE_URL) this command does nothing and exits with 2: use pg_dump, e.g.
  pg_dump --format=custom --file=helpdesk.dump "$DATABASE_URL"
and pg_restore to restore.

Options:
  -h, --help   this text`,
  async run(args, env, io) {
    const { positionals } = parseOptions(args, {}, { positionals: 1 });
    const config = configFrom(env);
    if (config.databaseUrl) {
      throw new UsageError(
        'The database is PostgreSQL (DATABASE_URL): back it up with pg_dump, e.g. pg_dump --format=custom --file=helpdesk.dump "$DATABASE_URL"',
      );
    }
    if (!positionals[0]) throw new UsageError('Give the file to write the backup to');
    const target = path.resolve(positionals[0]);
    const handle = await openCurrentDatabase(config);
    try {
      const r = await backupSqlite(handle.db, target);
      io.out(`Backup written to ${target} (${r.bytes} bytes, schema ${r.migrations[r.migrations.length - 1]}), integrity check ok.`);
      return EXIT.ok;
    } catch (err) {
      throw new CommandFailed(`Backup failed: ${(err as Error).message}`);
    } finally {
      await handle.close();
    }
  },
};
