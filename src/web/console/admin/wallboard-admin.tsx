/**
 * The wallboard's settings (services/wallboard.ts): the service level's target, and which
 * technicians besides the admins may open the wallboard (each sees their own boards and companies).
 */
import { useEffect, useId, useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { api } from '../../common/api.js';
import { ErrorBanner } from '../../common/error-banner.js';
import type { WallboardSettings } from '../../../shared/wallboard.js';
import { Feedback } from './feedback.js';
import { useSave, useTechs } from './admin-data.js';

export function WallboardAdmin() {
  const settings = useQuery({ queryKey: ['console', 'admin', 'wallboard'], queryFn: () => api.get<WallboardSettings>('/api/admin/wallboard') });
  const techs = useTechs();
  const save = useSave();
  const id = useId();
  const [target, setTarget] = useState('60');
  const [viewers, setViewers] = useState<Set<number>>(new Set());
  useEffect(() => {
    if (!settings.data) return;
    setTarget(String(settings.data.serviceLevelTargetSeconds));
    setViewers(new Set(settings.data.viewerIds));
  }, [settings.data]);
  if (!settings.data || !techs.data) return <ErrorBanner error={settings.error ?? techs.error} />;
  const others = techs.data.filter((t) => t.role !== 'admin' && t.active);
  const toggle = (techId: number, on: boolean) =>
    setViewers((v) => {
      const next = new Set(v);
      if (on) next.add(techId);
      else next.delete(techId);
      return next;
    });
  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    void save.run('Wallboard settings saved', () =>
      api.put('/api/admin/wallboard', { serviceLevelTargetSeconds: Number(target), viewerIds: [...viewers].sort((a, b) => a - b) }),
    );
  };
  return (
    <form className="card stack" onSubmit={submit} aria-labelledby={`${id}-h`}>
      <h2 id={`${id}-h`}>Wallboard</h2>
      <Feedback {...save} />
      <label className="stack">
        Service level target, in seconds
        <input
          type="number"
          min={5}
          max={3600}
          required
          value={target}
          onChange={(e) => setTarget(e.target.value)}
          aria-describedby={`${id}-target-hint`}
          data-testid="wallboard-target"
        />
      </label>
      <p id={`${id}-target-hint`} className="muted">
        The wallboard's service level is the share of the last hour's chats first joined within this time.
      </p>
      <fieldset className="stack">
        <legend>Technicians who may open the wallboard</legend>
        <p className="muted">Admins always may. A technician allowed here sees the figures of their own boards and companies only.</p>
        {others.length === 0 && <p className="muted">No other technicians yet.</p>}
        {others.map((t) => (
          <label key={t.id} className="row">
            <input type="checkbox" checked={viewers.has(t.id)} onChange={(e) => toggle(t.id, e.target.checked)} />
            {t.name}
          </label>
        ))}
      </fieldset>
      <div>
        <button type="submit" disabled={save.busy}>
          Save
        </button>
      </div>
    </form>
  );
}
