/**
 * Whether this node can serve (`/api/ready`), as opposed to whether its process is up
 * (`/api/health`): the database answers, its schema has every migration this node knows (a
 * database recreated empty under a running node has none), and the Redis link is up when Redis
 * is configured. A load balancer sends traffic only to ready nodes.
 */
import { ping, type Db } from '../db/database.js';
import { appliedMigrations, LATEST_MIGRATION } from '../db/migrations.js';
import type { Readiness } from '../../shared/views.js';

const CHECK_TIMEOUT_MS = 2000;

function within<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)));
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

export async function readiness(db: Db, redis: { configured: boolean; isUp: () => boolean }): Promise<Readiness> {
  const checks: Readiness['checks'] = { database: 'ok', schema: 'ok', redis: redis.configured ? (redis.isUp() ? 'ok' : 'failing') : 'not_configured' };
  try {
    await within(ping(db), CHECK_TIMEOUT_MS);
    try {
      const applied = await within(appliedMigrations(db), CHECK_TIMEOUT_MS);
      if (!applied.includes(LATEST_MIGRATION)) checks.schema = 'failing';
    } catch {
      // No migrations table: an empty database.
      checks.schema = 'failing';
    }
  } catch {
    checks.database = 'failing';
    checks.schema = 'unknown';
  }
  const failing = (Object.keys(checks) as (keyof typeof checks)[]).filter((k) => checks[k] === 'failing');
  return failing.length ? { status: 'not_ready', failing, checks } : { status: 'ready', failing: [], checks };
}
