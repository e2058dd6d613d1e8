/** How a chat's state reads to the person who asked for it. */
export const CHAT_STATUS_TEXT: Record<string, string> = {
  waiting: 'Waiting for a technician',
  active: 'In progress',
  abandoned: 'You left before a technician joined',
  callback: 'Callback requested',
  completed: 'Ended',
};
export const TICKET_STATUS_TEXT: Record<string, string> = { open: 'Open', in_progress: 'In progress', closed: 'Closed' };
