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

const CONTENDED_CORES = 0.3;

/** The largest `otherProcessesCores` anywhere in a result (0 when the scenario has none). */
function otherCpu(x: unknown): number {
  if (!x || typeof x !== 'object') return 0;
  let max = 0;
  for (const [k, v] of Object.entries(x)) max = Math.max(max, k === 'otherProcessesCores' && typeof v === 'number' ? v : otherCpu(v));
  return max;
}

const rows: string[] = [];
for (const name of names) {
  const started = new Date();
  console.log(`\n== ${name} (${quick ? 'quick' : 'full'} scale) ==`);
  const result = await SCENARIOS[name](scale);
  const others = otherCpu(result);
  // Other work on this shared machine takes CPU from the server and the load; say so with the figures.
  const contention = { otherProcessesCoresMax: others, contended: others > CONTENDED_CORES };
  const record = { scenario: name, quick, date: started.toISOString(), durationS: Math.round((Date.now() - started.getTime()) / 1000), machine: machine(), contention, scale, result };
  const file = writeResult(quick ? `${name}.quick` : name, record);
  console.log(JSON.stringify(result, null, 2));
  console.log(`-> ${file}`);
  rows.push(`| ${name} | ${result.target} | ${name === 'service' ? '-' : result.met ? 'met' : 'MISSED'} | ${others} |`);
}
console.log('\n| scenario | target | result | other processes (cores, max) |\n| --- | --- | --- | --- |\n' + rows.join('\n'));
process.exit(0);
