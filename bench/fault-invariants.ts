/**
 * The invariants of the seeded fault run (bench/faults.ts), checked once at the end against the
 * database and everything the harness wrote down. Each returns its violations as short
 * sentences; the run reports how many and the first few. The letters follow the issue:
 *
 * (a) messages: every acknowledged message is stored exactly once (by client id), at the seq its
 *     ack gave, and every side of a chat ends up holding exactly the stored messages;
 * (b) seq: per chat, the stored seqs are 1..n without gaps;
 * (c) join races: at most one racer won (200, or a retry after an unanswered attempt told it
 *     already_joined by itself), every other one got 409 already_joined naming the winner, and the
 *     database's tech_id is the winner's; a chat no racer won was not joined by anyone;
 * (d) timers once: at most one abandon transition per chat, no chat both joined and abandoned,
 *     and every waiting chat whose requester went away for good is abandoned, by the system, once;
 * (e) no early abandonment: for each chat the system abandoned, the requester had no live
 *     connection during the grace before `abandoned_at` (a connection on a killed node counts as
 *     gone from the kill); TOLERANCE_MS is allowed for the harness's own timestamps (it writes the
 *     time a client saw a connect or a close, a little after the server did);
 * (f) no stale alert: no `alert` on a connection after the same connection got, for that chat, a
 *     `chat` or `alert:withdrawn` with a higher version, and no alert for a chat not waiting;
 * (g) no stale status: no `chat` event with a version lower than one the connection already got
 *     for that chat (by a `chat` or an `alert:withdrawn`) and another status than that one's, which
 *     would move the chat back (a taken chat back to Waiting). Clients ignore any lower version
 *     (web/common/chat-versions.ts); two nodes' publishes of one status may cross in Redis;
 * (h) each alert (chat, version, stage) reaches a connection at most once.
 */
import type { Connection, Person, World } from './fault-people.js';

export type ChatRow = {
  id: number;
  status: string;
  tech_id: number | null;
  requester_id: number;
  abandoned_at: number | null;
  joined_at: number | null;
};
export type MessageRow = { chat_id: number; seq: number; client_id: string | null; body: string };
export type TransitionRow = { chat_id: number; event: string; to_status: string; actor_kind: string; at: number };
export type Stored = { chats: Map<number, ChatRow>; messages: Map<number, MessageRow[]>; transitions: Map<number, TransitionRow[]> };

export type Fate = 'normal' | 'leaveActive' | 'leaveWaiting' | 'vanish';
/** A chat the harness requested, and how it meant it to go. */
export type ChatPlan = { chatId: number; user: Person; fate: Fate; requestedAt: number; vanishedAt?: number };

export type RacerOutcome = 'won' | 'won-after-retry' | 'lost' | 'refused';
export type RacerResult = { tech: string; techId: number; outcome: RacerOutcome; status: number; code?: string; named?: number; attempts: number };
export type RaceRecord = { chatId: number; startedAt: number; results: RacerResult[] };

/** `chatIds`: the chats of the first examples, whose timelines the report shows. */
export type Invariant = { title: string; violations: number; examples: string[]; chatIds: number[] };
export type Checks = Record<'a' | 'b' | 'c' | 'd' | 'e' | 'f' | 'g' | 'h', Invariant>;

export type CheckInput = {
  graceMs: number;
  toleranceMs: number;
  chats: ChatPlan[];
  races: RaceRecord[];
  people: Person[];
  world: World;
  stored: Stored;
};

const EXAMPLES = 5;

class Tally {
  violations = 0;
  examples: string[] = [];
  chatIds = new Set<number>();
  constructor(readonly title: string) {}
  add(what: string, chatId?: number) {
    this.violations++;
    if (this.examples.length < EXAMPLES) this.examples.push(what);
    if (chatId !== undefined && this.chatIds.size < EXAMPLES) this.chatIds.add(chatId);
  }
  done(): Invariant {
    return { title: this.title, violations: this.violations, examples: this.examples, chatIds: [...this.chatIds] };
  }
}

