/**
 * The expected wait's replay harness (bench/expected-wait-replay.ts): seeded, so the same seed
 * gives the same figures; and its database mode reads a real database's completed chats, on
 * SQLite and PostgreSQL, and replays them with the server's estimator.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { databaseRows, replayRows, score, simulate } from '../bench/expected-wait-replay.js';
import { DIALECTS } from './support/databases.js';
import { startTestServer, type TestServer } from './support/server.js';
import { completedChat, world, type World } from './support/flows.js';

const MIN = 60_000;

describe('expected wait replay, simulated', () => {
  it('is reproducible: the same seed gives the same samples, another seed others', () => {
    const o = { seed: 5, days: 2, techs: 6, peakPerHour: 25, slotsPerTech: 1 };
    const a = score(simulate(o));
    expect(score(simulate(o))).toEqual(a);
    expect(score(simulate({ ...o, seed: 6 }))).not.toEqual(a);
    expect(a.samples).toBeGreaterThan(200);
    expect(a.coverage + a.above + a.below).toBeCloseTo(1, 9);
  });
});

describe.each(DIALECTS)('expected wait replay of a database on %s', (kind) => {
  let s: TestServer;
  let w: World;
  beforeAll(async () => {
    s = await startTestServer(kind);
    w = await world(s);
  });
  afterAll(async () => s?.stop());

  it("replays the database's completed chats: the actual waits, the queue each met, a range for each", async () => {
    const ids: number[] = [];
    for (let i = 0; i < 12; i++) ids.push(await completedChat(w));
    // Give them a morning's times: one every 3 minutes, joined after 1–5 minutes, 8 minutes each.
    const base = Date.UTC(2026, 10, 2, 9);
    for (const [i, id] of ids.entries()) {
      const requested = base + i * 3 * MIN;
      const joined = requested + (1 + (i % 5)) * MIN;
      await s.ctx.db
        .updateTable('chats')
        .set({ requested_at: requested, joined_at: joined, ended_at: joined + 8 * MIN })
        .where('id', '=', id)
        .execute();
    }
    const url = s.testDb.env.DATABASE_URL ?? path.join(s.testDb.env.DATA_DIR, 'helpdesk.sqlite');
    const rows = await databaseRows(url);
    expect(rows.length).toBe(12);
    const samples = replayRows(rows, 1);
    expect(samples.map((x) => x.actualMin)).toEqual(ids.map((_, i) => 1 + (i % 5)));
    // The fifth chat (joined after 5 minutes) was still waiting when the next one came.
    expect(samples[5].position).toBe(2);
    expect(samples.every((x) => x.range.kind === 'range' || x.range.kind === 'unknown')).toBe(true);
    const sc = score(samples);
    expect(sc.samples + sc.unknown).toBe(12);
    expect(Number.isFinite(sc.mse.estimate)).toBe(true);
  });
});
