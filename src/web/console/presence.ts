/** Whether the requester is connected now: asked on every (re)connect, then kept by `presence` events. */
import { useEffect, useState } from 'react';
import { CLIENT_EVENTS, SERVER_EVENTS, type ConsoleServerEvents } from '../../shared/realtime.js';
import { emitAck, type ConsoleSocket } from '../common/socket.js';

export function useRequesterOnline(socket: ConsoleSocket, chatId: number): boolean | null {
  const [online, setOnline] = useState<boolean | null>(null);
  useEffect(() => {
    let live = true;
    const ask = async () => {
      if (!socket.connected) return;
      try {
        // A subscribe after the newest possible seq returns no messages, only the state we need.
        const r = await emitAck(socket, CLIENT_EVENTS.subscribe, { chatId, afterSeq: Number.MAX_SAFE_INTEGER });
        if (live && typeof r.requesterOnline === 'boolean') setOnline(r.requesterOnline);
      } catch {
        // The chat stream reports refusals; presence just stays unknown.
      }
    };
    const onPresence: ConsoleServerEvents['presence'] = (p) => {
      if (p.chatId === chatId) setOnline(p.online);
    };
    const onDown = () => setOnline(null);
    socket.on(SERVER_EVENTS.presence, onPresence);
    socket.on('connect', ask);
    socket.on('disconnect', onDown);
    void ask();
    return () => {
      live = false;
      socket.off(SERVER_EVENTS.presence, onPresence);
      socket.off('connect', ask);
      socket.off('disconnect', onDown);
    };
  }, [socket, chatId]);
  return online;
}
