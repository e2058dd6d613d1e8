/**
 * Chat-request alerts: a toast with Join for each chat the server alerts this tech about, a sound
 * unless muted, and a system notification when the tab is hidden. A chat another tech took says
 * "Taken by …" for a few seconds (so the tech knows it was handled, not lost) and then goes; one
 * that left the waiting state otherwise disappears at once. Built on Radix Toast: each alert is
 * announced, stays until acted on, and F8 moves the keyboard to the alerts.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import * as Toast from '@radix-ui/react-toast';
import { SERVER_EVENTS, type ConsoleServerEvents } from '../../shared/realtime.js';
import { api, errorMessage } from '../common/api.js';
import { navigate } from '../common/router.js';
import type { ConsoleSocket } from '../common/socket.js';
import type { ConsoleChat } from '../common/types.js';
import { beep, notifyIfHidden, withdrawNotification } from './alert-signals.js';
import { versionTracker } from '../common/chat-versions.js';
import { joinChat } from './join.js';
import { keys, type StatusBarData } from './queries.js';

type Alert = { chat: ConsoleChat; stage: string; error?: string; busy?: boolean; takenBy?: string };

/** How long "Taken by …" stays before the toast goes. */
const TAKEN_SHOWN_MS = 4000;
/** A request nobody has taken rings again this often, until someone joins or the tech dismisses it. */
export const REPEAT_MS = 30_000;

