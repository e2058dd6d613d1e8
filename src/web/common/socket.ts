/**
 * One Socket.IO connection per page and audience. The session cookie authenticates it; events are
 * answered by acks `{ ok: true, ... }` or `{ error }` (see src/shared/realtime.ts).
 */
import { useEffect, useState } from 'react';
import { io, type Socket } from 'socket.io-client';
import type { Ack } from './types.js';
import { api } from './api.js';

export type Namespace = '/portal' | '/console';
export type ConnectionState = 'connecting' | 'connected' | 'disconnected' | 'refused';

const sockets = new Map<Namespace, Socket>();

export function getSocket(nsp: Namespace): Socket {
  let s = sockets.get(nsp);
  // A socket the server refused (session ended) never retries; after a new login, start afresh.
  if (s && !s.active) {
    s.close();
    s = undefined;
  }
  if (!s) {
    // Long polling first lets users behind strict proxies in; it upgrades to WebSocket when it can.
    s = io(nsp, { withCredentials: true, reconnectionDelay: 500, reconnectionDelayMax: 5000 });
    sockets.set(nsp, s);
  }
  return s;
}

/** Closes the page's socket, for logout: the next getSocket() connects with the new session. */
export function closeSocket(nsp: Namespace) {
  sockets.get(nsp)?.close();
  sockets.delete(nsp);
}

export class AckError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

/** Emits and resolves with the ack, or rejects with an AckError (server refusal or timeout). */
export async function emitAck<T = object>(socket: Socket, event: string, payload?: unknown, timeoutMs = 10000): Promise<{ ok: true } & T> {
  let res: Ack<T>;
  try {
    res = (await socket.timeout(timeoutMs).emitWithAck(event, payload)) as Ack<T>;
  } catch {
    throw new AckError('timeout', 'The server did not answer in time');
  }
  if (res && 'error' in res && res.error) throw new AckError(res.error.code, res.error.message, res.error.details);
  return res as { ok: true } & T;
}

export function useConnectionState(socket: Socket): ConnectionState {
  const [state, setState] = useState<ConnectionState>(socket.connected ? 'connected' : 'connecting');
  useEffect(() => {
    const up = () => setState('connected');
    const down = () => setState('disconnected');
    // A refused handshake (logged out, session expired) stops reconnecting on its own.
    const refused = (err: Error & { data?: { code?: string } }) => setState(err.message === 'unauthenticated' || err.data?.code === 'unauthenticated' ? 'refused' : 'disconnected');
    socket.on('connect', up);
    socket.on('disconnect', down);
    socket.on('connect_error', refused);
    setState(socket.connected ? 'connected' : 'connecting');
    return () => {
      socket.off('connect', up);
      socket.off('disconnect', down);
      socket.off('connect_error', refused);
    };
  }, [socket]);
  return state;
}

/** Subscribes to a server event for the life of the component. */
export function useSocketEvent<T>(socket: Socket, event: string, handler: (payload: T) => void) {
  useEffect(() => {
    socket.on(event, handler);
    return () => {
      socket.off(event, handler);
    };
  }, [socket, event, handler]);
}

/** A fresh id for idempotent sends; getRandomValues also works on plain-HTTP intranet hosts. */
export function newClientId(): string {
  if (typeof crypto.randomUUID === 'function' && window.isSecureContext) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

/**
 * The server closes the socket itself when the session is gone (logged out in another tab,
 * password changed, deactivated), and Socket.IO then never reconnects: ask the API, whose 401
 * brings back the login page; if the session is somehow still good, connect again.
 */
export function useSessionWatch(socket: Socket, meUrl: '/api/portal/me' | '/api/console/me') {
  useEffect(() => {
    const onDisconnect = (reason: string) => {
      if (reason !== 'io server disconnect') return;
      api.get(meUrl).then(
        () => socket.connect(),
        () => {},
      );
    };
    socket.on('disconnect', onDisconnect);
    return () => {
      socket.off('disconnect', onDisconnect);
    };
  }, [socket, meUrl]);
}
