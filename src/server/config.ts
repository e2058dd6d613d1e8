import { DEFAULT_FILE_TYPES, type FileRules } from '../shared/files.js';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { compileTrust } from './http/proxy-trust.js';
import { redisPrefix } from './realtime/redis-prefix.js';

/** The built web pages: <project>/dist/web, from src/server (tsx) and from dist/server (built) alike. */
const BUILT_WEB = fileURLToPath(new URL('../../dist/web', import.meta.url));

const seconds = (fallback: number) => z.coerce.number().nonnegative().finite().default(fallback);

const schema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('127.0.0.1'),
  DATA_DIR: z.string().default('./data'),
  DATABASE_URL: z.string().optional(),
  /** PostgreSQL connections per node; message batches use up to half of them (services/message-batches.ts). */
  DATABASE_POOL_SIZE: z.coerce.number().int().min(2).max(200).default(10),
  REDIS_URL: z.string().optional(),
  /** Start of every Redis channel and key of this deployment; derived from the database when unset. */
  REDIS_PREFIX: z.string().max(100).optional(),
  CHAT_ASSIGNED_FIRST_SECONDS: seconds(60),
  CHAT_WAIT_OFFER_SECONDS: seconds(120),
  CHAT_DISCONNECT_GRACE_SECONDS: seconds(300),
  CHAT_TRANSFER_ANSWER_SECONDS: seconds(60),
  /** The most chats one tech may have active at once; unset: no limit (services/chats.ts joinChat). */
  MAX_ACTIVE_CHATS_PER_TECH: z.coerce.number().int().min(1).max(1000).optional(),
  TIMER_SWEEP_MS: z.coerce.number().int().positive().default(1000),
  /** `auto`: demo data only for a local trial (first-start.ts); `true`: a demo on purpose; `false`: never. */
  SEED_DEMO: z
    .enum(['auto', 'true', 'false', '1', '0'])
    .default('auto')
    .transform((v) => (v === 'auto' ? 'auto' : v === 'true' || v === '1')),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  WEB_DIST: z.string().default(BUILT_WEB),
  /**
   * The address people open, e.g. `https://help.example.com`: single sign-on's redirect URIs and
   * the links in mail (password reset) are made from it; needed with SMTP_URL. Empty: unset.
   */
  PUBLIC_URL: z
    .string()
    .url('PUBLIC_URL must be a full address such as https://help.example.com')
    .refine((u) => /^https?:$/.test(new URL(u).protocol), 'PUBLIC_URL must start with https:// (or http://)')
    .optional()
    .or(z.literal('')),
  /** Extra origins allowed for state-changing requests and sockets, comma separated. */
  ALLOWED_ORIGINS: z.string().default(''),
  NODE_ID: z.string().optional(),
  /** With REDIS_URL: a node without a heartbeat for this long counts as gone, with its users' connections. */
  NODE_TIMEOUT_MS: z.coerce.number().int().min(500).max(600_000).default(10_000),
  /** Behind a load balancer: `true`, or the proxies' addresses or CIDR ranges (comma separated). */
  TRUST_PROXY: z.string().default('false'),
  /** Prometheus metrics on the main port at /metrics, for `Authorization: Bearer <token>` only. */
  METRICS_TOKEN: z.string().min(16, 'METRICS_TOKEN must be at least 16 characters').optional(),
  /** Prometheus metrics on a listener of their own (no token), e.g. reachable only by the monitoring network. */
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  METRICS_HOST: z.string().default('127.0.0.1'),
  /** The largest file that may be sent in a chat, in MB (services/files.ts). */
  FILE_MAX_MB: z.coerce.number().positive().max(1024).default(10),
  /** The file extensions that may be sent in a chat, comma separated; unset: shared/files.ts DEFAULT_FILE_TYPES. */
  FILE_TYPES: z.string().optional(),
  /** Completed chats keep their messages and files this many days; unset: forever. */
  RETENTION_DAYS: z.coerce.number().int().min(1).max(36500).optional(),
  /** Email (services/mail.ts): `smtp://user:pass@host:587` or `smtps://…:465`; unset: email is off. */
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\/[^/?#]+/, 'SMTP_URL must look like smtp://user:password@host:587 or smtps://…')
    .optional()
    .or(z.literal('')),
  /** The sender of every mail, e.g. `Helpdesk <helpdesk@example.com>`; unset: no-reply@ the PUBLIC_URL host. */
  MAIL_FROM: z.string().max(300).optional(),
  /** Webhooks to private and loopback addresses (an internal PSA): `allow`, or `refuse` (services/webhook-address.ts). */
  WEBHOOK_PRIVATE_ADDRESSES: z.enum(['allow', 'refuse']).default('refuse'),
  /** A webhook receiver has this long to answer; well under the job lease (60 s). */
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(30_000).default(10_000),
  /** An endpoint is paused once this many attempts in a row have failed over at least WEBHOOK_PAUSE_AFTER_HOURS. */
  WEBHOOK_PAUSE_AFTER_FAILURES: z.coerce.number().int().min(1).max(10_000).default(10),
  WEBHOOK_PAUSE_AFTER_HOURS: z.coerce.number().min(0).max(720).default(6),
});

