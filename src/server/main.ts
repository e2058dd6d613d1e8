import { loadConfig } from './config.js';
import { startServer } from './server.js';
import { DEMO_LOGINS, DEMO_PASSWORD } from './seed.js';

const config = loadConfig();
const server = await startServer(config, { logger: process.env.LOG_LEVEL !== 'silent' });
const db = config.databaseUrl ? 'PostgreSQL' : `SQLite in ${config.dataDir}`;
console.log(`\nHelpdesk live chat is running on ${db}`);
console.log(`  Client Portal: ${server.url}/`);
console.log(`  Tech Console:  ${server.url}/console`);
if (server.metricsUrl) console.log(`  Metrics:       ${server.metricsUrl}`);
if (config.seedDemo) {
  console.log(`\nDemo logins (password for all: ${DEMO_PASSWORD}):`);
  for (const l of DEMO_LOGINS) console.log(`  ${l.audience === 'console' ? 'Console' : 'Portal '}  ${l.email.padEnd(22)} ${l.who}`);
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
