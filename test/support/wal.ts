/** Watching an SQLite write-ahead log from outside, without checkpointing it (which would copy it). */
import fs from 'node:fs';

/**
 * How many times the log of `databaseFile` has started over from its beginning: the checkpoint
 * sequence number in the log file's header, which SQLite increments at each restart.
 */
export function walRestarts(databaseFile: string): number {
  const fd = fs.openSync(`${databaseFile}-wal`, 'r');
  try {
    const header = Buffer.alloc(16);
    fs.readSync(fd, header, 0, 16, 0);
    return header.readUInt32BE(12);
  } finally {
    fs.closeSync(fd);
  }
}

/** Commits (with `commit`) every 50 ms until the log has started over since `before`; false after `ms`. */
export async function startsOver(databaseFile: string, before: number, commit: () => unknown, ms = 5000): Promise<boolean> {
  const end = Date.now() + ms;
  for (;;) {
    await commit();
    if (walRestarts(databaseFile) > before) return true;
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
}
