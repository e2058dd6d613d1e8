/** The command line of the operator commands: which command, its --help, and the exit code of each outcome. */
import { backup } from './backup.js';
import { CommandFailed, EXIT, UsageError, type Command, type Io } from './command.js';
import { createAdmin } from './create-admin.js';
import { migrate } from './migrate.js';
import { removeDemo } from './remove-demo.js';
import { resetTwoFactor } from './reset-two-factor.js';
import { reportsRebuild } from './reports.js';
import { erasePerson, exportPerson, retentionRun } from './privacy.js';

const COMMANDS: Command[] = [createAdmin, migrate, backup, removeDemo, exportPerson, erasePerson, retentionRun, resetTwoFactor, reportsRebuild];

const usage = () =>
  [
    'Usage: npm run cli -- <command> [options]   (or: node dist/server/cli.js <command> [options])',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(14)} ${c.summary}`),
    '',
    "Each command takes --help. The database is the server's: DATABASE_URL (PostgreSQL) or else the",
    'SQLite file in DATA_DIR (default ./data).',
  ].join('\n');

export async function runCli(argv: string[], env: NodeJS.ProcessEnv, io: Io): Promise<number> {
  const [name, ...args] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    (name ? io.out : io.err)(usage());
    return name ? EXIT.ok : EXIT.usage;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    io.err(`Unknown command: ${name}\n\n${usage()}`);
    return EXIT.usage;
  }
  if (args.includes('--help') || args.includes('-h')) {
    io.out(command.help);
    return EXIT.ok;
  }
  try {
    return await command.run(args, env, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`${command.name}: ${err.message}\n(${command.name} --help shows its usage)`);
      return EXIT.usage;
    }
    if (err instanceof CommandFailed) {
      io.err(`${command.name}: ${err.message}`);
      return EXIT.failure;
    }
    io.err(`${command.name} failed: ${(err as Error)?.stack ?? err}`);
    return EXIT.failure;
  }
}
