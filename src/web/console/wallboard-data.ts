/**
 * The live wallboard's figures (services/wallboard.ts): read with `wallboard:watch` over the
 * console's socket, then kept by the server's `wallboard` pushes; watched again after every
 * reconnect (pushes may have been missed meanwhile).
 */
import { useCallback, useEffect, useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { api } from '../common/api.js';
import { emitAck, useSocketEvent, type ConsoleSocket } from '../common/socket.js';
import type { WallboardView } from '../../shared/wallboard.js';

export type { WallboardView };
export type Wallboard = {
  view: WallboardView | null;
  /** When the last figures arrived here (client clock): the longest wait counts up from it. */
  receivedAt: number;
  error: { code: string; message: string } | null;
};

/** Whether this tech may open the wallboard (admins always may: asked of the server for the others). */
export function useWallboardAccess(role: 'tech' | 'admin') {
  const q = useQuery({
    queryKey: ['console', 'wallboard-access'],
    queryFn: () => api.get<{ allowed: boolean }>('/api/console/wallboard/access'),
    enabled: role !== 'admin',
    staleTime: 60_000,
  });
  return role === 'admin' || q.data?.allowed === true;
}

export function useWallboard(socket: ConsoleSocket): Wallboard {
  const [state, setState] = useState<Wallboard>({ view: null, receivedAt: Date.now(), error: null });
  const onPush = useCallback((view: WallboardView) => setState({ view, receivedAt: Date.now(), error: null }), []);
  useSocketEvent(socket, 'wallboard', onPush);
  const onClosed = useCallback(
    () => setState((s) => ({ ...s, error: { code: 'wallboard_not_allowed', message: 'You may no longer open the wallboard' } })),
    [],
  );
  useSocketEvent(socket, 'wallboard:closed', onClosed);
  useEffect(() => {
    let live = true;
    const watch = () =>
      emitAck(socket, 'wallboard:watch', {})
        .then((r) => live && onPush(r.wallboard))
        .catch((e: { code?: string; message?: string }) => {
          if (live) setState((s) => ({ ...s, error: { code: e.code ?? 'internal', message: e.message ?? 'The wallboard could not be read' } }));
        });
    if (socket.connected) void watch();
    socket.on('connect', watch);
    return () => {
      live = false;
      socket.off('connect', watch);
      if (socket.connected) void emitAck(socket, 'wallboard:unwatch', {}).catch(() => {});
    };
  }, [socket, onPush]);
  return state;
}
