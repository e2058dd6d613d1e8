/** The console's reads, one query key each, so pages share and refresh them together. */
import { useQuery } from '@tanstack/react-query';
import { api } from '../common/api.js';
import type { ConsoleChat, TicketDetail, TicketSummary } from '../common/types.js';

export type { TechMe as Me, StatusBarView as StatusBarData, Directory, NoteView as Note, SearchResult } from '../../shared/views.js';
import type { TechMe as Me, StatusBarView as StatusBarData, Directory, NoteView as Note } from '../../shared/views.js';
import type { CannedReply, ChatContext } from '../../shared/views.js';

export const keys = {
  me: ['console', 'me'] as const,
  statusBar: ['console', 'status-bar'] as const,
  directory: ['console', 'directory'] as const,
  chat: (id: number) => ['console', 'chats', id] as const,
  messages: (id: number) => ['console', 'chats', id, 'messages'] as const,
  notes: (id: number) => ['console', 'chats', id, 'notes'] as const,
  context: (id: number) => ['console', 'chats', id, 'context'] as const,
  tickets: ['console', 'tickets'] as const,
  ticket: (id: number) => ['console', 'tickets', id] as const,
  search: (q: string) => ['console', 'search', q] as const,
  admin: (what: string) => ['console', 'admin', what] as const,
  /** Canned replies: for one chat, or (no chat) the tech's list to manage. */
  canned: (chatId?: number) => ['console', 'canned', chatId ?? 'all'] as const,
};

export const useMe = () => useQuery({ queryKey: keys.me, queryFn: () => api.get<Me>('/api/console/me'), staleTime: Infinity });
export const useStatusBar = () => useQuery({ queryKey: keys.statusBar, queryFn: () => api.get<StatusBarData>('/api/console/status-bar'), staleTime: Infinity });
export const useDirectory = () => useQuery({ queryKey: keys.directory, queryFn: () => api.get<Directory>('/api/console/directory'), staleTime: 60000 });
export const useCannedReplies = (chatId?: number) =>
  useQuery({
    queryKey: keys.canned(chatId),
    queryFn: () => api.get<CannedReply[]>(`/api/console/canned-replies${chatId ? `?chatId=${chatId}` : ''}`),
    staleTime: 30_000,
  });
export const useChat = (id: number) => useQuery({ queryKey: keys.chat(id), queryFn: () => api.get<ConsoleChat>(`/api/console/chats/${id}`) });
/** The requester's context beside a chat (context-panel.tsx); the chat page asks for it with the chat. */
export const contextQuery = (id: number) => ({ queryKey: keys.context(id), queryFn: () => api.get<ChatContext>(`/api/console/chats/${id}/context`) });
export const useChatContext = (id: number) => useQuery(contextQuery(id));
export const useNotes = (id: number) => useQuery({ queryKey: keys.notes(id), queryFn: () => api.get<Note[]>(`/api/console/chats/${id}/notes`) });
export const useTickets = () => useQuery({ queryKey: keys.tickets, queryFn: () => api.get<TicketSummary[]>('/api/console/tickets') });
export const useTicket = (id: number) => useQuery({ queryKey: keys.ticket(id), queryFn: () => api.get<TicketDetail>(`/api/console/tickets/${id}`) });
