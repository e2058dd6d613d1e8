/**
 * The `webhook` job (services/jobs.ts): posts one delivery to its endpoint, signed the Standard
 * Webhooks way (`webhook-id` = the event's id, `webhook-timestamp`, `webhook-signature`), and
 * logs the attempt. A 2xx answer delivers it; anything else (another status, a redirect, which is
 * never followed, a refused address, no answer within WEBHOOK_TIMEOUT_MS) is retried with
 * backoff until a day has passed, then the delivery is marked failed.
 *
 * An endpoint whose attempts have all failed, WEBHOOK_PAUSE_AFTER_FAILURES in a row over at
 * least WEBHOOK_PAUSE_AFTER_HOURS, is paused with the reason; its deliveries are then held (not
 * sent) until an admin resumes it (services/webhooks.ts).
 *
 * A node killed mid-post leaves the job's lease to run out; another node then posts the same
 * delivery again with the same `webhook-id`, which is how a receiver recognises the repeat.
 */
import { http, https } from '../node-http.js';
import net from 'node:net';
import { Webhook } from 'standardwebhooks';
import type { Ctx } from './context.js';
import { defaultBackoff, type JobKind } from './jobs.js';
import { guardedLookup, addressRefusal } from './webhook-address.js';
import { formatBody } from './webhook-formats.js';
import {
  countFailure,
  countSuccess,
  findDelivery,
  findEndpoint,
  finishAttempt,
  startAttempt,
  purgeDeliveries,
  setDelivery,
  updateEndpoint,
} from '../db/repositories/webhooks.js';

const DAY = 24 * 3600 * 1000;
const EXCERPT = 500;
/** How much of an answer is read at most (the rest is not waited for). */
const READ_LIMIT = 16 * 1024;
/** Deliveries and their attempts are kept this long. */
const KEEP_MS = 30 * DAY;

export type PostResult = { status: number | null; durationMs: number; error: string | null; excerpt: string };

/** One POST; never throws. */
export function post(
  url: string,
  body: string,
  headers: Record<string, string>,
  opts: { timeoutMs: number; privateAddresses: 'allow' | 'refuse' },
): Promise<PostResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  return new Promise((resolve) => {
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = (r: Omit<PostResult, 'durationMs'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...r, durationMs: elapsed() });
    };
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      return finish({ status: null, error: 'not a valid URL', excerpt: '' });
    }
    const host = u.hostname.replace(/^\[|\]$/g, '');
    if (net.isIP(host)) {
      // An address in the URL is connected to without a lookup: checked here.
      const refused = addressRefusal(host, opts.privateAddresses);
      if (refused) return finish({ status: null, error: `address refused: ${refused}`, excerpt: '' });
    }
    const mod = u.protocol === 'https:' ? https : http;
    const req = mod.request(u, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), 'user-agent': 'Helpdesk-Webhooks/1' },
      lookup: guardedLookup(opts.privateAddresses),
      agent: false,
    });
    timer = setTimeout(() => {
      req.destroy();
      finish({ status: null, error: `no answer within ${opts.timeoutMs} ms`, excerpt: '' });
    }, opts.timeoutMs);
    req.on('error', (err) => finish({ status: null, error: err.message.slice(0, 300), excerpt: '' }));
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const done = () => {
        res.destroy();
        finish({ status: res.statusCode ?? null, error: null, excerpt: Buffer.concat(chunks).toString('utf8').slice(0, EXCERPT) });
      };
      res.on('data', (c: Buffer) => {
        chunks.push(c);
        size += c.length;
        if (size >= READ_LIMIT) done();
      });
      res.on('end', done);
      res.on('error', done);
    });
    req.end(body);
  });
}

/** The Standard Webhooks headers of one attempt. */
export function signedHeaders(secret: string, eventId: string, at: number, body: string): Record<string, string> {
  const when = new Date(Math.floor(at / 1000) * 1000);
  return {
    'webhook-id': eventId,
    'webhook-timestamp': String(Math.floor(at / 1000)),
    'webhook-signature': new Webhook(secret).sign(eventId, when, body),
  };
}

