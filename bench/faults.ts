/**
 * Issue 17: a seeded randomized fault run on a cluster of real nodes, with invariants checked at
 * the end.
 *
 *   npm run bench -- faults                              10 minutes, seed 1
 *   FAULTS_SEED=2 FAULTS_MINUTES=3 npm run bench -- faults
 *
 * The run starts its own Redis and three nodes (child processes, `node --import tsx
 * src/server/main.ts`) on a fresh PostgreSQL database, with a disconnect grace of 4 s, a node
 * timeout of 10 s (every pause is shorter) and offers and escalations out of the way. Then, for
 * the given minutes:
 *
 * - a workload of simulated people, every choice drawn from the seed (bench/fault-cluster.ts,
 *   mulberry32): portal users request chats (spread over the run: the request pacing allows about
 *   7 per user in ten minutes); 2-4 techs race to join each (over HTTP, on the node
 *   they are connected to); both sides exchange messages through their socket with client ids and
 *   an outbox resent after reconnects; the tech ends the chat. Some users leave (while waiting or
 *   during the conversation), and some close the page while waiting and do not come back until
 *   their chat is abandoned. Every person holds one connection on a random live node and moves to
 *   another one when it drops (bench/fault-people.ts).
 * - a fault schedule drawn from the seed, one every ~4.5 s: kill -9 of a node (restarted 2-5 s
 *   later), a pause (SIGSTOP) of 1-4 s, Redis stopped for 2-6 s, a client connection cut. At least
 *   one node stays up and running.
 *
 * Then every fault is healed, every person reconnects and re-reads, and after a quiet period the
 * invariants of bench/fault-invariants.ts are checked (their header says what each one means).
 * Timing varies from run to run (the machine schedules the processes), so the same seed gives the
 * same people, plans and fault schedule, not the same interleaving.
 */
import { OwnRedis, startCluster, type Cluster } from '../test/support/cluster.js';
import { loginAs } from '../test/support/http.js';
import { PASSWORD } from '../test/support/server.js';
import { Fleet, planFaults, Rng, sleep, type FaultKind, type FaultRecord, type PlannedFault } from './fault-cluster.js';
import { Person, World } from './fault-people.js';
import {
  checkInvariants,
  type ChatPlan,
  type ChatRow,
  type Checks,
  type Fate,
  type MessageRow,
  type RaceRecord,
  type RacerResult,
  type Stored,
  type TransitionRow,
} from './fault-invariants.js';

export type FaultRunOptions = {
  seed: number;
  minutes: number;
  users: number;
  techs: number;
  graceSeconds: number;
  /** Mean time between two faults of the schedule. */
  meanFaultGapMs: number;
  /** For the harness's own timestamps in invariant (e). */
  toleranceMs: number;
  log: (line: string) => void;
};

const DEFAULTS: FaultRunOptions = {
  seed: 1,
  minutes: 10,
  users: 30,
  techs: 8,
  graceSeconds: 4,
  meanFaultGapMs: 4500,
  toleranceMs: 300,
  log: (line) => console.log(line),
};

const NODE_TIMEOUT_MS = 10000;
const FAULT_WEIGHTS: Record<FaultKind, number> = { kill: 0.2, pause: 0.3, redis: 0.15, drop: 0.35 };
const FATES: Record<Fate, number> = { normal: 0.7, leaveActive: 0.1, leaveWaiting: 0.08, vanish: 0.12 };

/** Everything one run keeps while it goes. */
type Run = {
  o: FaultRunOptions;
  cl: Cluster;
  world: World;
  boardId: number;
  users: Person[];
  techs: Person[];
  chats: ChatPlan[];
  races: RaceRecord[];
  /** When the workload stops starting new chats. */
  workloadEnd: number;
  counts: { paced: number; existing: number; ended: number; leftWaiting: number; leftActive: number };
};

const since = (run: Run, at = Date.now()) => at - run.world.t0;
const stopping = (run: Run) => Date.now() >= run.workloadEnd;

async function statusOf(run: Run, chatId: number): Promise<string> {
  const row = await run.cl.handle.db.selectFrom('chats').select('status').where('id', '=', chatId).executeTakeFirst();
  return String(row?.status);
}

