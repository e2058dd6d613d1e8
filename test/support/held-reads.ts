import type { ReaderPool } from '../../src/server/db/search-reader.js';

/**
 * Holds every read of `reader` until `release`, as a year-long report's statement would run for
 * seconds. `started` resolves once a read is held; `restore` lets it go and puts the reader back.
 */
export function holdReads(reader: ReaderPool) {
  const read = reader.read.bind(reader);
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  let reading = 0;
  reader.read = async (queries) => {
    reading++;
    await held;
    return read(queries);
  };
  return {
    release: () => release(),
    async started() {
      while (reading === 0) await new Promise((r) => setTimeout(r, 10));
    },
    restore() {
      release();
      reader.read = read;
    },
  };
}
