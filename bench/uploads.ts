/**
 * Files in chat: "uploads stream, memory stays flat while ten 10 MB files arrive at once". The
 * server's memory while ten portal users each send a 10 MB file at the same moment, and while the
 * ten files are downloaded at the same moment, on SQLite and (when the bench's PostgreSQL answers,
 * bench/postgres.ts) on PostgreSQL, one database after the other on the same machine.
 *
 *   npm run bench -- uploads
 *   BENCH_UPLOAD_FILES=10 BENCH_UPLOAD_MB=10 BENCH_UPLOAD_ROUNDS=2 npm run bench -- uploads
 *   BENCH_UPLOAD_DB=sqlite npm run bench -- uploads            # one database only (or postgres)
 *   BENCH_PRODUCT_NODE_ARGS=--expose-gc npm run bench -- uploads # also live memory after full collections
 *   BENCH_PRODUCT_NODE_ARGS=--expose-gc BENCH_UPLOAD_SAMPLE_GC=1 ...  # every heap sample after two full
 *                                        collections: what the transfers hold live, not their garbage
 *
 * Each server is the production build in its own process, started as the other scenarios start it
 * (bench/lib.ts), with bench/memory-probe.mjs preloaded and an IPC channel: it answers with its heap
 * and external memory. Ten portal users, each in an active chat with a tech of their own
 * (bench/seed.ts), first send and fetch a 1 KB file each (warm-up, not measured). Then, per round,
 * all ten send a file of exactly FILE_MAX_MB at once (random bytes; `.zip` with the zip header and
 * `.log` in turn), each streamed from a file on disk (a file-backed Blob in a FormData, so this
 * process holds no copy), and after that download the ten at once, hashing each as it arrives.
 *
 * This process samples the server every 50 ms from before the first upload to after the last
 * download: RSS (anonymous and file-backed) from /proc/<pid>/status, and the heap over IPC. The
 * kernel's high-water mark (VmHWM, reset before each phase through /proc/<pid>/clear_refs) catches
 * a peak that falls between two samples. Per phase it also records the server's event-loop delay
 * (from the probe), its CPU, and the resident size of its malloc heap (/proc/<pid>/smaps); docs/
 * benchmarks.md, "Files in chat", says what they showed.
 */
import type { ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { openSqlite } from '../src/server/db/sqlite-driver.js';
import { contention, freshDataDir, nowMs, PRODUCT_SERVER, percentiles, productServerLaunch, ROOT, sleep, spawnNode, type Child } from './lib.js';
import { copySeedToPostgres, createBenchDatabase, postgresReachable, scalar } from './postgres.js';
import { seed, type Seeded } from './seed.js';

export type UploadScale = { files: number; mb: number; rounds: number };
export const UPLOADS_FULL: UploadScale = {
  files: Number(process.env.BENCH_UPLOAD_FILES ?? 10),
  mb: Number(process.env.BENCH_UPLOAD_MB ?? 10),
  rounds: Number(process.env.BENCH_UPLOAD_ROUNDS ?? 2),
};
export const UPLOADS_QUICK: UploadScale = { files: 3, mb: 1, rounds: 1 };

const MB = 1024 * 1024;
const SAMPLE_MS = 50;
/** Idle time before the baseline is read, and after each phase before its "after" figure. */
const SETTLE_MS = 2000;
const PROBE = path.join(ROOT, 'bench', 'memory-probe.mjs');
/**
 * "Flat": the peak RSS over the baseline well below the 100 MB that ten 10 MB files bring in, here
 * at most half of it.
 */
export const RISE_TARGET_MB = 50;
/** Investigation only: the server collects its garbage before every heap sample (needs --expose-gc). */
const SAMPLE_GC = process.env.BENCH_UPLOAD_SAMPLE_GC === '1';
const r1 = (x: number) => Math.round(x * 10) / 10;

/** The memory figures of a process from /proc/<pid>/status, in MB. */
function procMemory(pid: number) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const mb = (key: string) => {
    const m = status.match(new RegExp(`${key}:\\s+(\\d+) kB`));
    return m ? Number(m[1]) / 1024 : Number.NaN;
  };
  return { rssMb: mb('VmRSS'), anonMb: mb('RssAnon'), fileMb: mb('RssFile'), hwmMb: mb('VmHWM') };
}

/**
 * The resident part of the process's `[heap]` mapping (/proc/<pid>/smaps), in MB: where glibc's
 * main arena keeps what the main thread allocates with malloc, Node's ArrayBuffer contents
 * included; freed blocks stay resident there until reused.
 */
