/**
 * The simulated people of the seeded fault run (bench/faults.ts) and what the harness writes down
 * about them. A person (portal user or tech) holds at most one Socket.IO connection at a time, on a
 * node picked like a load balancer would (any node that is up and not frozen); when it drops, the
 * person reconnects to another one, re-reads each open chat after its last contiguous seq and
 * resends its outbox by client id, as the web pages do. Every event a connection receives is kept
 * with its time; every ack, refusal and intentional disconnect goes to the journal.
 */
import { io, type Socket } from 'socket.io-client';
import { Client } from '../test/support/http.js';
import { sleep, type Fleet, type Rng } from './fault-cluster.js';

/** One received event, reduced to what the invariants read. */
export type Received = { at: number; name: string; chatId?: number; version?: number; status?: string; stage?: string; seq?: number };

export type AckRecord = { at: number; person: string; chatId: number; clientId: string; seq: number; duplicate: boolean };
export type RefusalRecord = { at: number; person: string; chatId: number; clientId: string; code: string };
export type DisconnectRecord = { at: number; person: string; connection: number; node: string; why: 'drop' | 'vanish' };
export type Attempt = { node: string; status?: number; code?: string; error?: string };
export type HttpResult = { status: number; body: any; attempts: Attempt[] };

/** What the whole run shares: the fleet, the clock origin, every connection, the journal. */
export class World {
  readonly connections: Connection[] = [];
  readonly acks: AckRecord[] = [];
  readonly refusals: RefusalRecord[] = [];
  readonly disconnects: DisconnectRecord[] = [];
  /** Odd answers the harness did not expect (kept for the report, not invariants). */
  readonly notes: string[] = [];
  /** Set at teardown: nobody reconnects any more. */
  closing = false;
  private lastConnectionId = 0;
  constructor(
    readonly fleet: Fleet,
    readonly t0: number,
  ) {}

  nextConnectionId() {
    return ++this.lastConnectionId;
  }

  note(text: string) {
    if (this.notes.length < 200) this.notes.push(`${((Date.now() - this.t0) / 1000).toFixed(1)}s ${text}`);
  }

  /** A node was killed at `at`: its open connections stop counting from then. Whose were they? */
  killedNode(node: string, at: number): string[] {
    const on = this.connections.filter((c) => c.node === node && c.endedAt() === null);
    for (const c of on) c.killedAt = at;
    return on.map((c) => c.person.name);
  }
}

function summarize(name: string, p: any): Omit<Received, 'at' | 'name'> {
  switch (name) {
    case 'message':
      return { chatId: p.chatId, seq: p.seq };
    case 'chat':
      return { chatId: p.id, version: p.version, status: p.status };
    case 'alert':
      return { chatId: p.chat?.id, version: p.chat?.version, status: p.chat?.status, stage: p.stage };
    case 'alert:withdrawn':
      return { chatId: p.chatId, version: p.version };
    default:
      return typeof p?.chatId === 'number' ? { chatId: p.chatId } : {};
  }
}

/** One Socket.IO connection of a person, from its handshake to its end. */
export class Connection {
  readonly events: Received[] = [];
  openedAt = 0;
  closedAt: number | null = null;
  /** When its node was killed while it was open: from then it counts as gone. */
  killedAt: number | null = null;
  constructor(
    readonly id: number,
    readonly person: Person,
    readonly node: string,
    readonly socket: Socket,
  ) {}
  endedAt(): number | null {
    if (this.closedAt === null) return this.killedAt;
    return this.killedAt === null ? this.closedAt : Math.min(this.closedAt, this.killedAt);
  }
  get live() {
    return this.endedAt() === null && this.socket.connected;
  }
}

const ACK_TIMEOUT_MS = 8000;
/** Refusals that say the server could not answer now: the send stays in the outbox. */
const RETRYABLE = new Set(['internal', 'unavailable', 'timeout']);

/** One person's side of one chat: messages by seq, and an outbox keyed by client id. */
export class Side {
  readonly held = new Map<number, { body: string; clientId: string | null }>();
  readonly outbox = new Map<string, { body: string; state: 'pending' | 'acked' | 'refused' }>();
  /** The chat page is open: re-read on reconnect and resync. */
  open = true;
  private flushing: Promise<void> | null = null;
  constructor(
    readonly person: Person,
    readonly chatId: number,
  ) {}

  contiguous() {
    let n = 0;
    while (this.held.has(n + 1)) n++;
    return n;
  }

