/**
 * The SQLite write-ahead log is copied back by a worker thread, off the event loop
 * (db/wal-checkpointer.ts); if the worker stops, the server's connection copies again itself.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { openDatabase } from '../src/server/db/database.js';
import { openSqlite, type SqliteConnection } from '../src/server/db/sqlite-driver.js';
import { afterEach, describe, expect, it } from 'vitest';
import { BACKSTOP_PAGES, FALLBACK_PAGES, startWalCheckpointer, type Checkpointer } from '../src/server/db/wal-checkpointer.js';
import { startsOver, walRestarts } from './support/wal.js';

describe('WAL checkpoint worker', () => {
  let dir = '';
  let database: SqliteConnection | null = null;
  let checkpointer: Checkpointer | null = null;
  afterEach(async () => {
    await checkpointer?.stop();
    database?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function open() {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'helpdesk-wal-'));
    const file = path.join(dir, 'test.sqlite');
    database = openSqlite(file);
    database.exec('pragma journal_mode = WAL');
    database.exec('pragma synchronous = NORMAL');
    database.exec('create table t (id integer primary key, body text)');
    return file;
  }
  const insertOne = (db: SqliteConnection) => db.prepare('insert into t (body) values (?)').run(['one more']);

  it('copies the log back on its own thread; the server connection only keeps a far backstop', async () => {
    const file = open();
    const errors: unknown[] = [];
    checkpointer = startWalCheckpointer(database!, file, (e) => errors.push(e));
    expect(database!.pragmaValue('wal_autocheckpoint')).toBe(BACKSTOP_PAGES);
    const before = walRestarts(file);
    // A burst of commits with no pause, all on this thread, far below the backstop: nothing on
    // this thread copies them back.
    const insert = database!.prepare('insert into t (body) values (?)');
    for (let i = 0; i < 1500; i++) insert.run([`line ${i}`]);
    // The worker copies; once it has caught up, a commit starts the log over.
    expect(await startsOver(file, before, () => insertOne(database!))).toBe(true);
    expect(errors).toEqual([]);
  });

  it('a worker that stops unasked hands the copying back to the server connection, and says so', async () => {
    const file = open();
    const errors: unknown[] = [];
    checkpointer = startWalCheckpointer(database!, file, (e) => errors.push(e));
    const exited = new Promise((r) => checkpointer!.worker.once('exit', r));
    await checkpointer.worker.terminate();
    await exited;
    expect(errors).toHaveLength(1);
    expect(database!.pragmaValue('wal_autocheckpoint')).toBe(FALLBACK_PAGES);
  });
});

describe('the server database and its checkpoint worker', () => {
  it('starts the worker at the first write after the server armed it, not at open', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'helpdesk-wal-lazy-'));
    const handle = openDatabase({ dataDir });
    const autocheckpoint = async () => Number(Object.values((await sql`pragma wal_autocheckpoint`.execute(handle.db)).rows[0] as object)[0]);
    try {
      // Until then the connection copies the log back itself, in small steps.
      expect(await autocheckpoint()).toBe(FALLBACK_PAGES);
      await sql`create table t (id integer primary key)`.execute(handle.db);
      expect(await autocheckpoint()).toBe(FALLBACK_PAGES);
      handle.startCheckpointsOnWrite!();
      await sql`select count(*) from t`.execute(handle.db);
      expect(await autocheckpoint()).toBe(FALLBACK_PAGES);
      await sql`insert into t (id) values (1)`.execute(handle.db);
      expect(await autocheckpoint()).toBe(BACKSTOP_PAGES);
    } finally {
      await handle.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
