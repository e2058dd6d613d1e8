/**
 * A server asked to stop (SIGTERM: main.ts, `server.close()`) answers the requests it is still
 * working on, then closes their connections: kept alive, each would hold the stop until Fastify's
 * keep-alive timeout (72 s) ran out, long past what a service manager waits before it kills.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportReader } from '../src/server/db/database.js';
import { startTestServer, PASSWORD, type TestServer } from './support/server.js';
import { loginAs, type Client } from './support/http.js';
import { holdReads } from './support/held-reads.js';

/** True once nothing listens on the port any more (the server has begun to close). */
const refused = (port: number) =>
  new Promise<boolean>((resolve) => {
    const c = net.connect(port, '127.0.0.1');
    c.once('connect', () => (c.destroy(), resolve(false)));
    c.once('error', () => resolve(true));
  });

describe('stopping a server with a request under way', () => {
  let s: TestServer;
  let admin: Client;
  let stopping: Promise<unknown> | null = null;
  beforeAll(async () => {
    s = await startTestServer('sqlite');
    admin = await loginAs(s.url, 'tech', (await s.f.tech({ role: 'admin' })).email, PASSWORD);
  });
  afterAll(async () => {
    if (!stopping) await s?.stop();
  });

  it('answers it, with its connection closed after the answer, and the stop ends without waiting for the keep-alive timeout', async () => {
    // A report's statement held on its reader, as a year-long one would run for seconds.
    const held = holdReads(reportReader(s.ctx.db)!);
    try {
      // While the server runs, answers keep their connection alive.
      expect((await admin.get('/api/health')).headers.get('connection')).toBe('keep-alive');
      const report = admin.get('/api/console/reports/summary?from=2026-01-01&to=2026-12-31&tz=UTC');
      await held.started();
      stopping = s.stop();
      // The answer goes out once the server has stopped listening: it is closing.
      while (!(await refused(s.port))) await new Promise((r) => setTimeout(r, 10));
      held.release();
      const answer = await report;
      expect(answer.status).toBe(200);
      expect(answer.headers.get('connection')).toBe('close');
      // Well short of the keep-alive timeout (72 s), which held the stop before.
      const late = new Promise<'late'>((r) => setTimeout(() => r('late'), 10_000).unref());
      expect(await Promise.race([stopping.then(() => 'stopped' as const), late])).toBe('stopped');
    } finally {
      held.restore();
    }
  });
});
