/** Joining a waiting chat, from the toast or the Waiting list; a lost race names the winner. */
import type { Socket } from 'socket.io-client';
import { CLIENT_EVENTS } from '../../shared/realtime.js';
import { AckError, emitAck } from '../common/socket.js';
import type { ConsoleChat } from '../common/types.js';

export class JoinRefused extends Error {}

export async function joinChat(socket: Socket, chatId: number): Promise<ConsoleChat> {
  try {
    // Over the socket: the server also puts this connection in the chat's live room at once.
    const res = await emitAck<{ chat: ConsoleChat }>(socket, CLIENT_EVENTS.join, { chatId });
    return res.chat;
  } catch (e) {
    if (e instanceof AckError && e.code === 'already_joined') {
      const name = typeof e.details?.techName === 'string' ? e.details.techName : 'Another technician';
      throw new JoinRefused(`${name} already joined`);
    }
    if (e instanceof AckError && e.code === 'timeout' && !socket.connected) throw new JoinRefused('Not connected to the server; try again when the connection is back');
    throw e;
  }
}
