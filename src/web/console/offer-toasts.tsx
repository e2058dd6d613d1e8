/**
 * Chats offered to this tech by a colleague (a transfer, or an invitation to join in): a toast
 * each, with Accept and Decline, until answered, withdrawn or out of time. They are read again
 * after a reload or a dropped connection, so none is missed. Built on Radix Toast like the alerts,
 * in their own region (F9 reaches it).
 */
import { useQueryClient } from '@tanstack/react-query';
import * as Toast from '@radix-ui/react-toast';
import { useCallback, useEffect, useState } from 'react';
import { SERVER_EVENTS, type ConsoleServerEvents } from '../../shared/realtime.js';
import type { OfferView } from '../../shared/views.js';
import { api, errorMessage } from '../common/api.js';
import { flash } from '../common/flash.js';
import { formatTime } from '../common/format.js';
import { navigate } from '../common/router.js';
import type { ConsoleSocket } from '../common/socket.js';
import type { ConsoleChat } from '../common/types.js';
import { beep } from './alert-signals.js';
import { keys } from './queries.js';

type Shown = OfferView & { error?: string; busy?: boolean };

export function OfferToasts({ socket, muted, meId }: { socket: ConsoleSocket; muted: boolean; meId: number }) {
  const qc = useQueryClient();
  const [offers, setOffers] = useState<Shown[]>([]);
  const drop = useCallback((offerId: number) => setOffers((cur) => cur.filter((o) => o.id !== offerId)), []);

  useEffect(() => {
    const reload = async () => {
      try {
        const pending = await api.get<OfferView[]>('/api/console/offers');
        setOffers((cur) => [...pending.map((p) => ({ ...p, ...(cur.find((c) => c.id === p.id && c.error) ?? {}) }))]);
      } catch {
        // Kept as they are until the next event or reconnect.
      }
    };
    const onOffered: ConsoleServerEvents['chat:offered'] = (o) => {
      setOffers((cur) => [...cur.filter((c) => c.id !== o.id), o]);
      if (!muted) beep();
    };
    // Told in words wherever the tech is in the console: the one who offered it when it stays
    // with them, the one it was offered to when it went away unanswered.
    const onSettled: ConsoleServerEvents['chat:offer-settled'] = (e) => {
      drop(e.offerId);
      if (e.from.id === meId && (e.status === 'declined' || e.status === 'expired'))
        flash(`${e.to.name} ${e.status === 'declined' ? 'declined' : 'did not answer in time'}: chat #${e.chatId} stays with you`, 'error');
      else if (e.to.id === meId && (e.status === 'withdrawn' || e.status === 'expired'))
        flash(
          e.status === 'withdrawn'
            ? `${e.from.name} withdrew the offer of chat #${e.chatId}`
            : `The offer of chat #${e.chatId} from ${e.from.name} ran out of time`,
        );
    };
    void reload();
    socket.on(SERVER_EVENTS.chatOffered, onOffered);
    socket.on(SERVER_EVENTS.chatOfferSettled, onSettled);
    socket.on('connect', reload);
    socket.on(SERVER_EVENTS.resync, reload);
    return () => {
      socket.off(SERVER_EVENTS.chatOffered, onOffered);
      socket.off(SERVER_EVENTS.chatOfferSettled, onSettled);
      socket.off('connect', reload);
      socket.off(SERVER_EVENTS.resync, reload);
    };
  }, [socket, muted, drop, meId]);

  const answer = async (o: Shown, accept: boolean) => {
    setOffers((cur) => cur.map((c) => (c.id === o.id ? { ...c, busy: true, error: undefined } : c)));
    try {
      if (accept) {
        qc.setQueryData(keys.chat(o.chatId), await api.post<ConsoleChat>(`/api/console/offers/${o.id}/accept`, {}));
        void qc.invalidateQueries({ queryKey: keys.statusBar });
        drop(o.id);
        navigate(`/console/chats/${o.chatId}`);
      } else {
        await api.post(`/api/console/offers/${o.id}/decline`, {});
        drop(o.id);
      }
    } catch (e) {
      setOffers((cur) => cur.map((c) => (c.id === o.id ? { ...c, busy: false, error: errorMessage(e) } : c)));
    }
  };

  return (
    <Toast.Provider swipeDirection="right" label="Chat offered to you">
      {offers.map((o) => (
        <Toast.Root
          key={o.id}
          open
          duration={Number.POSITIVE_INFINITY}
          type="foreground"
          onOpenChange={(open) => !open && drop(o.id)}
          onEscapeKeyDown={(e) => e.preventDefault()}
          className="toast card"
          data-testid="offer-toast"
          data-offer-id={o.id}
        >
          <Toast.Title asChild>
            <strong>{o.kind === 'invite' ? `${o.from.name} invites you to join a chat` : `${o.from.name} transfers a chat to you`}</strong>
          </Toast.Title>
          <Toast.Description asChild>
            <div>
              <p className="toast-subject">{o.chat.subject}</p>
              <p className="muted">
                {o.chat.requester.name} · {o.chat.company.name} · {o.chat.board.name}
              </p>
              <p className="muted">
                Answer by {formatTime(o.expiresAt)}; otherwise it stays with {o.from.name}.
              </p>
            </div>
          </Toast.Description>
          {o.error && <p className="banner banner-error">{o.error}</p>}
          <div className="row" data-radix-toast-announce-exclude="">
            {!o.error && (
              <button type="button" disabled={o.busy} onClick={() => void answer(o, true)} aria-label={`Accept: ${o.chat.subject}`}>
                Accept
              </button>
            )}
            {o.error ? (
              <Toast.Close asChild>
                <button type="button" className="secondary">
                  Dismiss
                </button>
              </Toast.Close>
            ) : (
              <button type="button" className="secondary" disabled={o.busy} onClick={() => void answer(o, false)} aria-label={`Decline: ${o.chat.subject}`}>
                Decline
              </button>
            )}
          </div>
        </Toast.Root>
      ))}
      <Toast.Viewport className="toasts offer-toasts" hotkey={['F9']} label="Chats offered to you (press {hotkey} to reach them)" />
    </Toast.Provider>
  );
}
