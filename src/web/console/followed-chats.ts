/**
 * The active chats whose live stream this page's console connection is in. Rooms belong to a
 * connection: after a reconnect or a resync all are followed again; a chat joined through the
 * API is followed already (the server adds the tech's connections to its stream), so it is only
 * marked here and not subscribed a second time.
 */
import { CLIENT_EVENTS } from '../../shared/realtime.js';
import { emitAck, type ConsoleSocket } from '../common/socket.js';

const followed = new Set<number>();

export function markFollowed(chatId: number) {
  followed.add(chatId);
}

export function forgetFollowed() {
  followed.clear();
}

/** Enters the stream of each chat not followed yet on this connection, asking for no messages. */
export function followMissing(socket: ConsoleSocket, chatIds: number[]) {
  if (!socket.connected) return;
  for (const chatId of chatIds) {
    if (followed.has(chatId)) continue;
    followed.add(chatId);
    void emitAck(socket, CLIENT_EVENTS.subscribe, { chatId, afterSeq: Number.MAX_SAFE_INTEGER }).catch(() => followed.delete(chatId));
  }
}
