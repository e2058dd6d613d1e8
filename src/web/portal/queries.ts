/** The portal's reads, one query key each, so pages share and refresh them together. */
import { useQuery } from '@tanstack/react-query';
import { api } from '../common/api.js';
import type { OfficeHoursInfo, PortalChat, TicketDetail, TicketSummary } from '../common/types.js';

export type { PortalMe as Me, PortalChatDetail } from '../../shared/views.js';
import type { PortalMe as Me, PortalChatDetail } from '../../shared/views.js';

export const keys = {
  me: ['portal', 'me'] as const,
  tickets: ['portal', 'tickets'] as const,
  ticket: (id: number) => ['portal', 'tickets', id] as const,
  chats: ['portal', 'chats'] as const,
  chat: (id: number) => ['portal', 'chats', id] as const,
  boards: ['portal', 'boards'] as const,
  officeHours: ['portal', 'office-hours'] as const,
};

export const useMe = () => useQuery({ queryKey: keys.me, queryFn: () => api.get<Me>('/api/portal/me'), staleTime: Infinity });
export const useTickets = () => useQuery({ queryKey: keys.tickets, queryFn: () => api.get<TicketSummary[]>('/api/portal/tickets') });
export const useTicket = (id: number) => useQuery({ queryKey: keys.ticket(id), queryFn: () => api.get<TicketDetail>(`/api/portal/tickets/${id}`) });
export const useChats = () => useQuery({ queryKey: keys.chats, queryFn: () => api.get<PortalChat[]>('/api/portal/chats') });
export const useBoards = () => useQuery({ queryKey: keys.boards, queryFn: () => api.get<{ id: number; name: string }[]>('/api/portal/boards') });
// Open/closed changes with the clock: re-read every minute.
export const useOfficeHours = () =>
  useQuery({ queryKey: keys.officeHours, queryFn: () => api.get<OfficeHoursInfo>('/api/portal/office-hours'), refetchInterval: 60000 });
/** The queue position has no live event of its own, so a waiting chat re-reads it every few seconds. */
export const useChatDetail = (id: number, waiting: boolean) =>
  useQuery({ queryKey: keys.chat(id), queryFn: () => api.get<PortalChatDetail>(`/api/portal/chats/${id}`), refetchInterval: waiting ? 5000 : false });

export const isOpen = (c: { status: string }) => c.status === 'waiting' || c.status === 'active';