function messagesOnce({ world, people, stored }: CheckInput): Invariant {
  const t = new Tally('acknowledged messages stored once; every side holds exactly the stored messages');
  for (const [chatId, rows] of stored.messages) {
    const ids = rows.map((m) => m.client_id).filter((id): id is string => id !== null);
    for (const id of new Set(ids))
      if (ids.filter((x) => x === id).length > 1) t.add(`chat ${chatId}: client id ${id} stored ${ids.filter((x) => x === id).length} times`);
  }
  const seen = new Set<string>();
  for (const a of world.acks) {
    const key = `${a.chatId}/${a.clientId}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const rows = (stored.messages.get(a.chatId) ?? []).filter((m) => m.client_id === a.clientId);
    if (rows.length !== 1) t.add(`chat ${a.chatId}: acked ${a.clientId} (seq ${a.seq}) stored ${rows.length} times`);
    else if (rows[0].seq !== a.seq) t.add(`chat ${a.chatId}: acked ${a.clientId} at seq ${a.seq}, stored at seq ${rows[0].seq}`);
  }
  for (const p of people) {
    for (const side of p.sides.values()) {
      const rows = stored.messages.get(side.chatId) ?? [];
      const held = [...side.held.keys()].sort((x, y) => x - y);
      const want = rows.map((m) => m.seq);
      if (held.join() !== want.join()) t.add(`${p.name} chat ${side.chatId}: holds seqs [${held.join()}], stored [${want.join()}]`);
      else for (const m of rows) if (side.held.get(m.seq)?.body !== m.body) t.add(`${p.name} chat ${side.chatId} seq ${m.seq}: another body`);
    }
  }
  return t.done();
}

function seqWithoutGaps({ stored }: CheckInput): Invariant {
  const t = new Tally('per chat, seq is 1..n without gaps');
  for (const [chatId, rows] of stored.messages) {
    const seqs = rows.map((m) => m.seq);
    if (seqs.some((s, i) => s !== i + 1)) t.add(`chat ${chatId}: seqs [${seqs.join()}]`);
  }
  return t.done();
}

function oneJoinWinner({ races, stored }: CheckInput): Invariant {
  const t = new Tally('one winner per join race; the others told already_joined by the winner; the database agrees');
  for (const race of races) {
    const chat = stored.chats.get(race.chatId);
    const winners = race.results.filter((r) => r.outcome === 'won' || r.outcome === 'won-after-retry');
    const dbTech = chat?.tech_id ?? null;
    const show = () => race.results.map((r) => `${r.tech}:${r.outcome}/${r.status}${r.code ? `/${r.code}` : ''}${r.named ? `->${r.named}` : ''}`).join(' ');
    if (winners.length > 1) t.add(`chat ${race.chatId}: ${winners.length} winners (${show()})`);
    else if (winners.length === 1 && dbTech !== winners[0].techId) t.add(`chat ${race.chatId}: winner ${winners[0].tech}, database tech_id ${dbTech}`);
    else if (winners.length === 0 && dbTech !== null) t.add(`chat ${race.chatId}: no racer won, database tech_id ${dbTech} (${show()})`);
    for (const r of race.results) {
      if (r.outcome === 'lost' && r.named !== dbTech) t.add(`chat ${race.chatId}: ${r.tech} told ${r.named} won, database tech_id ${dbTech}`);
      if (r.outcome === 'refused' && dbTech !== null) t.add(`chat ${race.chatId}: ${r.tech} refused ${r.status}/${r.code} on a joined chat`);
    }
  }
  return t.done();
}

function timersOnce({ chats, stored }: CheckInput): Invariant {
  const t = new Tally('at most one abandon per chat; never both joined and abandoned; every chat left for good is abandoned');
  for (const [chatId, trs] of stored.transitions) {
    const abandons = trs.filter((x) => x.to_status === 'abandoned');
    if (abandons.length > 1) t.add(`chat ${chatId}: ${abandons.length} abandon transitions`);
    if (abandons.length && trs.some((x) => x.event === 'join')) t.add(`chat ${chatId}: joined and abandoned`);
  }
  for (const c of chats.filter((x) => x.fate === 'vanish')) {
    const row = stored.chats.get(c.chatId);
    const abandons = (stored.transitions.get(c.chatId) ?? []).filter((x) => x.to_status === 'abandoned' && x.actor_kind === 'system');
    if (row?.status !== 'abandoned' || abandons.length !== 1)
      t.add(`chat ${c.chatId} (${c.user.name} gone at +${c.vanishedAt}): status ${row?.status}, ${abandons.length} system abandons`);
  }
  return t.done();
}

function noEarlyAbandon({ chats, stored, graceMs, toleranceMs, world }: CheckInput): Invariant {
  const t = new Tally(`no abandonment before the requester was gone for the grace (tolerance ${toleranceMs} ms)`);
  const byChat = new Map(chats.map((c) => [c.chatId, c]));
  for (const [chatId, trs] of stored.transitions) {
    for (const tr of trs.filter((x) => x.to_status === 'abandoned' && x.actor_kind === 'system')) {
      const plan = byChat.get(chatId);
      if (!plan) continue;
      const at = Number(stored.chats.get(chatId)?.abandoned_at ?? tr.at);
      const from = at - graceMs + toleranceMs;
      const overlapping = plan.user.conns.filter((c) => c.openedAt < at && (c.endedAt() ?? Number.POSITIVE_INFINITY) > from);
      for (const c of overlapping) {
        const end = c.endedAt();
        t.add(
          `chat ${chatId}: abandoned at +${at - world.t0} ms; ${plan.user.name}'s connection ${c.id} on ${c.node} live from +${c.openedAt - world.t0} to ${end === null ? 'the end' : `+${end - world.t0}`} ms`,
        );
      }
    }
  }
  return t.done();
}

