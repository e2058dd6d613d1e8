/**
 * One tab per active chat of this tech, so several conversations stay one click apart. The socket
 * stays in the stream of every one of them, so a message in a chat that is not on screen marks
 * its tab with a count of new messages.
 */
import { useEffect } from 'react';
import { SERVER_EVENTS, type ConsoleServerEvents } from '../../shared/realtime.js';
import { Link } from '../common/router.js';
import type { ConsoleSocket } from '../common/socket.js';
import { followMissing, forgetFollowed } from './followed-chats.js';
import { useStatusBar } from './queries.js';
import { addUnread, clearUnread, useUnread } from './unread.js';

export function ChatTabs({ socket, currentChatId }: { socket: ConsoleSocket; currentChatId: number | null }) {
  const bar = useStatusBar();
  const active = bar.data?.active ?? [];
  const ids = active.map((c) => c.id).join(',');
  const unread = useUnread();

  useEffect(() => {
    const list = ids ? ids.split(',').map(Number) : [];
    // Rooms are per connection: on each (re)connect, and after a resync, follow every active chat
    // again, asking for no messages. A chat this tech joins meanwhile is already followed: the
    // server put the tech's connections in its stream when the join succeeded.
    const followAll = () => {
      forgetFollowed();
      followMissing(socket, list);
    };
    followMissing(socket, list);
    socket.on('connect', followAll);
    socket.on(SERVER_EVENTS.resync, followAll);
    return () => {
      socket.off('connect', followAll);
      socket.off(SERVER_EVENTS.resync, followAll);
    };
  }, [socket, ids]);

  useEffect(() => {
    // New unless it is in the chat on screen while the tech is looking at the page.
    const onMessage: ConsoleServerEvents['message'] = (m) => {
      if (m.author.kind !== 'portal' || (m.chatId === currentChatId && document.visibilityState === 'visible')) return;
      addUnread(m.chatId);
    };
    const onVisible = () => {
      if (document.visibilityState === 'visible' && currentChatId !== null) clearUnread(currentChatId);
    };
    socket.on(SERVER_EVENTS.message, onMessage);
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      socket.off(SERVER_EVENTS.message, onMessage);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, [socket, currentChatId]);

  useEffect(() => {
    if (currentChatId !== null && document.visibilityState === 'visible') clearUnread(currentChatId);
  }, [currentChatId]);

  if (!active.length) return null;
  return (
    <nav className="chat-tabs" aria-label="Open chats">
      {active.map((c) => {
        const n = unread[c.id] ?? 0;
        return (
          <Link key={c.id} to={`/console/chats/${c.id}`} className="chat-tab" aria-current={currentChatId === c.id ? 'page' : undefined} data-testid="chat-tab">
            {/* The subject may be cut short; the count of new messages never is. */}
            <span className="chat-tab-label">
              {c.requester.name}: {c.subject}
            </span>
            {n > 0 && (
              <span className="unread" data-testid="unread">
                <span className="visually-hidden"> (</span>
                {n} new
                <span className="visually-hidden">)</span>
              </span>
            )}
          </Link>
        );
      })}
    </nav>
  );
}
