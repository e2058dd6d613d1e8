/**
 * Leaving a chat that another tech in it carries on (after an invite): asked first, since this
 * tech can then only read it. The chat stays with the others; the lead's place passes to the
 * first tech invited in.
 */
import { useQueryClient } from '@tanstack/react-query';
import { api } from '../common/api.js';
import { flash } from '../common/flash.js';
import { ConfirmDialog } from '../common/modal.js';
import { navigate } from '../common/router.js';
import type { ConsoleChat } from '../common/types.js';
import { keys } from './queries.js';

/** "Dana" or "Dana and Lee": who stays in the chat. */
function namesOf(names: string[]): string {
  return names.length <= 1 ? (names[0] ?? 'another tech') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

export function StepOutDialog({ chat, meId, onClose }: { chat: ConsoleChat; meId: number; onClose: () => void }) {
  const qc = useQueryClient();
  const staying = namesOf(chat.techs.filter((t) => t.id !== meId).map((t) => t.name));
  const leave = async () => {
    const next = await api.post<ConsoleChat>(`/api/console/chats/${chat.id}/step-out`, {});
    qc.setQueryData(keys.chat(chat.id), next);
    void qc.invalidateQueries({ queryKey: keys.statusBar });
    flash(`You left the chat: ${chat.subject}`);
    navigate('/console');
  };
  return (
    <ConfirmDialog
      title="Leave this chat?"
      message={`${staying} carries on with ${chat.requester.name}. You can still read the chat, but no longer write in it.`}
      confirmLabel="Leave chat"
      onConfirm={leave}
      onClose={onClose}
    />
  );
}
