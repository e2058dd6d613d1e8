/** Real Socket.IO clients for tests, authenticated by the session cookie of a logged-in Client. */
import { io, type Socket } from 'socket.io-client';
import type { Client } from './http.js';

/** `events`: every event received, in order; `disconnects`: the reason of each disconnect. */
export type TestSocket = Socket & { events: { name: string; payload: any }[]; disconnects: string[] };

export function connect(baseUrl: string, namespace: '/portal' | '/console', client: Client | null, opts: { reconnection?: boolean } = {}): Promise<TestSocket> {
  const socket = io(baseUrl + namespace, {
    transports: ['websocket'],
    extraHeaders: client ? { cookie: client.cookieHeader() } : {},
    reconnection: opts.reconnection ?? false,
    forceNew: true,
  }) as TestSocket;
  socket.events = [];
  socket.disconnects = [];
  socket.onAny((name, payload) => socket.events.push({ name, payload }));
  socket.on('disconnect', (reason) => socket.disconnects.push(reason));
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (err) => {
      socket.close();
      reject(err);
    });
  });
}

export function ack<T = any>(socket: Socket, event: string, payload?: unknown, timeoutMs = 10000): Promise<T> {
  return socket.timeout(timeoutMs).emitWithAck(event, payload) as Promise<T>;
}

/** Resolves with the first event `name` matching `pred`, including ones already received. */
export function waitFor<T = any>(socket: TestSocket, name: string, pred: (p: T) => boolean = () => true, timeoutMs = 8000): Promise<T> {
  const seen = socket.events.find((e) => e.name === name && pred(e.payload));
  if (seen) return Promise.resolve(seen.payload);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.off(name, handler);
      // What did arrive under that name (the ids, states and versions of each), and whether the
      // socket was still connected: to tell a lost event from one that came otherwise.
      const got = socket.events.filter((e) => e.name === name).map((e) => brief(e.payload));
      const link = socket.connected ? 'connected' : `not connected (${socket.disconnects.join(', ') || 'never disconnected'})`;
      reject(new Error(`timed out waiting for ${name}, socket ${link}; ${got.length} received: ${got.slice(-8).join(' | ').slice(0, 1200)}`));
    }, timeoutMs);
    const handler = (p: T) => {
      if (!pred(p)) return;
      clearTimeout(timer);
      socket.off(name, handler);
      resolve(p);
    };
    socket.on(name, handler);
  });
}

/** An event's payload in short: its id, chat, status, version and seq where it has them. */
function brief(p: unknown): string {
  if (typeof p !== 'object' || p === null) return JSON.stringify(p);
  const o = p as Record<string, unknown>;
  const keys = ['id', 'chatId', 'status', 'version', 'seq', 'offerPending'].filter((k) => o[k] !== undefined);
  return keys.length ? keys.map((k) => `${k}=${String(o[k])}`).join(',') : JSON.stringify(p).slice(0, 120);
}

export const received = (socket: TestSocket, name: string, pred: (p: any) => boolean = () => true) =>
  socket.events.filter((e) => e.name === name && pred(e.payload));
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
