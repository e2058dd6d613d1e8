/**
 * "Seen" for one chat (SPEC Part 2, "Seen and unread"): how far the other side has read (from the
 * chat view, then its `read` events), and this side's own mark sent while the page is in view.
 */
import { useEffect, useRef, useState } from 'react';
import type { Socket } from 'socket.io-client';
import type { ReadEvent } from '../../shared/realtime.js';
import type { Message } from './types.js';

type Side = 'requester' | 'tech';

/**
 * `me`: this page's side; `participant`: whether it may mark (the requester, or the joined tech);
 * `initial`: the view's marks. Returns the seq up to which the other side has seen the chat.
 */
export function useSeen(
  socket: Socket,
  chatId: number,
  me: Side,
  participant: boolean,
  messages: Message[],
  initial: { requester: number; tech: number } | undefined,
): number {
  const other: Side = me === 'requester' ? 'tech' : 'requester';
  const [seen, setSeen] = useState(0);
  const initialOther = initial?.[other] ?? 0;
  useEffect(() => setSeen((cur) => Math.max(cur, initialOther)), [initialOther]);
  useEffect(() => {
    const onRead = (r: ReadEvent) => {
      if (r.chatId === chatId && r.by === other) setSeen((cur) => Math.max(cur, r.seq));
    };
    socket.on('read', onRead);
    return () => {
      socket.off('read', onRead);
    };
  }, [socket, chatId, other]);

  // This side's mark: the newest message shown, once the page is in view.
  const sent = useRef(initial?.[me] ?? 0);
  const newest = messages.length ? messages[messages.length - 1].seq : 0;
  useEffect(() => {
    if (!participant) return;
    const mark = () => {
      if (document.visibilityState !== 'visible' || newest <= sent.current || !socket.connected) return;
      sent.current = newest;
      socket.emit('chat:read', { chatId, seq: newest }, () => {});
    };
    mark();
    document.addEventListener('visibilitychange', mark);
    socket.on('connect', mark);
    return () => {
      document.removeEventListener('visibilitychange', mark);
      socket.off('connect', mark);
    };
  }, [socket, chatId, participant, newest]);
  return seen;
}
