/** Completed chats: words in messages, subject and notes, plus SPEC's filters; newest first. */
import { useId, useState, type FormEvent, type ReactNode } from 'react';
import { useQuery } from '@tanstack/react-query';
import { api } from '../common/api.js';
import { ErrorBanner } from '../common/error-banner.js';
import { formatDateTime } from '../common/format.js';
import { Link } from '../common/router.js';
import { OUTCOME_TEXT } from './chat-facts.js';
import { Snippet } from './snippet.js';
import { nobodyJoinedShort } from './chat-facts.js';
import { keys, useDirectory, type SearchResult } from './queries.js';

const FIELDS = ['q', 'companyId', 'requesterId', 'techId', 'boardId', 'outcome', 'rating', 'ticketId', 'from', 'to'] as const;
type Filters = Record<(typeof FIELDS)[number], string>;
const empty: Filters = Object.fromEntries(FIELDS.map((f) => [f, ''])) as Filters;

/** The rating choices of the form, as the API's filters (minRating, maxRating, unrated). */
const RATINGS: Record<string, { label: string; params: Record<string, string> }> = {
  poor: { label: '1 or 2 (poor)', params: { maxRating: '2' } },
  ok: { label: '3', params: { minRating: '3', maxRating: '3' } },
  good: { label: '4 or 5 (good)', params: { minRating: '4' } },
  none: { label: 'Not rated', params: { unrated: 'true' } },
};

function fromUrl(): Filters {
  const p = new URLSearchParams(location.search);
  const f = Object.fromEntries(FIELDS.map((k) => [k, p.get(k) ?? ''])) as Filters;
  const asked = Object.fromEntries(['minRating', 'maxRating', 'unrated'].flatMap((k) => (p.get(k) ? [[k, p.get(k)]] : [])));
  f.rating = Object.entries(RATINGS).find(([, r]) => JSON.stringify(r.params) === JSON.stringify(asked))?.[0] ?? '';
  return f;
}
const toQuery = (f: Filters) => {
  const { rating, ...rest } = f;
  return new URLSearchParams([...Object.entries(rest).filter(([, v]) => v.trim() !== ''), ...Object.entries(RATINGS[rating]?.params ?? {})]).toString();
};

/** Where the snippet's match is: notes are the techs' own, messages were seen by the requester. */
const SNIPPET_IN = { subject: 'In the subject', message: 'In a message', note: 'In a note' } as const;

export function SearchPage() {
  const dir = useDirectory();
  const id = useId();
  const [form, setForm] = useState<Filters>(fromUrl);
  // The query that ran is kept in the address, so Back from a result returns to the same list.
  const [query, setQuery] = useState(() => toQuery(fromUrl()));
  const results = useQuery({ queryKey: keys.search(query), queryFn: ({ signal }) => api.get<SearchResult[]>(`/api/console/search?${query}`, { signal }) });
  const set = (k: keyof Filters) => (e: { target: { value: string } }) => setForm((f) => ({ ...f, [k]: e.target.value }));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const q = toQuery(form);
    history.replaceState(null, '', `/console/search${q ? `?${q}` : ''}`);
    // The same search again means "look again": notes and chats may have changed since.
    if (q === query) void results.refetch();
    else setQuery(q);
  };
  const users = (dir.data?.portalUsers ?? []).filter((u) => !form.companyId || u.companyId === Number(form.companyId));
  const field = (k: keyof Filters, label: string, input: ReactNode) => (
    <div className="field">
      <label htmlFor={`${id}-${k}`}>{label}</label>
      {input}
    </div>
  );
  const select = (k: keyof Filters, options: { id: number; name: string }[]) => (
    <select id={`${id}-${k}`} value={form[k]} onChange={set(k)}>
      <option value="">Any</option>
      {options.map((o) => (
        <option key={o.id} value={o.id}>
          {o.name}
        </option>
      ))}
    </select>
  );

  return (
    <main className="app-main" id="main">
      <h1>Search completed chats</h1>
      {/* biome-ignore lint/a11y/useSemanticElements: a form with role="search" is the landmark screen readers know best */}
      <form className="card search-form" onSubmit={submit} role="search" aria-label="Completed chats">
        {field('q', 'Words', <input id={`${id}-q`} type="search" value={form.q} onChange={set('q')} maxLength={200} />)}
        {field('companyId', 'Company', select('companyId', dir.data?.companies ?? []))}
        {field('requesterId', 'Requester', select('requesterId', users))}
        {field('techId', 'Technician', select('techId', dir.data?.techs ?? []))}
        {field('boardId', 'Board', select('boardId', dir.data?.boards ?? []))}
        {field(
          'outcome',
          'Outcome',
          <select id={`${id}-outcome`} value={form.outcome} onChange={set('outcome')}>
            <option value="">Any</option>
            <option value="ended">Ended</option>
            <option value="ticket_created">Ticket created</option>
            <option value="none">Completed without outcome (abandoned or callback)</option>
          </select>,
        )}
        {field(
          'rating',
          "Requester's rating",
          <select id={`${id}-rating`} value={form.rating} onChange={set('rating')}>
            <option value="">Any</option>
            {Object.entries(RATINGS).map(([k, r]) => (
              <option key={k} value={k}>
                {r.label}
              </option>
            ))}
          </select>,
        )}
        {field(
          'ticketId',
          'Ticket number',
          <input id={`${id}-ticketId`} inputMode="numeric" pattern="[0-9]*" value={form.ticketId} onChange={set('ticketId')} />,
        )}
        {field('from', 'Completed from', <input id={`${id}-from`} type="date" value={form.from} onChange={set('from')} />)}
        {field('to', 'Completed to', <input id={`${id}-to`} type="date" value={form.to} onChange={set('to')} />)}
        <div className="row search-buttons">
          <button type="submit">Search</button>
          <button
            type="button"
            className="secondary"
            onClick={() => {
              setForm(empty);
              history.replaceState(null, '', '/console/search');
              setQuery('');
            }}
          >
            Clear
          </button>
        </div>
      </form>
      <ErrorBanner error={results.error} />
      <section aria-label="Results" aria-busy={results.isFetching}>
        {results.data && (
          <p className="muted" role="status">
            {results.data.length === 0 ? 'No completed chats match.' : `${results.data.length} chat${results.data.length === 1 ? '' : 's'}, newest first`}
          </p>
        )}
        <ol className="results">
          {results.data?.map((r) => (
            <li key={r.id} className="card result" data-testid="search-result">
              <Link to={`/console/chats/${r.id}`}>
                <strong>{r.subject}</strong>
              </Link>
              <div className="muted">
                {r.requester.name} · {r.company.name} · {r.board.name} · {r.techs.length ? r.techs.map((t) => t.name).join(', ') : nobodyJoinedShort(r)} ·{' '}
                {OUTCOME_TEXT[r.outcome ?? ''] ?? 'Completed'}
                {r.rating && <span data-testid="result-rating"> · rated {r.rating.score} of 5</span>} · {formatDateTime(r.completedAt)}
                {(r.createdTicketId ?? r.ticketId) !== null && ` · ticket #${r.createdTicketId ?? r.ticketId}`}
              </div>
              {r.snippet && (
                <p className="pre">
                  {r.snippetIn && (
                    <span className="snippet-in" data-testid="snippet-in">
                      {SNIPPET_IN[r.snippetIn]}:
                    </span>
                  )}{' '}
                  <Snippet text={r.snippet} />
                </p>
              )}
            </li>
          ))}
        </ol>
      </section>
    </main>
  );
}