/** A new request, waiting out the request pacing; null when the wait would outlast the workload. */
async function requestChat(run: Run, user: Person, n: number): Promise<number | null> {
  for (;;) {
    const r = await user.http('POST', '/api/portal/chats', { boardId: run.boardId, subject: `${user.name} #${n}`, message: `hello from ${user.name}` });
    if (r.status === 201 || r.status === 200) {
      const chatId = Number(r.body.chat.id);
      // Existing: an earlier attempt of this request was stored (no answer came back), or an older chat is still open.
      if (r.body.existing) run.counts.existing++;
      if (run.chats.some((c) => c.chatId === chatId)) {
        run.world.note(`${user.name}: request answered with chat ${chatId}, already played`);
        return null;
      }
      return chatId;
    }
    if (r.status === 429) {
      const wait = Number(r.body?.error?.details?.retryAfterMs ?? 30000);
      if (Date.now() + wait > run.workloadEnd) return null;
      run.counts.paced++;
      await sleep(wait + 200);
      continue;
    }
    run.world.note(`${user.name}: request refused ${r.status} ${JSON.stringify(r.body?.error)}`);
    return null;
  }
}

/** One racer's join, sent again elsewhere while unanswered; what its final answer means. */
async function join(tech: Person, chatId: number): Promise<RacerResult> {
  const r = await tech.http('POST', `/api/console/chats/${chatId}/join`);
  const code: string | undefined = r.body?.error?.code;
  const named = r.body?.error?.details?.techId === undefined ? undefined : Number(r.body.error.details.techId);
  const unanswered = r.attempts.length > 1;
  const base = { tech: tech.name, techId: tech.id, status: r.status, code, named, attempts: r.attempts.length };
  if (r.status === 200) return { ...base, outcome: 'won' };
  // Its own earlier attempt, unanswered, was stored: the retry is told it joined already.
  if (r.status === 409 && code === 'already_joined' && named === tech.id && unanswered) return { ...base, outcome: 'won-after-retry' };
  if (r.status === 409 && code === 'already_joined' && named !== tech.id) return { ...base, outcome: 'lost' };
  return { ...base, outcome: 'refused' };
}

/** 2-4 techs race to join; the winner, or null (nobody won: the chat was abandoned first). */
async function race(run: Run, chatId: number, rng: Rng, delayMs: number): Promise<Person | null> {
  const racers = rng.sample(run.techs, rng.int(2, Math.min(4, run.techs.length)));
  const jitters = racers.map(() => rng.int(0, 80));
  await sleep(delayMs);
  const record: RaceRecord = { chatId, startedAt: since(run), results: [] };
  run.races.push(record);
  record.results = await Promise.all(racers.map(async (tech, i) => (await sleep(jitters[i]), join(tech, chatId))));
  const winners = record.results.filter((r) => r.outcome === 'won' || r.outcome === 'won-after-retry');
  return winners.length === 1 ? run.techs.find((t) => t.id === winners[0].techId)! : null;
}

async function leave(run: Run, user: Person, chatId: number, counter: 'leftWaiting' | 'leftActive') {
  const r = await user.http('POST', `/api/portal/chats/${chatId}/leave`);
  if (r.status === 200) run.counts[counter]++;
  else if (r.attempts.length === 1) run.world.note(`${user.name}: leave ${chatId} refused ${r.status} ${r.body?.error?.code}`);
}

/** Both sides talk; the user may leave midway; the tech sends what it still has, then ends the chat. */
async function converse(run: Run, user: Person, tech: Person, chatId: number, fate: Fate, rng: Rng) {
  const us = user.side(chatId);
  const ts = tech.side(chatId);
  await tech.ensureConnected();
  await ts.catchUp();
  const userRng = rng.fork('user');
  const techRng = rng.fork('tech');
  const userCount = userRng.int(2, 12);
  const leaveAt = fate === 'leaveActive' ? userRng.int(0, userCount - 1) : fate === 'leaveWaiting' ? 0 : null;
  const userTalks = async () => {
    for (let i = 0; i < userCount; i++) {
      if (i === leaveAt) {
        // The user may already have left while waiting (fate leaveWaiting): the join came first.
        if (fate === 'leaveActive') await leave(run, user, chatId, 'leftActive');
        return;
      }
      await sleep(userRng.int(300, 2500));
      await us.send(`${user.name}-${chatId}-${i}`, `${user.name} says ${i}`);
    }
    await us.drain(30000);
  };
  const techTalks = async () => {
    const n = techRng.int(2, 12);
    for (let i = 0; i < n; i++) {
      await sleep(techRng.int(300, 2500));
      await ts.send(`${tech.name}-${chatId}-${i}`, `${tech.name} answers ${i}`);
    }
  };
  await Promise.all([userTalks(), techTalks()]);
  await ts.drain(30000);
  const r = await tech.http('POST', `/api/console/chats/${chatId}/end`, { outcome: 'ended' });
  if (r.status === 200) run.counts.ended++;
  else if (r.attempts.length === 1) run.world.note(`${tech.name}: end ${chatId} refused ${r.status} ${r.body?.error?.code}`);
  us.open = false;
  ts.open = false;
}

