/**
 * Long reads take turns, so they never take the node's CPU or database connections from live
 * chat: a search or a report statement waits while as many as its kind allows run on this node.
 * SQLite reads them on worker threads (db/search-reader.ts), PostgreSQL on the shared pool.
 */
export class Turns {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly atOnce: number) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.running >= this.atOnce) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.running++;
    try {
      return await work();
    } finally {
      // The slot passes straight to the next in line, if any.
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }

  /** Reads running or waiting now (tests). */
  get busy(): number {
    return this.running + this.waiting.length;
  }
}