function brkHeapMb(pid: number): number | null {
  const smaps = fs.readFileSync(`/proc/${pid}/smaps`, 'utf8');
  const m = smaps.match(/ \[heap\]\n(?:.*\n)*?Rss:\s+(\d+) kB/);
  return m ? r1(Number(m[1]) / 1024) : null;
}

/** Resets the process's RSS high-water mark to its current RSS (Linux 4.0 and later); false when not allowed. */
function resetPeak(pid: number): boolean {
  try {
    fs.writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

type ProbeAnswer = { id: number; at: number; collected: boolean; rss: number; heapUsed: number; heapTotal: number; external: number; arrayBuffers: number };

type LoopAnswer = { id: number; maxMs: number; p99Ms: number; meanMs: number };

/** Questions to the server's probe (bench/memory-probe.mjs) over IPC: its memory, and its event loop's delay since the last question. */
function prober(proc: ChildProcess) {
  let next = 0;
  const waiting = new Map<number, (a: unknown) => void>();
  proc.on('message', (m: { id: number }) => {
    const done = waiting.get(m.id);
    waiting.delete(m.id);
    done?.(m);
  });
  const request = <T>(question: Record<string, unknown>) =>
    new Promise<T>((resolve, reject) => {
      const id = ++next;
      const timer = setTimeout(() => {
        waiting.delete(id);
        reject(new Error('the memory probe did not answer within 30 s'));
      }, 30000);
      waiting.set(id, (a) => {
        clearTimeout(timer);
        resolve(a as T);
      });
      proc.send({ ...question, id }, (err) => {
        if (!err) return;
        clearTimeout(timer);
        waiting.delete(id);
        reject(err);
      });
    });
  return {
    memory: (gc = false) => request<ProbeAnswer>({ op: 'memory', gc }),
    loop: () => request<LoopAnswer>({ op: 'loop' }),
  };
}
type Probe = ReturnType<typeof prober>;

const heapFigures = (a: ProbeAnswer) => ({
  heapUsedMb: r1(a.heapUsed / MB),
  heapTotalMb: r1(a.heapTotal / MB),
  externalMb: r1(a.external / MB),
  arrayBuffersMb: r1(a.arrayBuffers / MB),
});

type RssSample = { t: number; rssMb: number; anonMb: number; fileMb: number };
type HeapSample = { t: number; answerMs: number; heapUsedMb: number; heapTotalMb: number; externalMb: number; arrayBuffersMb: number };

/** Samples the server every SAMPLE_MS: RSS from /proc at once, the heap over IPC (one question at a time). */
function sampleServer(pid: number, ask: () => Promise<ProbeAnswer>) {
  const rss: RssSample[] = [];
  const heap: HeapSample[] = [];
  let asking = false;
  const tick = () => {
    const t = nowMs();
    try {
      const m = procMemory(pid);
      rss.push({ t, rssMb: m.rssMb, anonMb: m.anonMb, fileMb: m.fileMb });
    } catch {
      return; // the process is gone
    }
    if (asking) return;
    asking = true;
    ask().then(
      (a) => {
        heap.push({ t: a.at, answerMs: nowMs() - t, ...heapFigures(a) });
        asking = false;
      },
      () => {
        asking = false;
      },
    );
  };
  tick();
  const timer = setInterval(tick, SAMPLE_MS);
  return { rss, heap, stop: () => clearInterval(timer) };
}
type Samples = ReturnType<typeof sampleServer>;

const maxOf = (xs: number[]) => (xs.length ? r1(Math.max(...xs)) : null);
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : Number.NaN;
};

/** What the samples of a window show. */
function windowFigures(s: Samples, t0: number, t1: number) {
  const rss = s.rss.filter((x) => x.t >= t0 && x.t <= t1);
  const heap = s.heap.filter((x) => x.t >= t0 && x.t <= t1);
  let gap = 0;
  for (let i = 1; i < rss.length; i++) gap = Math.max(gap, rss[i].t - rss[i - 1].t);
  return {
    rssSamples: rss.length,
    maxSampleGapMs: Math.round(gap),
    peakSampledRssMb: maxOf(rss.map((x) => x.rssMb)),
    peakAnonMb: maxOf(rss.map((x) => x.anonMb)),
    peakFileBackedMb: maxOf(rss.map((x) => x.fileMb)),
    heapSamples: heap.length,
    peakHeapUsedMb: maxOf(heap.map((x) => x.heapUsedMb)),
    peakHeapTotalMb: maxOf(heap.map((x) => x.heapTotalMb)),
    peakExternalMb: maxOf(heap.map((x) => x.externalMb)),
    peakArrayBuffersMb: maxOf(heap.map((x) => x.arrayBuffersMb)),
    // How late the server answered the probe: its event loop was busy that long.
    probeAnswerMs: percentiles(heap.map((x) => x.answerMs)),
  };
}

type Transfer = { ms: number; ok: boolean; bytes: number; sha256: string | null; fileId: number | null; status: number; error: string | null };

/** Writes `bytes` random bytes to `file` (a zip's first four bytes when `zip`), a megabyte at a time; returns the sha256. */
function writeRandomFile(file: string, bytes: number, zip: boolean): string {
  const hash = crypto.createHash('sha256');
  const fd = fs.openSync(file, 'w');
  try {
    for (let at = 0; at < bytes; at += MB) {
      const piece = crypto.randomBytes(Math.min(MB, bytes - at));
      if (at === 0 && zip) piece.set([0x50, 0x4b, 0x03, 0x04]);
      hash.update(piece);
      fs.writeSync(fd, piece);
    }
  } finally {
    fs.closeSync(fd);
  }
  return hash.digest('hex');
}

/** One upload, streamed from the file on disk as the multipart field "file" (undici's FormData over a file-backed Blob). */
async function upload(url: string, cookie: string, chatId: number, clientId: string, file: string, name: string): Promise<Transfer> {
  const blob = (await fs.openAsBlob(file)) as unknown as Blob;
  const form = new FormData();
  form.append('file', blob, name);
  const t0 = nowMs();
  try {
    const res = await fetch(`${url}/api/portal/chats/${chatId}/files?clientId=${encodeURIComponent(clientId)}`, {
      method: 'POST',
      headers: { cookie },
      body: form,
    });
    const body = (await res.json()) as { message?: { file?: { id: number; size: number } }; duplicate?: boolean; error?: { code: string } };
    const ms = nowMs() - t0;
    const ok = res.status === 201 && body.duplicate === false && body.message?.file?.size === blob.size;
    return { ms, ok, bytes: blob.size, sha256: null, fileId: body.message?.file?.id ?? null, status: res.status, error: body.error?.code ?? null };
  } catch (err) {
    return { ms: nowMs() - t0, ok: false, bytes: 0, sha256: null, fileId: null, status: 0, error: (err as Error).message };
  }
}

/** One download, hashed as it arrives (nothing kept). */
async function download(url: string, cookie: string, fileId: number, expect: { bytes: number; sha256: string }): Promise<Transfer> {
  const t0 = nowMs();
  try {
    const res = await fetch(`${url}/api/portal/files/${fileId}`, { headers: { cookie } });
    const hash = crypto.createHash('sha256');
    let bytes = 0;
    const reader = res.body!.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      hash.update(value);
      bytes += value.length;
    }
    const sha256 = hash.digest('hex');
    const ms = nowMs() - t0;
    return { ms, ok: res.status === 200 && bytes === expect.bytes && sha256 === expect.sha256, bytes, sha256, fileId, status: res.status, error: null };
  } catch (err) {
    return { ms: nowMs() - t0, ok: false, bytes: 0, sha256: null, fileId, status: 0, error: (err as Error).message };
  }
}