/** The user closes the page while waiting and stays away until the chat is abandoned (at most 90 s). */
async function vanish(run: Run, user: Person, plan: ChatPlan, rng: Rng) {
  await sleep(rng.int(200, 2000));
  user.goAway();
  plan.vanishedAt = since(run);
  user.side(plan.chatId).open = false;
  const end = Date.now() + 90000;
  while (Date.now() < end && (await statusOf(run, plan.chatId)) === 'waiting') await sleep(500);
  await sleep(500);
  await user.comeBack();
}

async function playChat(run: Run, user: Person, plan: ChatPlan, rng: Rng) {
  const side = user.side(plan.chatId);
  await side.catchUp();
  if (plan.fate === 'vanish') return vanish(run, user, plan, rng);
  if (plan.fate === 'leaveWaiting') {
    // The leave and the racers go at once: one of them wins.
    const [winner] = await Promise.all([
      race(run, plan.chatId, rng.fork('race'), rng.int(0, 2500)),
      sleep(rng.int(300, 2500)).then(() => leave(run, user, plan.chatId, 'leftWaiting')),
    ]);
    side.open = false;
    if (winner) await converse(run, user, winner, plan.chatId, plan.fate, rng.fork('talk'));
    return;
  }
  const winner = await race(run, plan.chatId, rng.fork('race'), 0);
  if (winner) await converse(run, user, winner, plan.chatId, plan.fate, rng.fork('talk'));
  side.open = false;
}

/**
 * The request pacing lets a user start 5 chats an hour freely, then each after a doubling gap
 * (30 s, 60 s, ...): about 7 fit in ten minutes. So each user starts one about every
 * run/CHATS_PER_USER, and the chats of all users overlap through the whole run.
 */
const CHATS_PER_USER = 7;
/** About how long a chat takes to play (the race, 2-12 messages a side, the end). */
const CHAT_MS = 20000;

/** A portal user's life: idle, request, play the chat as its fate says; until the workload ends. */
async function userLife(run: Run, user: Person) {
  const idleMs = Math.max(500, (run.o.minutes * 60000) / CHATS_PER_USER - CHAT_MS);
  for (let n = 1; !stopping(run); n++) {
    // The first request comes within one idle time of the start, the next ones 0.3-1.7 of it apart.
    await sleep(n === 1 ? user.rng.int(0, idleMs) : user.rng.int(Math.round(idleMs * 0.3), Math.round(idleMs * 1.7)));
    if (stopping(run) || !(await user.ensureConnected())) return;
    const rng = user.rng.fork(`chat-${n}`);
    const fate = rng.weighted(FATES);
    const chatId = await requestChat(run, user, n);
    if (chatId === null) return;
    const plan: ChatPlan = { chatId, user, fate, requestedAt: since(run) };
    run.chats.push(plan);
    await playChat(run, user, plan, rng);
  }
}

/** Cuts the connection of one connected person, chosen by `pick`; whose it was. */
function dropSomeone(run: Run, pick: number): string | null {
  const connected = [...run.users, ...run.techs].filter((p) => p.conn?.live);
  const victim = connected[Math.floor(pick * connected.length)];
  return victim?.drop() ? victim.name : null;
}

async function applyFaults(run: Run, fleet: Fleet, plan: PlannedFault[]) {
  for (const f of plan) {
    const wait = run.world.t0 + f.at - Date.now();
    if (wait > 0) await sleep(wait);
    if (f.kind === 'kill') fleet.kill(f, (node, at) => run.world.killedNode(node, at));
    else if (f.kind === 'pause') fleet.pause(f);
    else if (f.kind === 'redis') fleet.redisOutage(f);
    else fleet.drop(f, (pick) => dropSomeone(run, pick));
  }
}

