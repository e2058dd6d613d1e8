/**
 * Managing canned replies: a tech's own (My replies page) or the shared ones (Admin). The same
 * form for both; shared ones may be limited to a board. Placeholders are explained where they
 * are written.
 */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState, type FormEvent, type ReactNode } from 'react';
import { api } from '../common/api.js';
import { ErrorBanner } from '../common/error-banner.js';
import { ConfirmDialog } from '../common/modal.js';
import type { CannedReply } from '../../shared/views.js';
import { Feedback, ListFilter, matches } from './admin/feedback.js';
import { useSave, type Named } from './admin/admin-data.js';
import { keys } from './queries.js';

type Scope = 'personal' | 'shared';
const BASE: Record<Scope, string> = { personal: '/api/console/canned-replies', shared: '/api/admin/canned-replies' };
const PLACEHOLDERS = '{first_name} (the requester’s first name), {tech_name} (yours), {company} (the requester’s company)';

export function CannedRepliesEditor({ scope, boards = [] }: { scope: Scope; boards?: Named[] }) {
  const qc = useQueryClient();
  const save = useSave();
  const list = useQuery({ queryKey: [...keys.canned(), scope], queryFn: () => api.get<CannedReply[]>(BASE[scope]) });
  const [q, setQ] = useState('');
  const all = (list.data ?? []).filter((r) => (scope === 'shared') === r.shared);
  const own = all.filter((r) => matches(q, r.shortcut, r.body));
  const sharedToo = scope === 'personal' ? (list.data ?? []).filter((r) => r.shared) : [];
  const run = (what: string, fn: () => Promise<unknown>) =>
    save.run(what, async () => {
      await fn();
      await qc.invalidateQueries({ queryKey: ['console', 'canned'] });
    });
  return (
    <>
      <Feedback {...save} />
      <ErrorBanner error={list.error} />
      <ReplyForm
        scope={scope}
        boards={boards}
        busy={save.busy}
        title="New canned reply"
        onSubmit={(v) => run(`Canned reply /${v.shortcut} added`, () => api.post(BASE[scope], v))}
      />
      <h2>{scope === 'shared' ? 'Shared replies' : 'My replies'}</h2>
      {list.isPending && <p>Loading…</p>}
      {list.data && all.length === 0 && <p className="muted">None yet.</p>}
      {all.length > 0 && <ListFilter label="Find a reply (shortcut or text)" value={q} onChange={setQ} shown={own.length} total={all.length} />}
      <ul className="admin-list" data-testid="canned-replies">
        {own.map((r) => (
          <li key={r.id}>
            <ReplyRow reply={r} scope={scope} boards={boards} busy={save.busy} run={run} />
          </li>
        ))}
      </ul>
      {scope === 'personal' && (
        <>
          <h2>Shared by your admins</h2>
          {sharedToo.length === 0 ? (
            <p className="muted">None.</p>
          ) : (
            <ul className="admin-list">
              {sharedToo.map((r) => (
                <li key={r.id} className="card">
                  <strong>/{r.shortcut}</strong> <span className="pre">{r.body}</span>
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </>
  );
}

type Values = { shortcut: string; body: string; boardId?: number | null };

function ReplyRow({
  reply,
  scope,
  boards,
  busy,
  run,
}: {
  reply: CannedReply;
  scope: Scope;
  boards: Named[];
  busy: boolean;
  run: (what: string, fn: () => Promise<unknown>) => Promise<boolean>;
}) {
  const [removing, setRemoving] = useState(false);
  return (
    <>
      <ReplyForm
        scope={scope}
        boards={boards}
        busy={busy}
        initial={reply}
        title={`/${reply.shortcut}`}
        onSubmit={(v) => run(`Canned reply /${v.shortcut} saved`, () => api.put(`${BASE[scope]}/${reply.id}`, v))}
        extra={
          <button type="button" className="secondary" onClick={() => setRemoving(true)}>
            Delete…
          </button>
        }
      />
      {removing && (
        <ConfirmDialog
          title={`Delete the canned reply /${reply.shortcut}?`}
          message="It is no longer offered in chats. Messages already sent keep their text."
          confirmLabel="Delete"
          onConfirm={() => run(`Canned reply /${reply.shortcut} deleted`, () => api.delete(`${BASE[scope]}/${reply.id}`))}
          onClose={() => setRemoving(false)}
        />
      )}
    </>
  );
}

function ReplyForm(props: {
  scope: Scope;
  boards: Named[];
  busy: boolean;
  title: string;
  initial?: CannedReply;
  onSubmit: (v: Values) => Promise<boolean>;
  extra?: ReactNode;
}) {
  const id = useId();
  const [shortcut, setShortcut] = useState(props.initial?.shortcut ?? '');
  const [body, setBody] = useState(props.initial?.body ?? '');
  const [boardId, setBoardId] = useState<number | null>(props.initial?.boardId ?? null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const v: Values = { shortcut: shortcut.trim().toLowerCase(), body, ...(props.scope === 'shared' ? { boardId } : {}) };
    if ((await props.onSubmit(v)) && !props.initial) {
      setShortcut('');
      setBody('');
      setBoardId(null);
    }
  };
  return (
    <form className="card stack" onSubmit={submit} aria-labelledby={`${id}-t`} data-testid="canned-form">
      {props.initial ? <h3 id={`${id}-t`}>{props.title}</h3> : <h2 id={`${id}-t`}>{props.title}</h2>}
      <label htmlFor={`${id}-s`}>Shortcut (typed after “/” in a chat)</label>
      <input
        id={`${id}-s`}
        required
        maxLength={40}
        pattern="[A-Za-z0-9][A-Za-z0-9_\-]*"
        value={shortcut}
        onChange={(e) => setShortcut(e.target.value)}
        aria-describedby={`${id}-sh`}
      />
      <p id={`${id}-sh`} className="field-hint">
        Letters, digits, - and _, for example vpn-reset.
      </p>
      <label htmlFor={`${id}-b`}>Text</label>
      <textarea id={`${id}-b`} required maxLength={4000} rows={3} value={body} onChange={(e) => setBody(e.target.value)} aria-describedby={`${id}-bh`} />
      <p id={`${id}-bh`} className="field-hint">
        Filled in when inserted: {PLACEHOLDERS}.
      </p>
      {props.scope === 'shared' && (
        <>
          <label htmlFor={`${id}-board`}>Offered in chats on</label>
          <select id={`${id}-board`} value={boardId ?? ''} onChange={(e) => setBoardId(e.target.value ? Number(e.target.value) : null)}>
            <option value="">Every board</option>
            {props.boards.map((b) => (
              <option key={b.id} value={b.id}>
                {b.name}
              </option>
            ))}
          </select>
        </>
      )}
      <div className="row">
        <button type="submit" disabled={props.busy}>
          {props.initial ? 'Save' : 'Add canned reply'}
        </button>
        {props.extra}
      </div>
    </form>
  );
}
