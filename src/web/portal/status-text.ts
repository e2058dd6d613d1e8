/** How a chat's state reads to the person who asked for it. */
export const CHAT_STATUS_TEXT: Record<string, string> = {
  waiting: 'Waiting for a technician',
  active: 'In progress',
  abandoned: 'You left before a technician joined',
  callback: 'Callback requested',
  completed: 'Ended',
};
/** The status line of one chat: an abandoned one says whether the user left or the connection was lost. */
export function chatStatusText(chat: { status: string; abandonReason?: 'left' | 'disconnected' | null }): string {
  if (chat.status === 'abandoned' && chat.abandonReason === 'disconnected') return 'Closed: the connection was lost';
  return CHAT_STATUS_TEXT[chat.status] ?? chat.status;
}
export const TICKET_STATUS_TEXT: Record<string, string> = { open: 'Open', in_progress: 'In progress', closed: 'Closed' };
