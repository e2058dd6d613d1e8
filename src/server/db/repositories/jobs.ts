/**
 * SQL of the job queue (services/jobs.ts). A job is claimed by one conditional update that sets
 * its lease, so of two nodes polling at once only one gets each row; on PostgreSQL the rows are
 * picked with SKIP LOCKED so nodes do not queue behind each other's claims.
 */
import { sql } from 'kysely';
import type { Dialect, Tx } from '../database.js';
import type { JobsTable } from '../schema.js';
import type { Selectable } from 'kysely';

export type JobRow = Selectable<JobsTable>;

const asJob = (r: JobRow): JobRow => ({
  ...r,
  id: Number(r.id),
  run_at: Number(r.run_at),
  attempts: Number(r.attempts),
  lease_until: r.lease_until === null ? null : Number(r.lease_until),
  created_at: Number(r.created_at),
  finished_at: r.finished_at === null ? null : Number(r.finished_at),
});

/** Adds a job; with a dedupe key already queued, nothing is added and null comes back. */
export async function insertJob(db: Tx, job: { kind: string; payload: string; dedupeKey?: string | null; runAt: number; now: number }): Promise<number | null> {
  const row = await db
    .insertInto('jobs')
    .values({ kind: job.kind, payload: job.payload, dedupe_key: job.dedupeKey ?? null, status: 'pending', run_at: job.runAt, attempts: 0, created_at: job.now })
    .onConflict((oc) => oc.column('dedupe_key').doNothing())
    .returning('id')
    .executeTakeFirst();
  return row ? Number(row.id) : null;
}

/** Claims up to `limit` due jobs of the given kinds for `owner` until `leaseUntil`. */
export async function claimDueJobs(
  db: Tx,
  dialect: Dialect,
  opts: { kinds: string[]; owner: string; now: number; leaseUntil: number; limit: number },
): Promise<JobRow[]> {
  if (opts.kinds.length === 0) return [];
  const lock = dialect === 'postgres' ? sql`for update skip locked` : sql``;
  const kinds = sql.join(opts.kinds.map((k) => sql`${k}`));
  const { rows } = await sql<JobRow>`
    update jobs set lease_until = ${opts.leaseUntil}, lease_owner = ${opts.owner}, attempts = attempts + 1
    where id in (
      select id from jobs
      where status = 'pending' and run_at <= ${opts.now} and kind in (${kinds})
        and (lease_until is null or lease_until < ${opts.now})
      order by run_at, id limit ${opts.limit} ${lock}
    )
    and status = 'pending' and (lease_until is null or lease_until < ${opts.now})
    returning *`.execute(db);
  return rows.map(asJob).sort((a, b) => a.run_at - b.run_at || a.id - b.id);
}

/** Ends a claimed job; false when the lease was lost (another node has it now). */
export async function settleJob(
  db: Tx,
  job: { id: number; owner: string; attempts: number },
  outcome: { status: 'done' | 'dead'; at: number; error?: string } | { status: 'pending'; runAt: number; error: string },
): Promise<boolean> {
  const set =
    outcome.status === 'pending'
      ? { status: 'pending' as const, run_at: outcome.runAt, last_error: outcome.error, lease_until: null, lease_owner: null }
      : { status: outcome.status, finished_at: outcome.at, last_error: outcome.error ?? null, lease_until: null, lease_owner: null };
  const r = await db
    .updateTable('jobs')
    .set(set)
    .where('id', '=', job.id)
    .where('lease_owner', '=', job.owner)
    .where('attempts', '=', job.attempts)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function findJob(db: Tx, id: number): Promise<JobRow | undefined> {
  const r = await db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
  return r && asJob(r);
}

/** Removes finished jobs older than `before`; returns how many. */
export async function purgeFinishedJobs(db: Tx, before: number): Promise<number> {
  const r = await db.deleteFrom('jobs').where('status', '<>', 'pending').where('finished_at', '<', before).executeTakeFirst();
  return Number(r.numDeletedRows);
}
