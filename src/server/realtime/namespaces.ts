/**
 * The Socket.IO server and its two namespaces, typed by the event maps of src/shared/realtime.ts:
 * what each namespace's clients send (with their acks), what the server pushes to each, what
 * nodes tell each other, and what a connection keeps in `socket.data`.
 */
import type { Namespace, Server, Socket } from 'socket.io';
import type { ConsoleClientEvents, ConsoleServerEvents, PortalClientEvents, PortalServerEvents } from '../../shared/realtime.js';

/**
 * Server-to-server events (through the Redis adapter): something about a user's actor changed on
 * some node. access: grants, role, name, active or password (a tech's chat streams are re-checked);
 * status: Available/DNR; session: a session of theirs ended (logout).
 */
export type ActorChange = { kind: 'tech' | 'portal'; id: number; what: 'access' | 'status' | 'session' };
/** A tech joined a chat on some node: every other node lets its sockets of that tech into the stream. */
export type StreamJoin = { techId: number; chatId: number };

export interface InterServerEvents {
  'actor:changed': (c: ActorChange) => void;
  /** Answered once this node's sockets are in the stream and its channel is live here. */
  'stream:join': (j: StreamJoin, done: () => void) => void;
  /** A chat moved to another board: answered once this node's sockets that may no longer see it have left its stream. */
  'stream:recheck': (r: { chatId: number }, done: () => void) => void;
  /** Something the wallboards show may have changed: each node recomputes for its own (wallboard-push.ts). */
  'wallboard:dirty': () => void;
}

/** Set by the handshake: the id of the authenticated user (tech or portal user, by namespace). */
export type SocketData = { actorId: number };

export type PortalNamespace = Namespace<PortalClientEvents, PortalServerEvents, InterServerEvents, SocketData>;
export type ConsoleNamespace = Namespace<ConsoleClientEvents, ConsoleServerEvents, InterServerEvents, SocketData>;
export type PortalSocket = Socket<PortalClientEvents, PortalServerEvents, InterServerEvents, SocketData>;
export type ConsoleSocket = Socket<ConsoleClientEvents, ConsoleServerEvents, InterServerEvents, SocketData>;
export type AnySocket = PortalSocket | ConsoleSocket;

/** The root namespace serves nobody (its handshake is refused), so it has no events of its own. */
export type NoEvents = Record<never, never>;
export type RealtimeServer = Server<NoEvents, NoEvents, InterServerEvents, SocketData>;

/**
 * Socket.IO gives every namespace of a server the server's own event maps; each of ours has its
 * own. These are the only casts between the two.
 */
export function namespaces(io: RealtimeServer): { portal: PortalNamespace; console: ConsoleNamespace } {
  return { portal: io.of('/portal') as PortalNamespace, console: io.of('/console') as ConsoleNamespace };
}
