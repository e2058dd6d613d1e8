/**
 * Long reads take turns, so they never take the node's CPU or database connections from live
 * chat: a search or a report statement waits while as many as its kind allows run on this node.
 * SQLite reads them on worker threads (db/search-reader.ts), PostgreSQL on the shared pool.
 */
export class Turns {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly atOnce: number) {}

  /**
   * Runs `work` in its turn. With `maxWaiting`, a read that would queue behind that many others is
   * refused at once (TurnsFull); with `signal`, one whose asker has gone (a closed request) leaves
   * the line when the signal aborts, rejecting with the signal's reason, and its work never runs.
   */
  async run<T>(work: () => Promise<T>, opts: { signal?: AbortSignal; maxWaiting?: number } = {}): Promise<T> {
    const { signal, maxWaiting } = opts;
    signal?.throwIfAborted();
    if (this.running >= this.atOnce) {
      if (maxWaiting !== undefined && this.waiting.length >= maxWaiting) throw new TurnsFull(this.waiting.length);
      await new Promise<void>((resolve, reject) => {
        const leave = () => {
          const at = this.waiting.indexOf(turn);
          if (at >= 0) this.waiting.splice(at, 1);
          reject(signal!.reason);
        };
        const turn = () => {
          signal?.removeEventListener('abort', leave);
          resolve();
        };
        signal?.addEventListener('abort', leave, { once: true });
        this.waiting.push(turn);
      });
    } else this.running++;
    try {
      return await work();
    } finally {
      // The slot passes straight to the next in line, if any.
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }

  /** Reads waiting for their turn now. */
  get queued(): number {
    return this.waiting.length;
  }

  /** Reads running or waiting now (tests). */
  get busy(): number {
    return this.running + this.waiting.length;
  }
}

/** A read refused because `waiting` others were already in line (Turns.run's `maxWaiting`). */
export class TurnsFull extends Error {
  constructor(readonly waiting: number) {
    super(`${waiting} reads already waiting`);
  }
}
