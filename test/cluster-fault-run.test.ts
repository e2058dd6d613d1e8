/**
 * A short seeded fault run (bench/faults.ts) in the regular suite: three nodes, a workload of
 * portal users and techs, and kill -9, pauses, Redis outages and dropped connections for 75 s;
 * then every invariant of bench/fault-invariants.ts must hold. The invariants are about
 * correctness, not speed: nothing here depends on how fast the machine is.
 */
import { describe, expect, it } from 'vitest';
import { markdownSummary, runFaults } from '../bench/faults.js';
import { clusterUnavailable } from './support/cluster.js';

const skip = clusterUnavailable();
if (skip) console.warn(`skipping the cluster fault run: ${skip}`);

describe.skipIf(!!skip)('seeded fault run', () => {
  it('seed 17, 75 s on three nodes: at least 10 faults (kill -9, pause, Redis down, dropped connection), and no invariant violated', async () => {
    const r = await runFaults({ seed: 17, minutes: 1.25, users: 12, techs: 6, log: () => {} });
    const summary = markdownSummary(r);
    expect(r.faults.applied, summary).toBeGreaterThanOrEqual(10);
    for (const kind of ['kill', 'pause', 'redis', 'drop']) expect(r.faults.byKind[kind], `${kind}\n${summary}`).toBeGreaterThan(0);
    expect(r.workload.joinRaces, summary).toBeGreaterThan(0);
    expect(r.workload.messagesAcked, summary).toBeGreaterThan(0);
    expect(r.violations, summary).toBe(0);
  }, 400000);
});