/**
 * One measured phase: the transfers all at once, with the server's RSS high-water mark reset
 * first; then SETTLE_MS idle for the figure after.
 */
async function phase(name: string, server: Child, probe: Probe, samples: Samples, baselineMb: number, work: () => Promise<Transfer[]>) {
  await probe.loop();
  const hwmReset = resetPeak(server.pid);
  const before = procMemory(server.pid);
  const cpu = contention(server.pid);
  const t0 = nowMs();
  const transfers = await work();
  const t1 = nowMs();
  const hwm = procMemory(server.pid).hwmMb;
  const usage = cpu();
  const { maxMs, p99Ms, meanMs } = await probe.loop();
  await sleep(SETTLE_MS);
  const after = procMemory(server.pid);
  const w = windowFigures(samples, t0, t1);
  const peak = Math.max(w.peakSampledRssMb ?? 0, hwmReset ? hwm : 0);
  const bytes = transfers.reduce((a, x) => a + x.bytes, 0);
  const wallMs = t1 - t0;
  const figures = {
    phase: name,
    transfers: transfers.length,
    allOk: transfers.every((x) => x.ok),
    failures: transfers.filter((x) => !x.ok).map((x) => ({ status: x.status, error: x.error, bytes: x.bytes })),
    megabytes: r1(bytes / MB),
    wallMs: Math.round(wallMs),
    mbPerS: r1(bytes / MB / (wallMs / 1000)),
    perTransferMs: percentiles(transfers.map((x) => x.ms)),
    rssBeforeMb: r1(before.rssMb),
    peakRssMb: r1(peak),
    // The figure judged: the highest RSS of the phase over the baseline taken before the first upload.
    peakRiseMb: r1(peak - baselineMb),
    highWaterMarkMb: hwmReset ? r1(hwm) : null,
    rssAfterMb: r1(after.rssMb),
    riseAfterMb: r1(after.rssMb - baselineMb),
    anonAfterMb: r1(after.anonMb),
    brkHeapAfterMb: brkHeapMb(server.pid),
    ...w,
    // The server's event loop during the phase (monitorEventLoopDelay in the probe): how long other work, chat included, waited.
    serverLoopDelayMs: { max: maxMs, p99: p99Ms, mean: meanMs },
    cpu: usage,
  };
  return { figures, transfers, t0, t1 };
}
type Phase = Awaited<ReturnType<typeof phase>>;

