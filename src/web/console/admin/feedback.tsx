import { useId } from 'react';
import { ErrorBanner } from '../../common/error-banner.js';

/**
 * A refusal of the last admin change, beside the form. What was saved is said by the confirmation
 * at the top of the screen (flash.tsx, from useSave), where the admin is looking on a long page.
 */
export function Feedback({ error, clear }: { error: unknown; done: string | null; clear: () => void }) {
  return (
    <div role="status" aria-live="polite">
      <ErrorBanner error={error} onDismiss={clear} />
    </div>
  );
}

/** Whether any of `fields` contains every word of `q` (case and accents aside). */
export function matches(q: string, ...fields: (string | null | undefined)[]): boolean {
  const fold = (s: string) => s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
  const hay = fold(fields.filter(Boolean).join(' '));
  return fold(q)
    .split(/\s+/)
    .filter(Boolean)
    .every((w) => hay.includes(w));
}

/** A search box over a long admin list, saying how many of how many are shown. */
export function ListFilter({
  label,
  value,
  onChange,
  shown,
  total,
}: {
  label: string;
  value: string;
  onChange: (q: string) => void;
  shown: number;
  total: number;
}) {
  const id = useId();
  return (
    <div className="stack list-filter">
      <label htmlFor={id}>{label}</label>
      <input id={id} type="search" value={value} onChange={(e) => onChange(e.target.value)} aria-describedby={`${id}-n`} />
      <p id={`${id}-n`} className="muted" aria-live="polite" data-testid="list-count">
        {value.trim() ? `${shown} of ${total} shown` : `${total} in all`}
      </p>
    </div>
  );
}

/** A list of checkboxes for picking ids (boards offered, granted boards or companies). */
export function IdChecklist({
  legend,
  options,
  value,
  onChange,
}: {
  legend: string;
  options: { id: number; name: string }[];
  value: number[];
  onChange: (ids: number[]) => void;
}) {
  return (
    <fieldset className="checklist">
      <legend>{legend}</legend>
      {options.length === 0 && <p className="muted">None yet.</p>}
      {options.map((o) => (
        <label key={o.id} className="row">
          <input
            type="checkbox"
            checked={value.includes(o.id)}
            onChange={(e) => onChange(e.target.checked ? [...value, o.id] : value.filter((x) => x !== o.id))}
          />
          {o.name}
        </label>
      ))}
    </fieldset>
  );
}
