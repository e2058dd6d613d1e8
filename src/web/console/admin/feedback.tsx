import { ErrorBanner } from '../../common/error-banner.js';

/** The outcome of the last admin change: the server's refusal, or what was saved. */
export function Feedback({ error, done, clear }: { error: unknown; done: string | null; clear: () => void }) {
  return (
    <div role="status" aria-live="polite">
      <ErrorBanner error={error} onDismiss={clear} />
      {done && !error && <p className="banner banner-ok">{done}</p>}
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
