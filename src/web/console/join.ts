/** Joining a waiting chat, from the toast or the Waiting list; a lost race names the winner. */
import { api, ApiError } from '../common/api.js';
import type { ConsoleChat } from '../common/types.js';
import { markFollowed } from './followed-chats.js';

export class JoinRefused extends Error {}

/** The chat this tech just joined: its page puts the cursor in the message box once. */
let joinedNow: number | null = null;
export function takeJoinedNow(chatId: number): boolean {
  const yes = joinedNow === chatId;
  if (yes) joinedNow = null;
  return yes;
}

export async function joinChat(chatId: number): Promise<ConsoleChat> {
  try {
    // The server also puts this tech's live connections into the chat's stream before its first
    // message ("… joined the chat"), so the chat page that opens next misses nothing.
    const chat = await api.post<ConsoleChat>(`/api/console/chats/${chatId}/join`);
    markFollowed(chatId);
    joinedNow = chatId;
    return chat;
  } catch (e) {
    if (e instanceof ApiError && e.code === 'already_joined') {
      const name = typeof e.details?.techName === 'string' ? e.details.techName : 'Another technician';
      throw new JoinRefused(`${name} already joined`);
    }
    if (e instanceof ApiError && e.code === 'network') throw new JoinRefused('The server cannot be reached; try again when the connection is back');
    throw e;
  }
}
