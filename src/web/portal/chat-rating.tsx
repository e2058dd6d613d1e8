/** At the end of a chat a tech was in: the requester rates it once, 1 to 5, with a comment if they like. */
import { useQueryClient } from '@tanstack/react-query';
import { useId, useState, type FormEvent } from 'react';
import { api } from '../common/api.js';
import { ErrorBanner } from '../common/error-banner.js';
import type { PortalChat } from '../common/types.js';
import { keys } from './queries.js';

export const SCORE_WORDS = ['', 'Very poor', 'Poor', 'OK', 'Good', 'Excellent'];

export function ChatRating({ chat }: { chat: PortalChat }) {
  const qc = useQueryClient();
  const id = useId();
  const [score, setScore] = useState<number | null>(null);
  const [comment, setComment] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  if (chat.rating)
    return (
      <p className="banner banner-ok" data-testid="rating-given">
        You rated this chat {chat.rating.score} of 5 ({SCORE_WORDS[chat.rating.score]}). Thank you!
      </p>
    );
  if (!chat.abilities.rate) return null;
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!score) return;
    setBusy(true);
    setError(null);
    try {
      const view = await api.post<PortalChat>(`/api/portal/chats/${chat.id}/rating`, { score, ...(comment.trim() ? { comment: comment.trim() } : {}) });
      qc.setQueryData(keys.chat(chat.id), (old: object | undefined) => (old ? { ...old, ...view } : view));
      await qc.invalidateQueries({ queryKey: keys.chat(chat.id) });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="stack rating-form" onSubmit={submit} aria-labelledby={`${id}-h`} data-testid="rating-form">
      <h3 id={`${id}-h`}>How was this chat?</h3>
      <ErrorBanner error={error} />
      <fieldset className="rating-scores">
        <legend className="visually-hidden">Your rating, 1 to 5</legend>
        {[1, 2, 3, 4, 5].map((n) => (
          <label key={n} className={score === n ? 'selected' : ''}>
            <input type="radio" name={`${id}-score`} value={n} checked={score === n} onChange={() => setScore(n)} />
            <span aria-hidden="true">{'★'.repeat(n)}</span>
            <span className="visually-hidden">
              {n} of 5, {SCORE_WORDS[n]}
            </span>
          </label>
        ))}
      </fieldset>
      {score && <p className="muted">{SCORE_WORDS[score]}</p>}
      <label htmlFor={`${id}-c`}>Anything to add? (optional)</label>
      <textarea id={`${id}-c`} rows={2} maxLength={1000} value={comment} onChange={(e) => setComment(e.target.value)} />
      <div>
        <button type="submit" disabled={!score || busy}>
          Send rating
        </button>
      </div>
    </form>
  );
}
