/** Whether email is on (SMTP_URL set on the server): every email option shows only then. */
import { useQuery } from '@tanstack/react-query';
import { api } from './api.js';
import type { EmailOptions } from '../../shared/views.js';

export const EMAIL_KEY = ['email-options'] as const;

/** False until known: an option appears once the server says email is on, never the reverse. */
export function useEmailEnabled(): boolean {
  const q = useQuery({ queryKey: EMAIL_KEY, queryFn: () => api.get<EmailOptions>('/api/email'), staleTime: 5 * 60_000 });
  return q.data?.enabled === true;
}
