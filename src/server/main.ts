import { loadConfig } from './config.js';
import { startServer, type RunningServer } from './server.js';
import { accountsWithDemoPassword, StartRefused } from './first-start.js';
import { DEMO_LOGINS, DEMO_PASSWORD } from './seed.js';

const config = loadConfig();
let server: RunningServer;
try {
  server = await startServer(config, { logger: process.env.LOG_LEVEL !== 'silent' });
} catch (err) {
  if (!(err instanceof StartRefused)) throw err;
  console.error(`\n${err.message}\n`);
  process.exit(1);
}
const db = config.databaseUrl ? 'PostgreSQL' : `SQLite in ${config.dataDir}`;
console.log(`\nHelpdesk live chat is running on ${db}`);
console.log(`  Client Portal: ${server.url}/`);
console.log(`  Tech Console:  ${server.url}/console`);
if (server.metricsUrl) console.log(`  Metrics:       ${server.metricsUrl}`);
if (server.setupToken) {
  console.log('\nSETUP: this helpdesk has no account yet. Open the Tech Console and create the first admin with this');
  console.log('one-time setup token (it stops working once the first admin exists):');
  console.log(`\n  Setup token: ${server.setupToken}\n`);
  console.log('Or create the admin from a shell: npm run cli -- create-admin --email you@example.com --name "Your Name"');
} else if ((await accountsWithDemoPassword(server.ctx.db)).length) {
  console.log(`\nDemo logins (password for all: ${DEMO_PASSWORD}):`);
  for (const l of DEMO_LOGINS) console.log(`  ${l.audience === 'console' ? 'Console' : 'Portal '}  ${l.email.padEnd(22)} ${l.who}`);
  if (server.demoOnPurpose) console.log('\nWARNING: SEED_DEMO=true: anyone who reaches this server can log in with the published demo password.');
}
console.log('');

let stopping = false;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, async () => {
    if (stopping) return;
    stopping = true;
    await server.close().catch(() => {});
    process.exit(0);
  });
}
