/** Command-line options of a command, parsed strictly: an unknown or malformed option is a usage error. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './command.js';

type Options = NonNullable<ParseArgsConfig['options']>;

export function parseOptions<O extends Options>(args: string[], options: O, opts: { positionals?: number } = {}) {
  try {
    const parsed = parseArgs({
      args,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: (opts.positionals ?? 0) > 0,
      strict: true,
    });
    if (parsed.positionals.length > (opts.positionals ?? 0)) throw new UsageError(`Unexpected argument: ${parsed.positionals[opts.positionals ?? 0]}`);
    return parsed;
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError((err as Error).message);
  }
}

/**
 * A password that was not given on the command line (where shell history and the process list
 * would keep it): typed at a terminal, without echo, or the first line of standard input.
 */
export async function readPassword(stdin: NodeJS.ReadStream, prompt: (text: string) => void): Promise<string> {
  if (stdin.isTTY) {
    prompt('Password (input hidden): ');
    stdin.setRawMode(true);
    stdin.resume();
    stdin.setEncoding('utf8');
    return new Promise((resolve, reject) => {
      let typed = '';
      const onData = (chunk: string) => {
        for (const ch of chunk) {
          if (ch === '\r' || ch === '\n') return done(() => resolve(typed));
          if (ch === '\u0003') return done(() => reject(new UsageError('Cancelled')));
          if (ch === '\u007f' || ch === '\b') typed = typed.slice(0, -1);
          else typed += ch;
        }
      };
      const done = (then: () => void) => {
        stdin.off('data', onData);
        stdin.setRawMode(false);
        stdin.pause();
        prompt('\n');
        then();
      };
      stdin.on('data', onData);
    });
  }
  let all = '';
  stdin.setEncoding('utf8');
  for await (const chunk of stdin) {
    all += chunk;
    if (all.includes('\n')) break;
  }
  const line = all.split(/\r?\n/)[0];
  if (!line) throw new UsageError('No password: give --password, type it at a terminal, or pipe it on standard input');
  return line;
}
