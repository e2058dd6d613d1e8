/** The two ways an alert reaches a tech who is not looking at the page: a short sound and a system notification. */
import { useCallback, useState } from 'react';
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
/** Two short tones; a page that has not been clicked yet may not be allowed to play, which is fine. */
export function beep() {
  try {
    audio ??= new AudioContext();
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
