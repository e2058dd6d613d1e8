import { resetTwoFactorOf } from '../services/two-factor.js';
import { parseOptions } from './args.js';
import { CommandFailed, configFrom, EXIT, openCurrentDatabase, UsageError, where, type Command } from './command.js';

export const resetTwoFactor: Command = {
  name: 'reset-two-factor',
  summary: "turn off a tech's two-factor sign-in (a lost phone, when no other admin can)",
  help: `Usage: reset-two-factor --email <tech's email>

Turns off the tech's two-factor sign-in: their authenticator app and recovery codes stop
working, and they sign in with their password alone, then set it up again (at once, if an admin
requires it). Every session of the tech ends too (a lost phone may hold one): their open consoles
close within a minute. Works while the server runs. The admin page "Sign-in security" does the
same, but keeps the tech's sessions; this is for the admin who lost their own phone and recovery
codes.

Options:
  --email      the tech's email
  -h, --help   this text`,
  async run(args, env, io) {
    const { values } = parseOptions(args, { email: { type: 'string' } });
    if (!values.email) throw new UsageError('Give the tech: --email <their email>');
    const config = configFrom(env);
    const handle = await openCurrentDatabase(config);
    try {
      const { hadTwoFactor, endedSessions } = await resetTwoFactorOf(handle.db, values.email).catch((err: Error) => {
        throw new CommandFailed(err.message);
      });
      const ended = endedSessions === 1 ? '1 session of theirs ended' : `${endedSessions} sessions of theirs ended`;
      io.out(
        hadTwoFactor
          ? `Two-factor sign-in of ${values.email.trim().toLowerCase()} is off in ${where(config)} (${ended}): they sign in with their password and set it up again.`
          : `${values.email.trim().toLowerCase()} had no two-factor sign-in in ${where(config)}; nothing to do.`,
      );
      return EXIT.ok;
    } finally {
      await handle.close();
    }
  },
};