/** Every stored file and piece in the database, counted after the server stopped. */
async function storedFiles(where: { dataDir: string } | { url: string }) {
  const q = {
    files: "select count(*) from chat_files where status = 'stored'",
    fileBytes: "select coalesce(sum(size), 0) from chat_files where status = 'stored'",
    notStored: "select count(*) from chat_files where status <> 'stored'",
    chunks: 'select count(*) from file_chunks',
  };
  if ('url' in where) {
    return {
      files: await scalar(where.url, q.files),
      fileBytes: await scalar(where.url, q.fileBytes),
      notStored: await scalar(where.url, q.notStored),
      chunks: await scalar(where.url, q.chunks),
      chunkBytes: await scalar(where.url, 'select coalesce(sum(octet_length(data)), 0) from file_chunks'),
      largestChunk: await scalar(where.url, 'select coalesce(max(octet_length(data)), 0) from file_chunks'),
    };
  }
  const db = openSqlite(path.join(where.dataDir, 'helpdesk.sqlite'), { readonly: true });
  try {
    const one = (sql: string) => Number(Object.values(db.prepare(sql).get() as Record<string, unknown>)[0]);
    return {
      files: one(q.files),
      fileBytes: one(q.fileBytes),
      notStored: one(q.notStored),
      chunks: one(q.chunks),
      chunkBytes: one('select coalesce(sum(length(data)), 0) from file_chunks'),
      largestChunk: one('select coalesce(max(length(data)), 0) from file_chunks'),
    };
  } finally {
    db.close();
  }
}

const WARM_BYTES = 1024;
/** The server's piece size (CHUNK_BYTES in src/server/services/files.ts), to check what was stored. */
const PIECE_BYTES = 256 * 1024;

