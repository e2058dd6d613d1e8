/**
 * Reports at scale (docs/metrics.md "Scale"), on SQLite and PostgreSQL: the percentiles the
 * databases' `percentile_disc` give are the nearest-rank values computed here from the rows, over
 * every chat and per tech and per company (groups of every size, values with ties and gaps); and
 * the export streams: it starts answering before it has read its last rows (page by page, with
 * the stream's back-pressure, so its memory does not grow with the rows: bench/reports.ts measures
 * the server's RSS over 1,000,000 rows).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from './support/databases.js';
import { startTestServer, PASSWORD, type TestServer } from './support/server.js';
import { type Client, loginAs } from './support/http.js';

const CHATS = 6000;
const START = Date.UTC(2026, 0, 5);
const RANGE = `from=${encodeURIComponent(new Date(START).toISOString())}&to=${encodeURIComponent(new Date(START + 30 * 86_400_000).toISOString())}`;

/** A small seeded PRNG, so the rows are the same every run. */
function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const nearest = (values: number[], pct: number) => {
  if (!values.length) return null;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.ceil((pct / 100) * s.length) - 1];
};

describe.each(DIALECTS)('reports at scale on %s', (kind) => {
  let s: TestServer;
  let admin: Client;
  let board: number;
  let company: number;
  let requester: number;
  const companies: number[] = [];
  const techs: number[] = [];
  type Row = { chat: number; at: number; company: number; tech: number | null; join: number | null; handle: number | null; messages: number };
  const rows: Row[] = [];

  const insertChats = async (list: Omit<Row, 'chat'>[]) => {
    const db = s.ctx.db;
    for (let i = 0; i < list.length; i += 500) {
      const part = list.slice(i, i + 500);
      const ids = await db
        .insertInto('chats')
        .values(
          part.map((r) => ({
            source: 'new_request' as const,
            board_id: board,
            company_id: r.company,
            requester_id: requester,
            subject: `Scale ${r.at}`,
            status: 'completed' as const,
            tech_id: r.tech,
            last_seq: 0,
            requested_at: r.at,
            completed_at: r.at + 1000,
            alert_stage: 'all' as const,
            offer_count: 0,
          })),
        )
        .returning('id')
        .execute();
      const made = part.map((r, k) => ({ ...r, chat: Number(ids[k].id) }));
      await db
        .insertInto('chat_metrics')
        .values(
          made.map((r) => ({
            chat_id: r.chat,
            requested_at: r.at,
            company_id: r.company,
            board_id: board,
            tech_id: r.tech,
            disposition: r.tech === null ? 'abandoned' : 'answered',
            queued_at: r.at,
            join_ms: r.join,
            join_bh_ms: r.join,
            handle_ms: r.handle,
            handle_bh_ms: r.handle,
            messages: r.messages,
            completed_at: r.at + 1000,
          })),
        )
        .execute();
      rows.push(...made);
    }
  };

  beforeAll(async () => {
    s = await startTestServer(kind);
    board = await s.f.board();
    for (let i = 0; i < 7; i++) companies.push(await s.f.company({ boardIds: [board] }));
    company = companies[0];
    requester = (await s.f.portalUser(company)).id;
    for (let i = 0; i < 9; i++) techs.push((await s.f.tech({ boardIds: [board], allCompanies: true })).id);
    const a = await s.f.tech({ role: 'admin' });
    admin = await loginAs(s.url, 'tech', a.email, PASSWORD);
    const rnd = prng(16);
    const list: Omit<Row, 'chat'>[] = [];
    for (let i = 0; i < CHATS; i++) {
      // Skewed sizes: company k gets about 1/(k+1) of the chats, tech 8 almost none.
      const co = companies[Math.min(companies.length - 1, Math.floor(rnd() ** 2 * companies.length))];
      const answered = rnd() < 0.85;
      const tech = answered ? techs[Math.min(techs.length - 1, Math.floor(rnd() ** 3 * techs.length))] : null;
      list.push({
        at: START + Math.floor((i / CHATS) * 29 * 86_400_000),
        company: co,
        tech,
        // Seconds only: many ties.
        join: answered ? Math.floor(rnd() ** 2 * 600) * 1000 : null,
        handle: answered && rnd() < 0.9 ? Math.floor(60_000 + rnd() * 3_600_000) : null,
        messages: 1 + Math.floor(rnd() * 12),
      });
    }
    await insertChats(list);
  }, 120_000);
  afterAll(async () => s?.stop());

  const get = async (path: string) => {
    const r = await admin.get(path);
    expect(r.status, r.text).toBe(200);
    return r.body;
  };
  const values = (f: (r: Row) => boolean, v: (r: Row) => number | null) => rows.filter(f).flatMap((r) => (v(r) === null ? [] : [v(r)!]));

  it('gives the nearest-rank median and p90 of every chat, each tech and each company', async () => {
    const summary = await get(`/api/console/reports/summary?${RANGE}`);
    const all = () => true;
    expect(summary.requests).toBe(CHATS);
    for (const [stat, v] of [
      ['timeToJoin', (r: Row) => r.join],
      ['handle', (r: Row) => r.handle],
      ['messages', (r: Row) => r.messages],
    ] as const) {
      const xs = values(all, v);
      expect(summary[stat], stat).toMatchObject({ count: xs.length, p50: nearest(xs, 50), p90: nearest(xs, 90) });
    }
    const perTech = await get(`/api/console/reports/techs?${RANGE}`);
    expect(perTech.rows).toHaveLength(techs.length);
    for (const t of perTech.rows as { techId: number; timeToJoin: { p50: number; p90: number }; handle: { p50: number; p90: number } }[]) {
      const join = values(
        (r) => r.tech === t.techId,
        (r) => r.join,
      );
      const handle = values(
        (r) => r.tech === t.techId,
        (r) => r.handle,
      );
      expect(t.timeToJoin, `tech ${t.techId}`).toMatchObject({ count: join.length, p50: nearest(join, 50), p90: nearest(join, 90) });
      expect(t.handle, `tech ${t.techId}`).toMatchObject({ count: handle.length, p50: nearest(handle, 50), p90: nearest(handle, 90) });
    }
    const perCompany = await get(`/api/console/reports/companies?${RANGE}`);
    expect(perCompany.rows).toHaveLength(companies.length);
    for (const c of perCompany.rows as { companyId: number; handle: { p50: number; p90: number } }[]) {
      const handle = values(
        (r) => r.company === c.companyId,
        (r) => r.handle,
      );
      expect(c.handle, `company ${c.companyId}`).toMatchObject({ count: handle.length, p50: nearest(handle, 50), p90: nearest(handle, 90) });
    }
    // A filter narrows the population the percentiles are taken over.
    const one = await get(`/api/console/reports/summary?${RANGE}&companies=${companies[3]}`);
    const xs = values(
      (r) => r.company === companies[3],
      (r) => r.join,
    );
    expect(one.timeToJoin).toMatchObject({ count: xs.length, p50: nearest(xs, 50), p90: nearest(xs, 90) });
  });

  it('streams the export: it answers before reading its last rows, and a chat added meanwhile at the end is in it', async () => {
    // 40,000 chats of their own month: twenty pages of the export's reads.
    const month = START + 40 * 86_400_000;
    const range = `from=${encodeURIComponent(new Date(month).toISOString())}&to=${encodeURIComponent(new Date(month + 30 * 86_400_000).toISOString())}`;
    const many = 40_000;
    await insertChats(
      Array.from({ length: many }, (_, i) => ({ at: month + i * 60_000, company, tech: techs[i % techs.length], join: 1000, handle: 60_000, messages: 2 })),
    );
    const r = await fetch(`${s.url}/api/console/reports/export.csv?${range}`, { headers: { cookie: admin.cookieHeader() } });
    expect(r.status).toBe(200);
    const reader = r.body!.getReader();
    const first = await reader.read();
    expect(first.done).toBe(false);
    // The first rows are here; a chat requested after every other one, still in the range.
    const last = month + 29 * 86_400_000;
    await insertChats([{ at: last, company, tech: null, join: null, handle: null, messages: 1 }]);
    const added = rows[rows.length - 1].chat;
    let text = new TextDecoder().decode(first.value);
    for (;;) {
      const next = await reader.read();
      if (next.done) break;
      text += new TextDecoder().decode(next.value);
    }
    const lines = text.trimEnd().split('\r\n');
    expect(lines).toHaveLength(many + 2);
    expect(lines[lines.length - 1].startsWith(`${added},`)).toBe(true);
  });
});
