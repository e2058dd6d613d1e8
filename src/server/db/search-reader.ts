/**
 * Read-only SQLite connections on worker threads, for queries long enough to stall live chat when
 * run on the event loop (search over every completed chat: docs/benchmarks.md, issue 15).
 *
 * SQLite in WAL mode lets readers run beside the one writer, each reader seeing everything committed
 * when its statement began, so these connections see a chat the moment its commit returns. Each
 * worker (db/search-reader-worker.ts) opens the database file read-only with node:sqlite (the
 * server's driver, db/sqlite-driver.ts), keeps its compiled statements and runs one batch of statements
 * at a time, in one read transaction (one snapshot for the batch). A search runs there whole
 * (`search`): its statements built and compiled, run in one read transaction, and its answer
 * written, so the event loop only posts the tech and the filters and sends the bytes it gets back.
 *
 * A statement that throws rejects its caller's promise with the error's message; a worker that dies
 * rejects what it was running and is started again on the next call.
 */
import { Worker } from 'node:worker_threads';
import type { WrittenJson } from '../services/search-results.js';
import type { TechActor } from '../policies/access.js';
import type { CompletedChatFilters } from './repositories/search.js';
import type { GivenPage, GivenSearch } from './search-reader-worker.js';

/**
 * One statement and its parameters, as Kysely compiles them; with `snippets` (the words searched),
 * each row's `body` is replaced by its `snippet` (db/snippet.ts) where the statement ran.
 */
export type ReadQuery = { sql: string; parameters: readonly unknown[]; snippets?: string[] };

export interface ReaderPool {
  /** Runs the statements in order, in one read transaction, and gives each one's rows. */
  read(queries: ReadQuery[]): Promise<unknown[][]>;
  /**
   * A whole search (db/repositories/search.ts `searchPageRows`) in one read transaction; gives its
   * answer as UTF-8 JSON (services/search-results.ts), gzipped when `gzip`.
   */
  search(tech: TechActor, filters: CompletedChatFilters, gzip: boolean): Promise<WrittenJson>;
  /** The same answer from a page read elsewhere (PostgreSQL), its snippets cut on the thread. */
  present(page: GivenPage, ids: number[], gzip: boolean): Promise<WrittenJson>;
  close(): Promise<void>;
  /** The workers running now (tests end one to check that callers get an error, not a hang). */
  readonly workers: readonly Worker[];
  /** The running workers' threads, once each has reported in. */
  readonly threads: readonly ReaderThread[];
}

type Job = {
  id: number;
  queries: ReadQuery[];
  search?: GivenSearch;
  given?: GivenPage;
  ids?: number[];
  gzip?: boolean;
  resolve: (answer: unknown) => void;
  reject: (err: Error) => void;
};
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

/**
 * The worker's module: compiled beside this one (dist/), or its TypeScript source where the server
 * runs from source (the tests), loaded through tsx.
 */
const WORKER = import.meta.url.endsWith('.ts')
  ? { url: new URL('./search-reader-worker.ts', import.meta.url), execArgv: ['--import', 'tsx'] }
  : { url: new URL('./search-reader-worker.js', import.meta.url), execArgv: [] };

/** Error of a statement run by a reader worker, or of the worker itself. */
export class ReaderError extends Error {}

/** `size` workers reading `file` (a database already in WAL mode); with no file, threads that only write answers (`present`). */
export function startReaderPool(file: string | null, size: number, priority: ReaderPriority = READER_PRIORITY): ReaderPool {
  const slots: (Slot | null)[] = Array.from({ length: size }, () => null);
  const queue: Job[] = [];
  let nextId = 1;
  let closed = false;

  const spawn = (i: number): Slot => {
    const worker = new Worker(WORKER.url, { workerData: { file, ...priority, path: process.env.PATH ?? '' }, execArgv: WORKER.execArgv, env: {} });
    worker.unref();
    const slot: Slot = { worker, job: null };
    worker.on('message', (m: { id?: number; rows?: unknown[][]; json?: WrittenJson; error?: string; started?: ReaderThread }) => {
      if (m.started) {
        slot.started = m.started;
        return;
      }
      const job = slot.job;
      if (!job || m.id !== job.id) return;
      slot.job = null;
      if (m.error !== undefined) job.reject(new ReaderError(m.error));
      else job.resolve(m.json ?? m.rows);
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
      slot.worker.postMessage({ id: job.id, queries: job.queries, search: job.search, given: job.given, ids: job.ids, gzip: job.gzip });
    }
  };

  const run = (queries: ReadQuery[], answer?: { gzip: boolean; search?: GivenSearch; given?: GivenPage; ids?: number[] }) => {
    if (closed) return Promise.reject(new ReaderError('search reader closed'));
    return new Promise<unknown>((resolve, reject) => {
      queue.push({
        id: nextId++,
        queries: queries.map((q) => ({ sql: q.sql, parameters: [...q.parameters], snippets: q.snippets })),
        search: answer?.search,
        given: answer?.given,
        ids: answer?.ids,
        gzip: answer?.gzip,
        resolve,
        reject,
      });
      pump();
    });
  };

  return {
    get workers() {
      return slots.flatMap((s) => (s ? [s.worker] : []));
    },
    get threads() {
      return slots.flatMap((s) => (s?.started ? [s.started] : []));
    },
    read(queries) {
      return run(queries) as Promise<unknown[][]>;
    },
    search(tech, filters, gzip) {
      return run([], { gzip, search: { tech, filters } }) as Promise<WrittenJson>;
    },
    present(given, ids, gzip) {
      return run([], { ids, gzip, given }) as Promise<WrittenJson>;
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
