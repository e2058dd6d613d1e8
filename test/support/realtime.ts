/** Helpers for real-time tests: raw handshakes, delivery barriers, polling the truth. */
import { Writable } from 'node:stream';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { io } from 'socket.io-client';
import { ack, sleep, type TestSocket } from './sockets.js';
import { startTestServer, type TestServer } from './server.js';
import type { DbKind } from './databases.js';

/**
 * One server for the tests of a describe block that open sockets: started before them; after them
 * every socket pushed to the returned list is closed and the server stopped. `use` receives the
 * server once it is ready. The server's errors (a failed push, a handler that threw) are kept and
 * printed after a test that failed, for a failure seen once in many runs to say what happened.
 */
export function serverWithSockets(kind: DbKind, use: (server: TestServer) => void, env: Record<string, string> = {}): TestSocket[] {
  const open: TestSocket[] = [];
  let server: TestServer | undefined;
  const errors: string[] = [];
  const logStream = new Writable({
    write(line, _enc, done) {
      errors.push(String(line).slice(0, 2000));
      if (errors.length > 50) errors.shift();
      done();
    },
  });
  beforeAll(async () => {
    server = await startTestServer(kind, { LOG_LEVEL: 'error', ...env }, undefined, { logStream });
    use(server);
  });
  afterEach((ctx) => {
    if (ctx.task.result?.state === 'fail' && errors.length) console.error(`server errors up to the failure of "${ctx.task.name}":\n${errors.join('')}`);
    errors.length = 0;
  });
  afterAll(async () => {
    closeAll(...open);
    await server?.stop();
  });
  return open;
}

/** Tries a handshake with exactly these headers; resolves 'connected' or the refusal message. */
export function tryConnect(baseUrl: string, namespace: string, headers: Record<string, string>): Promise<string> {
  const socket = io(baseUrl + namespace, { transports: ['websocket'], extraHeaders: headers, reconnection: false, forceNew: true, timeout: 5000 });
  return new Promise((resolve) => {
    socket.once('connect', () => {
      socket.close();
      resolve('connected');
    });
    socket.once('connect_error', (err) => {
      socket.close();
      resolve(err.message);
    });
  });
}

/**
 * An ack round trip on `socket`. Packets to one connection arrive in order, so once it returns,
 * everything the server emitted to this socket before answering has arrived too. Used before
 * asserting that something did NOT arrive, after a positive event proved the fan-out ran.
 */
export async function barrier(socket: TestSocket) {
  const r = await ack(socket, 'chat:unsubscribe', { chatId: 2 ** 31 });
  if (!r?.ok) throw new Error(`barrier failed: ${JSON.stringify(r)}`);
}

export async function until<T>(fn: () => Promise<T | false | null | undefined> | T | false | null | undefined, ms = 10000, what = 'condition'): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v as T;
    if (Date.now() > end) throw new Error(`${what} not met in ${ms} ms`);
    await sleep(50);
  }
}

export const names = (socket: TestSocket, name: string, pred: (p: any) => boolean = () => true) =>
  socket.events.filter((e) => e.name === name && pred(e.payload)).map((e) => e.payload);

/** Closes sockets quietly at the end of a test. */
export function closeAll(...sockets: (TestSocket | undefined)[]) {
  for (const s of sockets) s?.close();
}

/**
 * Sends one event right away and tells how the server treated it: its error code, 'served' when
 * it was answered without an error, or 'closed' when the server closed the socket instead. Used
 * right after a change that must take effect at once (logout, deactivation): a served event
 * would mean a stale session or actor was used.
 */
export function nextEventFate(socket: TestSocket, event: string, payload: unknown): Promise<string> {
  if (!socket.connected) return Promise.resolve('closed');
  return new Promise((resolve) => {
    const onClose = () => resolve('closed');
    socket.once('disconnect', onClose);
    socket.emit(event, payload, (r: { error?: { code: string } }) => {
      socket.off('disconnect', onClose);
      resolve(r?.error?.code ?? 'served');
    });
  });
}
