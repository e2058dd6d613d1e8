/**
 * One tab per active chat of this tech, so several conversations stay one click apart. The socket
 * stays in the stream of every one of them, so a message in a chat that is not on screen marks
 * its tab with a count of new messages.
 */
import { useEffect, useState } from 'react';
import { SERVER_EVENTS, type ConsoleServerEvents } from '../../shared/realtime.js';
import { Link } from '../common/router.js';
import type { ConsoleSocket } from '../common/socket.js';
import { followMissing, forgetFollowed } from './followed-chats.js';
import { useStatusBar } from './queries.js';

export function ChatTabs({ socket, currentChatId }: { socket: ConsoleSocket; currentChatId: number | null }) {
  const bar = useStatusBar();
  const active = bar.data?.active ?? [];
  const ids = active.map((c) => c.id).join(',');
  const [unread, setUnread] = useState<Record<number, number>>({});

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
    const onMessage: ConsoleServerEvents['message'] = (m) => {
      if (m.chatId === currentChatId || m.author.kind !== 'portal') return;
      setUnread((u) => ({ ...u, [m.chatId]: (u[m.chatId] ?? 0) + 1 }));
    };
    socket.on(SERVER_EVENTS.message, onMessage);
    return () => {
      socket.off(SERVER_EVENTS.message, onMessage);
    };
  }, [socket, currentChatId]);

  useEffect(() => {
    if (currentChatId !== null) setUnread((u) => (u[currentChatId] ? { ...u, [currentChatId]: 0 } : u));
  }, [currentChatId]);

  if (!active.length) return null;
  return (
    <nav className="chat-tabs" aria-label="Open chats">
      {active.map((c) => {
        const n = c.id === currentChatId ? 0 : (unread[c.id] ?? 0);
        return (
          <Link key={c.id} to={`/console/chats/${c.id}`} className="chat-tab" aria-current={currentChatId === c.id ? 'page' : undefined} data-testid="chat-tab">
            {c.requester.name}: {c.subject}
            {n > 0 && (
              <span className="unread" data-testid="unread">
                {' '}
                ({n} new)
              </span>
            )}
          </Link>
        );
      })}
    </nav>
  );
}
