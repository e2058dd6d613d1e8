/** The two ways an alert reaches a tech who is not looking at the page: a short sound and a system notification. */
import { useCallback, useEffect, useState } from 'react';
import type { ConsoleChat } from '../common/types.js';

const MUTE_KEY = 'helpdesk-console:muted';

export function useMuted(): [boolean, (m: boolean) => void] {
  const [muted, setMutedState] = useState(() => {
    try {
      return localStorage.getItem(MUTE_KEY) === '1';
    } catch {
      return false;
    }
  });
  const setMuted = useCallback((m: boolean) => {
    setMutedState(m);
    try {
      localStorage.setItem(MUTE_KEY, m ? '1' : '0');
    } catch {
      // Storage disabled: the switch still works for this page.
    }
  }, []);
  return [muted, setMuted];
}

let audio: AudioContext | null = null;
function audioContext(): AudioContext | null {
  try {
    audio ??= new AudioContext();
    return audio;
  } catch {
    return null;
  }
}

/**
 * Whether the browser blocks the alert sound now. Browsers let a page play sound only once the
 * person has interacted with it: after a reload, alerts would be silent until the first click.
 * The console then says so and offers one click to turn sound on (useSoundBlocked's `unblock`);
 * any click or key press on the page does it too.
 */
export function useSoundBlocked(enabled: boolean): { blocked: boolean; unblock: () => void } {
  const [blocked, setBlocked] = useState(false);
  useEffect(() => {
    const ctx = enabled ? audioContext() : null;
    if (!ctx) {
      setBlocked(false);
      return;
    }
    // A press turns sound on at its start (pointerdown), but the notice goes only once the press
    // is over: the page would otherwise move under the pointer between press and release, and the
    // tap would miss what it was aimed at (a button at the bottom of a phone's screen).
    let pressing = false;
    let deferred = false;
    const update = () => {
      if (pressing) deferred = true;
      else setBlocked(ctx.state !== 'running');
    };
    const wake = () => void ctx.resume().catch(() => {});
    const press = () => {
      pressing = true;
      wake();
    };
    const release = () => {
      pressing = false;
      if (!deferred) return;
      deferred = false;
      // After this event's click has been dispatched.
      setTimeout(update, 0);
    };
    ctx.addEventListener('statechange', update);
    document.addEventListener('pointerdown', press, true);
    document.addEventListener('pointerup', release, true);
    document.addEventListener('pointercancel', release, true);
    document.addEventListener('keydown', wake);
    wake();
    // Resuming is asynchronous, and slow on a busy machine: judge a while later (a statechange
    // says it at once when it comes).
    const t = setTimeout(update, 1500);
    return () => {
      clearTimeout(t);
      ctx.removeEventListener('statechange', update);
      document.removeEventListener('pointerdown', press, true);
      document.removeEventListener('pointerup', release, true);
      document.removeEventListener('pointercancel', release, true);
      document.removeEventListener('keydown', wake);
    };
  }, [enabled]);
  const unblock = useCallback(() => {
    const ctx = audioContext();
    if (ctx)
      void ctx.resume().then(
        () => setBlocked(ctx.state !== 'running'),
        () => {},
      );
  }, []);
  return { blocked, unblock };
}

/** Two short tones; while the browser blocks sound they are not heard (useSoundBlocked says so). */
export function beep() {
  try {
    const audio = audioContext();
    if (!audio) return;
    if (audio.state === 'suspended') void audio.resume().catch(() => {});
    const t = audio.currentTime;
    for (const [i, freq] of [880, 1175].entries()) {
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      osc.type = 'sine';
      osc.frequency.value = freq;
      gain.gain.setValueAtTime(0.0001, t + i * 0.18);
      gain.gain.exponentialRampToValueAtTime(0.2, t + i * 0.18 + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, t + i * 0.18 + 0.16);
      osc.connect(gain).connect(audio.destination);
      osc.start(t + i * 0.18);
      osc.stop(t + i * 0.18 + 0.17);
    }
  } catch {
    // No audio device or API: the toast and the notification still tell the tech.
  }
}

const shown = new Map<number, Notification>();

/** A system notification only when the tab is hidden; its text is plain text by the browser's own rules. */
export function notifyIfHidden(chat: ConsoleChat) {
  if (typeof Notification === 'undefined' || Notification.permission !== 'granted' || document.visibilityState !== 'hidden') return;
  try {
    const n = new Notification(`Chat request: ${chat.subject}`, {
      body: `${chat.requester.name} (${chat.company.name}) · ${chat.board.name}`,
      tag: `chat-${chat.id}`,
    });
    n.onclick = () => {
      window.focus();
      n.close();
    };
    shown.set(chat.id, n);
  } catch {
    // Some browsers only allow notifications from a service worker; the toast remains.
  }
}

export function withdrawNotification(chatId: number) {
  shown.get(chatId)?.close();
  shown.delete(chatId);
}

export const notificationsSupported = () => typeof Notification !== 'undefined';