export type Config = {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl?: string;
  databasePoolSize: number;
  redisUrl?: string;
  /** Start of this deployment's Redis channels and keys (realtime/redis-prefix.ts). */
  redisPrefix: string;
  delays: { assignedFirstMs: number; waitOfferMs: number; disconnectGraceMs: number; transferAnswerMs: number };
  maxActiveChatsPerTech: number | null;
  timerSweepMs: number;
  seedDemo: 'auto' | boolean;
  logLevel: string;
  webDist: string;
  allowedOrigins: string[];
  /** PUBLIC_URL's origin (scheme, host, port), or null: then the request's own (http/public-origin.ts). */
  publicOrigin: string | null;
  nodeId: string;
  nodeTimeoutMs: number;
  trustProxy: boolean | string;
  metrics: { token: string | null; port: number | null; host: string };
  retentionDays: number | null;
  files: FileRules;
  /** Email (services/mail.ts); `smtpUrl` null: off, and every email option is hidden. */
  mail: { smtpUrl: string | null; from: string; publicUrl: string | null };
  /** The public address of the web apps, without a trailing slash; null when not configured. */
  publicUrl: string | null;
  webhooks: { privateAddresses: 'allow' | 'refuse'; timeoutMs: number; pauseAfterFailures: number; pauseAfterMs: number };
};

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`Invalid configuration: ${issues}`);
  }
  const e = parsed.data;
  const publicUrl = e.PUBLIC_URL ? e.PUBLIC_URL.replace(/\/+$/, '') : null;
  // Links in mail (a password reset) must not take their host from a request, which anyone can name.
  if (e.SMTP_URL && !publicUrl) throw new Error('Invalid configuration: PUBLIC_URL: required with SMTP_URL (the address in the links that mail carries)');
  const trustProxy = e.TRUST_PROXY === 'true' ? true : e.TRUST_PROXY === 'false' ? false : e.TRUST_PROXY;
  // A wrong address list fails the start, not the first request behind the proxy.
  compileTrust(trustProxy);
  return {
    port: e.PORT,
    host: e.HOST,
    dataDir: e.DATA_DIR,
    databaseUrl: e.DATABASE_URL || undefined,
    databasePoolSize: e.DATABASE_POOL_SIZE,
    redisUrl: e.REDIS_URL || undefined,
    redisPrefix: redisPrefix({ redisPrefix: e.REDIS_PREFIX || undefined, databaseUrl: e.DATABASE_URL || undefined, dataDir: e.DATA_DIR }),
    delays: {
      assignedFirstMs: e.CHAT_ASSIGNED_FIRST_SECONDS * 1000,
      waitOfferMs: e.CHAT_WAIT_OFFER_SECONDS * 1000,
      disconnectGraceMs: e.CHAT_DISCONNECT_GRACE_SECONDS * 1000,
      transferAnswerMs: e.CHAT_TRANSFER_ANSWER_SECONDS * 1000,
    },
    maxActiveChatsPerTech: e.MAX_ACTIVE_CHATS_PER_TECH ?? null,
    timerSweepMs: e.TIMER_SWEEP_MS,
    seedDemo: e.SEED_DEMO,
    logLevel: e.LOG_LEVEL,
    webDist: e.WEB_DIST,
    allowedOrigins: e.ALLOWED_ORIGINS.split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    publicOrigin: e.PUBLIC_URL ? new URL(e.PUBLIC_URL).origin : null,
    nodeId: e.NODE_ID ?? `node-${process.pid}`,
    nodeTimeoutMs: e.NODE_TIMEOUT_MS,
    trustProxy,
    metrics: { token: e.METRICS_TOKEN || null, port: e.METRICS_PORT ?? null, host: e.METRICS_HOST },
    retentionDays: e.RETENTION_DAYS ?? null,
    files: {
      maxBytes: Math.round(e.FILE_MAX_MB * 1024 * 1024),
      types: e.FILE_TYPES
        ? [
            ...new Set(
              e.FILE_TYPES.split(',')
                .map((t) => t.trim().replace(/^\./, '').toLowerCase())
                .filter(Boolean),
            ),
          ]
        : DEFAULT_FILE_TYPES,
    },
    mail: {
      smtpUrl: e.SMTP_URL || null,
      from: e.MAIL_FROM || `no-reply@${publicUrl ? new URL(publicUrl).hostname : 'localhost'}`,
      publicUrl,
    },
    publicUrl,
    webhooks: {
      privateAddresses: e.WEBHOOK_PRIVATE_ADDRESSES,
      timeoutMs: e.WEBHOOK_TIMEOUT_MS,
      pauseAfterFailures: e.WEBHOOK_PAUSE_AFTER_FAILURES,
      pauseAfterMs: Math.round(e.WEBHOOK_PAUSE_AFTER_HOURS * 3_600_000),
    },
  };
}
