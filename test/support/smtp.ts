/**
 * A real SMTP server for tests (smtp-server) on a free loopback port, with a login, that parses
 * what arrives (mailparser). `mode` says how it answers a mail: accept it, refuse it for now (4xx),
 * refuse it for good (5xx), or never answer at all (a hanging server).
 */
import { SMTPServer } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';
import type { AddressInfo } from 'node:net';

export type SmtpMode = 'accept' | 'busy' | 'refuse' | 'hang';
export const SMTP_USER = 'mailer';
export const SMTP_PASSWORD = 'smtp-secret-pw-4711';

export type TestSmtp = {
  url: string;
  port: number;
  mails: ParsedMail[];
  mode: SmtpMode;
  /** How many mails were offered (accepted or not). */
  offered: number;
  /** Waits for `n` mails in all. */
  waitFor: (n: number, ms?: number) => Promise<ParsedMail[]>;
  close: () => Promise<void>;
};

export async function startSmtp(mode: SmtpMode = 'accept'): Promise<TestSmtp> {
  const t = { mails: [] as ParsedMail[], mode, offered: 0 } as TestSmtp;
  const server = new SMTPServer({
    secure: false,
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    authMethods: ['PLAIN', 'LOGIN'],
    closeTimeout: 100,
    logger: false,
    onAuth(auth, _session, cb) {
      if (auth.username === SMTP_USER && auth.password === SMTP_PASSWORD) cb(null, { user: SMTP_USER });
      else cb(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
    },
    onConnect(_session, cb) {
      // A server that takes the connection and never greets.
      if (t.mode === 'hang') return;
      cb();
    },
    onData(stream, _session, cb) {
      t.offered++;
      if (t.mode === 'busy' || t.mode === 'refuse') {
        stream.resume();
        stream.on('end', () =>
          cb(
            t.mode === 'busy'
              ? Object.assign(new Error('Mailbox busy, try again later'), { responseCode: 451 })
              : Object.assign(new Error('Mailbox does not exist'), { responseCode: 550 }),
          ),
        );
        return;
      }
      simpleParser(stream)
        .then((m) => {
          t.mails.push(m);
          cb();
        })
        .catch((err) => cb(err));
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.server.address() as AddressInfo).port;
  t.port = port;
  t.url = `smtp://${SMTP_USER}:${SMTP_PASSWORD}@127.0.0.1:${port}`;
  t.waitFor = async (n, ms = 10_000) => {
    const end = Date.now() + ms;
    while (t.mails.length < n) {
      if (Date.now() > end) throw new Error(`expected ${n} mails, got ${t.mails.length}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    return t.mails;
  };
  t.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return t;
}

/** The reset link's token in a mail's text. */
export function resetTokenIn(mail: ParsedMail): string {
  const m = /reset-password#token=([A-Za-z0-9_-]+)/.exec(mail.text ?? '');
  if (!m) throw new Error(`no reset link in: ${mail.text}`);
  return m[1];
}
