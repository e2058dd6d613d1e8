/**
 * One Socket.IO connection per page and audience. The session cookie authenticates it; events are
 * answered by acks `{ ok: true, ... }` or `{ error }` (see src/shared/realtime.ts).
 */
import { useEffect, useState } from 'react';
import { io, type Socket } from 'socket.io-client';
import type {
  ClientAck,
  ClientAnswer,
  ClientEvent,
  ClientPayload,
  ClientToServerEvents,
  ConsoleClientEvents,
  ConsoleServerEvents,
  PortalClientEvents,
  PortalServerEvents,
} from '../../shared/realtime.js';
import { api } from './api.js';

export type Namespace = '/portal' | '/console';
export type ConnectionState = 'connecting' | 'connected' | 'disconnected' | 'refused';

/**
 * The connection of each namespace, typed by its event maps (src/shared/realtime.ts). Socket.IO's
 * Socket<…> types of different maps are assignable to each other (their methods are compared
 * loosely), so each carries its namespace as a type-only mark: one namespace's socket cannot be
 * passed where the other's is expected.
 */
export type PortalSocket = Socket<PortalServerEvents, PortalClientEvents> & { readonly __namespace?: '/portal' };
export type ConsoleSocket = Socket<ConsoleServerEvents, ConsoleClientEvents> & { readonly __namespace?: '/console' };
export type SocketOf<N extends Namespace> = N extends '/portal' ? PortalSocket : ConsoleSocket;
export type AnySocket = PortalSocket | ConsoleSocket;
/** Any connection seen through its reserved events only (connect, disconnect, connect_error). */
type BareSocket = Socket<Record<never, never>, Record<never, never>>;

const sockets = new Map<Namespace, Socket>();

export function getSocket(nsp: '/portal'): PortalSocket;
export function getSocket(nsp: '/console'): ConsoleSocket;
export function getSocket<N extends Namespace>(nsp: N): SocketOf<N>;
export function getSocket(nsp: Namespace): AnySocket {
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
  // io() is untyped; the server's namespace `nsp` speaks the maps of SocketOf<nsp>.
  return s as AnySocket;
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

/**
 * Emits `event` with its payload and resolves with the success answer the map gives for it, or
 * rejects with an AckError (server refusal or timeout).
 */
export async function emitAck<M extends ClientToServerEvents, E extends ClientEvent>(
  socket: Socket<PortalServerEvents, M> | Socket<ConsoleServerEvents, M>,
  event: E,
  payload: ClientPayload<E, M>,
  timeoutMs = 10000,
): Promise<ClientAnswer<E, M>> {
  let res: ClientAck<E, M>;
  try {
    // emitWithAck cannot check a payload whose event is a type parameter: the signature above does.
    res = await (socket as Socket).timeout(timeoutMs).emitWithAck(event, payload);
  } catch {
    throw new AckError('timeout', 'The server did not answer in time');
  }
  if (res && 'error' in res && res.error) throw new AckError(res.error.code, res.error.message, res.error.details);
  return res as ClientAnswer<E, M>;
}

export function useConnectionState(typed: AnySocket): ConnectionState {
  const socket: BareSocket = typed;
  const [state, setState] = useState<ConnectionState>(socket.connected ? 'connected' : 'connecting');
  useEffect(() => {
    const up = () => setState('connected');
    const down = () => setState('disconnected');
    // A refused handshake (logged out, session expired) stops reconnecting on its own.
    const refused = (err: Error & { data?: { code?: string } }) =>
      setState(err.message === 'unauthenticated' || err.data?.code === 'unauthenticated' ? 'refused' : 'disconnected');
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
export function useSocketEvent<E extends keyof PortalServerEvents>(socket: PortalSocket, event: E, handler: PortalServerEvents[E]): void;
export function useSocketEvent<E extends keyof ConsoleServerEvents>(socket: ConsoleSocket, event: E, handler: ConsoleServerEvents[E]): void;
// The overloads check event and handler against the namespace's map; here they are passed on as they are.
// biome-ignore lint/suspicious/noExplicitAny: the implementation of the typed overloads above
export function useSocketEvent(socket: Socket, event: string, handler: (...args: any[]) => void) {
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
export function useSessionWatch(typed: AnySocket, meUrl: '/api/portal/me' | '/api/console/me') {
  useEffect(() => {
    const socket: BareSocket = typed;
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
  }, [typed, meUrl]);
}
