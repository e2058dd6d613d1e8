/**
 * The baseline: a bare Socket.IO relay with no auth, no validation and no database. A client
 * joins a room; a message sent with an ack is acknowledged and emitted to everyone in the room,
 * the same shape of traffic as the product's `message:send` -> `message`. `POST /broadcast`
 * `{ room, event, payload }` emits the payload to a room and answers 201: the same shape as a
 * chat request (HTTP) alerting techs.
 *
 * With `RELAY_DB=<file>` it is the *storing* relay: the least that "stored before anyone sees it"
 * takes. Each message gets its room's next seq and is written to SQLite (WAL, synchronous NORMAL,
 * the log copied back on a worker thread: the product's driver, settings and checkpointer), the
 * sends of one event-loop turn in one transaction, a retried client id answered with its stored
 * copy; only after the commit is it acknowledged and emitted. No auth, no access rule, no
 * validation, no events: what separates it from the bare relay is durability alone, the floor under
 * the product's latency on this machine (docs/benchmarks.md).
 *
 * With `RELAY_SEARCH_ANSWER=<file>`, `GET /api/console/search` answers that file's bytes (a search
 * answer the product gave), gzipped for a client that takes gzip, as the product does: the least
 * that answering a search over HTTP takes of an event loop, with no search behind it
 * (bench/search.ts, the floor under the chat ratio while techs search).
 */
import fs from 'node:fs';
import http from 'node:http';
import zlib from 'node:zlib';
import { Worker } from 'node:worker_threads';
import { Server } from 'socket.io';
import { openSqlite } from '../src/server/db/sqlite-driver.js';
import { acceptsGzip } from '../src/server/http/accept-encoding.js';
import { BACKSTOP_PAGES, startWalCheckpointer } from '../src/server/db/wal-checkpointer.js';

const searchAnswer = process.env.RELAY_SEARCH_ANSWER ? fs.readFileSync(process.env.RELAY_SEARCH_ANSWER) : null;
const searchAnswerGzip = searchAnswer && zlib.gzipSync(searchAnswer, { level: 1 });

const server = http.createServer((req, res) => {
  if (searchAnswer && searchAnswerGzip && req.method === 'GET' && req.url?.startsWith('/api/console/search?')) {
    const gzip = acceptsGzip(req.headers['accept-encoding']);
    const headers = { 'content-type': 'application/json; charset=utf-8', vary: 'accept-encoding', ...(gzip ? { 'content-encoding': 'gzip' } : {}) };
    res.writeHead(200, headers).end(gzip ? searchAnswerGzip : searchAnswer);
    return;
  }
  if (req.method !== 'POST' || req.url !== '/broadcast') {
    res.writeHead(404).end();
    return;
  }
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (d: string) => (body += d));
  req.on('end', () => {
    const p = JSON.parse(body) as { room: string; event: string; payload: unknown };
    io.to(p.room).emit(p.event, p.payload);
    res.writeHead(201, { 'content-type': 'application/json' }).end('{"ok":true}');
  });
});
const io = new Server(server, { serveClient: false, maxHttpBufferSize: 64 * 1024, pingInterval: 10000, pingTimeout: 8000 });

io.on('connection', (socket) => {
  socket.on('join', (p: { room: string }, ack?: (r: unknown) => void) => {
    socket.join(p.room);
    ack?.({ ok: true });
  });
  socket.on('send', (p: { room: string; body: string; clientId: string }, ack?: (r: unknown) => void) => {
    if (store) {
      store(p, ack);
      return;
    }
    const message = { room: p.room, body: p.body, clientId: p.clientId, at: Date.now() };
    ack?.({ ok: true, message });
    io.to(p.room).emit('message', message);
  });
});

type Send = { p: { room: string; body: string; clientId: string }; ack?: (r: unknown) => void };

type Stored = { fresh: boolean; message: { room: string; body: string; clientId: string; seq: number; at: number } };

/**
 * The storing relay's transaction, as source: run on the event loop, or with
 * `RELAY_WRITER=thread` on a worker thread with its own connection (the sends that arrive while a
 * batch is being written then make the next batch).
 */