export function AlertToasts({ socket, muted, meId }: { socket: ConsoleSocket; muted: boolean; meId: number }) {
  const qc = useQueryClient();
  const [toasts, setToasts] = useState<Alert[]>([]);
  const drop = useCallback((chatId: number) => {
    setToasts((cur) => cur.filter((t) => t.chat.id !== chatId));
    withdrawNotification(chatId);
  }, []);

  useEffect(() => {
    // Per connection: an alert older than what this console knows of the chat (taken, withdrawn)
    // is stale, and the same alert twice rings once (chat-versions.ts).
    const versions = versionTracker();
    const rung = new Set<string>();
    const onAlert: ConsoleServerEvents['alert'] = (p) => {
      if (!versions.accept(p.chat.id, p.chat.version) || p.chat.status !== 'waiting') return;
      const key = `${p.chat.id}:${p.chat.version}:${p.stage}`;
      if (rung.has(key)) return;
      rung.add(key);
      setToasts((cur) => [...cur.filter((t) => t.chat.id !== p.chat.id), { chat: p.chat, stage: p.stage }]);
      if (!muted) beep();
      notifyIfHidden(p.chat);
    };
    // Another tech joined: the toast says who for a moment, then goes.
    const taken = (chatId: number, name: string | null) => {
      withdrawNotification(chatId);
      const takenBy = name ?? 'another technician';
      setToasts((cur) => cur.map((t) => (t.chat.id === chatId ? { ...t, takenBy, busy: false, error: undefined } : t)));
      setTimeout(() => setToasts((cur) => cur.filter((t) => !(t.chat.id === chatId && t.takenBy))), TAKEN_SHOWN_MS);
    };
    const onWithdrawn: ConsoleServerEvents['alert:withdrawn'] = (p) => {
      versions.accept(p.chatId, p.version);
      if (p.techId === null || p.techId === meId) drop(p.chatId);
      else taken(p.chatId, p.techName);
    };
    const onChat: ConsoleServerEvents['chat'] = (c) => {
      if (!versions.accept(c.id, c.version) || c.status === 'waiting') return;
      if (c.status === 'active' && c.tech && c.tech.id !== meId) taken(c.id, c.tech.name);
      else drop(c.id);
    };
    // After a drop, withdrawals may have been missed: keep only toasts of chats still waiting.
    // A toast whose Join is in flight stays, so its answer (perhaps who took it) is still shown.
    const onReconnect = async () => {
      try {
        const bar = await api.get<StatusBarData>('/api/console/status-bar');
        const waiting = new Set(bar.waiting.map((c) => c.id));
        setToasts((cur) => cur.filter((t) => t.busy || t.error || waiting.has(t.chat.id)));
      } catch {
        // The status bar shows its own error; toasts stay until the next event.
      }
    };
    socket.on(SERVER_EVENTS.alert, onAlert);
    socket.on(SERVER_EVENTS.alertWithdrawn, onWithdrawn);
    socket.on(SERVER_EVENTS.chat, onChat);
    socket.on('connect', onReconnect);
    socket.on(SERVER_EVENTS.resync, onReconnect);
    return () => {
      socket.off('connect', onReconnect);
      socket.off(SERVER_EVENTS.resync, onReconnect);
      socket.off(SERVER_EVENTS.alert, onAlert);
      socket.off(SERVER_EVENTS.alertWithdrawn, onWithdrawn);
      socket.off(SERVER_EVENTS.chat, onChat);
    };
  }, [socket, muted, drop, meId]);

  // Still waiting, not dismissed: the sound (and the notification, when the tab is hidden) again.
  const pending = toasts.filter((t) => !t.takenBy && !t.busy && !t.error);
  const pendingKey = pending.map((t) => t.chat.id).join(',');
  const pendingRef = useRef(pending);
  pendingRef.current = pending;
  useEffect(() => {
    if (!pendingKey || muted) return;
    const t = setInterval(() => {
      beep();
      for (const toast of pendingRef.current) notifyIfHidden(toast.chat);
    }, REPEAT_MS);
    return () => clearInterval(t);
  }, [pendingKey, muted]);

  const join = async (chatId: number) => {
    setToasts((cur) => cur.map((t) => (t.chat.id === chatId ? { ...t, busy: true, error: undefined } : t)));
    try {
      qc.setQueryData(keys.chat(chatId), await joinChat(chatId));
      drop(chatId);
      navigate(`/console/chats/${chatId}`);
    } catch (e) {
      setToasts((cur) => cur.map((t) => (t.chat.id === chatId ? { ...t, busy: false, error: errorMessage(e) } : t)));
    }
  };

  return (
    <Toast.Provider swipeDirection="right" label="Chat request">
      {toasts.map(({ chat, stage, error, busy, takenBy }) => (
        <Toast.Root
          key={chat.id}
          open
          duration={Number.POSITIVE_INFINITY}
          type="foreground"
          onOpenChange={(open) => !open && drop(chat.id)}
          // Escape dismisses the alert only from inside it, never a key meant for the page.
          onEscapeKeyDown={(e) => {
            if (!(e.target instanceof Element && e.target.closest('[data-testid="alert-toast"]'))) e.preventDefault();
          }}
          className={takenBy ? 'toast toast-taken card' : 'toast card'}
          data-testid="alert-toast"
          data-chat-id={chat.id}
        >
          <Toast.Title asChild>
            {/* A waiting chat that was joined before came back by a transfer to this board. */}
            <strong>
              {takenBy
                ? `Taken by ${takenBy}`
                : chat.joinedAt
                  ? 'Chat transferred to your board'
                  : `New chat request${stage === 'assigned' ? ' on your ticket' : ''}`}
            </strong>
          </Toast.Title>
          <Toast.Description asChild>
            <div>
              <p className="toast-subject">{chat.subject}</p>
              {chat.firstMessage && (
                <p className="toast-first" data-testid="first-message">
                  {chat.firstMessage}
                </p>
              )}
              <p className="muted">
                {chat.requester.name} · {chat.company.name} · {chat.board.name}
              </p>
            </div>
          </Toast.Description>
          {error && <p className="banner banner-error">{error}</p>}
          {/* Not Toast.Action, which closes the toast on click: a Join refused (taken meanwhile)
              says so in the toast. The buttons are left out of what is read out. */}
          <div className="row" data-radix-toast-announce-exclude="">
            {!error && !takenBy && (
              <button type="button" disabled={busy} onClick={() => void join(chat.id)} aria-label={`Join chat: ${chat.subject}`}>
                Join
              </button>
            )}
            <Toast.Close asChild>
              <button type="button" className="secondary" aria-label={`Dismiss alert: ${chat.subject}`}>
                Dismiss
              </button>
            </Toast.Close>
          </div>
        </Toast.Root>
      ))}
      <Toast.Viewport className="toasts" label="Chat requests (press {hotkey} to reach them)" />
    </Toast.Provider>
  );
}
