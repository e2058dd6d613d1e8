/**
 * The kinds of job this product runs (services/jobs.ts), one entry per kind: its handler and
 * retry policy. Every node runs all of them.
 */
import type { Ctx } from './context.js';
import type { JobKind } from './jobs.js';
import { MAIL_KIND, mailJobKind } from './mail.js';
import { WEBHOOK_JOB } from './webhook-events.js';
import { webhookJob } from './webhook-delivery.js';

export function jobKinds(ctx: Ctx): Record<string, JobKind> {
  return {
    [MAIL_KIND]: mailJobKind(ctx),
    [WEBHOOK_JOB]: webhookJob(ctx),
  };
}
