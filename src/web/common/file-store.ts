/**
 * Files waiting to be sent, kept in the browser's IndexedDB under their client id, so that a file
 * chosen while offline is still sent after a reload, like a message in the outbox. Where IndexedDB
 * is unavailable (private modes), files live in memory for the page only. A file nobody sent or
 * discarded (its tab closed with the outbox, which lives per tab) is removed after a week.
 */
const DB_NAME = 'helpdesk-outbox';
const STORE = 'files';
const memory = new Map<string, Blob>();
const KEPT_MS = 7 * 24 * 3600 * 1000;
type Kept = { file: Blob; at: number };

function open(): Promise<IDBDatabase | null> {
  return new Promise((resolve) => {
    try {
      const req = indexedDB.open(DB_NAME, 1);
      req.onupgradeneeded = () => req.result.createObjectStore(STORE);
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => resolve(null);
    } catch {
      resolve(null);
    }
  });
}

async function run<T>(mode: IDBTransactionMode, fn: (s: IDBObjectStore) => IDBRequest<T>): Promise<T | undefined> {
  const db = await open();
  if (!db) return undefined;
  return new Promise((resolve) => {
    try {
      const req = fn(db.transaction(STORE, mode).objectStore(STORE));
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => resolve(undefined);
    } catch {
      resolve(undefined);
    } finally {
      db.close();
    }
  });
}

export async function keepFile(clientId: string, file: Blob): Promise<void> {
  memory.set(clientId, file);
  await run('readwrite', (s) => s.put({ file, at: Date.now() } satisfies Kept, clientId));
}

export async function keptFile(clientId: string): Promise<Blob | undefined> {
  return memory.get(clientId) ?? ((await run('readonly', (s) => s.get(clientId))) as Kept | undefined)?.file;
}

/** Once per page: files kept longer than a week go. */
let purged = false;
export async function purgeOldFiles(now = Date.now()): Promise<void> {
  if (purged) return;
  purged = true;
  const db = await open();
  if (!db) return;
  try {
    const cursor = db.transaction(STORE, 'readwrite').objectStore(STORE).openCursor();
    cursor.onsuccess = () => {
      const c = cursor.result;
      if (!c) return;
      const kept = c.value as Partial<Kept> | undefined;
      if (!kept || typeof kept.at !== 'number' || now - kept.at > KEPT_MS) c.delete();
      c.continue();
    };
  } catch {
    // Storage refused: nothing to tidy.
  } finally {
    db.close();
  }
}

export async function dropFile(clientId: string): Promise<void> {
  memory.delete(clientId);
  await run('readwrite', (s) => s.delete(clientId));
}
