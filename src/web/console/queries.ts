/** The console's reads, one query key each, so pages share and refresh them together. */
import { useQuery } from '@tanstack/react-query';
import { api } from '../common/api.js';
import type { ConsoleChat, TicketDetail, TicketSummary } from '../common/types.js';

export type Me = { id: number; name: string; role: 'tech' | 'admin'; available: boolean };
export type StatusBarData = { available: boolean; waiting: ConsoleChat[]; active: ConsoleChat[]; abandoned: ConsoleChat[]; callback: ConsoleChat[] };
export type Directory = {
  boards: { id: number; name: string }[];
  companies: { id: number; name: string }[];
  techs: { id: number; name: string }[];
  portalUsers: { id: number; name: string; companyId: number }[];
};
export type Note = {
  id: number;
  chatId: number;
  author: { id: number; name: string };
  body: string;
  createdAt: string | null;
  updatedAt: string | null;
  edited: boolean;
  history: { body: string; editor: { id: number; name: string }; at: string | null }[];
};
export type SearchResult = ConsoleChat & { snippet: string | null };

export const keys = {
  me: ['console', 'me'] as const,
  statusBar: ['console', 'status-bar'] as const,
  directory: ['console', 'directory'] as const,
  chat: (id: number) => ['console', 'chats', id] as const,
  messages: (id: number) => ['console', 'chats', id, 'messages'] as const,
  notes: (id: number) => ['console', 'chats', id, 'notes'] as const,
  tickets: ['console', 'tickets'] as const,
  ticket: (id: number) => ['console', 'tickets', id] as const,
  search: (q: string) => ['console', 'search', q] as const,
  admin: (what: string) => ['console', 'admin', what] as const,
};

export const useMe = () => useQuery({ queryKey: keys.me, queryFn: () => api.get<Me>('/api/console/me'), staleTime: Infinity });
export const useStatusBar = () => useQuery({ queryKey: keys.statusBar, queryFn: () => api.get<StatusBarData>('/api/console/status-bar'), staleTime: Infinity });
export const useDirectory = () => useQuery({ queryKey: keys.directory, queryFn: () => api.get<Directory>('/api/console/directory'), staleTime: 60000 });
export const useChat = (id: number) => useQuery({ queryKey: keys.chat(id), queryFn: () => api.get<ConsoleChat>(`/api/console/chats/${id}`) });
export const useNotes = (id: number) => useQuery({ queryKey: keys.notes(id), queryFn: () => api.get<Note[]>(`/api/console/chats/${id}/notes`) });
export const useTickets = () => useQuery({ queryKey: keys.tickets, queryFn: () => api.get<TicketSummary[]>('/api/console/tickets') });
export const useTicket = (id: number) => useQuery({ queryKey: keys.ticket(id), queryFn: () => api.get<TicketDetail>(`/api/console/tickets/${id}`) });
