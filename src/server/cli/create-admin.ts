import { z } from 'zod';
import { Email, Password, text } from '../../shared/schemas.js';
import { AppError } from '../errors.js';
import { createAdminAccount } from '../services/setup.js';
import { passwordSettings, savePasswordSetting } from '../db/repositories/sso.js';
import { parseOptions, readPassword } from './args.js';
import { CommandFailed, configFrom, EXIT, openCurrentDatabase, UsageError, where, type Command } from './command.js';

const Input = z.object({ email: Email, name: text(200), password: Password });

export const createAdmin: Command = {
  name: 'create-admin',
  summary: 'create an admin account (in setup mode: the first admin, which ends setup mode)',
  help: `Usage: create-admin --email <email> --name <name> [--password <password>]

Creates a Tech Console admin with access to everything. On a database in setup mode (no account
yet) this is the first admin: setup mode ends and the printed setup tokens stop working. Works
while the server runs. An email that a tech already has is refused. When an admin turned password
sign-in for techs off (single sign-on only), it is turned on again, so this admin can log in.

Without --password the password is read from the terminal (not echoed) or from the first line of
standard input, so it stays out of shell history and the process list:
  printf '%s\\n' "$PASSWORD" | npm run cli -- create-admin --email ada@example.com --name "Ada Admin"

Options:
  --email <email>        the admin's login
  --name <name>          the name techs and users see
  --password <password>  at least 8 characters (prefer standard input)
  -h, --help             this text`,
  async run(args, env, io) {
    const { values } = parseOptions(args, { email: { type: 'string' }, name: { type: 'string' }, password: { type: 'string' } });
    if (!values.email || !values.name) throw new UsageError('Give --email and --name');
    const password = values.password ?? (await readPassword(io.stdin, (t) => process.stderr.write(t)));
    const parsed = Input.safeParse({ email: values.email, name: values.name, password });
    if (!parsed.success) throw new UsageError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
    const config = configFrom(env);
    const handle = await openCurrentDatabase(config);
    try {
      const admin = await createAdminAccount(handle.db, parsed.data, 'command');
      io.out(`Created admin ${admin.email} (id ${admin.id}) in ${where(config)}.`);
      if (admin.endedSetup) io.out('Setup mode is over: the setup tokens printed by the server no longer work.');
      // The way back in when single sign-on fails: the new admin can log in with the password.
      if (!(await passwordSettings(handle.db)).tech) {
        await savePasswordSetting(handle.db, 'tech', true);
        io.out('Password sign-in for techs was turned off: it is on again, so this admin can log in.');
      }
      return EXIT.ok;
    } catch (err) {
      if (err instanceof AppError) throw new CommandFailed(err.message);
      throw err;
    } finally {
      await handle.close();
    }
  },
};