const WRITER_SOURCE = `
const prepareWriter = (db) => {
  db.exec('pragma journal_mode = WAL');
  db.exec('pragma synchronous = NORMAL');
  db.exec('create table if not exists rooms (room text primary key, last_seq integer not null) without rowid');
  db.exec('create table if not exists messages (id integer primary key, room text not null, seq integer not null, client_id text not null, body text not null, created_at integer not null, unique (room, client_id), unique (room, seq))');
  const lastSeq = db.prepare('select last_seq from rooms where room = ?');
  const prior = db.prepare('select seq, body, created_at from messages where room = ? and client_id = ?');
  const insert = db.prepare('insert into messages (room, seq, client_id, body, created_at) values (?, ?, ?, ?, ?)');
  const advance = db.prepare('insert into rooms (room, last_seq) values (?, ?) on conflict (room) do update set last_seq = excluded.last_seq');
  return (sends) => {
    db.exec('begin immediate');
    try {
      const seqs = new Map();
      const results = sends.map((p) => {
        const stored = prior.get(p.room, p.clientId);
        if (stored) return { fresh: false, message: { room: p.room, body: stored.body, clientId: p.clientId, seq: stored.seq, at: stored.created_at } };
        const seq = (seqs.get(p.room) ?? Number(lastSeq.get(p.room)?.last_seq ?? 0)) + 1;
        seqs.set(p.room, seq);
        const at = Date.now();
        insert.run(p.room, seq, p.clientId, p.body, at);
        return { fresh: true, message: { room: p.room, body: p.body, clientId: p.clientId, seq, at } };
      });
      for (const [room, seq] of seqs) advance.run(room, seq);
      db.exec('commit');
      return results;
    } catch (err) {
      db.exec('rollback');
      throw err;
    }
  };
};
`;

const THREAD_SOURCE = `${WRITER_SOURCE}
const { workerData, parentPort } = require('node:worker_threads');
const { DatabaseSync } = require('node:sqlite');
const write = prepareWriter(new DatabaseSync(workerData.file, { timeout: 5000 }));
parentPort.on('message', (sends) => parentPort.postMessage(write(sends)));
`;

/** The storing relay's write path (RELAY_DB), or null for the bare relay. */
function storing(file: string | undefined) {
  if (!file) return null;
  const db = openSqlite(file);
  db.exec('pragma journal_mode = WAL');
  db.exec(`pragma wal_autocheckpoint = ${BACKSTOP_PAGES}`);
  startWalCheckpointer(db, file, (err) => console.error('checkpointer', err));
  let pending: Send[] = [];
  let writing: Send[] | null = null;
  const deliver = (batch: Send[], out: Stored[]) => {
    for (const [i, r] of out.entries()) {
      batch[i].ack?.({ ok: true, duplicate: !r.fresh, message: r.message });
      if (r.fresh) io.to(r.message.room).emit('message', r.message);
    }
  };
  if (process.env.RELAY_WRITER === 'thread') {
    const worker = new Worker(THREAD_SOURCE, { eval: true, workerData: { file } });
    const next = () => {
      if (writing || !pending.length) return;
      writing = pending;
      pending = [];
      worker.postMessage(writing.map((s) => s.p));
    };
    worker.on('message', (out: Stored[]) => {
      const batch = writing!;
      writing = null;
      deliver(batch, out);
      next();
    });
    return (p: Send['p'], ack: Send['ack']) => {
      if (!pending.length) setImmediate(next);
      pending.push({ p, ack });
    };
  }
  const write = new Function('db', `${WRITER_SOURCE}; return prepareWriter(db);`)({
    exec: (q: string) => db.exec(q),
    // node:sqlite's statements take their parameters spread, as in the worker.
    prepare: (q: string) => {
      const st = db.prepare(q);
      return { get: (...a: unknown[]) => st.get(a), run: (...a: unknown[]) => st.run(a) };
    },
  }) as (sends: Send['p'][]) => Stored[];
  const flush = () => {
    const batch = pending;
    pending = [];
    deliver(batch, write(batch.map((s) => s.p)));
  };
  return (p: Send['p'], ack: Send['ack']) => {
    if (!pending.length) setImmediate(flush);
    pending.push({ p, ack });
  };
}

const store = storing(process.env.RELAY_DB);

server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  console.log(`relay listening on http://127.0.0.1:${port}`);
});

for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    io.close();
    process.exit(0);
  });
}