/** The whole run on one server: warm-up, baseline, then per round the uploads at once and the downloads at once. */
async function measureServer(kind: 'sqlite' | 'postgres', seeded: Seeded, dataDir: string, scale: UploadScale, filesDir: string, databaseUrl?: string) {
  const { nodeArgs, env } = productServerLaunch(dataDir, {
    FILE_MAX_MB: String(scale.mb),
    // Independent of the shell's environment: SQLite unless this run names a database; no Redis.
    DATABASE_URL: databaseUrl ?? '',
    REDIS_URL: '',
  });
  const server = await spawnNode(PRODUCT_SERVER, env, 30000, [...nodeArgs, '--import', PROBE], { ipc: true });
  const probe = prober(server.proc);
  const startedRssMb = r1(procMemory(server.pid).rssMb);
  const samples = sampleServer(server.pid, () => probe.memory(SAMPLE_GC));
  const users = seeded.chats.slice(0, scale.files);
  const run = `${kind}-${Date.now().toString(36)}`;
  const phases: Phase[] = [];
  let afterGc: (ReturnType<typeof heapFigures> & { rssMb: number }) | null = null;
  try {
    // Warm-up, not measured: every user sends and fetches a 1 KB file, so the code paths are compiled and the pools open.
    const warm = await Promise.all(
      users.map(async (u, i) => {
        const file = path.join(filesDir, `warm-${kind}-${i}.log`);
        const sha256 = writeRandomFile(file, WARM_BYTES, false);
        const up = await upload(server.url, u.portalCookie, u.chatId, `${run}-warm-${i}`, file, `warm-${i}.log`);
        const down = up.fileId ? await download(server.url, u.portalCookie, up.fileId, { bytes: WARM_BYTES, sha256 }) : up;
        fs.rmSync(file, { force: true });
        return up.ok && down.ok;
      }),
    );
    if (!warm.every(Boolean)) throw new Error(`uploads on ${kind}: a warm-up upload or download failed`);
    await sleep(SETTLE_MS);
    const idle = samples.rss.filter((x) => x.t >= nowMs() - SETTLE_MS * 0.75);
    const baselineMb = r1(median(idle.map((x) => x.rssMb)));
    const baselineHeap = { ...heapFigures(await probe.memory()), brkHeapMb: brkHeapMb(server.pid) };
    for (let round = 1; round <= scale.rounds; round++) {
      // The files are written before the phase, so the measurement sees only the transfers.
      const files = users.map((u, i) => {
        const zip = i % 2 === 0;
        const name = `round${round}-user${i + 1}.${zip ? 'zip' : 'log'}`;
        const file = path.join(filesDir, `${kind}-${name}`);
        return { u, i, name, file, sha256: writeRandomFile(file, scale.mb * MB, zip) };
      });
      await sleep(500);
      const up = await phase(`upload, round ${round}`, server, probe, samples, baselineMb, () =>
        Promise.all(files.map((f) => upload(server.url, f.u.portalCookie, f.u.chatId, `${run}-r${round}-${f.i}`, f.file, f.name))),
      );
      phases.push(up);
      const down = await phase(`download, round ${round}`, server, probe, samples, baselineMb, () =>
        Promise.all(
          files.map((f, i) => {
            const id = up.transfers[i].fileId;
            if (id === null) return Promise.resolve<Transfer>({ ms: 0, ok: false, bytes: 0, sha256: null, fileId: null, status: 0, error: 'not uploaded' });
            return download(server.url, f.u.portalCookie, id, { bytes: scale.mb * MB, sha256: f.sha256 });
          }),
        ),
      );
      phases.push(down);
      for (const f of files) fs.rmSync(f.file, { force: true });
    }
    // Live memory after full collections, when the server runs with --expose-gc (BENCH_PRODUCT_NODE_ARGS).
    const collected = await probe.memory(true);
    if (collected.collected) afterGc = { rssMb: r1(procMemory(server.pid).rssMb), ...heapFigures(collected) };
    samples.stop();
    return summarise({ startedRssMb, baselineMb, baselineHeap, afterGc, phases, samples });
  } finally {
    samples.stop();
    await server.stop();
  }
}

/** The figures of one database's run, from its phases and samples. */
function summarise(m: {
  startedRssMb: number;
  baselineMb: number;
  baselineHeap: ReturnType<typeof heapFigures> & { brkHeapMb: number | null };
  afterGc: unknown;
  phases: Phase[];
  samples: Samples;
}) {
  const ups = m.phases.filter((p) => p.figures.phase.startsWith('upload'));
  const downs = m.phases.filter((p) => p.figures.phase.startsWith('download'));
  const rate = (ps: Phase[]) => r1(ps.reduce((a, p) => a + p.figures.megabytes, 0) / (ps.reduce((a, p) => a + p.figures.wallMs, 0) / 1000));
  const maxRise = (ps: Phase[]) => Math.max(...ps.map((p) => p.figures.peakRiseMb));
  // The RSS over the run, the highest sample of every 250 ms, from 1 s before the first upload.
  const from = m.phases[0].t0 - 1000;
  const to = m.phases[m.phases.length - 1].t1 + SETTLE_MS;
  const every250Ms: number[] = [];
  for (let t = from; t < to; t += 250) {
    const inBucket = m.samples.rss.filter((x) => x.t >= t && x.t < t + 250).map((x) => x.rssMb);
    every250Ms.push(inBucket.length ? r1(Math.max(...inBucket)) : Number.NaN);
  }
  return {
    startedRssMb: m.startedRssMb,
    baselineRssMb: m.baselineMb,
    baselineHeap: m.baselineHeap,
    peakRssMb: Math.max(...m.phases.map((p) => p.figures.peakRssMb)),
    peakRiseMb: maxRise(m.phases),
    uploadPeakRiseMb: maxRise(ups),
    downloadPeakRiseMb: maxRise(downs),
    rssAfterLastPhaseMb: m.phases[m.phases.length - 1].figures.rssAfterMb,
    afterForcedGc: m.afterGc,
    uploadWallMs: ups.map((p) => p.figures.wallMs),
    uploadMbPerS: rate(ups),
    downloadWallMs: downs.map((p) => p.figures.wallMs),
    downloadMbPerS: rate(downs),
    transfersOk: m.phases.every((p) => p.figures.allOk),
    phases: m.phases.map((p) => p.figures),
    rssTimeline: {
      about: `highest RSS sample (MB) of every 250 ms from 1 s before the first upload; phases as [start, end] in ms from there`,
      phases: m.phases.map((p) => ({ phase: p.figures.phase, fromMs: Math.round(p.t0 - from), toMs: Math.round(p.t1 - from) })),
      mb: every250Ms,
    },
  };
}

