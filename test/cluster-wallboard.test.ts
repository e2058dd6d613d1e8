/**
 * The wallboard on two nodes (one PostgreSQL database, one Redis): a change made on node A (a
 * request, a join, a tech going DNR, a tech connecting there) updates a wallboard open on node B
 * within 2 s, each watcher with the figures of their own scope; a permission withdrawn on A
 * stops the pushes on B.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterUnavailable, OwnRedis, startCluster, type Cluster } from './support/cluster.js';
import { PASSWORD } from './support/server.js';
import { loginAs, type Client } from './support/http.js';
import { ack, connect, sleep, waitFor, type TestSocket } from './support/sockets.js';
import { barrier, closeAll } from './support/realtime.js';
import type { WallboardView } from '../src/shared/wallboard.js';

const skip = clusterUnavailable();
if (skip) console.warn(`skipping cluster wallboard tests: ${skip}`);

describe.skipIf(!!skip)('wallboard on two nodes', () => {
  let redis: OwnRedis;
  let cl: Cluster;
  const open: TestSocket[] = [];
  let board: number;
  let c1: number;
  let c2: number;
  let adminA: Client;
  let adminB: Client;
  let leadB: Client; // company 1 only, allowed the wallboard
  let workerA: Client; // company 1, works on node A
  let adminWall: TestSocket;
  let leadWall: TestSocket;

  beforeAll(async () => {
    redis = await OwnRedis.start();
    cl = await startCluster(2, { redisUrl: redis.url });
    const [A, B] = cl.nodes;
    board = await cl.f.board();
    c1 = await cl.f.company({ boardIds: [board] });
    c2 = await cl.f.company({ boardIds: [board] });
    const admin = await cl.f.tech({ role: 'admin' });
    const lead = await cl.f.tech({ boardIds: [board], companyIds: [c1] });
    const worker = await cl.f.tech({ boardIds: [board], companyIds: [c1] });
    adminA = await loginAs(A.url, 'tech', admin.email, PASSWORD);
    adminB = await loginAs(B.url, 'tech', admin.email, PASSWORD);
    leadB = await loginAs(B.url, 'tech', lead.email, PASSWORD);
    workerA = await loginAs(A.url, 'tech', worker.email, PASSWORD);
    // Allowed on node A; the lead opens the wallboard on node B.
    expect((await adminA.put('/api/admin/wallboard', { serviceLevelTargetSeconds: 60, viewerIds: [lead.id] })).status).toBe(200);
  }, 90000);
  afterAll(async () => {
    closeAll(...open);
    await cl?.stop();
    await redis?.stop();
  });

  async function socketOn(client: Client, url: string) {
    const s = await connect(url, '/console', client);
    open.push(s);
    return s;
  }
  async function request(companyId: number, subject: string) {
    const u = await cl.f.portalUser(companyId);
    const user = await loginAs(cl.nodes[0].url, 'portal', u.email, PASSWORD);
    const r = await user.post('/api/portal/chats', { boardId: board, subject, message: subject });
    expect(r.status, r.text).toBe(201);
    return r.body.chat.id as number;
  }
  const within2s = <T>(p: Promise<T>, started: number) =>
    p.then((v) => {
      expect(Date.now() - started).toBeLessThan(2000);
      return v;
    });

  it('a wallboard on node B counts a tech who connects on node A', async () => {
    const [A, B] = cl.nodes;
    adminWall = await socketOn(adminB, B.url);
    leadWall = await socketOn(leadB, B.url);
    const first = (await ack(adminWall, 'wallboard:watch', {})).wallboard as WallboardView;
    expect((await ack(leadWall, 'wallboard:watch', {})).wallboard).toMatchObject({ scope: 'own', waiting: 0 });
    // The admin and the lead are connected (on B); the worker not yet.
    expect(first.techs).toMatchObject({ available: 2, offline: 1 });
    const started = Date.now();
    await socketOn(workerA, A.url);
    await within2s(
      waitFor<WallboardView>(adminWall, 'wallboard', (w) => w.techs.available === 3 && w.techs.offline === 0, 2000),
      started,
    );
  });

  it('a request and a join on node A update the wallboards on node B, each with its own scope', async () => {
    let started = Date.now();
    const chat = await request(c1, 'Across nodes');
    await within2s(
      Promise.all([
        waitFor<WallboardView>(adminWall, 'wallboard', (w) => w.waiting === 1, 2000),
        waitFor<WallboardView>(leadWall, 'wallboard', (w) => w.waiting === 1, 2000),
      ]),
      started,
    );
    started = Date.now();
    expect((await workerA.post(`/api/console/chats/${chat}/join`)).status).toBe(200);
    const joined = await within2s(
      waitFor<WallboardView>(leadWall, 'wallboard', (w) => w.waiting === 0 && w.activeChats === 1, 2000),
      started,
    );
    expect(joined.techs.inChats).toBe(1);
    expect(joined.serviceLevel).toMatchObject({ counted: 1, withinTarget: 1, percent: 100 });

    // Company 2 on node A: the admin on B hears of it, the company-1 lead's figures never count it.
    const mark = leadWall.events.length;
    started = Date.now();
    await request(c2, 'Other company');
    await within2s(
      waitFor<WallboardView>(adminWall, 'wallboard', (w) => w.waiting === 1 && w.activeChats === 1, 2000),
      started,
    );
    await sleep(600);
    await barrier(leadWall);
    for (const e of leadWall.events.slice(mark)) if (e.name === 'wallboard') expect(e.payload.waiting).toBe(0);
  });

  it('a tech going DNR on node A shows on node B', async () => {
    const started = Date.now();
    expect((await workerA.put('/api/console/status', { available: false })).status).toBe(200);
    await within2s(
      waitFor<WallboardView>(leadWall, 'wallboard', (w) => w.techs.dnr === 1, 2000),
      started,
    );
  });

  it('a permission withdrawn on node A stops the pushes on node B', async () => {
    expect((await adminA.put('/api/admin/wallboard', { serviceLevelTargetSeconds: 60, viewerIds: [] })).status).toBe(200);
    expect((await leadB.get('/api/console/wallboard')).body.error.code).toBe('wallboard_not_allowed');
    expect(await waitFor(leadWall, 'wallboard:closed', () => true, 2000)).toEqual({ code: 'wallboard_not_allowed' });
    await sleep(800);
    await barrier(leadWall);
    const mark = leadWall.events.length;
    await request(c1, 'After the withdrawal');
    await waitFor<WallboardView>(adminWall, 'wallboard', (w) => w.waiting === 2, 2000);
    await sleep(600);
    await barrier(leadWall);
    expect(leadWall.events.slice(mark).filter((e) => e.name === 'wallboard')).toEqual([]);
  });
});
