/** The provider's name, accent colour and logo, shown on both apps, and the word portal users see for a board (services/branding.ts checks them). */
import { useQueryClient } from '@tanstack/react-query';
import { useId, useState, type CSSProperties, type FormEvent } from 'react';
import { api } from '../../common/api.js';
import { BRANDING_KEY, useBranding } from '../../common/branding.js';
import { ConfirmDialog } from '../../common/modal.js';
import { ACCENT_PATTERN, LIGHT_BG, MIN_CONTRAST, accentPair, accentReadable, contrast } from '../../../shared/colour.js';
import type { Branding } from '../../../shared/views.js';
import { flash } from '../../common/flash.js';
import { Feedback } from './feedback.js';
import { useSave } from './admin-data.js';

const PRODUCT_ACCENT = '#0b5cad';

export function BrandingAdmin() {
  const branding = useBranding();
  // The form starts from what is saved, once it has been read.
  return <BrandingForm key={`${branding.name}|${branding.accentColor}|${branding.boardWord}`} initial={branding} />;
}

function AccentPreview({ accent }: { accent: string }) {
  const pair = accentPair(accent);
  const vars = { '--preview': pair.light, '--preview-fg': pair.lightFg, '--preview-dark': pair.dark, '--preview-dark-fg': pair.darkFg } as CSSProperties;
  return (
    <p className="row" style={vars}>
      <span className="accent-sample">Button text</span>
      <span className="accent-sample-link">A link in this colour</span>
    </p>
  );
}

function BrandingForm({ initial }: { initial: Branding }) {
  const qc = useQueryClient();
  const save = useSave();
  const id = useId();
  const [name, setName] = useState(initial.name);
  const [own, setOwn] = useState(initial.accentColor !== null);
  const [accent, setAccent] = useState(initial.accentColor ?? PRODUCT_ACCENT);
  const [boardWord, setBoardWord] = useState(initial.boardWord);
  const [confirmRemove, setConfirmRemove] = useState(false);
  const valid = ACCENT_PATTERN.test(accent);
  const readable = valid && accentReadable(accent);
  const refresh = () => qc.invalidateQueries({ queryKey: BRANDING_KEY });

  const submit = (e: FormEvent) => {
    e.preventDefault();
    void save.run('Branding saved', async () => {
      await api.put('/api/admin/branding', { name, accentColor: own ? accent : null, boardWord });
      await refresh();
    });
  };
  const upload = (file: File | undefined) => {
    if (!file) return;
    void save.run('Logo saved', async () => {
      await api.put('/api/admin/branding/logo', file);
      await refresh();
    });
  };

  return (
    <>
      <Feedback {...save} />
      <form className="card stack" onSubmit={submit} aria-labelledby={`${id}-h`}>
        <h2 id={`${id}-h`}>Name, colour and words</h2>
        <p className="muted">Shown to portal users and techs in the header of both apps and on the login pages.</p>
        <label htmlFor={`${id}-name`}>Your organisation's name</label>
        <input id={`${id}-name`} required maxLength={80} value={name} onChange={(e) => setName(e.target.value)} />
        <fieldset className="checklist">
          <legend>Accent colour</legend>
          <label className="row">
            <input type="radio" name={`${id}-own`} checked={!own} onChange={() => setOwn(false)} />
            The product's own blue
          </label>
          <label className="row">
            <input type="radio" name={`${id}-own`} checked={own} onChange={() => setOwn(true)} />
            Our colour
          </label>
        </fieldset>
        {own && (
          <div className="stack">
            <div className="row">
              <label htmlFor={`${id}-picker`}>Colour</label>
              <input
                id={`${id}-picker`}
                type="color"
                className="colour-picker"
                value={valid ? accent : PRODUCT_ACCENT}
                onChange={(e) => setAccent(e.target.value)}
              />
              <label htmlFor={`${id}-hex`} className="visually-hidden">
                Colour as hex
              </label>
              <input
                id={`${id}-hex`}
                className="auto hex"
                value={accent}
                onChange={(e) => setAccent(e.target.value.trim())}
                aria-describedby={`${id}-contrast`}
              />
            </div>
            <p id={`${id}-contrast`} className={readable ? 'field-hint' : 'field-error'} data-testid="accent-contrast">
              {!valid
                ? 'Write the colour as # and six hex digits, like #0b5cad.'
                : readable
                  ? `Contrast ${contrast(accent, LIGHT_BG).toFixed(1)}:1 — readable as text and behind white text. The dark theme uses a lighter shade of it.`
                  : `Contrast ${contrast(accent, LIGHT_BG).toFixed(1)}:1 — too light to read (at least ${MIN_CONTRAST}:1 is needed). Choose a darker shade.`}
            </p>
            {/* A preview of a colour that will be used: as the theme shows it (the dark theme's lighter shade). */}
            {readable && <AccentPreview accent={accent} />}
          </div>
        )}
        <label htmlFor={`${id}-word`}>What portal users see instead of “board”</label>
        <input
          id={`${id}-word`}
          required
          maxLength={30}
          pattern="\p{L}+([ \-]\p{L}+)*"
          value={boardWord}
          onChange={(e) => setBoardWord(e.target.value)}
          aria-describedby={`${id}-word-hint`}
        />
        <p id={`${id}-word-hint`} className="field-hint">
          For example Topic, Service or Category. The Tech Console keeps saying board.
        </p>
        <div>
          <button type="submit" disabled={save.busy || (own && !readable)}>
            Save name, colour and word
          </button>
        </div>
      </form>

      <section className="card stack" aria-labelledby={`${id}-lh`}>
        <h2 id={`${id}-lh`}>Logo</h2>
        {initial.logoUrl ? (
          <p className="row">
            <img className="logo-preview" src={initial.logoUrl} alt={`The current logo of ${initial.name}`} data-testid="logo-preview" />
            <button type="button" className="secondary" onClick={() => setConfirmRemove(true)}>
              Remove the logo…
            </button>
          </p>
        ) : (
          <p className="muted">No logo: the name is shown alone.</p>
        )}
        <label htmlFor={`${id}-logo`}>{initial.logoUrl ? 'Replace the logo' : 'Upload a logo'}</label>
        <input
          id={`${id}-logo`}
          type="file"
          accept="image/png,image/jpeg,image/webp"
          aria-describedby={`${id}-logo-hint`}
          onChange={(e) => {
            upload(e.target.files?.[0]);
            e.target.value = '';
          }}
        />
        <p id={`${id}-logo-hint`} className="field-hint">
          PNG, JPEG or WebP, at most 256 KB. Shown about 28 pixels high on a dark header: a light or transparent logo reads best.
        </p>
      </section>
      {confirmRemove && (
        <ConfirmDialog
          title="Remove the logo?"
          message="Both apps then show your organisation's name alone."
          confirmLabel="Remove the logo"
          onConfirm={() =>
            api
              .delete('/api/admin/branding/logo')
              .then(refresh)
              .then(() => flash('Logo removed'))
          }
          onClose={() => setConfirmRemove(false)}
        />
      )}
    </>
  );
}