async function setUp(o: FaultRunOptions, redis: OwnRedis, rng: Rng) {
  const cl = await startCluster(3, {
    redisUrl: redis.url,
    env: {
      CHAT_DISCONNECT_GRACE_SECONDS: String(o.graceSeconds),
      CHAT_WAIT_OFFER_SECONDS: '300',
      CHAT_ASSIGNED_FIRST_SECONDS: '60',
      NODE_TIMEOUT_MS: String(NODE_TIMEOUT_MS),
    },
  });
  const w = await cl.f.world();
  const userAccounts = [w.user, ...(await Promise.all(Array.from({ length: o.users - 1 }, () => cl.f.portalUser(w.companyId))))];
  const techAccounts = [
    w.tech,
    ...(await Promise.all(
      Array.from({ length: o.techs - 1 }, (_, i) => cl.f.tech({ boardIds: [w.boardId], companyIds: [w.companyId], name: `Tech ${i + 2}` })),
    )),
  ];
  const t0 = Date.now();
  const fleet = new Fleet(cl, redis, t0);
  const world = new World(fleet, t0);
  const login = async (kind: 'portal' | 'tech', account: { id: number; email: string }, i: number) => {
    const node = cl.nodes[i % cl.nodes.length];
    const client = await loginAs(node.url, kind, account.email, PASSWORD);
    const name = `${kind === 'portal' ? 'u' : 't'}${i + 1}`;
    return new Person(world, name, kind, account.id, client, rng.fork(name));
  };
  const users = await Promise.all(userAccounts.map((a, i) => login('portal', a, i)));
  const techs = await Promise.all(techAccounts.map((a, i) => login('tech', a, i)));
  return { cl, fleet, world, users, techs, boardId: w.boardId };
}

/** Everything healed and quiet: nodes ready, people back and re-read, graces of the gone run out. */
async function settle(run: Run, fleet: Fleet) {
  await fleet.heal();
  await fleet.allReady(60000);
  const everyone = [...run.users, ...run.techs];
  await Promise.all(everyone.filter((p) => p.online).map((p) => p.ensureConnected()));
  // Chats of users gone for good: abandoned after the grace, counted from a node timeout at worst.
  const limit = Date.now() + NODE_TIMEOUT_MS + run.o.graceSeconds * 1000 + 30000;
  for (const c of run.chats.filter((x) => x.fate === 'vanish')) while (Date.now() < limit && (await statusOf(run, c.chatId)) === 'waiting') await sleep(500);
  await Promise.all(everyone.map((p) => p.comeBack()));
  for (const p of everyone) for (const side of p.sides.values()) await side.drain(20000);
  // The final re-read of every chat each person took part in, as a page opened now would.
  for (const p of everyone)
    for (const side of p.sides.values()) if (!(await side.catchUp())) run.world.note(`${p.name}: final re-read of ${side.chatId} failed`);
  await sleep(2000);
  for (const p of everyone) if (!(await p.barrier())) run.world.note(`${p.name}: final barrier failed`);
}

async function readStored(cl: Cluster, chatIds: number[]): Promise<Stored> {
  const db = cl.handle.db;
  const ids = chatIds.length ? chatIds : [0];
  const chats = await db.selectFrom('chats').select(['id', 'status', 'tech_id', 'requester_id', 'abandoned_at', 'joined_at']).where('id', 'in', ids).execute();
  const messages = await db
    .selectFrom('messages')
    .select(['chat_id', 'seq', 'client_id', 'body'])
    .where('chat_id', 'in', ids)
    .orderBy('chat_id')
    .orderBy('seq')
    .execute();
  const transitions = await db
    .selectFrom('transitions')
    .select(['chat_id', 'event', 'to_status', 'actor_kind', 'at'])
    .where('chat_id', 'in', ids)
    .orderBy('id')
    .execute();
  const num = (x: unknown) => (x === null || x === undefined ? null : Number(x));
  const stored: Stored = { chats: new Map(), messages: new Map(), transitions: new Map() };
  for (const c of chats) {
    const row: ChatRow = {
      id: Number(c.id),
      status: String(c.status),
      tech_id: num(c.tech_id),
      requester_id: Number(c.requester_id),
      abandoned_at: num(c.abandoned_at),
      joined_at: num(c.joined_at),
    };
    stored.chats.set(row.id, row);
    stored.messages.set(row.id, []);
    stored.transitions.set(row.id, []);
  }
  for (const m of messages) {
    const row: MessageRow = { chat_id: Number(m.chat_id), seq: Number(m.seq), client_id: m.client_id ?? null, body: String(m.body) };
    stored.messages.get(row.chat_id)?.push(row);
  }
  for (const t of transitions) {
    const row: TransitionRow = {
      chat_id: Number(t.chat_id),
      event: String(t.event),
      to_status: String(t.to_status),
      actor_kind: String(t.actor_kind),
      at: Number(t.at),
    };
    stored.transitions.get(row.chat_id)?.push(row);
  }
  return stored;
}

