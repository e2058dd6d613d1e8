/**
 * A thread of db/search-reader.ts: with a file, one read-only connection to the SQLite file, its
 * compiled statements, one batch of statements at a time in one read transaction (one snapshot);
 * without one (PostgreSQL), it only writes search answers from rows read elsewhere.
 *
 * Messages in: `{ id, queries }` answers `{ id, rows }`, each statement's rows. With `results` (the
 * page's chat ids) the rows, or with `given` rows read elsewhere, are a search's page, and the
 * answer is `{ id, json }`: the search's answer written as JSON (services/search-results.ts;
 * gzipped with `gzip`), its buffer handed over, not copied. An error answers `{ id, error }`.
 * `'stop'` closes the connection and answers `{ stopped: true }`.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { parentPort, workerData } from 'node:worker_threads';
import type { CompletedChatRow } from './repositories/chats.js';
import type { ReaderPriority, ReaderThread, ReadQuery } from './search-reader.js';
import { withSnippets } from './snippet.js';

/** A page read elsewhere (PostgreSQL): its chats' rows, and their bodies to cut snippets from. */
export type GivenPage = { rows: unknown[]; bodies: unknown[] | null; words: string[] };
type In = 'stop' | { id: number; queries: ReadQuery[]; given?: GivenPage; results?: number[]; gzip?: boolean };
const data = workerData as { file: string | null; path: string } & ReaderPriority;
const port = parentPort!;

/**
 * Below the event loop's priority (Linux, set on the thread through its id): first its own nice
 * value, then the idle scheduling class where the system allows it (chrt, util-linux). A thread of
 * that class gives the CPU up the moment live chat's thread wakes, where nice 10 only shortens its
 * turns; it runs whenever nothing else wants the core. Elsewhere the thread runs as it is.
 */
function lowerPriority(): ReaderThread {
  let tid = 0;
  let policy: ReaderThread['policy'] = 'normal';
  try {
    tid = Number(fs.readlinkSync('/proc/thread-self').split('/').pop());
  } catch {}
  if (tid > 0 && data.nice) {
    try {
      os.setPriority(tid, data.nice);
      policy = 'nice';
    } catch {}
  }
  if (tid > 0 && data.idle) {
    try {
      execFileSync('chrt', ['--idle', '--pid', '0', String(tid)], { stdio: 'ignore', timeout: 5000, env: { PATH: data.path } });
      policy = 'idle';
    } catch {}
  }
  return { tid, policy };
}

port.postMessage({ started: lowerPriority() });
// Without a file the thread only writes answers (PostgreSQL's search: `given`).
const db = data.file ? new DatabaseSync(data.file, { readOnly: true, timeout: 5000 }) : null;
const cache = new Map<string, StatementSync>();
function statement(text: string): StatementSync {
  let s = cache.get(text);
  if (!s) {
    if (!db) throw new Error('this thread has no database');
    s = db.prepare(text);
    cache.set(text, s);
    if (cache.size > 200) cache.delete(cache.keys().next().value!);
  }
  return s;
}

// Loaded at the first search's answer: the report reader, which runs the same code, never needs it.
let presenting: Promise<typeof import('../services/search-results.js')> | undefined;

function readAll(queries: ReadQuery[]): unknown[][] {
  if (!db) throw new Error('this thread has no database');
  db.exec('begin');
  try {
    return queries.map((q) => withSnippets(statement(q.sql).all(...(q.parameters as never[])), q.snippets));
  } finally {
    db.exec('commit');
  }
}

async function answer(m: Exclude<In, 'stop'>) {
  const out = m.given ? [m.given.rows, m.given.bodies ? withSnippets(m.given.bodies, m.given.words) : null] : readAll(m.queries);
  if (!m.results) return port.postMessage({ id: m.id, rows: out });
  // A failed load is tried again at the next answer, not kept.
  const { searchResultsJson } = await (presenting ??= import('../services/search-results.js').catch((err: unknown) => {
    presenting = undefined;
    throw err;
  }));
  const [rows, snippets] = out;
  const json = searchResultsJson({ ids: m.results, rows: rows as CompletedChatRow[], snippets: (snippets as never) ?? null }, m.gzip === true);
  port.postMessage({ id: m.id, json }, [json.bytes.buffer as ArrayBuffer]);
}

port.on('message', (m: In) => {
  if (m === 'stop') {
    db?.close();
    port.postMessage({ stopped: true });
    return;
  }
  answer(m).catch((err: unknown) => port.postMessage({ id: m.id, error: String((err as Error)?.message ?? err) }));
});