/** (f), (g), (h) over one connection's events, in the order they arrived (times from the start of the run). */
function connectionOrder(c: Connection, t0: number, f: Tally, g: Tally, h: Tally) {
  const highest = new Map<number, { version: number; at: number; name: string; status?: string }>();
  const alerts = new Set<string>();
  const who = `${c.person.name} conn ${c.id} (${c.node})`;
  for (const e of c.events) {
    if (e.chatId === undefined || e.version === undefined) continue;
    const top = highest.get(e.chatId);
    const when = `+${e.at - t0} ms`;
    const after = top ? `after ${top.name} v${top.version} at +${top.at - t0} ms` : '';
    if (e.name === 'alert') {
      if (top !== undefined && e.version < top.version) f.add(`${who}: alert for chat ${e.chatId} v${e.version} at ${when}, ${after}`, e.chatId);
      if (e.status !== 'waiting') f.add(`${who}: alert for chat ${e.chatId} v${e.version} at ${when}, status ${e.status}`, e.chatId);
      const key = `${e.chatId}/${e.version}/${e.stage}`;
      if (alerts.has(key)) h.add(`${who}: alert ${key} twice (again at ${when})`, e.chatId);
      alerts.add(key);
      continue;
    }
    if (e.name === 'chat' && top !== undefined && e.version < top.version && e.status !== top.status)
      g.add(`${who}: chat ${e.chatId} v${e.version} (${e.status}) at ${when}, ${after} (${top.status ?? 'withdrawn'})`, e.chatId);
    if ((e.name === 'chat' || e.name === 'alert:withdrawn') && (top === undefined || e.version > top.version))
      highest.set(e.chatId, { version: e.version, at: e.at, name: e.name, status: e.name === 'chat' ? e.status : undefined });
  }
}

export function checkInvariants(input: CheckInput): Checks {
  const f = new Tally('no alert older than a status or withdrawal the connection already had, nor for a chat not waiting');
  const g = new Tally('no chat event older than one the connection already had');
  const h = new Tally('each alert (chat, version, stage) at most once per connection');
  for (const c of input.world.connections) connectionOrder(c, input.world.t0, f, g, h);
  return {
    a: messagesOnce(input),
    b: seqWithoutGaps(input),
    c: oneJoinWinner(input),
    d: timersOnce(input),
    e: noEarlyAbandon(input),
    f: f.done(),
    g: g.done(),
    h: h.done(),
  };
}
