/**
 * What a page does when it cannot be shown, instead of leaving the whole app blank.
 *
 * - `lazyPage`: a page whose code loads when first opened (React.lazy). When its file cannot be
 *   fetched (the server was upgraded while this tab was open, and the old build's files are gone;
 *   or the network dropped), the tab reloads once to get the current build. A second failure soon
 *   after is not reloaded again (no loop): the page says so, with a Reload button.
 * - `PageErrorBoundary`: any error while showing a page is shown in its place, with a Reload
 *   button; the rest of the app (navigation, chat tabs, the connection) keeps working, and going
 *   to another page clears it (it is keyed by the path where it is used).
 */
import { Component, lazy, type ComponentType, type ReactNode } from 'react';

/** A page's code could not be loaded. */
export class PageCodeUnavailable extends Error {
  constructor(cause: unknown) {
    super('The page could not be loaded', { cause });
    this.name = 'PageCodeUnavailable';
  }
}

/** When the tab last reloaded for a missing file (so it does it once, not in a loop). */
const RELOADED_AT = 'helpdesk.reloadedForCode';
const RELOAD_AGAIN_AFTER_MS = 60_000;

function reloadOnce(): boolean {
  try {
    const last = Number(sessionStorage.getItem(RELOADED_AT) ?? 0);
    if (Date.now() - last < RELOAD_AGAIN_AFTER_MS) return false;
    sessionStorage.setItem(RELOADED_AT, String(Date.now()));
  } catch {
    // No storage (privacy settings): never reload by itself, the page offers the button.
    return false;
  }
  window.location.reload();
  return true;
}

export function lazyPage<P extends object>(load: () => Promise<ComponentType<P>>) {
  return lazy(async () => {
    try {
      return { default: await load() };
    } catch (err) {
      // Reloading: the promise never settles, so nothing flashes before the new page comes.
      if (reloadOnce()) return new Promise<never>(() => {});
      throw new PageCodeUnavailable(err);
    }
  });
}

type BoundaryProps = { children: ReactNode };

export class PageErrorBoundary extends Component<BoundaryProps, { error: Error | null }> {
  override state: { error: Error | null } = { error: null };

  static getDerivedStateFromError(error: Error) {
    return { error };
  }

  override componentDidCatch(error: Error) {
    console.error(error);
  }

  override render() {
    const { error } = this.state;
    if (!error) return this.props.children;
    const missing = error instanceof PageCodeUnavailable;
    return (
      // In the page's place, so it is the page's main region too (the skip link leads to it).
      <main className="page-error" id="main" data-testid="page-error">
        <div role="alert">
          <h1>{missing ? 'This page could not be loaded' : 'This page could not be shown'}</h1>
          <p>
            {missing
              ? 'The app may have been updated, or the connection dropped. Reload to get the current version.'
              : 'Something went wrong while showing it. Reload the page; your chats and messages are kept.'}
          </p>
        </div>
        <button type="button" onClick={() => window.location.reload()}>
          Reload
        </button>
      </main>
    );
  }
}
