/**
 * A portal user cannot cycle request -> leave without limit (each request alerts every eligible
 * tech and each leave adds an Abandoned entry), and a genuine request is never held back: the
 * first few always go through, and so does one after a pause. Counted from the chats in the
 * database, so it holds on every node. Time is a TestClock the test moves.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from './support/databases.js';
import { startTestServer, PASSWORD, type TestServer } from './support/server.js';
import { loginAs, type Client } from './support/http.js';
import { connect, received, waitFor, type TestSocket } from './support/sockets.js';
import { barrier } from './support/realtime.js';
import { TestClock } from './support/clock.js';
import { GAP_BASE_MS, GAP_MAX_MS, REQUESTS_FREE, REQUESTS_WINDOW_MS, requestWait } from '../src/server/domain/request-pacing.js';

describe('the pacing rule', () => {
  const now = 10 * REQUESTS_WINDOW_MS;
  const every = (n: number, stepMs: number) => Array.from({ length: n }, (_, i) => now - (n - i) * stepMs);
  it('lets the first requests of an hour go at once, then asks for a growing gap that never exceeds five minutes', () => {
    expect(requestWait([], now)).toBe(0);
    expect(requestWait(every(REQUESTS_FREE - 1, 1000), now)).toBe(0);
    // The sixth within a second of the fifth waits 30 s from the fifth; the seventh 60 s; ...
    expect(requestWait(every(REQUESTS_FREE, 1000), now)).toBe(GAP_BASE_MS - 1000);
    expect(requestWait(every(REQUESTS_FREE + 1, 1000), now)).toBe(2 * GAP_BASE_MS - 1000);
    expect(requestWait(every(REQUESTS_FREE + 20, 1000), now)).toBe(GAP_MAX_MS - 1000);
    // After a pause of the longest gap, always free.
    expect(requestWait([...every(REQUESTS_FREE + 20, 1000).map((t) => t - GAP_MAX_MS)], now)).toBe(0);
    // Requests older than the window count for nothing.
    expect(
      requestWait(
        every(50, 1000).map((t) => t - REQUESTS_WINDOW_MS),
        now,
      ),
    ).toBe(0);
  });
});

describe.each(DIALECTS)('request pacing on %s', (kind) => {
  const clock = new TestClock();
  let s: TestServer;
  let boardId: number;
  let companyId: number;
  let techSocket: TestSocket;
  beforeAll(async () => {
    s = await startTestServer(kind, {}, undefined, { clock });
    const w = await s.f.world();
    boardId = w.boardId;
    companyId = w.companyId;
    techSocket = await connect(s.url, '/console', await loginAs(s.url, 'tech', w.tech.email, PASSWORD));
  });
  afterAll(async () => {
    techSocket?.close();
    await s?.stop();
  });

  const request = (c: Client, subject: string) => c.post('/api/portal/chats', { boardId, subject, message: 'hello' });
  const cycle = async (c: Client, subject: string) => {
    const r = await request(c, subject);
    if (r.status !== 201) return r;
    // The tech hears of the request before the user leaves it (a leave that wins the race alerts nobody).
    await waitFor(techSocket, 'alert', (a) => a.chat.id === r.body.chat.id);
    expect((await c.post(`/api/portal/chats/${r.body.chat.id}/leave`)).status).toBe(200);
    return r;
  };
  const chatsOf = async (userId: number) =>
    Number(
      (
        await s.ctx.db
          .selectFrom('chats')
          .select((eb) => eb.fn.countAll().as('n'))
          .where('requester_id', '=', userId)
          .executeTakeFirstOrThrow()
      ).n,
    );

  it('request -> leave cycles: the first five go through, then each waits a growing gap, refused with too_many_requests and a retry-after', async () => {
    const u = await s.f.portalUser(companyId);
    const c = await loginAs(s.url, 'portal', u.email, PASSWORD);
    for (let i = 0; i < REQUESTS_FREE; i++) {
      expect((await cycle(c, `cycle ${i}`)).status).toBe(201);
      clock.advance(1000);
    }
    const refused = await cycle(c, 'one too many');
    expect(refused.status).toBe(429);
    expect(refused.body.error).toMatchObject({ code: 'too_many_requests', details: { retryAfterMs: GAP_BASE_MS - 1000 } });
    expect(refused.body.error.message).toMatch(/wait 29 seconds/);
    expect(refused.headers.get('retry-after')).toBe('29');
    expect(await chatsOf(u.id)).toBe(REQUESTS_FREE);

    // Not a moment before the wait is over; then it goes.
    clock.advance(GAP_BASE_MS - 1000 - 1);
    expect((await cycle(c, 'still too early')).status).toBe(429);
    clock.advance(1);
    expect((await cycle(c, 'after the wait')).status).toBe(201);
    // The next one waits twice as long.
    const next = await cycle(c, 'again at once');
    expect(next.body.error).toMatchObject({ code: 'too_many_requests', details: { retryAfterMs: 2 * GAP_BASE_MS } });
    expect(next.body.error.message).toMatch(/wait 1 minute\b/);

    // The refused requests alerted nobody: the tech heard one alert per chat that exists.
    await barrier(techSocket);
    const mine = received(techSocket, 'alert', (a) => a.chat.requester.id === u.id);
    expect(mine).toHaveLength(REQUESTS_FREE + 1);
    expect(await chatsOf(u.id)).toBe(REQUESTS_FREE + 1);
  });

  it('never blocks a genuine request: after a pause of five minutes it goes, others are not affected, and the open chat is returned again', async () => {
    const u = await s.f.portalUser(companyId);
    const c = await loginAs(s.url, 'portal', u.email, PASSWORD);
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) {
      statuses.push((await cycle(c, `burst ${i}`)).status);
      clock.advance(5000);
    }
    expect(statuses.filter((x) => x === 201).length).toBeLessThan(REQUESTS_FREE + 4);
    clock.advance(GAP_MAX_MS);
    // Past the longest gap, in any state of the count.
    expect((await request(c, 'genuine')).status).toBe(201);
    // Asking again while it is open returns the open chat, whatever the pace.
    const again = await request(c, 'genuine, asked twice');
    expect(again.status).toBe(200);
    expect(again.body.existing).toBe(true);
    // Another user of the same company starts at once.
    const other = await s.f.portalUser(companyId);
    expect((await request(await loginAs(s.url, 'portal', other.email, PASSWORD), 'someone else')).status).toBe(201);
  });
});
