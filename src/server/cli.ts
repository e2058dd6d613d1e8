/**
 * Operator commands, one entry point: `npm run cli -- <command> [options]`. They read the same
 * environment as the server (DATABASE_URL, DATA_DIR) and may run while it runs, except migrate on
 * SQLite. Exit codes: 0 done, 1 failed, 2 usage error (wrong arguments or input).
 */
import { runCli } from './cli/run.js';

process.exitCode = await runCli(process.argv.slice(2), process.env, { out: (l) => console.log(l), err: (l) => console.error(l), stdin: process.stdin });
