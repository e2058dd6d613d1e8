/**
 * My account, for techs and portal users (services/account.ts): the password changes only with
 * the current one and ends every other session (their sockets close at once) while this one
 * stays; one's sessions are listed with when, where from and which browser, "this session"
 * marked, last seen written at most once a minute; one or all other sessions can be ended; no
 * one lists or ends another user's sessions.
 *
 * The server runs on a test clock, which also stops its periodic session sweep: a socket that
 * closes here was closed by the `session.ended` event, not by the sweep.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DIALECTS } from './support/databases.js';
import { PASSWORD, startTestServer, type TestServer } from './support/server.js';
import { Client } from './support/http.js';
import { TestClock } from './support/clock.js';
import { connect, sleep, type TestSocket } from './support/sockets.js';
import { barrier } from './support/realtime.js';
import { tokenHash } from '../src/server/services/auth.js';
import { clusterUnavailable, OwnRedis, startCluster, type Cluster } from './support/cluster.js';

type Audience = 'tech' | 'portal';
const base = (a: Audience) => (a === 'tech' ? '/api/console/account' : '/api/portal/account');
const meOf = (a: Audience) => (a === 'tech' ? '/api/console/me' : '/api/portal/me');
const nsp = (a: Audience) => (a === 'tech' ? '/console' : '/portal');

const closed = (socket: TestSocket, ms = 5000) =>
  new Promise<boolean>((resolve) => {
    if (!socket.connected) return resolve(true);
    const t = setTimeout(() => resolve(false), ms);
    socket.once('disconnect', () => {
      clearTimeout(t);
      resolve(true);
    });
  });

describe.each(DIALECTS)('own account on %s', (kind) => {
  let s: TestServer;
  const clock = new TestClock();
  let companyId: number;
  beforeAll(async () => {
    s = await startTestServer(kind, {}, undefined, { clock });
    companyId = await s.f.company();
  });
  afterAll(async () => s?.stop());
  // Past every throttle window: each test starts with no failure counted from this address.
  beforeEach(() => clock.advance(16 * 60_000));

  const person = async (a: Audience) => (a === 'tech' ? s.f.tech() : s.f.portalUser(companyId));
  async function signIn(a: Audience, email: string, userAgent: string, password = PASSWORD) {
    const c = new Client(s.url);
    const r = await c.request('POST', `/api/auth/${a}/login`, { email, password }, { headers: { 'user-agent': userAgent } });
    if (r.status !== 200) throw new Error(`login failed: ${r.status} ${r.text}`);
    return c;
  }
  const sessionRows = (a: Audience, userId: number) =>
    s.ctx.db.selectFrom('sessions').selectAll().where('user_kind', '=', a).where('user_id', '=', userId).execute();

  for (const a of ['tech', 'portal'] as const) {
    describe(`for a ${a === 'tech' ? 'tech' : 'portal user'}`, () => {
      it('lists only my sessions, newest use first, with browser, address and "this session" marked', async () => {
        const me = await person(a);
        const someoneElse = await person(a);
        const laptop = await signIn(a, me.email, 'Mozilla/5.0 (Laptop) Firefox/130.0');
        clock.advance(1000);
        const phone = await signIn(a, me.email, 'Mozilla/5.0 (iPhone) Safari/17');
        await signIn(a, someoneElse.email, 'Someone else');
        const list = await phone.get(`${base(a)}/sessions`);
        expect(list.status).toBe(200);
        expect(list.body).toHaveLength(2);
        expect(list.body[0]).toMatchObject({ current: true, userAgent: 'Mozilla/5.0 (iPhone) Safari/17', ip: '127.0.0.1' });
        expect(list.body[1]).toMatchObject({ current: false, userAgent: 'Mozilla/5.0 (Laptop) Firefox/130.0' });
        expect(Date.parse(list.body[0].createdAt)).toBe(clock.now());
        expect(Date.parse(list.body[0].lastSeenAt)).toBeGreaterThanOrEqual(Date.parse(list.body[0].createdAt));
        expect(list.body[0].id).toMatch(/^[A-Za-z0-9_-]{22}$/);
        // The id is not the stored hash, nor anything of the token.
        const rows = await sessionRows(a, me.id);
        for (const r of rows) expect(list.text).not.toContain(r.token_hash);
        expect(list.text).not.toContain('Someone else');
        const fromLaptop = await laptop.get(`${base(a)}/sessions`);
        expect(fromLaptop.body.map((x: { current: boolean }) => x.current)).toEqual([true, false]);
        const account = await laptop.get(base(a));
        expect(account.body).toMatchObject({ kind: a, email: me.email });
        expect((await new Client(s.url).get(`${base(a)}/sessions`)).status).toBe(401);
      });

      it('writes "last seen" at most once a minute, not on every request', async () => {
        const me = await person(a);
        const c = await signIn(a, me.email, 'UA');
        const signedInAt = clock.now();
        const lastSeen = async () => Number((await sessionRows(a, me.id))[0].last_seen_at);
        expect(await lastSeen()).toBe(signedInAt);
        clock.advance(30_000);
        for (let i = 0; i < 3; i++) expect((await c.get(meOf(a))).status).toBe(200);
        expect(await lastSeen()).toBe(signedInAt);
        clock.advance(31_000);
        await c.get(meOf(a));
        expect(await lastSeen()).toBe(clock.now());
        const at = clock.now();
        clock.advance(10_000);
        await c.get(meOf(a));
        expect(await lastSeen()).toBe(at);
        expect(Date.parse((await c.get(`${base(a)}/sessions`)).body[0].lastSeenAt)).toBe(at);
      });

      it('ends one other session: its socket closes at once, mine stays', async () => {
        const me = await person(a);
        const mine = await signIn(a, me.email, 'mine');
        const other = await signIn(a, me.email, 'other');
        const mySocket = await connect(s.url, nsp(a), mine);
        const otherSocket = await connect(s.url, nsp(a), other);
        try {
          const list = await mine.get(`${base(a)}/sessions`);
          const target = list.body.find((x: { current: boolean }) => !x.current);
          const ended = await mine.request('DELETE', `${base(a)}/sessions/${target.id}`);
          expect(ended.status).toBe(200);
          expect(await closed(otherSocket)).toBe(true);
          expect((await other.get(meOf(a))).status).toBe(401);
          expect((await mine.get(meOf(a))).status).toBe(200);
          await barrier(mySocket);
          expect(mySocket.connected).toBe(true);
          expect((await mine.request('DELETE', `${base(a)}/sessions/${target.id}`)).body.error.code).toBe('not_found');
          expect((await mine.request('DELETE', `${base(a)}/sessions/not-an-id`)).body.error.code).toBe('validation_failed');
        } finally {
          mySocket.close();
          otherSocket.close();
        }
      });

      it('ends all other sessions at once and keeps this one', async () => {
        const me = await person(a);
        const mine = await signIn(a, me.email, 'mine');
        const others = [await signIn(a, me.email, 'b'), await signIn(a, me.email, 'c')];
        const r = await mine.post(`${base(a)}/sessions/end-others`);
        expect(r.body).toEqual({ endedSessions: 2 });
        for (const o of others) expect((await o.get(meOf(a))).status).toBe(401);
        expect((await mine.get(`${base(a)}/sessions`)).body).toHaveLength(1);
        expect((await mine.post(`${base(a)}/sessions/end-others`)).body).toEqual({ endedSessions: 0 });
      });

      it('no one lists or ends another user’s sessions', async () => {
        const victim = await person(a);
        const attacker = await person(a);
        const victimClient = await signIn(a, victim.email, 'victim');
        const attackerClient = await signIn(a, attacker.email, 'attacker');
        const victimId = (await victimClient.get(`${base(a)}/sessions`)).body[0].id;
        const tried = await attackerClient.request('DELETE', `${base(a)}/sessions/${victimId}`);
        expect(tried.status).toBe(404);
        expect(tried.body.error.code).toBe('not_found');
        await attackerClient.post(`${base(a)}/sessions/end-others`);
        expect((await victimClient.get(meOf(a))).status).toBe(200);
        expect((await attackerClient.get(`${base(a)}/sessions`)).text).not.toContain(victimId);
        // The other audience's account routes do not take this session at all.
        const otherSide = a === 'tech' ? '/api/portal/account' : '/api/console/account';
        expect((await attackerClient.get(`${otherSide}/sessions`)).status).toBe(401);
        expect((await attackerClient.request('DELETE', `${otherSide}/sessions/${victimId}`)).status).toBe(401);
        expect((await sessionRows(a, victim.id)).length).toBe(1);
      });

      it('changes the password only with the current one; every other session ends (its socket closes), this one stays', async () => {
        const me = await person(a);
        const mine = await signIn(a, me.email, 'mine');
        const other = await signIn(a, me.email, 'other');
        const mySocket = await connect(s.url, nsp(a), mine);
        const otherSocket = await connect(s.url, nsp(a), other);
        try {
          const wrong = await mine.post(`${base(a)}/password`, { currentPassword: 'not-it', newPassword: 'brand-new-pass-1' });
          expect(wrong.status).toBe(400);
          expect(wrong.body.error.code).toBe('password_invalid');
          const short = await mine.post(`${base(a)}/password`, { currentPassword: PASSWORD, newPassword: 'short' });
          expect(short.body.error.code).toBe('validation_failed');
          expect((await other.get(meOf(a))).status).toBe(200);
          await signIn(a, me.email, 'still the old password');

          const changed = await mine.post(`${base(a)}/password`, { currentPassword: PASSWORD, newPassword: 'brand-new-pass-1' });
          expect(changed.status).toBe(200);
          expect(changed.body).toEqual({ endedSessions: 2 });
          expect(await closed(otherSocket)).toBe(true);
          expect((await other.get(meOf(a))).status).toBe(401);
          expect((await mine.get(meOf(a))).status).toBe(200);
          await barrier(mySocket);
          expect(mySocket.connected).toBe(true);
          expect((await sessionRows(a, me.id)).map((r) => r.token_hash)).toEqual([tokenHash(mine.cookieHeader().split('=')[1])]);
          const old = await new Client(s.url).post(`/api/auth/${a}/login`, { email: me.email, password: PASSWORD });
          expect(old.body.error.code).toBe('invalid_credentials');
          await signIn(a, me.email, 'new password', 'brand-new-pass-1');
        } finally {
          mySocket.close();
          otherSocket.close();
        }
      });

      it('guessing the current password is throttled like a login', async () => {
        const me = await person(a);
        const c = await signIn(a, me.email, 'guesser');
        for (let i = 0; i < 5; i++)
          expect((await c.post(`${base(a)}/password`, { currentPassword: `guess-${i}`, newPassword: 'brand-new-pass-1' })).status).toBe(400);
        const limited = await c.post(`${base(a)}/password`, { currentPassword: PASSWORD, newPassword: 'brand-new-pass-1' });
        expect(limited.status).toBe(429);
        expect(limited.body.error.code).toBe('rate_limited');
        await sleep(10);
        clock.advance(limited.body.error.details.retryAfterMs);
        expect((await c.post(`${base(a)}/password`, { currentPassword: PASSWORD, newPassword: 'brand-new-pass-1' })).status).toBe(200);
      });
    });
  }
});

describe.skipIf(!!clusterUnavailable())('own account across two nodes', () => {
  let redis: OwnRedis;
  let cluster: Cluster;
  beforeAll(async () => {
    redis = await OwnRedis.start();
    // No periodic session sweep during the test: a socket that closes was closed by the event.
    cluster = await startCluster(2, { redisUrl: redis.url, env: { TIMER_SWEEP_MS: '3600000' } });
  }, 120_000);
  afterAll(async () => {
    await cluster?.stop();
    await redis?.stop();
  });

  it('a password changed on one node ends the other sessions there and on the other node (their sockets close); this one stays', async () => {
    const [a, b] = cluster.nodes;
    const tech = await cluster.f.tech();
    const mine = new Client(a.url);
    await mine.post('/api/auth/tech/login', { email: tech.email, password: PASSWORD });
    const onB = new Client(b.url);
    await onB.post('/api/auth/tech/login', { email: tech.email, password: PASSWORD });
    const mySocketOnB = await connect(b.url, '/console', mine);
    const otherSocketOnB = await connect(b.url, '/console', onB);
    const otherSocketOnA = await connect(a.url, '/console', onB);
    try {
      const r = await mine.post('/api/console/account/password', { currentPassword: PASSWORD, newPassword: 'brand-new-pass-1' });
      expect(r.body).toEqual({ endedSessions: 1 });
      expect(await closed(otherSocketOnB)).toBe(true);
      expect(await closed(otherSocketOnA)).toBe(true);
      await barrier(mySocketOnB);
      expect(mySocketOnB.connected).toBe(true);
      expect((await new Client(b.url).request('GET', '/api/console/me', undefined, { headers: { cookie: mine.cookieHeader() } })).status).toBe(200);
    } finally {
      for (const x of [mySocketOnB, otherSocketOnB, otherSocketOnA]) x.close();
    }
  });
});
