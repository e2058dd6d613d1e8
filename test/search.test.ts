/**
 * Search over completed chats (db/repositories/search.ts): the page is picked first (on SQLite by
 * streaming matches newest first, or walking the chats), on SQLite on reader worker threads (db/search-reader.ts).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { reportReader, searchReader } from '../src/server/db/database.js';
import { READER_PRIORITY, ReaderError } from '../src/server/db/search-reader.js';
import { deleteSearchDocuments, searchPage, writeSearchDocument, type CompletedChatFilters } from '../src/server/db/repositories/search.js';
import { loadTechActor, type TechActor } from '../src/server/policies/access.js';
import { SEARCHES_PER_TECH, searchesInProgress, searchesWaiting } from '../src/server/services/search.js';
import { DIALECTS } from './support/databases.js';
import { activeChat, completedChat, world, type World } from './support/flows.js';
import { loginAs, type Client } from './support/http.js';
import { PASSWORD, startTestServer, type TestServer } from './support/server.js';

describe.each(DIALECTS)('search on %s', (kind) => {
  let s: TestServer;
  let w: World;
  let other: { companyId: number; boardId: number };
  let oneCompany: Client;
  let admin: TechActor;
  /** Completed chats inserted directly: [id, company, completed_at], the words of each. */
  const made: { id: number; companyId: number; completedAt: number }[] = [];

  const insertCompleted = async (companyId: number, boardId: number, requesterId: number, completedAt: number, body: string) => {
    const db = s.ctx.db;
    const id = Number(
      (
        await db
          .insertInto('chats')
          .values({
            source: 'new_request',
            board_id: boardId,
            company_id: companyId,
            requester_id: requesterId,
            subject: 'Inserted',
            status: 'completed',
            requested_at: completedAt - 1000,
            completed_at: completedAt,
            alert_stage: 'all',
            outcome: 'ended',
          } as never)
          .returning('id')
          .executeTakeFirstOrThrow()
      ).id,
    );
    await db.transaction().execute((trx) => writeSearchDocument(trx, s.ctx.dialect, id, body));
    made.push({ id, companyId, completedAt });
    return id;
  };

  beforeAll(async () => {
    s = await startTestServer(kind);
    w = await world(s);
    const boardId = await s.f.board();
    const companyId = await s.f.company({ boardIds: [boardId, w.boardId] });
    other = { companyId, boardId };
    const otherUser = await s.f.portalUser(companyId);
    const t = await s.f.tech({ boardIds: [w.boardId, boardId], companyIds: [w.companyId] });
    oneCompany = await loginAs(s.url, 'tech', t.email, PASSWORD);
    const a = await s.f.tech({ role: 'admin' });
    admin = (await loadTechActor(s.ctx.db, a.id))!;
    // 40 chats in two companies, the same words in each; some completed at the same moment (ties
    // are ordered by id); every third one also says "quasar".
    const base = Date.UTC(2026, 0, 1);
    for (let i = 0; i < 40; i++) {
      const mine = i % 2 === 0;
      await insertCompleted(
        mine ? w.companyId : companyId,
        mine ? w.boardId : i % 4 === 1 ? boardId : w.boardId,
        mine ? w.user.id : otherUser.id,
        base + Math.floor(i / 3) * 60_000,
        `plotter toner ${i % 3 === 0 ? 'quasar' : 'nebula'} chat${i}`,
      );
    }
  });
  afterAll(async () => s?.stop());

  const expected = (filter: (m: (typeof made)[number], i: number) => boolean) =>
    made
      .filter((m) => filter(m, made.indexOf(m)))
      .sort((a, b) => b.completedAt - a.completedAt || b.id - a.id)
      .map((m) => m.id);

  it('finds a chat the moment its completion returns (the reader sees what was just committed)', async () => {
    for (let i = 0; i < 3; i++) {
      const id = await completedChat(w);
      await w.techClient.post(`/api/console/chats/${id}/notes`, { body: `fresh${i}word` });
      const found = await w.techClient.get(`/api/console/search?q=fresh${i}word`);
      expect(found.status).toBe(200);
      expect(found.body.map((c: { id: number }) => c.id)).toEqual([id]);
      expect(found.body[0].snippet).toContain(`\u0002fresh${i}word\u0003`);
    }
  });

  it('says where the match is: the subject, a message or a note, even far into a long chat; no part mark leaks into the snippet', async () => {
    const id = await activeChat(w, 'Zephyrine monitor');
    expect((await w.techClient.post(`/api/console/chats/${id}/messages`, { body: 'Try the glimmerous cable first', clientId: 'where-1' })).status).toBe(201);
    for (let i = 0; i < 6; i++)
      expect(
        (
          await w.techClient.post(`/api/console/chats/${id}/messages`, {
            body: `Filler line ${i} about cables and ports and settings`,
            clientId: `where-f${i}`,
          })
        ).status,
      ).toBe(201);
    expect((await w.techClient.post(`/api/console/chats/${id}/end`, { outcome: 'ended' })).status).toBe(200);
    expect((await w.techClient.post(`/api/console/chats/${id}/notes`, { body: 'Quokkafied the driver, works now' })).status).toBe(201);
    const where = async (q: string) => {
      const r = await w.techClient.get(`/api/console/search?q=${q}`);
      expect(r.body.map((c: { id: number }) => c.id)).toEqual([id]);
      // biome-ignore lint/suspicious/noControlCharactersInRegex: the part marks are control characters
      expect(r.body[0].snippet).not.toMatch(/[\u0001\u0004\u0005]/);
      return { in: r.body[0].snippetIn, snippet: r.body[0].snippet as string };
    };
    expect(await where('zephyrine')).toMatchObject({ in: 'subject' });
    // Each snippet holds text of its own part only: not the subject before a message, not the
    // next message, not the messages before a note.
    const message = await where('glimmerous');
    expect(message).toEqual({ in: 'message', snippet: 'Try the \u0002glimmerous\u0003 cable first' });
    // The note comes after some 350 characters of messages: the snippet is the note's own text.
    const note = await where('quokkafied');
    expect(note).toEqual({ in: 'note', snippet: '\u0002Quokkafied\u0003 the driver, works now' });
  });

  it("never shows a one-company tech another company's chat, with or without words or filters", async () => {
    const mineOnly = (ids: number[]) => ids.filter((id) => made.find((m) => m.id === id)?.companyId === other.companyId);
    for (const q of [
      'q=plotter',
      'q=quasar',
      'q=tone',
      '',
      'q=plotter&limit=5&offset=5',
      `companyId=${other.companyId}`,
      `q=plotter&boardId=${other.boardId}`,
    ]) {
      const r = await oneCompany.get(`/api/console/search?${q}`);
      expect(r.status, q).toBe(200);
      const ids = r.body.map((c: { id: number }) => c.id);
      expect(mineOnly(ids), q).toEqual([]);
      if (q === 'q=plotter') expect(ids).toEqual(expected((m) => m.companyId === w.companyId).slice(0, 50));
    }
    expect((await oneCompany.get(`/api/console/search?q=plotter&companyId=${other.companyId}`)).body).toEqual([]);
  });

  // PostgreSQL walks the newest chats, SQLite streams the newest matches; when a window (tuned low
  // here) does not fill the page, both collect.
  const strategies: Record<string, { streamWindow: number; walkWindow: number; want: string[] }> =
    kind === 'postgres'
      ? {
          walk: { streamWindow: 0, walkWindow: 1_000_000, want: ['walk'] },
          'walk a small window, then collect': { streamWindow: 0, walkWindow: 4, want: ['walk', 'walk+collect'] },
        }
      : {
          stream: { streamWindow: 1_000_000, walkWindow: 0, want: ['stream'] },
          'stream a small window, then collect': { streamWindow: 4, walkWindow: 0, want: ['stream', 'stream+collect'] },
        };
  for (const [name, tuning] of Object.entries(strategies)) {
    it(`pages without repeats or holes, newest first (${name})`, async () => {
      for (const [words, companyId, filter] of [
        [['plotter'], undefined, () => true],
        [['quasar'], undefined, (_m: unknown, i: number) => i % 3 === 0],
        [['qua', 'tone'], undefined, (_m: unknown, i: number) => i % 3 === 0],
        [['plotter'], other.companyId, (m: (typeof made)[number]) => m.companyId === other.companyId],
      ] as const) {
        const want = expected(filter as never);
        const got: number[] = [];
        const used = new Set<string>();
        for (let offset = 0; offset < want.length + 7; offset += 7) {
          const f: CompletedChatFilters = { words: [...words], companyId, limit: 7, offset };
          const page = await searchPage(s.ctx.db, s.ctx.dialect, admin, f, tuning);
          used.add(page.strategy);
          got.push(...page.ids);
        }
        expect(got, words.join(' ')).toEqual(want);
        expect(
          [...used].every((u) => tuning.want.includes(u)),
          [...used].join(),
        ).toBe(true);
        if (name.includes('then collect')) expect(used.has(`${name.split(' ')[0]}+collect`)).toBe(true);
      }
    });
  }

  it('orders chats completed in the same millisecond by id, whichever document was written first; retention removes each one', async () => {
    const at = Date.UTC(2027, 5, 1);
    const ids = [
      await insertCompleted(w.companyId, w.boardId, w.user.id, at, 'zephyrtie first'),
      await insertCompleted(w.companyId, w.boardId, w.user.id, at, 'zephyrtie second'),
      await insertCompleted(w.companyId, w.boardId, w.user.id, at, 'zephyrtie third'),
    ];
    // Written again newest first: each write renumbers the millisecond's documents.
    for (const [i, id] of [...ids.entries()].reverse()) {
      await s.ctx.db.transaction().execute((trx) => writeSearchDocument(trx, s.ctx.dialect, id, `zephyrtie again${i}`));
    }
    const page = await searchPage(s.ctx.db, s.ctx.dialect, admin, { words: ['zephyrtie'], limit: 10, offset: 0 });
    expect(page.ids).toEqual([...ids].reverse());
    const again1 = await w.techClient.get('/api/console/search?q=again1');
    expect(again1.body.map((c: { id: number }) => c.id)).toEqual([ids[1]]);
    await s.ctx.db.transaction().execute((trx) => deleteSearchDocuments(trx, s.ctx.dialect, [ids[1]]));
    expect((await searchPage(s.ctx.db, s.ctx.dialect, admin, { words: ['zephyrtie'], limit: 10, offset: 0 })).ids).toEqual([ids[2], ids[0]]);
    await s.ctx.db.transaction().execute((trx) => deleteSearchDocuments(trx, s.ctx.dialect, [ids[0], ids[2]]));
    expect((await searchPage(s.ctx.db, s.ctx.dialect, admin, { words: ['zephyrtie'], limit: 10, offset: 0 })).ids).toEqual([]);
    made.splice(made.length - 3, 3);
  });

  it('searches sent at once (as many as a tech may have in progress) all answer, in turn, with the same page', async () => {
    const all = await Promise.all(Array.from({ length: SEARCHES_PER_TECH }, () => w.techClient.get('/api/console/search?q=plotter&limit=5')));
    expect(all.map((r) => r.status)).toEqual(Array(SEARCHES_PER_TECH).fill(200));
    expect(new Set(all.map((r) => JSON.stringify(r.body))).size).toBe(1);
    expect(all[0].body.length).toBe(5);
  });

  it('the answer is the same JSON whether the asker takes gzip or not (written and gzipped on a thread)', async () => {
    const raw = (acceptEncoding?: string) =>
      new Promise<{ headers: http.IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
        const headers: Record<string, string> = { cookie: w.techClient.cookieHeader() };
        if (acceptEncoding) headers['accept-encoding'] = acceptEncoding;
        http
          .get(`${s.url}/api/console/search?q=plotter&limit=5`, { headers }, (res) => {
            const parts: Buffer[] = [];
            res.on('data', (d: Buffer) => parts.push(d));
            res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(parts) }));
          })
          .on('error', reject);
      });
    const plain = await raw();
    const zipped = await raw('gzip, deflate, br');
    const refused = await raw('gzip;q=0, identity');
    for (const r of [plain, zipped, refused]) expect(r.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(refused.headers['content-encoding']).toBeUndefined();
    const results = JSON.parse(plain.body.toString('utf8'));
    expect(results).toHaveLength(5);
    expect(JSON.parse(refused.body.toString('utf8'))).toEqual(results);
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(zipped.headers.vary).toMatch(/accept-encoding/i);
    expect(zipped.body.length).toBeLessThan(plain.body.length / 2);
    expect(JSON.parse(gunzipSync(zipped.body).toString('utf8'))).toEqual(results);
    // Snippets were cut (on PostgreSQL on the answer's thread, from the bodies read on the loop).
    expect(results.every((r: { snippet: string | null }) => r.snippet?.includes('plotter'))).toBe(true);
  });

  it('gives no search operator of either engine a meaning', async () => {
    for (const q of ['plotter OR zzz', 'plotter | zzz', '"plotter', 'NEAR(plotter toner)', 'plotter:*', '!plotter', 'plotter & !toner', '*']) {
      const r = await w.techClient.get(`/api/console/search?q=${encodeURIComponent(q)}`);
      expect(r.status, q).toBe(200);
    }
    expect((await w.techClient.get(`/api/console/search?q=${encodeURIComponent('plotter OR zzz')}`)).body).toEqual([]);
    expect((await w.techClient.get(`/api/console/search?q=${encodeURIComponent('!toner')}`)).body.length).toBeGreaterThan(0);
  });

  if (kind === 'sqlite') {
    it('a statement that fails in a reader worker rejects cleanly, and the reader goes on', async () => {
      const reader = searchReader(s.ctx.db)!;
      expect(reader).not.toBeNull();
      await expect(reader.read([{ sql: 'select * from no_such_table', parameters: [] }])).rejects.toBeInstanceOf(ReaderError);
      // A worker that dies mid-statement: its caller gets an error, the next search a new worker.
      const slow = reader.read([
        { sql: 'with recursive n(i) as (select 1 union all select i + 1 from n where i < 5000000) select count(*) as c from n', parameters: [] },
      ]);
      await new Promise((r) => setTimeout(r, 50));
      await Promise.all(reader.workers.map((wk) => wk.terminate()));
      await expect(slow).rejects.toBeInstanceOf(ReaderError);
      const r = await w.techClient.get('/api/console/search?q=plotter');
      expect(r.status).toBe(200);
      expect(r.body.length).toBeGreaterThan(0);
    });

    it('the reader thread runs below the event loop: nice 10, and in the idle scheduling class where chrt can set it; the report thread at nice 10 only', async () => {
      expect((await w.techClient.get('/api/console/search?q=plotter')).status).toBe(200);
      await reportReader(s.ctx.db)!.read([{ sql: 'select 1 as one', parameters: [] }]);
      if (process.platform !== 'linux') return;
      // /proc/<pid>/task/<tid>/stat, after the command's parentheses: field 19 the nice value, 41 the policy.
      const stat = (tid: number | 'self') => {
        const text = fs.readFileSync(tid === 'self' ? '/proc/thread-self/stat' : `/proc/self/task/${tid}/stat`, 'utf8');
        const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
        return { nice: Number(fields[19 - 3]), policy: Number(fields[41 - 3]) };
      };
      const SCHED_OTHER = 0;
      const SCHED_IDLE = 5;
      const chrt = spawnSync('chrt', ['--idle', '0', 'true']).status === 0;
      // A runner already above nice 10 cannot lower it (that takes privilege).
      const canNice = os.getPriority() <= READER_PRIORITY.nice;
      const search = await vi.waitUntil(() => searchReader(s.ctx.db)!.threads.length > 0 && searchReader(s.ctx.db)!.threads);
      for (const { tid, policy } of search) {
        expect(policy).toBe(chrt ? 'idle' : canNice ? 'nice' : 'normal');
        if (canNice) expect(stat(tid).nice).toBe(READER_PRIORITY.nice);
        expect(stat(tid).policy).toBe(chrt ? SCHED_IDLE : SCHED_OTHER);
      }
      const reports = await vi.waitUntil(() => reportReader(s.ctx.db)!.threads.length > 0 && reportReader(s.ctx.db)!.threads);
      for (const { tid, policy } of reports) {
        expect(policy).toBe(canNice ? 'nice' : 'normal');
        expect(stat(tid).policy).toBe(SCHED_OTHER);
      }
      // The event loop itself stays where it was.
      expect(stat('self').policy).toBe(SCHED_OTHER);
    });

    it('searches take turns in a bounded line: a tech has at most four in progress, and one whose asker left never runs', async () => {
      const reader = searchReader(s.ctx.db)!;
      const { read, search: searchOnReader } = reader;
      const spied = reader as { read: typeof read; search: typeof searchOnReader };
      const seen: string[][] = [];
      let reads = 0;
      let open!: () => void;
      const gate = new Promise<void>((r) => (open = r));
      spied.search = async (tech, filters, gzip) => {
        seen.push(filters.words);
        await gate;
        return searchOnReader(tech, filters, gzip);
      };
      // A search is one job on the reader thread: the event loop reads nothing of it itself.
      spied.read = (queries) => {
        reads++;
        return read(queries);
      };
      const search = (who: Client, q: string, signal?: AbortSignal) =>
        fetch(`${s.url}/api/console/search?q=${q}`, { headers: { cookie: who.cookieHeader() }, signal });
      const mine = () => searchesInProgress(s.ctx.db, w.tech.id);
      const WAIT = { timeout: 10_000 };
      try {
        const first = search(w.techClient, 'plotter');
        // The first holds the one turn, at the reader; the rest wait in line.
        await vi.waitUntil(() => seen.length === 1, WAIT);
        const gone = new AbortController();
        const left = search(w.techClient, 'zzleft', gone.signal).catch((e: Error) => e);
        await vi.waitUntil(() => mine() === 2, WAIT);
        const waiting = [search(w.techClient, 'toner'), search(w.techClient, 'plotter')];
        await vi.waitUntil(() => mine() === SEARCHES_PER_TECH, WAIT);
        // A fifth of the same tech is refused at once, with the wait; another tech's waits its turn.
        const fifth = await search(w.techClient, 'plotter');
        expect(fifth.status).toBe(429);
        expect(fifth.headers.get('retry-after')).toBe('1');
        expect((await fifth.json()).error.code).toBe('rate_limited');
        const other = search(oneCompany, 'plotter');
        await vi.waitUntil(() => searchesWaiting(s.ctx.dialect) === 4, WAIT);
        gone.abort();
        expect(await left).toBeInstanceOf(Error);
        // The one that left the line no longer counts: the tech may search again.
        await vi.waitUntil(() => mine() === SEARCHES_PER_TECH - 1 && searchesWaiting(s.ctx.dialect) === 3, WAIT);
        const again = search(w.techClient, 'toner');
        await vi.waitUntil(() => mine() === SEARCHES_PER_TECH, WAIT);
        open();
        for (const r of await Promise.all([first, ...waiting, other, again])) expect(r.status).toBe(200);
        expect(mine()).toBe(0);
        // The search whose asker left never reached the reader; the others did, each once.
        expect(seen.flat().sort()).toEqual(['plotter', 'plotter', 'plotter', 'toner', 'toner']);
        expect(reads).toBe(0);
      } finally {
        open();
        spied.read = read;
        spied.search = searchOnReader;
      }
      expect((await w.techClient.get('/api/console/search?q=plotter')).status).toBe(200);
    });

    it('a search whose reader fails answers with an error, not a hung request: a failed statement, or a worker that dies mid-search', async () => {
      const reader = searchReader(s.ctx.db)!;
      const { search } = reader;
      const failing = reader as { search: typeof search };
      const failsCleanly = async () => {
        const started = Date.now();
        const r = await w.techClient.get('/api/console/search?q=plotter');
        expect(r.status).toBe(500);
        expect(r.body.error.code).toBe('internal');
        expect(r.headers.get('content-encoding')).toBeNull();
        expect(Date.now() - started).toBeLessThan(2000);
      };
      try {
        failing.search = () => Promise.reject(new ReaderError('disk I/O error'));
        await failsCleanly();
        // A statement of the search fails on the thread (SQLite refuses a limit that is not a
        // number): the search gets the error, and the same thread runs the next search.
        failing.search = (tech, filters, gzip) => search(tech, { ...filters, limit: 'many' as unknown as number }, gzip);
        await failsCleanly();
        // The worker dies mid-search: the search fails, the next one gets a new worker.
        failing.search = (tech, filters, gzip) => {
          const answer = search(tech, filters, gzip);
          for (const wk of reader.workers) void wk.terminate();
          return answer;
        };
        await failsCleanly();
      } finally {
        failing.search = search;
      }
      expect((await w.techClient.get('/api/console/search?q=plotter')).status).toBe(200);
    });
  }
});
