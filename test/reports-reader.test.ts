/**
 * On SQLite the reports read on a read-only worker thread of their own (services/reports.ts,
 * db/database.ts `reportReader`), never on the server's own connection, where a year of chats would
 * stall live chat for seconds, and never on search's, where a search would wait behind a report.
 * Counted at the reader: every report kind goes through it. And the tables per tech and per
 * company read their group's covering index in group order (migration 028), never sorting the rows
 * by group (docs/metrics.md "Scale").
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportReader, searchReader } from '../src/server/db/database.js';
import { startTestServer, PASSWORD, type TestServer } from './support/server.js';
import { loginAs, type Client } from './support/http.js';
import { holdReads } from './support/held-reads.js';

describe('reports on SQLite', () => {
  let s: TestServer;
  let admin: Client;
  beforeAll(async () => {
    s = await startTestServer('sqlite');
    admin = await loginAs(s.url, 'tech', (await s.f.tech({ role: 'admin' })).email, PASSWORD);
  });
  afterAll(async () => s?.stop());

  it('read on the worker thread, every kind of them', async () => {
    const reader = reportReader(s.ctx.db);
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

  it('groups per tech and per company from the covering index, in group order, without sorting the rows', async () => {
    const reader = reportReader(s.ctx.db)!;
    const read = reader.read.bind(reader);
    const seen: { sql: string; parameters: readonly unknown[] }[] = [];
    reader.read = async (queries) => {
      seen.push(...queries);
      return read(queries);
    };
    for (const [kind, index] of [
      ['techs', 'chat_metrics_tech_report'],
      ['companies', 'chat_metrics_company_report'],
    ]) {
      for (const hours of ['raw', 'business']) {
        seen.length = 0;
        const r = await admin.get(`/api/console/reports/${kind}?from=2026-01-01&to=2026-12-31&tz=Europe/Paris&hours=${hours}`);
        expect(r.status).toBe(200);
        const grouped = seen.filter((q) => /group by/i.test(q.sql));
        // The counts and the percentiles.
        expect(grouped.length, kind).toBe(2);
        for (const q of grouped) {
          const plan = (await sql.raw(`explain query plan ${q.sql}`).execute(s.ctx.db)) as unknown as { rows: { detail: string }[] };
          const steps = plan.rows.map((p) => p.detail).join(' | ');
          // Parameters stay unbound: the plan is the same for any values.
          expect(steps, `${kind} ${hours}`).toContain(`COVERING INDEX ${index}`);
          expect(steps, `${kind} ${hours}`).not.toContain('TEMP B-TREE FOR GROUP BY');
        }
      }
    }
    reader.read = read;
  });

  it('a search answers while a report is still reading: they do not share a thread', async () => {
    // The report's statement is held on its reader, as a year-long one would run for seconds.
    const held = holdReads(reportReader(s.ctx.db)!);
    try {
      const report = admin.get('/api/console/reports/summary?from=2026-01-01&to=2026-12-31&tz=UTC');
      await held.started();
      let searches = 0;
      const search = searchReader(s.ctx.db)!;
      const searchOnReader = search.search.bind(search);
      search.search = async (tech, filters, gzip) => {
        searches++;
        return searchOnReader(tech, filters, gzip);
      };
      const found = await admin.get('/api/console/search?q=anything');
      expect(found.status, found.text).toBe(200);
      expect(searches).toBeGreaterThan(0);
      held.release();
      expect((await report).status).toBe(200);
    } finally {
      held.restore();
    }
  });
});
