import { rebuildChatMetrics } from '../services/chat-metrics-rebuild.js';
import { parseOptions } from './args.js';
import { CommandFailed, configFrom, EXIT, openCurrentDatabase, where, type Command } from './command.js';

export const reportsRebuild: Command = {
  name: 'reports-rebuild',
  summary: 'recompute the report measures of every chat from its recorded transitions and messages',
  help: `Usage: reports-rebuild

Recomputes each chat's report measures (the chat_metrics table, docs/metrics.md) from what is
recorded: the chat, its transitions and its messages. Use it after upgrading a database that
already held chats, after importing chats, or when a check shows a row out of step.

Business-hours values are computed with the office hours and holidays in force now: the ones in
force when a duration closed are only known to the row written at that moment, so this command
changes them for chats that closed under other office hours. Works while the server runs (in
batches of 500 chats, each in one transaction).

Options:
  -h, --help   this text`,
  async run(args, env, io) {
    parseOptions(args, {});
    const config = configFrom(env);
    const handle = await openCurrentDatabase(config);
    try {
      let last = Date.now();
      const total = await rebuildChatMetrics(handle.db, (done) => {
        if (Date.now() - last < 5000) return;
        last = Date.now();
        io.out(`… ${done} chats`);
      }).catch((err: Error) => {
        throw new CommandFailed(err.message);
      });
      io.out(`Rebuilt the report measures of ${total} chats in ${where(config)}.`);
      return EXIT.ok;
    } finally {
      await handle.close();
    }
  },
};