  /** `chat:subscribe` after the last contiguous seq until the answer is not full; false when it could not. */
  async catchUp(): Promise<boolean> {
    for (let tries = 0; tries < 20; tries++) {
      const conn = this.person.conn;
      if (!conn?.live) return false;
      let r: any;
      try {
        r = await conn.socket.timeout(ACK_TIMEOUT_MS).emitWithAck('chat:subscribe', { chatId: this.chatId, afterSeq: this.contiguous() });
      } catch {
        return false;
      }
      if (r?.error?.code === 'rate_limited') {
        await sleep(1000);
        continue;
      }
      if (!r?.ok) {
        this.person.world.note(`${this.person.name} subscribe ${this.chatId}: ${JSON.stringify(r?.error ?? r)}`);
        return false;
      }
      for (const m of r.messages) this.held.set(m.seq, { body: m.body, clientId: m.clientId });
      if (r.messages.length < 1000) return true;
    }
    return false;
  }

  pending() {
    let n = 0;
    for (const o of this.outbox.values()) if (o.state === 'pending') n++;
    return n;
  }

  /** Puts a message in the outbox and tries to send it now. */
  send(clientId: string, body: string): Promise<void> {
    this.outbox.set(clientId, { body, state: 'pending' });
    return this.flush();
  }

  /** Sends what is pending, in order, on the current connection; what fails stays for later. */
  flush(): Promise<void> {
    this.flushing ??= this.flushNow().finally(() => (this.flushing = null));
    return this.flushing;
  }

  private async flushNow() {
    for (const [clientId, o] of this.outbox) {
      while (o.state === 'pending') {
        const conn = this.person.conn;
        if (!conn?.live) return;
        let r: any;
        try {
          r = await conn.socket.timeout(ACK_TIMEOUT_MS).emitWithAck('message:send', { chatId: this.chatId, body: o.body, clientId });
        } catch {
          return; // no answer (dropped, or a frozen node): resent after reconnecting or by drain()
        }
        if (r?.ok) {
          o.state = 'acked';
          this.held.set(r.message.seq, { body: r.message.body, clientId: r.message.clientId });
          this.person.world.acks.push({ at: Date.now(), person: this.person.name, chatId: this.chatId, clientId, seq: r.message.seq, duplicate: r.duplicate });
        } else if (r?.error?.code === 'rate_limited') {
          await sleep(Math.min(5000, Number(r.error.details?.retryAfterMs ?? 1000)));
        } else if (RETRYABLE.has(r?.error?.code)) {
          return;
        } else {
          o.state = 'refused';
          this.person.world.refusals.push({ at: Date.now(), person: this.person.name, chatId: this.chatId, clientId, code: String(r?.error?.code) });
        }
      }
    }
  }

  /** Until the outbox is empty (or `ms` passed): keeps resending, also after reconnects. */
  async drain(ms: number): Promise<boolean> {
    const end = Date.now() + ms;
    while (this.pending() > 0) {
      if (Date.now() > end) return false;
      await this.person.ensureConnected();
      await this.flush();
      if (this.pending() > 0) await sleep(300);
    }
    return true;
  }
}

/** A portal user or a tech, with a session cookie valid on every node (sessions live in the database). */
export class Person {
  conn: Connection | null = null;
  readonly conns: Connection[] = [];
  readonly sides = new Map<number, Side>();
  /** Wants to be connected: reconnects after a drop. False once gone for good. */
  online = true;
  private connecting: Promise<void> | null = null;
  constructor(
    readonly world: World,
    readonly name: string,
    readonly kind: 'portal' | 'tech',
    readonly id: number,
    private readonly login: Client,
    readonly rng: Rng,
  ) {}

  private get nsp() {
    return this.kind === 'portal' ? '/portal' : '/console';
  }

  /** The same cookie jar, speaking to another node. */
  private clientFor(url: string): Client {
    const c = new Client(url);
    (c as any).cookies = (this.login as any).cookies;
    return c;
  }

  side(chatId: number): Side {
    let s = this.sides.get(chatId);
    if (!s) this.sides.set(chatId, (s = new Side(this, chatId)));
    return s;
  }

  /** Resolves with a live connection, or null when the person is gone (or the run is closing). */
  async ensureConnected(): Promise<Connection | null> {
    while (this.online && !this.world.closing) {
      if (this.conn?.live) return this.conn;
      this.connecting ??= this.connectLoop().finally(() => (this.connecting = null));
      await this.connecting;
    }
    return null;
  }

  private async connectLoop() {
    for (let i = 0; this.online && !this.world.closing && !this.conn?.live; i++) {
      const nodes = this.world.fleet.usable();
      if (nodes.length) {
        const node = this.rng.pick(nodes);
        try {
          const conn = await this.open(node.name, node.url);
          if (!this.online || this.world.closing) {
            // Gone meanwhile (goAway during the handshake): leave at once.
            conn.closedAt = Date.now();
            conn.socket.disconnect();
            return;
          }
          this.conn = conn;
          void this.reread(conn);
          return;
        } catch {
          // refused or timed out (the node died or froze meanwhile): try another
        }
      }
      await sleep(Math.min(2000, 100 * 2 ** Math.min(i, 5)));
    }
  }