/** What the database must hold after a run: every file of every round and the warm-up, in whole pieces. */
function expectedStorage(scale: UploadScale) {
  const big = scale.mb * MB;
  return {
    files: scale.files * (scale.rounds + 1),
    fileBytes: scale.files * (WARM_BYTES + scale.rounds * big),
    notStored: 0,
    chunks: scale.files * (1 + scale.rounds * Math.ceil(big / PIECE_BYTES)),
    chunkBytes: scale.files * (WARM_BYTES + scale.rounds * big),
    largestChunk: Math.min(PIECE_BYTES, Math.max(WARM_BYTES, big)),
  };
}

export async function uploadsScenario(scale: UploadScale = UPLOADS_FULL) {
  const only = process.env.BENCH_UPLOAD_DB;
  const sqliteDir = freshDataDir('uploads');
  const filesDir = freshDataDir('uploads-files');
  const serverNodeArgs = productServerLaunch(sqliteDir).nodeArgs;
  const seeded = await seed(sqliteDir, { chats: scale.files, alertTechs: 0, portalUsers: scale.files });
  const withPostgres = only !== 'sqlite' && (await postgresReachable());
  // Both databases start alike: the seeded rows are copied before the SQLite server adds any.
  const database = withPostgres ? await createBenchDatabase('uploads') : null;
  if (database) await copySeedToPostgres(sqliteDir, database.url);
  const expected = expectedStorage(scale);
  const out: Record<'sqlite' | 'postgres', (ReturnType<typeof summarise> & { stored: unknown; storedAsExpected: boolean }) | null> = {
    sqlite: null,
    postgres: null,
  };
  try {
    if (only !== 'postgres') {
      const r = await measureServer('sqlite', seeded, sqliteDir, scale, filesDir);
      const stored = await storedFiles({ dataDir: sqliteDir });
      out.sqlite = { ...r, stored, storedAsExpected: JSON.stringify(stored) === JSON.stringify(expected) };
    }
    if (database) {
      const pgDir = freshDataDir('uploads-pg');
      try {
        const r = await measureServer('postgres', seeded, pgDir, scale, filesDir, database.url);
        const stored = await storedFiles({ url: database.url });
        out.postgres = { ...r, stored, storedAsExpected: JSON.stringify(stored) === JSON.stringify(expected) };
      } finally {
        fs.rmSync(pgDir, { recursive: true, force: true });
      }
    }
  } finally {
    if (database) await database.drop();
    for (const dir of [sqliteDir, filesDir]) fs.rmSync(dir, { recursive: true, force: true });
  }
  const targetRiseMb = RISE_TARGET_MB;
  const measured = [out.sqlite, out.postgres].filter((x) => x !== null);
  const verified = measured.length > 0 && measured.every((x) => x.transfersOk && x.storedAsExpected);
  return {
    target: `${scale.files} files of ${scale.mb} MB sent at once, then downloaded at once (${scale.rounds} rounds): the server's peak RSS at most ${targetRiseMb} MB over its baseline, on SQLite and PostgreSQL; every download's sha256 that of its upload`,
    met: verified && measured.every((x) => x.peakRiseMb <= targetRiseMb) && (out.postgres !== null || !withPostgres),
    targetRiseMb,
    verified,
    scale,
    serverNodeArgs,
    sampleEveryMs: SAMPLE_MS,
    heapSampledAfterForcedGc: SAMPLE_GC,
    postgresReachable: withPostgres,
    expectedStorage: expected,
    sqlite: out.sqlite,
    postgres: out.postgres,
  };
}
