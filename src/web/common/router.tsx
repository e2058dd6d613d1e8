/** A minimal history router: the server answers every page path with the same HTML, and the app picks the page. */
import { useEffect, useState, type AnchorHTMLAttributes, type MouseEvent } from 'react';

import { BASE } from './embed.js';

const withBase = (to: string) => (to.startsWith('/') && !to.startsWith('/api/') ? BASE + to : to);
const appPath = () => location.pathname.slice(BASE.length) || '/';

const listeners = new Set<() => void>();
window.addEventListener('popstate', () => {
  for (const l of listeners) l();
});

export function navigate(to: string, opts: { replace?: boolean } = {}) {
  if (opts.replace) history.replaceState(null, '', withBase(to));
  else history.pushState(null, '', withBase(to));
  for (const l of listeners) l();
  window.scrollTo(0, 0);
}

export function usePath(): string {
  const [path, setPath] = useState(appPath);
  useEffect(() => {
    const l = () => setPath(appPath());
    listeners.add(l);
    return () => {
      listeners.delete(l);
    };
  }, []);
  return path;
}

/** Matches "/chats/:id" style patterns; numeric params only, which is all the app uses. */
export function match(pattern: string, path: string): Record<string, number> | null {
  const p = pattern.split('/');
  const a = path.replace(/\/+$/, '').split('/');
  if (p.length !== a.length) return null;
  const out: Record<string, number> = {};
  for (let i = 0; i < p.length; i++) {
    if (p[i].startsWith(':')) {
      if (!/^\d+$/.test(a[i])) return null;
      out[p[i].slice(1)] = Number(a[i]);
    } else if (p[i] !== a[i]) return null;
  }
  return out;
}

export function Link({ to, onClick, ...rest }: AnchorHTMLAttributes<HTMLAnchorElement> & { to: string }) {
  const click = (e: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(e);
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(to);
  };
  return <a href={withBase(to)} onClick={click} {...rest} />;
}

/** Names the page in the tab and for screen readers when the view changes. */
export function useDocumentTitle(title: string, app: string) {
  useEffect(() => {
    document.title = title ? `${title} · ${app}` : app;
  }, [title, app]);
}
