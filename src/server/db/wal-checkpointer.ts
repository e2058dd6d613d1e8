/**
 * Copies SQLite's write-ahead log back into the database file on a worker thread, with the
 * worker's own connection, so the copy and its two fsyncs never run on the event loop.
 *
 * Inside a commit on the event loop that copy usually took about a millisecond, but when the disk
 * was slow to sync it took 5-17 ms, and every socket waited meanwhile (docs/benchmarks.md, change
 * 12). A PASSIVE checkpoint never blocks the writer: commits go on appending to the log while the
 * worker copies what is already committed.
 *
 * The server's own connection keeps SQLite's automatic checkpoint as a backstop, at BACKSTOP_PAGES;
 * if the worker fails it goes back to copying every FALLBACK_PAGES itself, as before.
 */
import { Worker } from 'node:worker_threads';
import type { SqliteConnection } from './sqlite-driver.js';

/** How often the worker copies the log back. */
export const CHECKPOINT_EVERY_MS = 50;
/** A log longer than this has not started over since the last copies: copy again after SOON_MS. */
export const LONG_LOG_FRAMES = 500;
export const SOON_MS = 5;
/** The server's connection copies the log itself only beyond this (16 MB): the worker is stuck. */
export const BACKSTOP_PAGES = 4000;
/** Without the worker, the server's connection copies in small steps (docs/benchmarks.md, change 8). */
export const FALLBACK_PAGES = 100;

// Plain JavaScript, evaluated in the worker: no loader or transpiler is needed there. It opens
// its own connection with the server's driver, node:sqlite (db/sqlite-driver.ts).
const WORKER_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads');
const open = (file) => {
  const db = new (require('node:sqlite').DatabaseSync)(file, { timeout: 1000 });
  const checkpoint = db.prepare('pragma wal_checkpoint(PASSIVE)');
  // SQLITE_BUSY (5) and SQLITE_LOCKED (6), with their extended codes.
  return { db, exec: (s) => db.exec(s), copy: () => checkpoint.get().log, busy: (e) => [5, 6].includes(e.errcode & 0xff) };
};
const conn = open(workerData.file);
conn.exec('pragma synchronous = NORMAL');
let timer = null;
// The log starts over from its beginning only when a commit begins after a copy has caught up
// with it; under a steady stream of commits that gap is rare, so while the log is long the
// worker copies again soon (each copy is then small) until it gets that chance.
const round = () => {
  let frames = 0;
  try {
    frames = conn.copy();
  } catch (err) {
    // Busy now (a rare overlap with the backstop): the next round copies it.
    if (!conn.busy(err)) throw err;
  }
  timer = setTimeout(round, frames > workerData.longLogFrames ? workerData.soonMs : workerData.everyMs);
};
timer = setTimeout(round, workerData.everyMs);
parentPort.on('message', (m) => {
  if (m !== 'stop') return;
  clearTimeout(timer);
  conn.db.close();
  parentPort.postMessage('stopped');
});
`;

export type Checkpointer = { worker: Worker; stop: () => Promise<void> };

/** Starts the worker for `file`, whose connection `database` is the server's own (already in WAL mode). */
export function startWalCheckpointer(database: SqliteConnection, file: string, onError: (err: unknown) => void): Checkpointer {
  database.exec(`pragma wal_autocheckpoint = ${BACKSTOP_PAGES}`);
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { file, everyMs: CHECKPOINT_EVERY_MS, soonMs: SOON_MS, longLogFrames: LONG_LOG_FRAMES },
    execArgv: [],
    env: {},
  });
  worker.unref();
  let stopping = false;
  let exited = false;
  let failure: unknown = null;
  worker.on('error', (err) => (failure = err));
  worker.on('exit', (code) => {
    exited = true;
    if (stopping) return;
    // The log must still be copied back: the server's connection does it again, in small steps.
    if (database.open) database.exec(`pragma wal_autocheckpoint = ${FALLBACK_PAGES}`);
    onError(failure ?? new Error(`WAL checkpoint worker exited (code ${code})`));
  });
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    if (exited) return;
    const stopped = new Promise<void>((resolve) => {
      worker.once('message', () => resolve());
      worker.once('exit', () => resolve());
    });
    worker.postMessage('stop');
    await Promise.race([stopped, new Promise((r) => setTimeout(r, 2000).unref())]);
    await worker.terminate();
  };
  return { worker, stop };
}
