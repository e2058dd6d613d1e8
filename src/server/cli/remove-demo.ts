import { disableDemoAccounts } from '../services/demo-removal.js';
import { parseOptions } from './args.js';
import { CommandFailed, configFrom, EXIT, openCurrentDatabase, where, type Command } from './command.js';

export const removeDemo: Command = {
  name: 'remove-demo',
  summary: 'disable the demo accounts, so the published demo password opens nothing',
  help: `Usage: remove-demo

Disables the seven demo accounts (admin@helpdesk.test … gina@globex.test): they can no longer
log in, their sessions end, and their password is replaced by one that nothing matches. Works
while the server runs.

The accounts are disabled, not deleted, and the demo companies, boards and tickets stay: chats,
notes, tickets and transcripts refer to them, and a trial often becomes the first real use, so
deleting would cut into that history. Rename or reuse them in Admin.

Refused while no other active admin exists: create your own first (create-admin).

Options:
  -h, --help   this text`,
  async run(args, env, io) {
    parseOptions(args, {});
    const config = configFrom(env);
    const handle = await openCurrentDatabase(config);
    try {
      const { disabled } = await disableDemoAccounts(handle.db).catch((err: Error) => {
        throw new CommandFailed(err.message);
      });
      if (!disabled.length) io.out(`No demo account can log in any more in ${where(config)}; nothing to do.`);
      else io.out(`Disabled ${disabled.length} demo accounts in ${where(config)}: ${disabled.map((a) => a.email).join(', ')}.`);
      return EXIT.ok;
    } finally {
      await handle.close();
    }
  },
};