export type FaultRunResult = ReturnType<typeof summarize>;

function summarize(run: Run, fleet: Fleet, checks: Checks, startedAt: number, stored: Stored) {
  const applied = fleet.log.filter((f) => !f.skipped);
  const byKind = (list: FaultRecord[]) =>
    Object.fromEntries((['kill', 'pause', 'redis', 'drop'] as const).map((k) => [k, list.filter((f) => f.kind === k).length]));
  const events = run.world.connections.reduce((n, c) => n + c.events.length, 0);
  const eventsByName: Record<string, number> = {};
  for (const c of run.world.connections) for (const e of c.events) eventsByName[e.name] = (eventsByName[e.name] ?? 0) + 1;
  const acked = new Set(run.world.acks.map((a) => `${a.chatId}/${a.clientId}`)).size;
  const statuses: Record<string, number> = {};
  for (const c of stored.chats.values()) statuses[c.status] = (statuses[c.status] ?? 0) + 1;
  const systemAbandons = [...stored.transitions.values()].flat().filter((t) => t.to_status === 'abandoned' && t.actor_kind === 'system').length;
  const violations = Object.values(checks).reduce((n, c) => n + c.violations, 0);
  return {
    target: 'a seeded run of faults on three nodes: zero violations of invariants (a)-(h)',
    met: violations === 0,
    violations,
    seed: run.o.seed,
    minutes: run.o.minutes,
    durationS: Math.round((Date.now() - startedAt) / 1000),
    config: {
      nodes: 3,
      users: run.users.length,
      techs: run.techs.length,
      graceSeconds: run.o.graceSeconds,
      nodeTimeoutMs: NODE_TIMEOUT_MS,
      toleranceMs: run.o.toleranceMs,
    },
    faults: {
      applied: applied.length,
      skipped: fleet.log.length - applied.length,
      byKind: byKind(applied),
      skippedByKind: byKind(fleet.log.filter((f) => f.skipped)),
    },
    workload: {
      chats: run.chats.length,
      fates: Object.fromEntries(Object.keys(FATES).map((f) => [f, run.chats.filter((c) => c.fate === f).length])),
      finalStatuses: statuses,
      systemAbandons,
      joinRaces: run.races.length,
      racers: run.races.reduce((n, r) => n + r.results.length, 0),
      joinsRetriedAfterNoAnswer: run.races.reduce((n, r) => n + r.results.filter((x) => x.attempts > 1).length, 0),
      ended: run.counts.ended,
      leftWaiting: run.counts.leftWaiting,
      leftActive: run.counts.leftActive,
      requestsPaced: run.counts.paced,
      requestsAnsweredExisting: run.counts.existing,
      messagesAcked: acked,
      acksOfDuplicates: run.world.acks.filter((a) => a.duplicate).length,
      sendsRefused: run.world.refusals.length,
      refusalCodes: countBy(run.world.refusals.map((r) => r.code)),
      connections: run.world.connections.length,
      intentionalDisconnects: countBy(run.world.disconnects.map((d) => d.why)),
      connectionsOnKilledNodes: applied.reduce((n, f) => n + (f.sockets?.length ?? 0), 0),
      eventsReceived: events,
      eventsByName,
    },
    invariants: checks,
    timelines: timelines(run, fleet, checks),
    notes: run.world.notes.slice(0, 50),
    faultLog: fleet.log,
  };
}

/** For each chat named by a violation: how it was requested and raced, and the faults around it. */
function timelines(run: Run, fleet: Fleet, checks: Checks) {
  const ids = new Set(Object.values(checks).flatMap((c) => c.chatIds));
  return [...ids].map((chatId) => {
    const plan = run.chats.find((c) => c.chatId === chatId);
    const from = (plan?.requestedAt ?? 0) - 10000;
    return {
      chatId,
      user: plan?.user.name,
      fate: plan?.fate,
      requestedAt: plan?.requestedAt,
      vanishedAt: plan?.vanishedAt,
      race: run.races.find((r) => r.chatId === chatId),
      faultsAround: fleet.log.filter((f) => f.at >= from && f.at <= from + 30000),
    };
  });
}

function countBy(items: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const i of items) out[i] = (out[i] ?? 0) + 1;
  return out;
}

