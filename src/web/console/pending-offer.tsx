/**
 * On the chat page of the techs in it: the chat's pending offer to another tech (with Withdraw for
 * whoever made it), and, once it is answered no or not in time, that it stayed here.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { api } from '../common/api.js';
import { ErrorBanner } from '../common/error-banner.js';
import { formatTime } from '../common/format.js';
import { useSocketEvent, type ConsoleSocket } from '../common/socket.js';
import { useSubmit } from '../common/use-submit.js';
import type { ConsoleChat } from '../common/types.js';
import { SERVER_EVENTS, type ConsoleServerEvents } from '../../shared/realtime.js';
import type { PendingOffer } from '../../shared/views.js';

const SETTLED: Record<string, string> = {
  declined: 'declined',
  expired: 'did not answer in time',
  withdrawn: 'no longer has the offer',
};

export function PendingOfferBanner({ chat, socket, meId }: { chat: ConsoleChat; socket: ConsoleSocket; meId: number }) {
  // An offer answered is over at once, even before the chat's next view says so (it may come later).
  const [settledId, setSettledId] = useState<number | null>(null);
  const offer = chat.pendingOffer && chat.pendingOffer.id !== settledId ? chat.pendingOffer : null;
  const last = useRef<PendingOffer | null>(null);
  if (offer) last.current = offer;
  const [notice, setNotice] = useState<string | null>(null);
  const withdrawing = useSubmit(() => api.post(`/api/console/offers/${chat.pendingOffer?.id}/withdraw`, {}));
  useEffect(() => {
    if (offer) setNotice(null);
  }, [offer]);
  const onSettled = useCallback<ConsoleServerEvents['chat:offer-settled']>(
    (e) => {
      const o = last.current;
      if (!o || e.offerId !== o.id || e.chatId !== chat.id) return;
      setSettledId(e.offerId);
      if (e.status === 'accepted') return;
      // The tech who withdrew it knows; the others in the chat are told.
      if (e.status === 'withdrawn' && o.from.id === meId) return;
      setNotice(`${o.to.name} ${SETTLED[e.status]}: the chat stays here.`);
    },
    [chat.id, meId],
  );
  useSocketEvent(socket, SERVER_EVENTS.chatOfferSettled, onSettled);

  if (!offer)
    return notice ? (
      <p className="banner banner-warn" role="status" data-testid="offer-notice">
        {notice}{' '}
        <button type="button" className="link-button" onClick={() => setNotice(null)}>
          Dismiss
        </button>
      </p>
    ) : null;
  const what = offer.kind === 'invite' ? `Invited ${offer.to.name} to join` : `Offered the chat to ${offer.to.name}`;
  return (
    <div className="banner banner-ok row" role="status" data-testid="pending-offer">
      <ErrorBanner error={withdrawing.error} onDismiss={withdrawing.clearError} />
      <span>
        {what}
        {offer.from.id === meId ? '' : ` (by ${offer.from.name})`}: waiting for an answer until {formatTime(offer.expiresAt)}.
      </span>{' '}
      {offer.from.id === meId && (
        <button type="button" className="secondary" disabled={withdrawing.busy} onClick={() => void withdrawing.submit()}>
          Withdraw
        </button>
      )}
    </div>
  );
}
