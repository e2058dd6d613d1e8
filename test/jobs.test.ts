/**
 * The job queue (services/jobs.ts) on a real database: a job exists only if the transaction that
 * queued it committed, runs once, is retried with backoff until it is given up, and a job whose
 * node stopped mid-way is run again by another node once the lease runs out. On PostgreSQL two
 * nodes drain one queue and every job runs exactly once.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { DIALECTS, freshDatabase, type DbKind } from './support/databases.js';
import { startTestServer, type TestServer } from './support/server.js';
import { TestClock } from './support/clock.js';
import { JobRunner, queueJob, type JobKind } from '../src/server/services/jobs.js';
import { findJob } from '../src/server/db/repositories/jobs.js';
import { inTransaction } from '../src/server/services/context.js';
import { until } from './support/realtime.js';

const OPTS = { pollMs: 3_600_000, leaseMs: 60_000, concurrency: 4 };
const noError = (err: unknown) => {
  throw err;
};

function queue(s: TestServer, kind: string, payload: unknown, extra: { dedupeKey?: string } = {}) {
  return inTransaction(s.ctx, (trx, outbox) => queueJob(trx, outbox, { kind, payload, now: s.ctx.now(), ...extra }));
}

describe.each(DIALECTS)('job queue on %s', (kind: DbKind) => {
  const cleanup: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const c of cleanup.reverse()) await c().catch(() => {});
  });
  const start = async (clock?: TestClock) => {
    const s = await startTestServer(kind, {}, undefined, { clock, runJobs: false });
    cleanup.push(s.stop);
    return s;
  };

  it('a job queued in a transaction that rolls back does not exist; a committed one runs once', async () => {
    const s = await start();
    const seen: unknown[] = [];
    const runner = new JobRunner(s.ctx, { echo: { handle: async (p) => (seen.push(p), { done: true }) } }, OPTS, noError);
    await expect(
      inTransaction(s.ctx, async (trx, outbox) => {
        await queueJob(trx, outbox, { kind: 'echo', payload: { n: 0 }, now: s.ctx.now() });
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    const id = (await queue(s, 'echo', { n: 1 }))!;
    expect(await runner.runDue()).toBe(1);
    await runner.idle();
    expect(await runner.runDue()).toBe(0);
    expect(seen).toEqual([{ n: 1 }]);
    const row = await findJob(s.ctx.db, id);
    expect(row).toMatchObject({ status: 'done', attempts: 1, lease_owner: null });
    expect(await s.ctx.db.selectFrom('jobs').select('id').execute()).toHaveLength(1);
  });

  it('queueing wakes the running runner at once (it polls only hourly here)', async () => {
    const s = await start();
    const seen: unknown[] = [];
    const runner = new JobRunner(s.ctx, { echo: { handle: async (p) => (seen.push(p), { done: true }) } }, OPTS, noError);
    runner.start();
    await queue(s, 'echo', 'now');
    await until(() => seen.length === 1, 10_000, 'the queued job ran');
    await runner.stop();
    // A kind this runner does not run stays queued.
    const other = (await queue(s, 'other', 1))!;
    expect(await runner.runDue()).toBe(0);
    expect((await findJob(s.ctx.db, other))?.status).toBe('pending');
  });

  it('a dedupe key queues a job once', async () => {
    const s = await start();
    expect(await queue(s, 'echo', 1, { dedupeKey: 'k' })).toBeTypeOf('number');
    expect(await queue(s, 'echo', 2, { dedupeKey: 'k' })).toBeNull();
    expect(await s.ctx.db.selectFrom('jobs').select('payload').execute()).toEqual([{ payload: '1' }]);
  });

  it('a failing job is retried after its backoff, not before, and given up after a day', async () => {
    const clock = new TestClock();
    const s = await start(clock);
    const attempts: number[] = [];
    const dead: string[] = [];
    const flaky: JobKind = {
      handle: async (_p, job) => {
        attempts.push(job.attempts);
        if (job.attempts === 1) throw new Error('receiver said 503');
        return { retry: 'still failing' };
      },
      backoffMs: (n) => n * 3600_000,
      onDead: async (_p, job) => void dead.push(job.error),
    };
    const runner = new JobRunner(s.ctx, { flaky }, OPTS, noError);
    const id = (await queue(s, 'flaky', {}))!;
    await runner.runDue();
    await runner.idle();
    expect(await findJob(s.ctx.db, id)).toMatchObject({ status: 'pending', attempts: 1, last_error: 'receiver said 503', run_at: clock.now() + 3600_000 });
    clock.advance(3600_000 - 1);
    expect(await runner.runDue()).toBe(0);
    clock.advance(1);
    expect(await runner.runDue()).toBe(1);
    await runner.idle();
    expect(await findJob(s.ctx.db, id)).toMatchObject({ status: 'pending', attempts: 2, last_error: 'still failing' });
    // Attempts 3..: 2 h, then 3 h, ... until the next one would fall after a day since queueing.
    for (let n = 2; n < 10; n++) {
      clock.advance(n * 3600_000);
      await runner.runDue();
      await runner.idle();
      if ((await findJob(s.ctx.db, id))?.status === 'dead') break;
    }
    const row = await findJob(s.ctx.db, id);
    expect(row?.status).toBe('dead');
    // Attempts at 0, 1, 3, 6, 10, 15 and 21 h; the eighth would come at 28 h, past a day.
    expect(attempts).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(dead).toEqual(['still failing']);
    expect(await runner.runDue()).toBe(0);
  });

  it('a job whose node stopped mid-way runs again on another runner once its lease is over, and the late node cannot settle it', async () => {
    const clock = new TestClock();
    const s = await start(clock);
    let release!: () => void;
    const hung = new Promise<void>((r) => (release = r));
    const runs: string[] = [];
    const a = new JobRunner(s.ctx, { hook: { handle: async () => (runs.push('a'), await hung, { done: true }) } }, OPTS, noError);
    const b = new JobRunner(s.ctx, { hook: { handle: async () => (runs.push('b'), { retry: 'b failed' }) } }, OPTS, noError);
    const id = (await queue(s, 'hook', {}))!;
    expect(await a.runDue()).toBe(1);
    await until(() => runs.length === 1, 10_000, 'a started');
    expect(await b.runDue()).toBe(0);
    clock.advance(OPTS.leaseMs - 1);
    expect(await b.runDue()).toBe(0);
    clock.advance(2);
    expect(await b.runDue()).toBe(1);
    await b.idle();
    expect(runs).toEqual(['a', 'b']);
    expect(await findJob(s.ctx.db, id)).toMatchObject({ status: 'pending', attempts: 2, last_error: 'b failed' });
    // The first node comes back and reports success: its claim is gone, nothing changes.
    release();
    await a.idle();
    expect(await findJob(s.ctx.db, id)).toMatchObject({ status: 'pending', attempts: 2, last_error: 'b failed' });
  });

  it.runIf(kind === 'postgres')('two nodes drain one queue: every job runs exactly once', async () => {
    const db = await freshDatabase('postgres');
    cleanup.push(db.drop);
    const n1 = await startTestServer('postgres', {}, db, { runJobs: false });
    const n2 = await startTestServer('postgres', {}, db, { runJobs: false });
    cleanup.push(n2.stop, n1.stop);
    const ran = new Map<number, number>();
    const count: JobKind = {
      handle: async (p) => {
        const n = p as number;
        ran.set(n, (ran.get(n) ?? 0) + 1);
        await new Promise((r) => setTimeout(r, Math.random() * 3));
        return { done: true };
      },
    };
    const fast = { pollMs: 5, leaseMs: 60_000, concurrency: 8 };
    const r1 = new JobRunner(n1.ctx, { count }, fast, noError);
    const r2 = new JobRunner(n2.ctx, { count }, fast, noError);
    r1.start();
    r2.start();
    for (let i = 0; i < 300; i += 30) {
      await Promise.all(Array.from({ length: 30 }, (_, k) => queue(k % 2 ? n1 : n2, 'count', i + k)));
    }
    await until(() => ran.size === 300, 20_000, 'all 300 jobs ran');
    await Promise.all([r1.stop(), r2.stop()]);
    expect([...ran.values()].every((c) => c === 1)).toBe(true);
    const left = await n1.ctx.db.selectFrom('jobs').select('id').where('status', '<>', 'done').execute();
    expect(left).toEqual([]);
  });
});