export function markdownSummary(r: FaultRunResult): string {
  const k = r.faults.byKind;
  const w = r.workload;
  const lines = [
    `### Seeded fault run: seed ${r.seed}, ${r.minutes} min (${r.durationS} s in all)`,
    '',
    '| figure | value |',
    '| --- | --- |',
    `| faults applied | ${r.faults.applied} (kill -9 ${k.kill}, pause ${k.pause}, Redis down ${k.redis}, dropped connection ${k.drop}); ${r.faults.skipped} skipped |`,
    `| chats | ${w.chats} (${Object.entries(w.fates)
      .map(([f, n]) => `${f} ${n}`)
      .join(', ')}) |`,
    `| final statuses | ${Object.entries(w.finalStatuses)
      .map(([s, n]) => `${s} ${n}`)
      .join(', ')}; ${w.systemAbandons} abandoned by the grace |`,
    `| join races | ${w.joinRaces} (${w.racers} racers, ${w.joinsRetriedAfterNoAnswer} joins sent again after no answer) |`,
    `| messages acked | ${w.messagesAcked} (${w.acksOfDuplicates} acks of a resent duplicate, ${w.sendsRefused} sends refused) |`,
    `| connections | ${w.connections} (${w.connectionsOnKilledNodes} on killed nodes) |`,
    `| events received | ${w.eventsReceived} |`,
    '',
    '| invariant | violations | first examples |',
    '| --- | --- | --- |',
    ...Object.entries(r.invariants).map(([key, inv]) => `| (${key}) ${inv.title} | ${inv.violations} | ${inv.examples.join('<br>')} |`),
    '',
    `**${r.violations === 0 ? 'No violations.' : `${r.violations} violations.`}**`,
  ];
  return lines.join('\n');
}

/** The whole run: set up, workload and faults for `minutes`, heal, settle, check. */
export async function runFaults(options: Partial<FaultRunOptions> = {}): Promise<FaultRunResult> {
  const o: FaultRunOptions = { ...DEFAULTS, ...options };
  process.env.DATABASE_URL ??= 'postgres://postgres@127.0.0.1:5432/test';
  const startedAt = Date.now();
  const rng = new Rng(o.seed);
  const redis = await OwnRedis.start();
  let cluster: Cluster | undefined;
  let people: Person[] = [];
  try {
    const s = await setUp(o, redis, rng);
    cluster = s.cl;
    people = [...s.users, ...s.techs];
    const durationMs = o.minutes * 60000;
    const run: Run = {
      o,
      cl: s.cl,
      world: s.world,
      boardId: s.boardId,
      users: s.users,
      techs: s.techs,
      chats: [],
      races: [],
      workloadEnd: s.world.t0 + durationMs,
      counts: { paced: 0, existing: 0, ended: 0, leftWaiting: 0, leftActive: 0 },
    };
    await Promise.all(people.map((p) => p.ensureConnected()));
    const plan = planFaults(rng.fork('faults'), { durationMs, meanGapMs: o.meanFaultGapMs, weights: FAULT_WEIGHTS });
    o.log(`faults: seed ${o.seed}, ${o.minutes} min, ${plan.length} faults planned, ${s.users.length} users, ${s.techs.length} techs`);
    const progress = setInterval(
      () => o.log(`  +${Math.round(since(run) / 1000)} s: ${run.chats.length} chats, ${s.fleet.log.length} faults, ${run.world.acks.length} acks`),
      30000,
    );
    try {
      await Promise.all([applyFaults(run, s.fleet, plan), ...s.users.map((u) => userLife(run, u))]);
    } finally {
      clearInterval(progress);
    }
    o.log('faults: workload over; healing and settling');
    await settle(run, s.fleet);
    const stored = await readStored(
      s.cl,
      run.chats.map((c) => c.chatId),
    );
    const checks = checkInvariants({
      graceMs: o.graceSeconds * 1000,
      toleranceMs: o.toleranceMs,
      chats: run.chats,
      races: run.races,
      people,
      world: run.world,
      stored,
    });
    return summarize(run, s.fleet, checks, startedAt, stored);
  } finally {
    for (const p of people) p.world.closing = true;
    for (const p of people) p.close();
    await cluster?.stop();
    await redis.stop();
  }
}

/** The bench scenario: FAULTS_SEED (default 1) and FAULTS_MINUTES (default 10). */
export async function faultsScenario() {
  const result = await runFaults({ seed: Number(process.env.FAULTS_SEED ?? 1), minutes: Number(process.env.FAULTS_MINUTES ?? 10) });
  console.log(`\n${markdownSummary(result)}\n`);
  return result;
}
