/**
 * Reports (docs/metrics.md) on shared fixtures whose expected values were computed by hand.
 *
 * Office hours: America/New_York, Monday to Friday 09:00-17:00; Tuesday 2027-03-16 is a holiday.
 * New York is UTC-5 until Sunday 2027-03-14 02:00, UTC-4 after. The clock moves by hand through:
 *
 * A  company 1  Fri 03-12 16:50 EST (21:50Z) request; 22:10Z t1 joins (20 min; business 10 min,
 *    16:50-17:00); 22:12Z t1 writes (2 min; business 0); Sat 00:20 EST (05:20Z) t1 ends: across
 *    midnight, handle 7 h 10 min, business 0. Rated 5. Messages 2 (the request's and t1's).
 * B  company 1  Sun 03-14 01:50 EST (06:50Z) request; 07:05Z (03:05 EDT) t1 joins: 15 minutes across
 *    the clock change, business 0; 07:06Z t1 writes (1 min); 07:10Z t1 transfers it to the board;
 *    07:30Z t2 joins (time to join stays 15 min, answered by t1); 08:00Z t2 ends: handle 55 min.
 *    One transfer. Not rated. Messages 2.
 * C  company 1  Mon 03-15 08:55 EDT (12:55Z) request; the wait offer at 12:57Z; the user keeps
 *    waiting, then leaves at 13:05Z (09:05): abandoned after 10 min, business 5 min. Completed by t1.
 * D  company 2  Tue 03-16 (the holiday) 14:00Z request, 14:03Z callback, completed by t1 at 15:00Z.
 *    Its subject starts with "=": the export neutralises it.
 * E  company 1  Tue 03-16 16:50 EDT (20:50Z) request; Wed 09:10 EDT (13:10Z) t2 joins: 16 h 20 min,
 *    business 10 min (the holiday's last ten minutes do not count); 13:15Z t2 writes (5 min, business
 *    5 min); 13:45Z t2 ends (35 min, business 35 min). Rated 3. Messages 2.
 * F  company 2  Wed 03-17 13:50Z request, still waiting.
 *
 * The dates are in 2027: the clock runs ahead of the real one, as sessions expire by real time.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from './support/databases.js';
import { startTestServer, PASSWORD, type TestServer } from './support/server.js';
import { type Client, loginAs } from './support/http.js';
import { TestClock, sweep } from './support/clock.js';
import { runCli } from '../src/server/cli/run.js';

const MIN = 60_000;
const at = (iso: string) => Date.parse(iso);
const RANGE = `from=${encodeURIComponent('2027-03-10T00:00:00Z')}&to=${encodeURIComponent('2027-03-20T00:00:00Z')}`;

describe.each(DIALECTS)('reports on %s', (kind) => {
  let s: TestServer;
  let clock: TestClock;
  let admin: Client;
  let t1: Client;
  let t2: Client;
  let t3: Client;
  let t4: Client;
  let t3Id: number;
  let t1Id: number;
  let t2Id: number;
  let c1: number;
  let c2: number;
  const ids: Record<string, number> = {};

  const to = (iso: string) => clock.advance(at(iso) - clock.now());
  const request = async (companyId: number, boardId: number, subject: string) => {
    const u = await s.f.portalUser(companyId);
    const client = await loginAs(s.url, 'portal', u.email, PASSWORD);
    const r = await client.post('/api/portal/chats', { boardId, subject, message: `About ${subject}` });
    expect(r.status, r.text).toBe(201);
    return { id: r.body.chat.id as number, client };
  };
  const ok = async (p: Promise<{ status: number; text: string }>) => {
    const r = await p;
    expect(r.status, r.text).toBeLessThan(300);
  };
  const say = (c: Client, chatId: number, body: string) => ok(c.post(`/api/console/chats/${chatId}/messages`, { body, clientId: `m-${chatId}-${body}` }));

  beforeAll(async () => {
    clock = new TestClock(at('2027-03-12T21:00:00Z'));
    s = await startTestServer(kind, {}, undefined, { clock });
    const board = await s.f.board();
    c1 = await s.f.company({ boardIds: [board] });
    c2 = await s.f.company({ boardIds: [board] });
    const a = await s.f.tech({ role: 'admin', name: 'Ada Admin' });
    const u1 = await s.f.tech({ name: 'Tess One', boardIds: [board], allCompanies: true });
    const u2 = await s.f.tech({ name: 'Theo Two', boardIds: [board], allCompanies: true });
    const u3 = await s.f.tech({ name: 'Una Three', boardIds: [board], companyIds: [c2] });
    const u4 = await s.f.tech({ name: 'Vic Four', boardIds: [board], allCompanies: true });
    [t1Id, t2Id, t3Id] = [u1.id, u2.id, u3.id];
    admin = await loginAs(s.url, 'tech', a.email, PASSWORD);
    [t1, t2, t3, t4] = await Promise.all([u1, u2, u3, u4].map((u) => loginAs(s.url, 'tech', u.email, PASSWORD)));
    const weekdays = Object.fromEntries(['1', '2', '3', '4', '5'].map((d) => [d, [{ start: '09:00', end: '17:00' }]]));
    await ok(admin.put('/api/admin/office-hours', { timezone: 'America/New_York', schedule: weekdays }));
    await ok(admin.post('/api/admin/holidays', { date: '2027-03-16', name: 'Fixture holiday' }));

    to('2027-03-12T21:50:00Z');
    const A = await request(c1, board, 'Printer A');
    to('2027-03-12T22:10:00Z');
    await ok(t1.post(`/api/console/chats/${A.id}/join`));
    to('2027-03-12T22:12:00Z');
    await say(t1, A.id, 'hello A');
    to('2027-03-13T05:20:00Z');
    await ok(t1.post(`/api/console/chats/${A.id}/end`, { outcome: 'ended' }));
    await ok(A.client.post(`/api/portal/chats/${A.id}/rating`, { score: 5 }));

    to('2027-03-14T06:50:00Z');
    const B = await request(c1, board, 'VPN B');
    to('2027-03-14T07:05:00Z');
    await ok(t1.post(`/api/console/chats/${B.id}/join`));
    to('2027-03-14T07:06:00Z');
    await say(t1, B.id, 'hello B');
    to('2027-03-14T07:10:00Z');
    await ok(t1.post(`/api/console/chats/${B.id}/transfer`, { boardId: board }));
    to('2027-03-14T07:30:00Z');
    await ok(t2.post(`/api/console/chats/${B.id}/join`));
    to('2027-03-14T08:00:00Z');
    await ok(t2.post(`/api/console/chats/${B.id}/end`, { outcome: 'ended' }));

    to('2027-03-15T12:55:00Z');
    const C = await request(c1, board, 'Mail C');
    to('2027-03-15T12:57:01Z');
    expect((await sweep(s)).offers).toBe(1);
    to('2027-03-15T12:58:00Z');
    await ok(C.client.post(`/api/portal/chats/${C.id}/keep-waiting`));
    to('2027-03-15T13:05:00Z');
    await ok(C.client.post(`/api/portal/chats/${C.id}/leave`));
    to('2027-03-15T13:30:00Z');
    await ok(t1.post(`/api/console/chats/${C.id}/complete`, { note: 'Mailed the user' }));

    to('2027-03-16T14:00:00Z');
    const D = await request(c2, board, '=HYPERLINK("http://x","D")');
    to('2027-03-16T14:03:00Z');
    await ok(D.client.post(`/api/portal/chats/${D.id}/callback`, { phone: '+1 555 123 4567' }));
    to('2027-03-16T15:00:00Z');
    await ok(t1.post(`/api/console/chats/${D.id}/complete`, { note: 'Called back' }));

    to('2027-03-16T20:50:00Z');
    const E = await request(c1, board, 'Laptop E');
    to('2027-03-17T13:10:00Z');
    await ok(t2.post(`/api/console/chats/${E.id}/join`));
    to('2027-03-17T13:15:00Z');
    await say(t2, E.id, 'hello E');
    to('2027-03-17T13:45:00Z');
    await ok(t2.post(`/api/console/chats/${E.id}/end`, { outcome: 'ended' }));
    await ok(E.client.post(`/api/portal/chats/${E.id}/rating`, { score: 3 }));

    to('2027-03-17T13:50:00Z');
    const F = await request(c2, board, '@F waits');
    Object.assign(ids, { A: A.id, B: B.id, C: C.id, D: D.id, E: E.id, F: F.id });
  }, 60_000);
  afterAll(async () => s?.stop());

  const get = async (c: Client, path: string) => {
    const r = await c.get(path);
    expect(r.status, r.text).toBe(200);
    return r.body;
  };
  const drill = async (c: Client, query: string) => ((await get(c, `/api/console/reports/chats?${RANGE}&${query}`)).rows as { id: number }[]).map((r) => r.id);
  const named = (...keys: string[]) => keys.map((k) => ids[k]).sort((a, b) => a - b);
  const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);

  it('summarises the fixtures in raw time: counts, outcomes, medians, p90s and averages as computed by hand', async () => {
    const r = await get(admin, `/api/console/reports/summary?${RANGE}`);
    expect(r).toMatchObject({
      requests: 6,
      answered: 3,
      abandoned: 1,
      callbacks: 1,
      callbacksCompleted: 1,
      waiting: 1,
      answeredPct: 50,
      abandonedPct: 16.7,
      timeToJoin: { count: 3, p50: 20 * MIN, p90: 980 * MIN, average: 20_300_000 },
      firstResponse: { count: 3, p50: 2 * MIN, p90: 5 * MIN, average: 160_000 },
      handle: { count: 3, p50: 55 * MIN, p90: 430 * MIN, average: 10_400_000 },
      abandonWait: { count: 1, p50: 10 * MIN, p90: 10 * MIN, average: 10 * MIN },
      messages: { count: 5, p50: 2, p90: 2, average: 1.6 },
      transfers: { total: 1, chats: 1 },
      rating: { rated: 2, ended: 3, average: 4, sharePct: 66.7 },
    });
    // Averages on request: the same figures without the percentiles.
    const averages = await get(admin, `/api/console/reports/summary?${RANGE}&stat=average`);
    expect(averages.timeToJoin).toEqual({ count: 3, p50: null, p90: null, average: 20_300_000 });
    expect(averages.requests).toBe(6);
    expect(r.rating.distribution).toEqual([1, 2, 3, 4, 5].map((score) => ({ score, chats: score === 3 || score === 5 ? 1 : 0 })));
  });

  it('counts office hours only in business time: the holiday, the weekend and the night do not count', async () => {
    const r = await get(admin, `/api/console/reports/summary?${RANGE}&hours=business`);
    expect(r).toMatchObject({
      requests: 6,
      timeToJoin: { count: 3, p50: 10 * MIN, p90: 10 * MIN, average: 400_000 },
      firstResponse: { count: 3, p50: 0, p90: 5 * MIN, average: 100_000 },
      handle: { count: 3, p50: 0, p90: 35 * MIN, average: 700_000 },
      abandonWait: { count: 1, p50: 5 * MIN, p90: 5 * MIN, average: 5 * MIN },
    });
  });

  it('has the same totals in UTC, New York and Auckland, with each chat in its own local day and hour', async () => {
    const days: Record<string, Record<string, number>> = {
      UTC: { '2027-03-12': 1, '2027-03-14': 1, '2027-03-15': 1, '2027-03-16': 2, '2027-03-17': 1 },
      'America/New_York': { '2027-03-12': 1, '2027-03-14': 1, '2027-03-15': 1, '2027-03-16': 2, '2027-03-17': 1 },
      'Pacific/Auckland': { '2027-03-13': 1, '2027-03-14': 1, '2027-03-16': 1, '2027-03-17': 2, '2027-03-18': 1 },
    };
    const hours: Record<string, Record<number, number>> = {
      UTC: { 21: 1, 6: 1, 12: 1, 14: 1, 20: 1, 13: 1 },
      'America/New_York': { 16: 2, 1: 1, 8: 1, 10: 1, 9: 1 },
      'Pacific/Auckland': { 10: 1, 19: 1, 1: 1, 3: 1, 9: 1, 2: 1 },
    };
    for (const tz of Object.keys(days)) {
      const q = `${RANGE}&tz=${encodeURIComponent(tz)}`;
      const summary = await get(admin, `/api/console/reports/summary?${q}`);
      expect(summary.requests, tz).toBe(6);
      const volume = await get(admin, `/api/console/reports/volume?${q}`);
      const byDay = Object.fromEntries((volume.byDay as { day: string; requests: number }[]).filter((d) => d.requests).map((d) => [d.day, d.requests]));
      expect(byDay, tz).toEqual(days[tz]);
      const byHour = Object.fromEntries((volume.byHour as { hour: number; requests: number }[]).filter((h) => h.requests).map((h) => [h.hour, h.requests]));
      expect(byHour, tz).toEqual(hours[tz]);
      const sum = (xs: { requests: number; answered: number }[]) => xs.reduce((a, x) => [a[0] + x.requests, a[1] + x.answered], [0, 0]);
      expect(sum(volume.byDay), tz).toEqual([6, 3]);
      expect(sum(volume.byHour), tz).toEqual([6, 3]);
      const companies = await get(admin, `/api/console/reports/companies?${q}`);
      expect(
        (companies.rows as { requests: number }[]).reduce((a, r) => a + r.requests, 0),
        tz,
      ).toBe(6);
    }
    // Days given as dates are whole days in the chosen zone.
    expect((await get(admin, '/api/console/reports/summary?from=2027-03-16&to=2027-03-16&tz=America/New_York')).requests).toBe(2);
    expect((await get(admin, '/api/console/reports/summary?from=2027-03-12&to=2027-03-12&tz=Pacific/Auckland')).requests).toBe(0);
    expect((await get(admin, '/api/console/reports/summary?from=2027-03-13&to=2027-03-13&tz=Pacific/Auckland')).requests).toBe(1);
  });

  it('drills from any number to its exact chats, with the same filters', async () => {
    expect(sorted(await drill(admin, 'metric=requests'))).toEqual(named('A', 'B', 'C', 'D', 'E', 'F'));
    expect(sorted(await drill(admin, 'metric=answered'))).toEqual(named('A', 'B', 'E'));
    expect(await drill(admin, 'metric=abandoned')).toEqual(named('C'));
    expect(await drill(admin, 'metric=callbacks_completed')).toEqual(named('D'));
    expect(await drill(admin, 'metric=waiting')).toEqual(named('F'));
    expect(await drill(admin, 'metric=transferred')).toEqual(named('B'));
    expect(sorted(await drill(admin, 'metric=rated'))).toEqual(named('A', 'E'));
    expect(await drill(admin, 'metric=rated&score=3')).toEqual(named('E'));
    expect(sorted(await drill(admin, 'metric=time_to_join&bin=5'))).toEqual(named('A', 'B'));
    expect(await drill(admin, 'metric=time_to_join&bin=0&hours=business')).toEqual(named('B'));
    expect(await drill(admin, 'metric=abandon_wait&bin=4&hours=business')).toEqual(named('C'));
    expect(sorted(await drill(admin, 'metric=requests&tz=America/New_York&hour=16'))).toEqual(named('A', 'E'));
    expect(sorted(await drill(admin, 'metric=requests&tz=America/New_York&day=2027-03-16'))).toEqual(named('D', 'E'));
    expect(sorted(await drill(admin, 'metric=requests&tz=Pacific/Auckland&day=2027-03-17'))).toEqual(named('D', 'E'));
    expect(sorted(await drill(admin, `metric=requests&companies=${c2}`))).toEqual(named('D', 'F'));
    expect(sorted(await drill(admin, `metric=requests&techs=${t1Id}`))).toEqual(named('A', 'B'));
    expect(sorted(await drill(admin, 'metric=requests&outcomes=abandoned,callback'))).toEqual(named('C', 'D'));
    // A drill-down row carries the chat's own values, in the chosen hours.
    const [b] = (await get(admin, `/api/console/reports/chats?${RANGE}&metric=transferred`)).rows;
    expect(b).toMatchObject({
      id: ids.B,
      outcome: 'answered',
      tech: 'Tess One',
      timeToJoinMs: 15 * MIN,
      firstResponseMs: MIN,
      handleMs: 55 * MIN,
      transfers: 1,
    });
    // Pages follow one another with no chat twice or missed.
    const first = await get(admin, `/api/console/reports/chats?${RANGE}&limit=4`);
    const second = await get(admin, `/api/console/reports/chats?${RANGE}&limit=4&after=${first.next}`);
    expect([...first.rows, ...second.rows].map((r: { id: number }) => r.id)).toEqual(named('A', 'B', 'C', 'D', 'E', 'F'));
    expect(second.next).toBeNull();
  });

  it('drills into an hour of the day over the longest range, and exports it: one interval a day, every day of three years', async () => {
    // About 1,100 days: each contributes its hour's interval to the condition.
    const LONG = 'from=2025-01-03&to=2027-12-31';
    const viaDrill = await admin.get(`/api/console/reports/chats?${LONG}&tz=America/New_York&hour=16`);
    expect(viaDrill.status, viaDrill.text).toBe(200);
    expect(sorted(viaDrill.body.rows.map((r: { id: number }) => r.id))).toEqual(named('A', 'E'));
    const csv = await admin.get(`/api/console/reports/export.csv?${LONG}&tz=America/New_York&hour=16`);
    expect(csv.status).toBe(200);
    const lines = csv.text
      .replace(/^\uFEFF/, '')
      .trimEnd()
      .split('\r\n');
    expect(sorted(lines.slice(1).map((l) => Number(l.split(',')[0])))).toEqual(named('A', 'E'));
  });

  it('gives the distributions, the per-tech table (by who answered) and the per-company table', async () => {
    const d = await get(admin, `/api/console/reports/distributions?${RANGE}`);
    expect(d.timeToJoin.map((b: { chats: number }) => b.chats)).toEqual([0, 0, 0, 0, 0, 2, 1]);
    expect(d.abandonment.map((b: { chats: number }) => b.chats)).toEqual([0, 0, 0, 0, 0, 1, 0]);
    const db = await get(admin, `/api/console/reports/distributions?${RANGE}&hours=business`);
    expect(db.timeToJoin.map((b: { chats: number }) => b.chats)).toEqual([1, 0, 0, 0, 0, 2, 0]);
    expect(db.abandonment.map((b: { chats: number }) => b.chats)).toEqual([0, 0, 0, 0, 1, 0, 0]);
    const techs = await get(admin, `/api/console/reports/techs?${RANGE}`);
    expect(techs.rows).toEqual([
      {
        techId: t1Id,
        name: 'Tess One',
        answered: 2,
        timeToJoin: { count: 2, p50: 15 * MIN, p90: 20 * MIN, average: 1_050_000 },
        firstResponse: { count: 2, p50: MIN, p90: 2 * MIN, average: 90_000 },
        handle: { count: 2, p50: 55 * MIN, p90: 430 * MIN, average: 14_550_000 },
        transfers: 1,
        rated: 1,
        ratingAverage: 5,
      },
      {
        techId: t2Id,
        name: 'Theo Two',
        answered: 1,
        timeToJoin: { count: 1, p50: 980 * MIN, p90: 980 * MIN, average: 980 * MIN },
        firstResponse: { count: 1, p50: 5 * MIN, p90: 5 * MIN, average: 5 * MIN },
        handle: { count: 1, p50: 35 * MIN, p90: 35 * MIN, average: 35 * MIN },
        transfers: 0,
        rated: 1,
        ratingAverage: 3,
      },
    ]);
    const companies = await get(admin, `/api/console/reports/companies?${RANGE}`);
    const byId = Object.fromEntries(companies.rows.map((r: { companyId: number }) => [r.companyId, r]));
    expect(byId[c1]).toMatchObject({ requests: 4, answered: 3, abandoned: 1, callbacks: 0 });
    expect(byId[c2]).toMatchObject({ requests: 2, answered: 0, abandoned: 0, callbacks: 1, timeToJoin: { count: 0, p50: null } });
  });

  it('exports one row per chat, streamed, with totals equal to the summary and cells a spreadsheet will not run', async () => {
    const csv = await admin.get(`/api/console/reports/export.csv?${RANGE}`);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(csv.headers.get('content-disposition')).toMatch(/^attachment/);
    const lines = csv.text
      .replace(/^\uFEFF/, '')
      .trimEnd()
      .split('\r\n');
    expect(lines).toHaveLength(7);
    expect(lines[0].split(',')).toContain('handle_business_ms');
    const d = lines.find((l) => l.startsWith(`${ids.D},`))!;
    expect(d).toContain(`"'=HYPERLINK(""http://x"",""D"")"`);
    expect(lines.find((l) => l.startsWith(`${ids.F},`))).toContain(`,'@F waits,`);
    const json = await admin.get(`/api/console/reports/export.jsonl?${RANGE}`);
    const rows = json.text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(rows).toHaveLength(6);
    expect(rows.filter((r) => r.outcome === 'answered')).toHaveLength(3);
    expect(rows.reduce((a, r) => a + (r.handle_ms ?? 0), 0)).toBe(3 * 10_400_000);
    expect(rows.reduce((a, r) => a + (r.handle_business_ms ?? 0), 0)).toBe(3 * 700_000);
    expect(rows.find((r) => r.chat_id === ids.E)).toMatchObject({ time_to_join_ms: 980 * MIN, time_to_join_business_ms: 10 * MIN, rating: 3 });
    // The export of a drill-down is that drill-down's chats.
    const drilled = await admin.get(`/api/console/reports/export.jsonl?${RANGE}&metric=answered`);
    expect(drilled.text.trim().split('\n')).toHaveLength(3);
  });

  it('refuses a tech without the grant, and shows a granted one-company tech only that company', async () => {
    for (const path of ['summary', 'volume', 'chats', 'export.csv']) {
      const r = await t4.get(`/api/console/reports/${path}?${RANGE}`);
      expect(r.status, path).toBe(403);
      expect(r.body.error.code).toBe('reports_not_allowed');
    }
    expect((await t3.get(`/api/console/reports/summary?${RANGE}`)).body.error.code).toBe('reports_not_allowed');
    expect((await t1.put(`/api/admin/techs/${t3Id}/reports`, { allowed: true })).body.error.code).toBe('admin_only');
    await ok(admin.put(`/api/admin/techs/${t3Id}/reports`, { allowed: true }));
    expect((await get(admin, '/api/admin/techs')).find((t: { id: number }) => t.id === t3Id).maySeeReports).toBe(true);
    const r = await get(t3, `/api/console/reports/summary?${RANGE}`);
    expect(r).toMatchObject({ requests: 2, answered: 0, callbacks: 1, callbacksCompleted: 1, waiting: 1 });
    expect(sorted(await drill(t3, 'metric=requests'))).toEqual(named('D', 'F'));
    // Asking for another company does not widen what they see.
    expect((await get(t3, `/api/console/reports/summary?${RANGE}&companies=${c1}`)).requests).toBe(0);
    expect((await get(t3, `/api/console/reports/companies?${RANGE}`)).rows.map((x: { companyId: number }) => x.companyId)).toEqual([c2]);
    const csv = await t3.get(`/api/console/reports/export.csv?${RANGE}`);
    expect(csv.text.trimEnd().split('\r\n')).toHaveLength(3);
    await ok(admin.put(`/api/admin/techs/${t3Id}/reports`, { allowed: false }));
    expect((await t3.get(`/api/console/reports/summary?${RANGE}`)).status).toBe(403);
  });

  it('refuses bad filters with a clear error', async () => {
    for (const q of [
      'tz=Mars/Olympus',
      'from=yesterday',
      'companies=1,x',
      'outcomes=won',
      'hours=office',
      'from=2027-03-20&to=2027-03-10',
      'from=2020-01-01&to=2027-01-01',
      // Days that no calendar has: not read as the days after them.
      'from=2027-02-30',
      'to=2027-04-31',
      `from=${encodeURIComponent('2027-02-29T12:00:00Z')}`,
    ]) {
      const r = await admin.get(`/api/console/reports/summary?${q}`);
      expect(r.status, q).toBe(400);
      expect(r.body.error.code, q).toBe('validation_failed');
    }
    expect((await admin.get(`/api/console/reports/chats?${RANGE}&metric=handle&bin=2`)).body.error.code).toBe('validation_failed');
    expect((await admin.get(`/api/console/reports/chats?${RANGE}&day=2027-02-31`)).body.error?.code).toBe('validation_failed');
  });

  it('keeps business values as they were when each duration closed, and uses new office hours from then on', async () => {
    const before = await get(admin, `/api/console/reports/summary?${RANGE}&hours=business`);
    const always = Object.fromEntries(['0', '1', '2', '3', '4', '5', '6'].map((d) => [d, [{ start: '00:00', end: '24:00' }]]));
    await ok(admin.put('/api/admin/office-hours', { timezone: 'UTC', schedule: always }));
    expect(await get(admin, `/api/console/reports/summary?${RANGE}&hours=business`)).toEqual(before);
    // Monday 2027-03-22 12:00Z to 12:30Z: 08:00-08:30 in New York, closed then under the old hours; open around the clock now.
    to('2027-03-22T12:00:00Z');
    const board = Number((await s.ctx.db.selectFrom('chats').select('board_id').where('id', '=', ids.A).executeTakeFirstOrThrow()).board_id);
    const G = await request(c1, board, 'Keyboard G');
    to('2027-03-22T12:30:00Z');
    await ok(t1.post(`/api/console/chats/${G.id}/join`));
    const week = 'from=2027-03-21&to=2027-03-23&tz=UTC';
    expect((await get(admin, `/api/console/reports/summary?${week}&hours=business`)).timeToJoin).toMatchObject({ count: 1, p50: 30 * MIN });
    const weekdays = Object.fromEntries(['1', '2', '3', '4', '5'].map((d) => [d, [{ start: '09:00', end: '17:00' }]]));
    await ok(admin.put('/api/admin/office-hours', { timezone: 'America/New_York', schedule: weekdays }));
    expect((await get(admin, `/api/console/reports/summary?${week}&hours=business`)).timeToJoin).toMatchObject({ count: 1, p50: 30 * MIN });
  });

  it('rebuilds every row from the recorded transitions and messages to the same figures (reports-rebuild)', async () => {
    const before = [await get(admin, `/api/console/reports/summary?${RANGE}`), await get(admin, `/api/console/reports/summary?${RANGE}&hours=business`)];
    await s.ctx.db.deleteFrom('chat_metrics').execute();
    expect((await get(admin, `/api/console/reports/summary?${RANGE}`)).requests).toBe(0);
    // The operator command, next to the running server.
    const out: string[] = [];
    const code = await runCli(['reports-rebuild'], s.env as NodeJS.ProcessEnv, { out: (l) => out.push(l), err: (l) => out.push(l), stdin: process.stdin });
    expect(code, out.join('\n')).toBe(0);
    expect(out.join('\n')).toMatch(/Rebuilt the report measures of 7 chats/);
    expect(await get(admin, `/api/console/reports/summary?${RANGE}`)).toEqual(before[0]);
    expect(await get(admin, `/api/console/reports/summary?${RANGE}&hours=business`)).toEqual(before[1]);
  });
});

describe.each(DIALECTS)('first responses written by message batches on %s', (kind) => {
  let s: TestServer;
  afterAll(async () => s?.stop());

  it('records each chat first tech message once, also when several chats get theirs in one batch', async () => {
    s = await startTestServer(kind);
    const board = await s.f.board();
    const company = await s.f.company({ boardIds: [board] });
    const techs = await Promise.all([0, 1, 2].map(() => s.f.tech({ boardIds: [board], allCompanies: true })));
    const clients = await Promise.all(techs.map((t) => loginAs(s.url, 'tech', t.email, PASSWORD)));
    const chats: number[] = [];
    for (const c of clients) {
      const u = await s.f.portalUser(company);
      const portal = await loginAs(s.url, 'portal', u.email, PASSWORD);
      const r = await portal.post('/api/portal/chats', { boardId: board, subject: 'Batch', message: 'Hello' });
      chats.push(r.body.chat.id);
      expect((await c.post(`/api/console/chats/${r.body.chat.id}/join`)).status).toBe(200);
    }
    const send = (i: number, n: number) => clients[i].post(`/api/console/chats/${chats[i]}/messages`, { body: `reply ${n}`, clientId: `c${i}-${n}` });
    // Sent in one turn of the event loop: they share a batch.
    const first = await Promise.all([0, 1, 2].map((i) => send(i, 1)));
    expect(first.map((r) => r.status)).toEqual([201, 201, 201]);
    await Promise.all([0, 1, 2].map((i) => send(i, 2)));
    for (const id of chats) {
      const m = await s.ctx.db.selectFrom('chat_metrics').selectAll().where('chat_id', '=', id).executeTakeFirstOrThrow();
      const firstTech = await s.ctx.db
        .selectFrom('messages')
        .select((eb) => eb.fn.min('created_at').as('at'))
        .where('chat_id', '=', id)
        .where('author_kind', '=', 'tech')
        .executeTakeFirstOrThrow();
      expect(Number(m.first_response_at)).toBe(Number(firstTech.at));
      expect(Number(m.first_response_ms)).toBe(Number(firstTech.at) - Number(m.first_joined_at));
      const chat = await s.ctx.db.selectFrom('chats').select('first_response_at').where('id', '=', id).executeTakeFirstOrThrow();
      expect(Number(chat.first_response_at)).toBe(Number(firstTech.at));
    }
  });
});
