/**
 * Handing a chat on (SPEC "Transfer and invite"): to another tech, who accepts or declines within
 * a minute; into a second tech's hands beside this one (invite); or back to waiting on a board.
 * The server lists whom it may go to (techs with access, not in it; the boards of its company).
 */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { api } from '../common/api.js';
import { ErrorBanner } from '../common/error-banner.js';
import { flash } from '../common/flash.js';
import { Modal } from '../common/modal.js';
import { navigate } from '../common/router.js';
import { useSubmit } from '../common/use-submit.js';
import type { ConsoleChat } from '../common/types.js';
import type { TransferTargets } from '../../shared/views.js';
import { keys } from './queries.js';

type How = 'transfer' | 'invite' | 'board';
const HOW: { value: How; label: string }[] = [
  { value: 'transfer', label: 'Transfer to a tech (they take my place)' },
  { value: 'invite', label: 'Invite a tech (we both stay in the chat)' },
  { value: 'board', label: 'Transfer to a board (back to waiting there)' },
];

export function TransferDialog({ chat, onClose }: { chat: ConsoleChat; onClose: () => void }) {
  const qc = useQueryClient();
  const id = useId();
  const targets = useQuery({
    queryKey: [...keys.chat(chat.id), 'transfer-targets'],
    queryFn: () => api.get<TransferTargets>(`/api/console/chats/${chat.id}/transfer-targets`),
    staleTime: 0,
  });
  // With an offer waiting for an answer, only the board is left (it withdraws the offer).
  const pending = chat.pendingOffer;
  const [how, setHow] = useState<How>(pending ? 'board' : 'transfer');
  const [techId, setTechId] = useState<number | null>(null);
  const [boardId, setBoardId] = useState<number>(chat.board.id);
  const techs = targets.data?.techs ?? [];
  const boards = targets.data?.boards ?? [];
  // Chosen on purpose, never a default: Enter alone does not hand the chat to the first name.
  const chosenTech = techs.find((t) => t.id === techId && t.available) ?? null;
  const anyAvailable = techs.some((t) => t.available);

  const { submit, busy, error, clearError } = useSubmit(async () => {
    const next =
      how === 'board'
        ? await api.post<ConsoleChat>(`/api/console/chats/${chat.id}/transfer`, { boardId })
        : await api.post<ConsoleChat>(`/api/console/chats/${chat.id}/${how}`, { techId: chosenTech?.id });
    qc.setQueryData(keys.chat(chat.id), next);
    void qc.invalidateQueries({ queryKey: keys.statusBar });
    onClose();
    if (how === 'board') {
      // Back to the console: the chat waits on its new board now, perhaps out of this tech's sight.
      flash(`Transferred to ${boards.find((b) => b.id === boardId)?.name ?? 'the board'}: ${chat.subject}`);
      navigate('/console');
    } else flash(`Waiting for ${chosenTech?.name} to accept`);
  });

  return (
    <Modal title="Transfer or invite" onClose={onClose}>
      <form className="stack" onSubmit={submit}>
        <ErrorBanner error={error ?? targets.error} onDismiss={clearError} />
        <fieldset className="stack">
          <legend>What do you want to do?</legend>
          {HOW.map((h) => (
            <label className="row" key={h.value}>
              <input type="radio" name={`${id}-how`} checked={how === h.value} disabled={!!pending && h.value !== 'board'} onChange={() => setHow(h.value)} />
              {h.label}
            </label>
          ))}
        </fieldset>
        {pending && (
          <p className="banner banner-warn" data-testid="offer-pending-note">
            {pending.to.name} has not answered the offer yet: withdraw it on the chat page to offer the chat to someone else.
          </p>
        )}
        {how === 'board' ? (
          <>
            <label htmlFor={`${id}-board`}>Board</label>
            <select id={`${id}-board`} value={boardId} onChange={(e) => setBoardId(Number(e.target.value))}>
              {boards.map((b) => (
                <option key={b.id} value={b.id}>
                  {b.name}
                  {b.id === chat.board.id ? ' (this board)' : ''}
                </option>
              ))}
            </select>
            <p className="muted">The chat goes back to waiting with its history, and that board's technicians are alerted.</p>
          </>
        ) : targets.isPending ? (
          <p>Loading the technicians…</p>
        ) : !anyAvailable ? (
          <p className="banner banner-warn" data-testid="no-tech-available">
            {techs.length === 0
              ? 'No other technician has access to this chat.'
              : 'No other technician with access is available right now (all are set to Do not disturb).'}
          </p>
        ) : (
          <>
            <label htmlFor={`${id}-tech`}>Technician</label>
            <select id={`${id}-tech`} value={chosenTech?.id ?? ''} onChange={(e) => setTechId(Number(e.target.value))}>
              <option value="" disabled>
                Choose a technician…
              </option>
              {byReach(techs).map((t) => (
                <option key={t.id} value={t.id} disabled={!t.available}>
                  {t.name}
                  {!t.available ? ' (Do not disturb)' : t.online === true ? ' (online)' : t.online === false ? ' (offline)' : ''}
                </option>
              ))}
            </select>
            <p className="muted">
              {chosenTech?.online === false
                ? `${chosenTech.name} is offline: they see the offer only if they open the console within a minute; until then the chat stays with you.`
                : 'They have a minute to accept; until then the chat stays with you.'}
            </p>
          </>
        )}
        <div className="row">
          <button type="submit" disabled={busy || (how !== 'board' && !chosenTech)}>
            {how === 'board' ? 'Transfer to the board' : how === 'invite' ? 'Send the invitation' : 'Offer the chat'}
          </button>
          <button type="button" className="secondary" onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
    </Modal>
  );
}

/** Who can answer first: online and available, then available but offline, then Do not disturb; by name within each. */
function byReach<T extends { name: string; available: boolean; online: boolean | null }>(techs: T[]): T[] {
  const rank = (t: T) => (!t.available ? 2 : t.online === false ? 1 : 0);
  return [...techs].sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name));
}
