/** Real Socket.IO clients for tests, authenticated by the session cookie of a logged-in Client. */
import { io, type Socket } from 'socket.io-client';
import type { Client } from './http.js';

export type TestSocket = Socket & { events: { name: string; payload: any }[] };

export function connect(baseUrl: string, namespace: '/portal' | '/console', client: Client | null, opts: { reconnection?: boolean } = {}): Promise<TestSocket> {
  const socket = io(baseUrl + namespace, {
    transports: ['websocket'],
    extraHeaders: client ? { cookie: client.cookieHeader() } : {},
    reconnection: opts.reconnection ?? false,
    forceNew: true,
  }) as TestSocket;
  socket.events = [];
  socket.onAny((name, payload) => socket.events.push({ name, payload }));
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
      // What did arrive under that name, to tell a lost event from one that came otherwise.
      const got = socket.events.filter((e) => e.name === name).map((e) => e.payload);
      reject(new Error(`timed out waiting for ${name} (${got.length} received: ${JSON.stringify(got.slice(-4)).slice(0, 1500)})`));
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

export const received = (socket: TestSocket, name: string, pred: (p: any) => boolean = () => true) =>
  socket.events.filter((e) => e.name === name && pred(e.payload));
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
