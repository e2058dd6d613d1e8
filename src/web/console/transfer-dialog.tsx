/**
 * Handing a chat on (SPEC "Transfer and invite"): to another tech, who accepts or declines within
 * a minute; into a second tech's hands beside this one (invite); or back to waiting on a board.
 * The server lists whom it may go to (techs with access, not in it; the boards of its company).
 */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState, type FormEvent } from 'react';
import { api } from '../common/api.js';
import { ErrorBanner } from '../common/error-banner.js';
import { flash } from '../common/flash.js';
import { Modal } from '../common/modal.js';
import { useAction } from '../common/use-action.js';
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
  const [how, setHow] = useState<How>('transfer');
  const [techId, setTechId] = useState<number | null>(null);
  const [boardId, setBoardId] = useState<number>(chat.board.id);
  const { busy, error, setError, run } = useAction();
  const techs = targets.data?.techs ?? [];
  const boards = targets.data?.boards ?? [];
  const chosenTech = techs.find((t) => t.id === techId) ?? techs.find((t) => t.available) ?? null;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    void run(async () => {
      const next =
        how === 'board'
          ? await api.post<ConsoleChat>(`/api/console/chats/${chat.id}/transfer`, { boardId })
          : await api.post<ConsoleChat>(`/api/console/chats/${chat.id}/${how}`, { techId: chosenTech?.id });
      qc.setQueryData(keys.chat(chat.id), next);
      void qc.invalidateQueries({ queryKey: keys.statusBar });
      if (how === 'board') flash(`Transferred to ${boards.find((b) => b.id === boardId)?.name ?? 'the board'}: ${chat.subject}`);
      else flash(`Waiting for ${chosenTech?.name} to accept`);
      onClose();
    });
  };

  return (
    <Modal title="Transfer or invite" onClose={onClose}>
      <form className="stack" onSubmit={submit}>
        <ErrorBanner error={error ?? targets.error} onDismiss={() => setError(null)} />
        <fieldset className="stack">
          <legend>What do you want to do?</legend>
          {HOW.map((h) => (
            <label className="row" key={h.value}>
              <input type="radio" name={`${id}-how`} checked={how === h.value} onChange={() => setHow(h.value)} />
              {h.label}
            </label>
          ))}
        </fieldset>
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
        ) : techs.length === 0 ? (
          <p className="banner banner-warn">No other technician has access to this chat.</p>
        ) : (
          <>
            <label htmlFor={`${id}-tech`}>Technician</label>
            <select id={`${id}-tech`} value={chosenTech?.id ?? ''} onChange={(e) => setTechId(Number(e.target.value))}>
              {techs.map((t) => (
                <option key={t.id} value={t.id}>
                  {t.name}
                  {t.available ? '' : ' (Do not disturb)'}
                </option>
              ))}
            </select>
            <p className="muted">They have a minute to accept; until then the chat stays with you.</p>
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
