/**
 * A company's website widget (services/widget.ts): whether its website may show the chat, from
 * which addresses, the one script tag to paste there, and the secret its server signs users
 * with (shown once, when made).
 */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState, type FormEvent } from 'react';
import { api } from '../../common/api.js';
import { ErrorBanner } from '../../common/error-banner.js';
import { ConfirmDialog } from '../../common/modal.js';
import type { useSave } from './admin-data.js';

type Widget = { enabled: boolean; key: string | null; origins: string[]; hasSecret: boolean };

export function CompanyWidget({ companyId, companyName, save }: { companyId: number; companyName: string; save: ReturnType<typeof useSave> }) {
  const [open, setOpen] = useState(false);
  return (
    <details className="company-widget" onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary>Website widget</summary>
      {open && <WidgetForm companyId={companyId} companyName={companyName} save={save} />}
    </details>
  );
}

function WidgetForm({ companyId, companyName, save }: { companyId: number; companyName: string; save: ReturnType<typeof useSave> }) {
  const qc = useQueryClient();
  const key = ['admin', 'widget', companyId];
  const widget = useQuery({ queryKey: key, queryFn: () => api.get<Widget>(`/api/admin/companies/${companyId}/widget`) });
  // A new secret, shown once: kept here, not in the editor, which starts again from what is saved after each change.
  const [secret, setSecret] = useState<string | null>(null);
  if (widget.error) return <ErrorBanner error={widget.error} />;
  if (!widget.data) return <p>Loading…</p>;
  const refresh = () => qc.invalidateQueries({ queryKey: key });
  return (
    <WidgetEditor
      key={JSON.stringify(widget.data)}
      initial={widget.data}
      companyId={companyId}
      companyName={companyName}
      save={save}
      refresh={refresh}
      secret={secret}
      setSecret={setSecret}
    />
  );
}

function WidgetEditor(props: {
  initial: Widget;
  companyId: number;
  companyName: string;
  save: ReturnType<typeof useSave>;
  refresh: () => Promise<unknown>;
  secret: string | null;
  setSecret: (s: string) => void;
}) {
  const { initial, companyId, companyName, save, secret, setSecret } = props;
  const id = useId();
  const [enabled, setEnabled] = useState(initial.enabled);
  const [origins, setOrigins] = useState(initial.origins.join('\n'));
  const [confirmRotate, setConfirmRotate] = useState(false);
  const base = `/api/admin/companies/${companyId}/widget`;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const list = origins
      .split(/\s+/)
      .map((o) => o.trim())
      .filter(Boolean);
    void save.run(enabled ? `Website widget of ${companyName} saved` : `Website widget of ${companyName} turned off`, async () => {
      await api.put(base, { enabled, origins: list });
      await props.refresh();
    });
  };
  const rotate = async () => {
    const r = await api.post<{ secret: string }>(`${base}/secret`);
    setSecret(r.secret);
    await props.refresh();
  };
  const snippet = initial.key ? `<script src="${location.origin}/widget.js" data-key="${initial.key}" async></script>` : '';
  return (
    <div className="stack">
      <form className="stack" onSubmit={submit} aria-label={`Website widget of ${companyName}`}>
        <label className="row">
          <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} />
          Show a chat button on {companyName}'s website
        </label>
        {enabled && (
          <>
            <label htmlFor={`${id}-origins`}>Website addresses that may show it, one per line</label>
            <textarea
              id={`${id}-origins`}
              rows={3}
              value={origins}
              onChange={(e) => setOrigins(e.target.value)}
              placeholder="https://intranet.example.com"
              aria-describedby={`${id}-origins-hint`}
            />
            <p id={`${id}-origins-hint`} className="field-hint">
              Only the scheme and host, like https://intranet.example.com. Pages elsewhere cannot show the chat.
            </p>
          </>
        )}
        <div>
          <button type="submit" className="secondary" disabled={save.busy}>
            Save website widget
          </button>
        </div>
      </form>
      {initial.enabled && (
        <>
          <label htmlFor={`${id}-snippet`}>Paste this into the website's pages</label>
          <textarea id={`${id}-snippet`} readOnly rows={2} value={snippet} className="mono" data-testid="widget-snippet" />
          <p className="muted">
            {initial.hasSecret
              ? 'A signing secret is set: the website can sign its users in (docs: Website widget).'
              : 'No signing secret yet: visitors log in inside the chat. Make one to let the website sign its users in.'}
          </p>
          {secret && (
            <p className="banner banner-ok" role="status" data-testid="widget-secret">
              New signing secret, shown only now: <code>{secret}</code>
            </p>
          )}
          <div>
            <button type="button" className="secondary" onClick={() => (initial.hasSecret ? setConfirmRotate(true) : void rotate())}>
              {initial.hasSecret ? 'Make a new signing secret…' : 'Make a signing secret'}
            </button>
          </div>
        </>
      )}
      {confirmRotate && (
        <ConfirmDialog
          title="Make a new signing secret?"
          message="The website's server must then sign with the new one: sign-ins signed with the old secret stop working at once."
          confirmLabel="Make a new secret"
          onConfirm={rotate}
          onClose={() => setConfirmRotate(false)}
        />
      )}
    </div>
  );
}
