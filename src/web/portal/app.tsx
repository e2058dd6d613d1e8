import { useCallback, useEffect, useRef } from 'react';
import { clearAllDrafts } from '../common/drafts.js';
import { useQueryClient } from '@tanstack/react-query';
import { api } from '../common/api.js';
import { SessionGate } from '../common/session-gate.js';
import { Brand, useBrandAccent } from '../common/branding.js';
import { ThemeSwitch } from '../common/theme-switch.js';
import { ConnectionBanner } from '../common/connection-banner.js';
import { Link, match, navigate, useDocumentTitle, usePath } from '../common/router.js';
import { closeSocket, getSocket, useSessionWatch, useSocketEvent } from '../common/socket.js';
import { SERVER_EVENTS, type PortalServerEvents } from '../../shared/realtime.js';
import { isOpen, keys, useChats, useMe, type Me } from './queries.js';
import { HomePage } from './home-page.js';
import { TicketPage } from './ticket-page.js';
import { NewRequestPage } from './new-request-page.js';
import { ChatPage } from './chat-page.js';
import { useWidgetEscape, useWidgetIdentity } from './widget-identity.js';
import { AccountPage } from './account-page.js';
import { PageErrorBoundary } from '../common/page-errors.js';

export function PortalApp() {
  const me = useMe();
  useBrandAccent();
  const refused = useWidgetIdentity(me.isSuccess);
  useWidgetEscape();
  return (
    <SessionGate
      me={me}
      audience="portal"
      title="Client Portal: log in"
      notice={
        refused && (
          <p className="banner banner-error" role="alert" data-testid="widget-refused">
            {refused}
          </p>
        )
      }
    >
      {(me) => <LoggedIn me={me} />}
    </SessionGate>
  );
}

function LoggedIn({ me }: { me: Me }) {
  const qc = useQueryClient();
  const socket = getSocket('/portal');
  useSessionWatch(socket, '/api/portal/me');
  const path = usePath();
  // After in-app navigation the focused link is gone: start keyboard and screen reader at the new page.
  const pageRef = useRef<HTMLDivElement>(null);
  const firstPath = useRef(path);
  useEffect(() => {
    if (path !== firstPath.current) pageRef.current?.focus();
    firstPath.current = '';
  }, [path]);

  // Any change to one of my chats refreshes the lists that show it.
  const onChat = useCallback<PortalServerEvents['chat']>(
    (c) => {
      void qc.invalidateQueries({ queryKey: keys.chats });
      void qc.invalidateQueries({ queryKey: keys.chat(c.id) });
      if (c.ticketId) void qc.invalidateQueries({ queryKey: keys.ticket(c.ticketId) });
    },
    [qc],
  );
  useSocketEvent(socket, SERVER_EVENTS.chat, onChat);
  // After a reconnect, events may have been missed: re-read what is on screen.
  useEffect(() => {
    const reread = () => void qc.invalidateQueries({ queryKey: ['portal'] });
    socket.on('connect', reread);
    socket.on(SERVER_EVENTS.resync, reread);
    return () => {
      socket.off('connect', reread);
      socket.off(SERVER_EVENTS.resync, reread);
    };
  }, [socket, qc]);

  const logout = async () => {
    try {
      await api.post('/api/auth/portal/logout');
    } finally {
      clearAllDrafts();
      closeSocket('/portal');
      navigate('/', { replace: true });
      // Resetting (not just clearing) makes the mounted "me" query ask again, and get the login page.
      void qc.resetQueries();
    }
  };

  return (
    <>
      <header className="app-header">
        <Link to="/" className="brand">
          <Brand app="Client Portal" />
        </Link>
        <nav aria-label="Main">
          <Link to="/">My tickets and chats</Link>
          <Link to="/new">New request</Link>
          <ThemeSwitch />
          <Link to="/account" aria-current={path === '/account' ? 'page' : undefined} title="My account">
            <span className="visually-hidden">My account: </span>
            {me.name} · {me.company.name}
          </Link>
          <button type="button" className="link-button" onClick={logout}>
            Log out
          </button>
        </nav>
      </header>
      <ConnectionBanner socket={socket} />
      <OfferNotice path={path} />
      <div ref={pageRef} tabIndex={-1} className="page-focus">
        <PageErrorBoundary key={path}>
          <Page path={path} me={me} />
        </PageErrorBoundary>
      </div>
    </>
  );
}

/** The wait offer reaches the user on any page, not only on the chat they are waiting in. */
function OfferNotice({ path }: { path: string }) {
  const chats = useChats();
  const offered = (chats.data ?? []).find((c) => isOpen(c) && c.offerPending && path !== `/chats/${c.id}`);
  if (!offered) return null;
  return (
    <div className="banner banner-warn" role="alert">
      <span>No technician has joined your chat “{offered.subject}” yet. You can keep waiting, ask for a callback, or leave.</span>
      <Link to={`/chats/${offered.id}`} className="button">
        See the options
      </Link>
    </div>
  );
}

const TITLES: Record<string, string> = { '/': 'My tickets and chats', '/new': 'New request', '/account': 'My account' };

function Page({ path, me }: { path: string; me: Me }) {
  useDocumentTitle(TITLES[path] ?? (path.startsWith('/chats/') ? 'Chat' : path.startsWith('/tickets/') ? 'Ticket' : 'Page not found'), 'Client Portal');
  let m: Record<string, number> | null;
  if ((m = match('/tickets/:id', path))) return <TicketPage key={m.id} id={m.id} />;
  if ((m = match('/chats/:id', path))) return <ChatPage key={m.id} id={m.id} me={me} />;
  if (path === '/new') return <NewRequestPage />;
  if (path === '/account') return <AccountPage />;
  if (path === '/' || path === '') return <HomePage />;
  return (
    <main className="app-main">
      <h1>Page not found</h1>
      <Link to="/">Back to my tickets and chats</Link>
    </main>
  );
}