  private open(nodeName: string, url: string): Promise<Connection> {
    const socket = io(url + this.nsp, {
      transports: ['websocket'],
      extraHeaders: { cookie: this.clientFor(url).cookieHeader() },
      reconnection: false,
      forceNew: true,
      timeout: 5000,
    });
    const conn = new Connection(this.world.nextConnectionId(), this, nodeName, socket);
    socket.onAny((name: string, payload: any) => this.received(conn, name, payload));
    return new Promise((resolve, reject) => {
      socket.once('connect', () => {
        conn.openedAt = Date.now();
        this.world.connections.push(conn);
        this.conns.push(conn);
        socket.on('disconnect', () => this.lost(conn));
        resolve(conn);
      });
      socket.once('connect_error', (err) => {
        socket.close();
        reject(err);
      });
    });
  }

  private received(conn: Connection, name: string, payload: any) {
    conn.events.push({ at: Date.now(), name, ...summarize(name, payload) });
    if (name === 'message') this.sides.get(payload.chatId)?.held.set(payload.seq, { body: payload.body, clientId: payload.clientId });
    // Live events may have been lost (Redis was away): re-read the open chats.
    if (name === 'resync') void this.reread(conn);
  }

  /** Each open chat: catch up after the last contiguous seq, then resend what is pending. */
  private async reread(conn: Connection) {
    for (const side of this.sides.values()) {
      if (!side.open || this.conn !== conn) continue;
      if (await side.catchUp()) await side.flush();
    }
  }

  private lost(conn: Connection) {
    conn.closedAt ??= Date.now();
    if (this.conn === conn) this.conn = null;
    if (this.online && !this.world.closing) void sleep(this.rng.int(50, 500)).then(() => this.ensureConnected());
  }

  /** A fault: the connection is cut without a goodbye (no close frame); the person reconnects elsewhere. */
  drop(): Connection | null {
    const conn = this.conn;
    if (!conn?.live) return null;
    this.world.disconnects.push({ at: Date.now(), person: this.name, connection: conn.id, node: conn.node, why: 'drop' });
    conn.closedAt = Date.now();
    const ws = (conn.socket.io.engine as any)?.transport?.ws;
    if (typeof ws?.terminate === 'function') ws.terminate();
    else conn.socket.io.engine.close();
    return conn;
  }

  /** Closes the page and does not come back (until `comeBack`). */
  goAway() {
    this.online = false;
    const conn = this.conn;
    if (!conn) return;
    this.world.disconnects.push({ at: Date.now(), person: this.name, connection: conn.id, node: conn.node, why: 'vanish' });
    conn.closedAt = Date.now();
    conn.socket.disconnect();
  }

  comeBack() {
    this.online = true;
    return this.ensureConnected();
  }

  /** Round trip on the live connection: everything the node emitted to it before has arrived. */
  async barrier(): Promise<boolean> {
    const conn = this.conn;
    if (!conn?.live) return false;
    try {
      const r: any = await conn.socket.timeout(ACK_TIMEOUT_MS).emitWithAck('chat:unsubscribe', { chatId: 2 ** 31 });
      return !!r?.ok;
    } catch {
      return false;
    }
  }

  /**
   * An HTTP command on the node of the person's connection (or any usable node). A request that
   * gets no answer (node killed, 5xx) is sent again elsewhere, and every attempt is kept: the
   * caller decides what a later answer means after an unanswered one.
   */
  async http(method: 'POST' | 'GET', path: string, body?: unknown): Promise<HttpResult> {
    const attempts: Attempt[] = [];
    for (let i = 0; i < 60; i++) {
      const usable = this.world.fleet.usable();
      const mine = this.conn?.live ? usable.find((n) => n.name === this.conn!.node) : undefined;
      const node = mine ?? (usable.length ? this.rng.pick(usable) : null);
      if (!node) {
        await sleep(250);
        continue;
      }
      try {
        const r = await withTimeout(this.clientFor(node.url).request(method, path, body ?? (method === 'POST' ? {} : undefined)), 30000);
        attempts.push({ node: node.name, status: r.status, code: r.body?.error?.code });
        if (r.status < 500) return { status: r.status, body: r.body, attempts };
      } catch (e) {
        attempts.push({ node: node.name, error: e instanceof Error ? e.message : String(e) });
      }
      await sleep(300);
    }
    throw new Error(`${this.name} ${method} ${path}: no answer after ${attempts.length} attempts`);
  }

  close() {
    for (const c of this.conns) c.socket.close();
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms);
    p.then(
      (v) => (clearTimeout(t), resolve(v)),
      (e) => (clearTimeout(t), reject(e)),
    );
  });
}
