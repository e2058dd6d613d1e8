/**
 * `/api/health` (the process serves) and `/api/ready` (this node can serve): a database dropped
 * under a running node, then recreated empty, and the node's Redis stopped and started again.
 */
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { OwnRedis } from './support/cluster.js';
import { Client } from './support/http.js';
import { until } from './support/realtime.js';
import { startTestServer, type TestServer } from './support/server.js';

const ready = async (s: TestServer) => {
  const r = await new Client(s.url).get('/api/ready');
  return { status: r.status, body: r.body };
};

describe('readiness on sqlite', () => {
  it('is ready with the database current and no Redis configured', async () => {
    const s = await startTestServer('sqlite');
    try {
      expect(await ready(s)).toEqual({
        status: 200,
        body: { status: 'ready', failing: [], checks: { database: 'ok', schema: 'ok', redis: 'not_configured' } },
      });
      const health = await new Client(s.url).get('/api/health');
      expect(health.status).toBe(200);
      expect(health.body.status).toBe('ok');
    } finally {
      await s.stop();
    }
  });
});

describe.skipIf(!process.env.DATABASE_URL)('readiness on postgres: the database dropped and recreated under a running node', () => {
  let s: TestServer | undefined;
  afterAll(async () => s?.stop());

  it('is not ready while the database is gone (database), nor once it is back empty (schema); alive throughout', async () => {
    s = await startTestServer('postgres');
    expect((await ready(s)).status).toBe(200);
    const name = new URL(s.testDb.env.DATABASE_URL).pathname.slice(1);
    const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await admin.connect();
    try {
      await admin.query(`drop database ${name} with (force)`);
      const gone = await ready(s);
      expect(gone.status).toBe(503);
      expect(gone.body.status).toBe('not_ready');
      expect(gone.body.failing).toEqual(['database']);
      expect(gone.body.checks.schema).toBe('unknown');
      expect((await new Client(s.url).get('/api/health')).status).toBe(200);

      await admin.query(`create database ${name}`);
      const empty = await ready(s);
      expect(empty).toEqual({
        status: 503,
        body: { status: 'not_ready', failing: ['schema'], checks: { database: 'ok', schema: 'failing', redis: 'not_configured' } },
      });
      expect((await new Client(s.url).get('/api/health')).status).toBe(200);
    } finally {
      await admin.end();
    }
  }, 30000);
});

describe("readiness with Redis configured: the test's own Redis, stopped and started", () => {
  let s: TestServer | undefined;
  let redis: OwnRedis | undefined;
  afterAll(async () => {
    await s?.stop();
    await redis?.stop();
  });

  it('is not ready while the Redis link is down (redis), and ready again when it is back', async () => {
    redis = await OwnRedis.start();
    s = await startTestServer('sqlite', { REDIS_URL: redis.url });
    const server = s;
    await until(async () => (await ready(server)).status === 200, 10000, 'ready with Redis');
    expect((await ready(server)).body.checks.redis).toBe('ok');

    await redis.stop();
    const down = await until(
      async () => {
        const r = await ready(server);
        return r.status === 503 && r;
      },
      10000,
      'not ready without Redis',
    );
    expect(down.body.failing).toEqual(['redis']);
    expect(down.body.checks).toEqual({ database: 'ok', schema: 'ok', redis: 'failing' });
    expect((await new Client(server.url).get('/api/health')).status).toBe(200);

    await redis.start();
    await until(async () => (await ready(server)).status === 200, 15000, 'ready again with Redis back');
  }, 40000);
});
