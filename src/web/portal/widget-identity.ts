/**
 * Inside the website widget's frame: asks the host page (widget.js) for the identity its server
 * signed, and signs that portal user in with it (services/widget.ts). Without one, or when the
 * host's signature is refused, the frame shows the portal's own login form, saying why.
 */
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { api, errorMessage } from '../common/api.js';
import { WIDGET_KEY } from '../common/embed.js';
import { keys } from './queries.js';

type Identity = { email: string; timestamp: number; signature: string };
const isIdentity = (x: unknown): x is Identity => {
  const i = x as Identity | null;
  return !!i && typeof i.email === 'string' && typeof i.timestamp === 'number' && typeof i.signature === 'string';
};

export function useWidgetIdentity(signedIn: boolean): string | null {
  const qc = useQueryClient();
  const [refused, setRefused] = useState<string | null>(null);
  useEffect(() => {
    if (!WIDGET_KEY || signedIn || window.parent === window) return;
    const key = WIDGET_KEY;
    const onMessage = (e: MessageEvent) => {
      if (e.source !== window.parent || e.data?.type !== 'helpdesk:identity' || !isIdentity(e.data.identity)) return;
      const { email, timestamp, signature } = e.data.identity;
      api
        .post('/api/auth/portal/widget', { key, email, timestamp, signature })
        .then(() => qc.resetQueries({ queryKey: keys.me }))
        .catch((err) => setRefused(`Your website could not sign you in (${errorMessage(err)}). Log in here instead.`));
    };
    window.addEventListener('message', onMessage);
    // Nothing secret in it: the host page answers only a frame from this server's origin.
    window.parent.postMessage({ type: 'helpdesk:ready' }, '*');
    return () => window.removeEventListener('message', onMessage);
  }, [signedIn, qc]);
  return refused;
}

/** In the widget's frame, Escape (with no dialog of the portal's open) closes the widget on the host page. */
export function useWidgetEscape() {
  useEffect(() => {
    if (!WIDGET_KEY || window.parent === window) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Escape' || e.defaultPrevented || document.querySelector('[role="dialog"], [role="alertdialog"]')) return;
      window.parent.postMessage({ type: 'helpdesk:close' }, '*');
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);
}