/** Whether an endpoint with this failure streak is paused now, and why. */
export function pauseReason(ctx: Ctx, streak: { failing_since: number; failure_count: number }, last: PostResult, now: number): string | null {
  const { pauseAfterFailures, pauseAfterMs } = ctx.config.webhooks;
  if (streak.failure_count < pauseAfterFailures || now - streak.failing_since < pauseAfterMs) return null;
  const lastSaid = last.status !== null ? `HTTP ${last.status}` : (last.error ?? 'no answer');
  return `Paused automatically: all ${streak.failure_count} attempts since ${new Date(streak.failing_since).toISOString()} failed (the last: ${lastSaid}).`;
}

export function webhookJob(ctx: Ctx): JobKind {
  let runs = 0;
  const backoffMs = defaultBackoff;
  return {
    backoffMs,
    giveUpAfterMs: DAY,
    handle: async (payload, job) => {
      if (++runs % 500 === 0) await purgeDeliveries(ctx.db, ctx.now() - KEEP_MS);
      const { deliveryId } = payload as { deliveryId: number };
      const delivery = await findDelivery(ctx.db, deliveryId);
      // Gone with its endpoint, or delivered already: nothing to do.
      if (delivery?.status !== 'pending') return { done: true };
      const endpoint = await findEndpoint(ctx.db, delivery.endpoint_id);
      if (!endpoint) return { done: true };
      if (endpoint.paused_at !== null) {
        await setDelivery(ctx.db, delivery.id, { status: 'held', next_attempt_at: null });
        return { done: true };
      }
      const sentAt = ctx.now();
      // Logged before the post: a node killed mid-post leaves this line in the log.
      const attemptId = await startAttempt(ctx.db, delivery.id, sentAt, 'no result yet: being sent, or the node sending it stopped');
      const body = formatBody(endpoint.format, delivery.body);
      const result = await post(endpoint.url, body, signedHeaders(endpoint.secret, delivery.event_id, sentAt, body), {
        timeoutMs: ctx.config.webhooks.timeoutMs,
        privateAddresses: ctx.config.webhooks.privateAddresses,
      });
      const now = ctx.now();
      const ok = result.status !== null && result.status >= 200 && result.status < 300;
      const nextAt = now + backoffMs(job.attempts);
      const willRetry = nextAt <= job.createdAt + DAY;
      const paused = await ctx.db.transaction().execute(async (trx) => {
        await finishAttempt(trx, attemptId, {
          status: result.status,
          duration_ms: result.durationMs,
          error: result.error,
          excerpt: result.excerpt,
        });
        if (ok) {
          await countSuccess(trx, endpoint.id);
          await setDelivery(trx, delivery.id, { status: 'delivered', next_attempt_at: null, finished_at: now });
          return false;
        }
        const streak = await countFailure(trx, endpoint.id, now);
        const reason = streak && streak.paused_at === null ? pauseReason(ctx, streak, result, now) : null;
        if (reason) await updateEndpoint(trx, endpoint.id, { paused_at: now, pause_reason: reason });
        const isPaused = reason !== null || (streak?.paused_at ?? null) !== null;
        await setDelivery(trx, delivery.id, isPaused ? { status: 'held', next_attempt_at: null } : { next_attempt_at: willRetry ? nextAt : null });
        return isPaused;
      });
      if (ok || paused) return { done: true };
      return { retry: result.status !== null ? `HTTP ${result.status}` : (result.error ?? 'failed'), at: nextAt };
    },
    onDead: async (payload) => {
      const { deliveryId } = payload as { deliveryId: number };
      await setDelivery(ctx.db, deliveryId, { status: 'failed', next_attempt_at: null, finished_at: ctx.now() }, { notStatus: 'delivered' });
    },
  };
}
