/**
 * Read-only SQLite connections on worker threads, for queries long enough to stall live chat when
 * run on the event loop (search over every completed chat: docs/benchmarks.md, issue 15).
 *
 * SQLite in WAL mode lets readers run beside the one writer, each reader seeing everything committed
 * when its statement began, so these connections see a chat the moment its commit returns. Each
 * worker opens the database file read-only with the server's driver, node:sqlite
 * (db/sqlite-driver.ts), keeps its compiled statements and runs one batch of statements at a time,
 * in one read transaction (one snapshot for the batch).
 *
 * A statement that throws rejects its caller's promise with the error's message; a worker that dies
 * rejects what it was running and is started again on the next call.
 */
import { Worker } from 'node:worker_threads';
import { snippetOf } from './snippet.js';

/**
 * One statement and its parameters, as Kysely compiles them; with `snippets` (the words searched),
 * each row's `body` is replaced by its `snippet` (db/snippet.ts) where the statement ran.
 */
export type ReadQuery = { sql: string; parameters: readonly unknown[]; snippets?: string[] };

/** Rows with `body` given `snippet` instead, when words are given (`ReadQuery.snippets`). */
export function withSnippets(rows: unknown[], words: string[] | undefined): unknown[] {
  if (!words) return rows;
  return (rows as { body: string }[]).map(({ body, ...r }) => ({ ...r, snippet: snippetOf(body, words) }));
}

export interface ReaderPool {
  /** Runs the statements in order, in one read transaction, and gives each one's rows. */
  read(queries: ReadQuery[]): Promise<unknown[][]>;
  close(): Promise<void>;
  /** The workers running now (tests end one to check that callers get an error, not a hang). */
  readonly workers: readonly Worker[];
  /** The running workers' threads, once each has reported in. */
  readonly threads: readonly ReaderThread[];
}

