/**
 * Keeps the status bar current from socket events. Events are hints: a `chat` event (or an
 * `alert`, which carries the chat) moves the one chat between lists at once, and anything that may have been missed (reconnect, `resync`,
 * `statusbar:changed`) re-reads the whole bar from the server.
 */
import { useEffect } from 'react';
import { useQueryClient, type QueryClient } from '@tanstack/react-query';
import { SERVER_EVENTS, type ConsoleServerEvents } from '../../shared/realtime.js';
import type { ConsoleSocket } from '../common/socket.js';
import type { ConsoleChat } from '../common/types.js';
import { keys, type StatusBarData } from './queries.js';
import { newerChat, versionTracker } from '../common/chat-versions.js';

const stamp = (c: ConsoleChat, list: keyof Omit<StatusBarData, 'available'>) =>
  Date.parse((list === 'waiting' ? c.requestedAt : list === 'active' ? c.joinedAt : list === 'abandoned' ? c.abandonedAt : c.callbackAt) ?? '') || 0;

/**
 * Pure: the bar with `chat` put in the list its status names (or dropped), oldest first. Active
 * holds the tech's own sessions: the active chats the server says this tech may write in.
 */
export function placeChat(bar: StatusBarData, chat: ConsoleChat): StatusBarData {
  const lists = ['waiting', 'active', 'abandoned', 'callback'] as const;
  const next = { ...bar };
  for (const l of lists) next[l] = bar[l].filter((c) => c.id !== chat.id);
  const target = lists.find((l) => l === chat.status);
  if (target && (target !== 'active' || chat.abilities.write)) {
    next[target] = [...next[target], chat].sort((a, b) => stamp(a, target) - stamp(b, target) || a.id - b.id);
  }
  return next;
}

export function useStatusBarSync(socket: ConsoleSocket) {
  const qc = useQueryClient();
  useEffect(() => {
    const reread = () => void qc.invalidateQueries({ queryKey: keys.statusBar });
    // Per connection: an event older than one already placed is dropped (chat-versions.ts).
    const versions = versionTracker();
    const onChat: ConsoleServerEvents['chat'] = (chat) => {
      if (!versions.accept(chat.id, chat.version)) return;
      qc.setQueryData<StatusBarData>(keys.statusBar, (bar) => (bar ? placeChat(bar, chat) : bar));
      refreshChatViews(qc, chat);
    };
    const onWithdrawn: ConsoleServerEvents['alert:withdrawn'] = (w) => void versions.accept(w.chatId, w.version);
    // A new request's alert carries the chat: the one frame a tech alerted about it gets.
    const onAlert: ConsoleServerEvents['alert'] = (p) => onChat(p.chat);
    const onStatus: ConsoleServerEvents['status'] = (p) => {
      qc.setQueryData<StatusBarData>(keys.statusBar, (bar) => (bar ? { ...bar, available: p.available } : bar));
    };
    socket.on(SERVER_EVENTS.chat, onChat);
    socket.on(SERVER_EVENTS.alert, onAlert);
    socket.on(SERVER_EVENTS.alertWithdrawn, onWithdrawn);
    socket.on(SERVER_EVENTS.status, onStatus);
    // Told to re-read (grants changed, or a chat this tech was in moved to a board they may not
    // see, which sends them no chat event): the chat on screen is read again too.
    const rereadAll = () => {
      reread();
      void qc.invalidateQueries({ queryKey: ['console', 'chats'] });
    };
    socket.on(SERVER_EVENTS.statusBarChanged, rereadAll);
    socket.on(SERVER_EVENTS.resync, reread);
    socket.on('connect', reread);
    return () => {
      socket.off(SERVER_EVENTS.chat, onChat);
      socket.off(SERVER_EVENTS.alert, onAlert);
      socket.off(SERVER_EVENTS.alertWithdrawn, onWithdrawn);
      socket.off(SERVER_EVENTS.status, onStatus);
      socket.off(SERVER_EVENTS.statusBarChanged, rereadAll);
      socket.off(SERVER_EVENTS.resync, reread);
      socket.off('connect', reread);
    };
  }, [socket, qc]);
}

/** A changed chat also refreshes the pages that show it (its record, notes, its ticket). */
function refreshChatViews(qc: QueryClient, chat: ConsoleChat) {
  qc.setQueryData<ConsoleChat>(keys.chat(chat.id), (held) => newerChat(held ?? null, chat));
  void qc.invalidateQueries({ queryKey: keys.notes(chat.id) });
  for (const t of [chat.ticketId, chat.createdTicketId]) if (t) void qc.invalidateQueries({ queryKey: keys.ticket(t) });
}
