/** Admin reads and a save helper that refreshes every list an admin change may touch. */
import { useCallback, useState } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { api, errorMessage } from '../../common/api.js';
import { flash } from '../../common/flash.js';
import type { OfficeHoursInfo } from '../../common/types.js';
import { keys } from '../queries.js';

export type Named = { id: number; name: string };
export type { AdminCompany as Company, AdminTech as Tech, AdminPortalUser as PortalUser } from '../../../shared/views.js';
import type { AdminCompany as Company, AdminTech as Tech, AdminPortalUser as PortalUser } from '../../../shared/views.js';

export const useAdmin = <T>(what: 'companies' | 'boards' | 'techs' | 'portal-users' | 'office-hours') =>
  useQuery({ queryKey: keys.admin(what), queryFn: () => api.get<T>(`/api/admin/${what}`) });
export const useCompanies = () => useAdmin<Company[]>('companies');
export const useBoards = () => useAdmin<Named[]>('boards');
export const useTechs = () => useAdmin<Tech[]>('techs');
export const usePortalUsers = () => useAdmin<PortalUser[]>('portal-users');
export const useOfficeHoursAdmin = () => useAdmin<OfficeHoursInfo>('office-hours');

/** Runs one admin change; shows the server's message on refusal and a short confirmation on success. */
export function useSave() {
  const qc = useQueryClient();
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const run = useCallback(
    async (what: string, fn: () => Promise<unknown>) => {
      setBusy(true);
      setError(null);
      setDone(null);
      try {
        await fn();
        setDone(what);
        // Also where the admin is looking: a long page's own message may be off screen.
        flash(what);
        await qc.invalidateQueries({ queryKey: ['console', 'admin'] });
        void qc.invalidateQueries({ queryKey: keys.directory });
        void qc.invalidateQueries({ queryKey: keys.statusBar });
        return true;
      } catch (e) {
        setError(e);
        flash(errorMessage(e), 'error');
        return false;
      } finally {
        setBusy(false);
      }
    },
    [qc],
  );
  return { run, error, done, busy, clear: () => setError(null) };
}
