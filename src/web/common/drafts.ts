/**
 * Unsent text per chat, kept in this browser's local storage so that a reload or a switch to
 * another chat loses nothing. Keys name the viewer (a shared computer's next user does not see
 * them), and logging out clears every draft.
 */
const PREFIX = 'helpdesk:draft:';

export const draftKey = (viewer: 'portal' | 'tech', userId: number, chatId: number) => `${viewer}:${userId}:${chatId}`;

export function loadDraft(key: string): string {
  try {
    return localStorage.getItem(PREFIX + key) ?? '';
  } catch {
    return '';
  }
}

export function saveDraft(key: string, text: string): void {
  try {
    if (text) localStorage.setItem(PREFIX + key, text);
    else localStorage.removeItem(PREFIX + key);
  } catch {
    // Storage full or refused: the draft lives only in the page.
  }
}

export const clearDraft = (key: string) => saveDraft(key, '');

export function clearAllDrafts(): void {
  try {
    for (const k of Object.keys(localStorage)) if (k.startsWith(PREFIX)) localStorage.removeItem(k);
  } catch {
    // Nothing stored, nothing to clear.
  }
}
