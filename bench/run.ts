/**
 * The issue-3 performance bench. This process is the load generator; every server (the product,
 * and the bare Socket.IO relay for the baseline) runs as a separate child process on loopback.
 *
 *   npm run bench                       all scenarios (four targets + a breakdown), full scale
 *   npm run bench -- chat alert         only some of them
 *   BENCH_QUICK=1 npm run bench         a small smoke run of the same code paths
 *
 * Results: bench/results/<scenario>.json, and a summary table on stdout.
 */
import { machine, writeResult } from './lib.js';
import { FULL, QUICK, alertFanout, chatLatency, idleMemory, persistThroughput, serviceBreakdown } from './scenarios.js';

const SCENARIOS = { chat: chatLatency, persist: persistThroughput, alert: alertFanout, idle: idleMemory, service: serviceBreakdown } as const;
type Name = keyof typeof SCENARIOS;

const quick = process.env.BENCH_QUICK === '1';
const scale = quick ? QUICK : FULL;
const args = process.argv.slice(2).filter((a) => a in SCENARIOS) as Name[];
const names: Name[] = args.length ? args : ['chat', 'persist', 'alert', 'idle', 'service'];

// A hard stop for the whole run, whatever happens.
const guard = setTimeout(() => {
  console.error('bench: overall time limit reached, exiting');
  process.exit(2);
}, 12 * 60 * 1000);
guard.unref();

const rows: string[] = [];
for (const name of names) {
  const started = new Date();
  console.log(`\n== ${name} (${quick ? 'quick' : 'full'} scale) ==`);
  const result = await SCENARIOS[name](scale);
  const record = { scenario: name, quick, date: started.toISOString(), durationS: Math.round((Date.now() - started.getTime()) / 1000), machine: machine(), scale, result };
  const file = writeResult(quick ? `${name}.quick` : name, record);
  console.log(JSON.stringify(result, null, 2));
  console.log(`-> ${file}`);
  rows.push(`| ${name} | ${result.target} | ${name === 'service' ? '-' : result.met ? 'met' : 'MISSED'} |`);
}
console.log('\n| scenario | target | result |\n| --- | --- | --- |\n' + rows.join('\n'));
process.exit(0);
