/**
 * On SQLite the reports read on the search's read-only worker thread (services/reports.ts,
 * db/search-reader.ts), never on the server's own connection, where a year of chats would stall
 * live chat for seconds. Counted at the reader: every report kind goes through it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { searchReader } from '../src/server/db/database.js';
import { startTestServer, PASSWORD, type TestServer } from './support/server.js';
import { loginAs, type Client } from './support/http.js';

describe('reports on SQLite', () => {
  let s: TestServer;
  let admin: Client;
  beforeAll(async () => {
    s = await startTestServer('sqlite');
    admin = await loginAs(s.url, 'tech', (await s.f.tech({ role: 'admin' })).email, PASSWORD);
  });
  afterAll(async () => s?.stop());

  it('read on the worker thread, every kind of them', async () => {
    const reader = searchReader(s.ctx.db);
    expect(reader).not.toBeNull();
    const read = reader!.read.bind(reader);
    let statements = 0;
    reader!.read = async (queries) => {
      statements += queries.length;
      return read(queries);
    };
    const q = 'from=2026-01-01&to=2026-12-31&tz=Europe/Paris';
    for (const kind of ['summary', 'volume', 'distributions', 'techs', 'companies', 'chats']) {
      const before = statements;
      const r = await admin.get(`/api/console/reports/${kind}?${q}`);
      expect(r.status, `${kind}: ${r.text.slice(0, 200)}`).toBe(200);
      expect(statements, kind).toBeGreaterThan(before);
    }
    const before = statements;
    const csv = await admin.get(`/api/console/reports/export.csv?${q}`);
    expect(csv.status).toBe(200);
    expect(statements).toBeGreaterThan(before);
  });
});
