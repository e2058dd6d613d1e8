/**
 * On PostgreSQL a node's searches run on connections of their own (db/database.ts): set up once
 * for cached pages (random_page_cost) and read-only, so a search needs no transaction and no SET of
 * its own, and live chat's pool never waits behind one.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PG_SEARCH_CONNECTIONS, PG_SEARCH_RANDOM_PAGE_COST, pgSearchPool } from '../src/server/db/database.js';
import { startTestServer, PASSWORD, type TestServer } from './support/server.js';
import { SEARCHES_PER_TECH } from '../src/server/services/search.js';
import { loginAs } from './support/http.js';

describe.skipIf(!process.env.DATABASE_URL)('the search connections on PostgreSQL', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer('postgres');
  });
  afterAll(async () => s?.stop());

  it('are planned for cached pages and read-only; the main pool is not; a transaction has none', async () => {
    const pool = pgSearchPool(s.ctx.db);
    expect(pool).not.toBeNull();
    const setting = async (name: string) => ((await pool!.query(`show ${name}`, [])).rows[0] as Record<string, string>)[name];
    expect(Number(await setting('random_page_cost'))).toBe(PG_SEARCH_RANDOM_PAGE_COST);
    expect(await setting('default_transaction_read_only')).toBe('on');
    await expect(pool!.query('update chats set subject = subject where id = -1', [])).rejects.toThrow(/read-only transaction/);
    const main = (await sql<{ random_page_cost: string }>`show random_page_cost`.execute(s.ctx.db)).rows[0].random_page_cost;
    expect(Number(main)).toBe(4);
    await s.ctx.db.transaction().execute(async (trx) => expect(pgSearchPool(trx)).toBeNull());
  });

  it('carry the searches of the API, at most PG_SEARCH_CONNECTIONS of them open', async () => {
    const w = await s.f.world();
    const second = await s.f.tech({ boardIds: [w.boardId], companyIds: [w.companyId] });
    // Two techs, each with as many searches at once as one tech may have in progress.
    const techs = [await loginAs(s.url, 'tech', w.tech.email, PASSWORD), await loginAs(s.url, 'tech', second.email, PASSWORD)];
    const before = (pgSearchPool(s.ctx.db) as unknown as { totalCount: number }).totalCount;
    const answers = await Promise.all(Array.from({ length: 2 * SEARCHES_PER_TECH }, (_, i) => techs[i % 2].get(`/api/console/search?q=word${i}`)));
    for (const r of answers) expect(r.status, r.text).toBe(200);
    const after = (pgSearchPool(s.ctx.db) as unknown as { totalCount: number }).totalCount;
    expect(after).toBeGreaterThan(0);
    expect(after).toBeGreaterThanOrEqual(before);
    expect(after).toBeLessThanOrEqual(PG_SEARCH_CONNECTIONS);
  });
});
