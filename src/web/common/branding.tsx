/**
 * The provider's name, logo and accent colour (set by an admin, read without a session): shown
 * in both apps' headers and login pages, the accent applied to the design tokens in both themes.
 */
import { useQuery } from '@tanstack/react-query';
import { useEffect } from 'react';
import { api } from './api.js';
import { accentPair } from '../../shared/colour.js';
import type { Branding } from '../../shared/views.js';

export const BRANDING_KEY = ['branding'] as const;
const DEFAULT: Branding = { name: 'Helpdesk', accentColor: null, logoUrl: null, boardWord: 'Topic' };

export function useBranding(): Branding {
  const q = useQuery({ queryKey: BRANDING_KEY, queryFn: () => api.get<Branding>('/api/branding'), staleTime: 60_000 });
  return q.data ?? DEFAULT;
}

/**
 * The word portal users see for a board, as a label ("Topic") and inside a sentence ("topic"; a
 * word with capitals after its first letter, such as "IT Service", is kept as it is).
 */
export function useBoardWord(): { label: string; inSentence: string } {
  const label = useBranding().boardWord;
  const inSentence = /\p{Lu}/u.test(label.slice(1)) ? label : label.charAt(0).toLowerCase() + label.slice(1);
  return { label, inSentence };
}

/** Sets the accent tokens (tokens.css --brand-accent-*) from the branding; none keeps the product's own. */
export function applyAccent(accent: string | null) {
  const style = document.documentElement.style;
  const names = ['--brand-accent-light', '--brand-accent-light-fg', '--brand-accent-dark', '--brand-accent-dark-fg'];
  if (!accent) {
    for (const n of names) style.removeProperty(n);
    return;
  }
  const pair = accentPair(accent);
  const values = [pair.light, pair.lightFg, pair.dark, pair.darkFg];
  for (const [i, n] of names.entries()) style.setProperty(n, values[i]);
}

/** Keeps the page's accent in step with the branding; call once at each app's root. */
export function useBrandAccent() {
  const { accentColor } = useBranding();
  useEffect(() => applyAccent(accentColor), [accentColor]);
}

/** The provider's logo and name above a login form. */
export function BrandLine() {
  const b = useBranding();
  return (
    <p className="brand-line">
      {b.logoUrl && <img className="brand-logo" src={b.logoUrl} alt="" />}
      <strong>{b.name}</strong>
    </p>
  );
}

/** The provider's logo (when there is one) and name, then which app this is. */
export function Brand({ app }: { app: string }) {
  const b = useBranding();
  return (
    <span className="brand-mark">
      {b.logoUrl && <img className="brand-logo" src={b.logoUrl} alt="" />}
      <strong data-testid="brand-name">{b.name}</strong> <span className="brand-app">{app}</span>
    </span>
  );
}
