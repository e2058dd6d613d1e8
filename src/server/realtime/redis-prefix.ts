/**
 * Every Redis channel and key of one deployment starts with its prefix. Pub/sub ignores Redis
 * database numbers, so two deployments on one Redis (staging and production, two customers)
 * would otherwise hear each other's live events: an alert for `tech:1` of one would reach
 * `tech:1` of the other. The nodes of one deployment share a database, so the prefix is derived
 * from the database's identity (PostgreSQL host, port and database name; or the SQLite data
 * directory): no setting to forget, and the same on every node. `REDIS_PREFIX` overrides it, for
 * nodes that reach one database under different host names.
 */
import crypto from 'node:crypto';
import path from 'node:path';

/** What names one database, the same however the URL spells credentials or options. */
export function databaseIdentity(opts: { databaseUrl?: string; dataDir: string }): string {
  if (!opts.databaseUrl) return `sqlite:${path.resolve(opts.dataDir)}`;
  const u = new URL(opts.databaseUrl);
  // libpq's defaults: port 5432, and a database named after the user when none is given.
  const db = decodeURIComponent(u.pathname.replace(/^\//, '')) || decodeURIComponent(u.username) || 'postgres';
  return `postgres:${u.hostname.toLowerCase()}:${u.port || '5432'}/${db}`;
}

export function redisPrefix(opts: { redisPrefix?: string; databaseUrl?: string; dataDir: string }): string {
  if (opts.redisPrefix) return opts.redisPrefix;
  return `helpdesk:${crypto.createHash('sha256').update(databaseIdentity(opts)).digest('hex').slice(0, 12)}`;
}
