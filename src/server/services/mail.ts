/**
 * Email over SMTP (SMTP_URL), optional. Every mail is a job of kind `mail` (services/jobs.ts),
 * queued in the same transaction as what asks for it, and sent by a node's job runner with
 * nodemailer: nothing on a request path talks to the mail server, so a slow or failing one never
 * slows a chat. A mail server's 5xx answer gives the mail up at once; a 4xx answer, a timeout or a
 * lost connection is tried again later (for a day). Each mail's Message-ID is made from its job,
 * so a mail sent again (its node died before it could record the sending) is recognisable as
 * the same one. With SMTP_URL unset email is off and every email option is hidden.
 */
import type { Transporter } from 'nodemailer';
import { z } from 'zod';
import type { Config } from '../config.js';
import type { Db, Tx } from '../db/database.js';
import type { Outbox } from '../events/bus.js';
import { EmailDisabled } from '../errors.js';
import type { Ctx } from './context.js';
import { queueJob, type JobKind, type JobOutcome } from './jobs.js';
import { resetMailText } from './password-reset.js';

export const MAIL_KIND = 'mail';

/** Timeouts well within the job lease (60 s): a hanging mail server costs one attempt, not the job. */
const TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 20_000 };

/** What a mail job carries. A reset mail's text is made when it is sent (its link's token is made then). */
const MailPayload = z.object({
  purpose: z.enum(['password_reset', 'transcript', 'note', 'test']),
  to: z.string(),
  subject: z.string(),
  text: z.string().optional(),
  resetId: z.number().optional(),
});
export type MailPayload = z.infer<typeof MailPayload>;

export const mailEnabled = (config: Pick<Config, 'mail'>) => config.mail.smtpUrl !== null;

export function requireMail(config: Pick<Config, 'mail'>) {
  if (!mailEnabled(config)) throw new EmailDisabled();
}

/** Queues a mail inside the caller's transaction; with a dedupe key, a second one is not queued (null). */
export async function queueMail(trx: Tx, outbox: Outbox | null, config: Pick<Config, 'mail'>, mail: MailPayload & { now: number; dedupeKey?: string }) {
  requireMail(config);
  const { now, dedupeKey, ...payload } = mail;
  return queueJob(trx, outbox, { kind: MAIL_KIND, payload, now, dedupeKey });
}

/** The mail server as an admin may see it: scheme, host and port, never the user or password. */
export function mailServer(config: Pick<Config, 'mail'>): string | null {
  if (!config.mail.smtpUrl) return null;
  try {
    const u = new URL(config.mail.smtpUrl);
    return `${u.protocol}//${u.hostname}${u.port ? `:${u.port}` : ''}`;
  } catch {
    return null;
  }
}

const domainOf = (from: string) => /@([^>\s]+)>?\s*$/.exec(from)?.[1] ?? 'localhost';

/** Decides what an SMTP failure means: a permanent refusal (5xx) gives up, anything else retries. */
export function smtpOutcome(err: unknown): JobOutcome {
  const e = err as { responseCode?: number; response?: string; code?: string; message?: string };
  const what = e.response ?? e.message ?? String(err);
  if (typeof e.responseCode === 'number' && e.responseCode >= 500 && e.responseCode < 600) return { dead: `SMTP ${e.responseCode}: ${what}` };
  return { retry: typeof e.responseCode === 'number' ? `SMTP ${e.responseCode}: ${what}` : `${e.code ? `${e.code}: ` : ''}${what}` };
}

/** The `mail` job kind: one nodemailer transport per node, made at the first mail. */
export function mailJobKind(ctx: Ctx): JobKind {
  let transport: Transporter | null = null;
  return {
    handle: async (raw, job) => {
      const mail = MailPayload.parse(raw);
      const url = ctx.config.mail.smtpUrl;
      // Email was turned off after this mail was queued: it cannot go.
      if (!url) return { dead: 'email is not configured (SMTP_URL unset)' };
      let text = mail.text ?? '';
      if (mail.purpose === 'password_reset') {
        const made = mail.resetId === undefined ? null : await resetMailText(ctx, mail.resetId);
        // Used, replaced or expired meanwhile: nothing to send.
        if (made === null) return { done: true };
        text = made;
      }
      // nodemailer loads at the first mail, not at every start (docs/benchmarks.md, issue 15: start and idle).
      transport ??= (await import('nodemailer')).default.createTransport({ url, ...TIMEOUTS });
      try {
        await transport.sendMail({
          from: ctx.config.mail.from,
          to: mail.to,
          subject: mail.subject,
          text,
          messageId: `<helpdesk-mail-${job.id}-${job.createdAt}@${domainOf(ctx.config.mail.from)}>`,
          headers: { 'Auto-Submitted': 'auto-generated' },
        });
        return { done: true };
      } catch (err) {
        return smtpOutcome(err);
      }
    },
  };
}

export type OutgoingMail = {
  id: number;
  purpose: string;
  to: string;
  subject: string;
  status: 'pending' | 'sending' | 'sent' | 'failed';
  attempts: number;
  lastError: string | null;
  queuedAt: string;
  finishedAt: string | null;
};

/** The newest mails (sent ones are kept a week), for the admin's Email page. */
export async function recentMail(db: Db, now: number, limit = 50): Promise<OutgoingMail[]> {
  const rows = await db.selectFrom('jobs').selectAll().where('kind', '=', MAIL_KIND).orderBy('id', 'desc').limit(limit).execute();
  return rows.map((r) => {
    const p = MailPayload.safeParse(JSON.parse(r.payload));
    const leased = r.lease_until !== null && Number(r.lease_until) > now;
    return {
      id: Number(r.id),
      purpose: p.success ? p.data.purpose : 'unknown',
      to: p.success ? p.data.to : '',
      subject: p.success ? p.data.subject : '',
      status: r.status === 'done' ? 'sent' : r.status === 'dead' ? 'failed' : leased ? 'sending' : 'pending',
      attempts: Number(r.attempts),
      lastError: r.last_error,
      queuedAt: new Date(Number(r.created_at)).toISOString(),
      finishedAt: r.finished_at === null ? null : new Date(Number(r.finished_at)).toISOString(),
    };
  });
}