// Plain JavaScript, evaluated in the worker: no loader or transpiler is needed there.
const WORKER_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads');
const { DatabaseSync } = require('node:sqlite');
// Below the event loop's priority (Linux, set on the thread through its id): first its own nice
// value, then the idle scheduling class where the system allows it (chrt, util-linux). A thread of
// that class gives the CPU up the moment live chat's thread wakes, where nice 10 only shortens its
// turns; it runs whenever nothing else wants the core. Elsewhere the thread runs as it is.
let tid = 0;
let policy = 'normal';
try {
  tid = Number(require('node:fs').readlinkSync('/proc/thread-self').split('/').pop());
} catch {}
if (tid > 0 && workerData.nice) {
  try {
    require('node:os').setPriority(tid, workerData.nice);
    policy = 'nice';
  } catch {}
}
if (tid > 0 && workerData.idle) {
  try {
    require('node:child_process').execFileSync('chrt', ['--idle', '--pid', '0', String(tid)], { stdio: 'ignore', timeout: 5000, env: { PATH: workerData.path } });
    policy = 'idle';
  } catch {}
}
parentPort.postMessage({ started: { tid, policy } });
const db = new DatabaseSync(workerData.file, { readOnly: true, timeout: 5000 });
// db/snippet.ts's function, by its source (self-contained; __name is a transpiler's naming helper).
var __name = (f) => f;
const snippetOf = (${snippetOf.toString()});
const withSnippets = (rows, words) => (words ? rows.map(({ body, ...r }) => ({ ...r, snippet: snippetOf(body, words) })) : rows);
const cache = new Map();
const statement = (text) => {
  let s = cache.get(text);
  if (!s) {
    s = db.prepare(text);
    cache.set(text, s);
    if (cache.size > 200) cache.delete(cache.keys().next().value);
  }
  return s;
};
parentPort.on('message', (m) => {
  if (m === 'stop') {
    db.close();
    parentPort.postMessage({ stopped: true });
    return;
  }
  try {
    db.exec('begin');
    try {
      const out = m.queries.map((q) => withSnippets(statement(q.sql).all(...q.parameters), q.snippets));
      parentPort.postMessage({ id: m.id, rows: out });
    } finally {
      db.exec('commit');
    }
  } catch (err) {
    parentPort.postMessage({ id: m.id, error: String((err && err.message) || err) });
  }
});
`;

type Job = { id: number; queries: ReadQuery[]; resolve: (rows: unknown[][]) => void; reject: (err: Error) => void };
type Slot = { worker: Worker; job: Job | null; started?: ReaderThread };

/** A reader's thread id (Linux) and how it was put below the event loop. */
export type ReaderThread = { tid: number; policy: 'normal' | 'nice' | 'idle' };

/**
 * The reader threads' priority (Linux): nice 10, then the idle scheduling class where allowed, so
 * searches take the CPU only when live chat leaves it (docs/benchmarks.md, issue 15).
 */
export const READER_NICE = 10;
export type ReaderPriority = { nice: number; idle: boolean };
export const READER_PRIORITY: ReaderPriority = { nice: READER_NICE, idle: true };

/** Error of a statement run by a reader worker, or of the worker itself. */
export class ReaderError extends Error {}

/** `size` workers reading `file` (a database already in WAL mode). */
export function startReaderPool(file: string, size: number, priority: ReaderPriority = READER_PRIORITY): ReaderPool {
  const slots: (Slot | null)[] = Array.from({ length: size }, () => null);
  const queue: Job[] = [];
  let nextId = 1;
  let closed = false;

  const spawn = (i: number): Slot => {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { file, ...priority, path: process.env.PATH ?? '' }, execArgv: [], env: {} });
    worker.unref();
    const slot: Slot = { worker, job: null };
    worker.on('message', (m: { id?: number; rows?: unknown[][]; error?: string; started?: ReaderThread }) => {
      if (m.started) {
        slot.started = m.started;
        return;
      }
      const job = slot.job;
      if (!job || m.id !== job.id) return;
      slot.job = null;
      if (m.error !== undefined) job.reject(new ReaderError(m.error));
      else job.resolve(m.rows!);
      pump();
    });
    const gone = (err: unknown) => {
      if (slots[i] === slot) slots[i] = null;
      const job = slot.job;
      slot.job = null;
      job?.reject(new ReaderError(`search reader stopped: ${err instanceof Error ? err.message : String(err)}`));
      if (!closed) pump();
    };
    worker.on('error', gone);
    worker.on('exit', (code) => gone(`exit code ${code}`));
    return slot;
  };

  const pump = () => {
    if (closed) return;
    for (let i = 0; i < slots.length && queue.length; i++) {
      let slot = slots[i];
      if (slot?.job) continue;
      if (!slot) {
        try {
          slot = slots[i] = spawn(i);
        } catch (err) {
          for (const job of queue.splice(0)) job.reject(new ReaderError(`search reader failed to start: ${String(err)}`));
          return;
        }
      }
      const job = queue.shift()!;
      slot.job = job;
      slot.worker.postMessage({ id: job.id, queries: job.queries });
    }
  };

  return {
    get workers() {
      return slots.flatMap((s) => (s ? [s.worker] : []));
    },
    get threads() {
      return slots.flatMap((s) => (s?.started ? [s.started] : []));
    },
    read(queries) {
      if (closed) return Promise.reject(new ReaderError('search reader closed'));
      return new Promise((resolve, reject) => {
        queue.push({ id: nextId++, queries: queries.map((q) => ({ sql: q.sql, parameters: [...q.parameters], snippets: q.snippets })), resolve, reject });
        pump();
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const job of queue.splice(0)) job.reject(new ReaderError('search reader closed'));
      await Promise.all(
        slots.map(async (slot) => {
          if (!slot) return;
          const stopped = new Promise<void>((resolve) => {
            slot.worker.on('message', (m: { stopped?: boolean }) => m.stopped && resolve());
            slot.worker.once('exit', () => resolve());
          });
          if (!slot.job) slot.worker.postMessage('stop');
          await Promise.race([stopped, new Promise((r) => setTimeout(r, 1000).unref())]);
          await slot.worker.terminate();
        }),
      );
    },
  };
}
