/**
 * One tab per active chat of this tech, so several conversations stay one click apart. The socket
 * stays subscribed to every one of them, so a message in a chat that is not on screen marks its
 * tab with a count of new messages.
 */
import { useEffect, useState } from 'react';
import type { Socket } from 'socket.io-client';
import { CLIENT_EVENTS, SERVER_EVENTS } from '../../shared/realtime.js';
import { Link } from '../common/router.js';
import { emitAck } from '../common/socket.js';
import type { Message } from '../common/types.js';
import { useStatusBar } from './queries.js';

export function ChatTabs({ socket, currentChatId }: { socket: Socket; currentChatId: number | null }) {
  const bar = useStatusBar();
  const active = bar.data?.active ?? [];
  const ids = active.map((c) => c.id).join(',');
  const [unread, setUnread] = useState<Record<number, number>>({});

  useEffect(() => {
    const list = ids ? ids.split(',').map(Number) : [];
    // Rooms are per connection: (re)join each active chat's live room, asking for no messages.
    const follow = () => {
      if (!socket.connected) return;
      for (const chatId of list) void emitAck(socket, CLIENT_EVENTS.subscribe, { chatId, afterSeq: Number.MAX_SAFE_INTEGER }).catch(() => {});
    };
    follow();
    socket.on('connect', follow);
    return () => {
      socket.off('connect', follow);
    };
  }, [socket, ids]);

  useEffect(() => {
    const onMessage = (m: Message) => {
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
