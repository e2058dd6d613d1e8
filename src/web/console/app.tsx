import { Suspense, useEffect, useRef, type ReactNode } from 'react';
import { useBottomOverlay } from '../common/bottom-overlay.js';
import { clearAllDrafts } from '../common/drafts.js';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { api, ApiError } from '../common/api.js';
import { ConnectionBanner } from '../common/connection-banner.js';
import { FlashBanner } from '../common/flash.js';
import { ErrorBanner } from '../common/error-banner.js';
import { SessionGate } from '../common/session-gate.js';
import { Brand, useBrandAccent } from '../common/branding.js';
import { ThemeSwitch } from '../common/theme-switch.js';
import { Link, match, navigate, useDocumentTitle, usePath } from '../common/router.js';
import { closeSocket, getSocket, useSessionWatch, type ConsoleSocket } from '../common/socket.js';
import { AlertToasts } from './alert-toasts.js';
import { OfferToasts } from './offer-toasts.js';
import { SignalSettings } from './signal-settings.js';
import { useMuted, useSoundBlocked } from './alert-signals.js';
import { ChatTabs } from './chat-tabs.js';
import { totalUnread, useUnread } from './unread.js';
import { ChatPage } from './chat-page.js';
import { SearchPage } from './search-page.js';
import { TicketsPage } from './tickets-page.js';
import { TicketPage } from './ticket-page.js';
import { CannedRepliesEditor } from './canned-replies-editor.js';
import { SetupPage } from './setup-page.js';
import { StatusBar } from './status-bar.js';
import { useStatusBarSync } from './status-bar-sync.js';
import { keys, useMe, useStatusBar, type Me, type SearchResult } from './queries.js';
import { formatDateTime } from '../common/format.js';
import { AccountPage, TwoFactorRequiredPage } from './account-page.js';
import { useWallboardAccess } from './wallboard-data.js';
import { lazyPage, PageErrorBoundary } from '../common/page-errors.js';

export function ConsoleApp() {
  const me = useMe();
  const qc = useQueryClient();
  useBrandAccent();
  // An admin requires two-factor and this tech has none yet: setting it up is all there is.
  if (me.error instanceof ApiError && me.error.code === 'totp_required')
    return <TwoFactorRequiredPage onLogout={() => void api.post('/api/auth/tech/logout').finally(() => qc.resetQueries())} />;
  return (
    <SessionGate me={me} audience="tech" title="Tech Console: log in" setup={(onLoggedIn) => <SetupPage onLoggedIn={onLoggedIn} />}>
      {(me) => <LoggedIn me={me} />}
    </SessionGate>
  );
}

function LoggedIn({ me }: { me: Me }) {
  const qc = useQueryClient();
  const socket = getSocket('/console');
  const path = usePath();
  const [muted, setMuted] = useMuted();
  useStatusBarSync(socket);
  useWaitingInTitle(path);
  useSessionWatch(socket, '/api/console/me');
  const chatMatch = match('/console/chats/:id', path);
  const wallboard = useWallboardAccess(me.role);

  const logout = async () => {
    try {
      await api.post('/api/auth/tech/logout');
    } finally {
      clearAllDrafts();
      closeSocket('/console');
      navigate('/console', { replace: true });
      void qc.resetQueries();
    }
  };

  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="app-header">
        <Link to="/console" className="brand">
          <Brand app="Tech Console" />
        </Link>
        <nav aria-label="Main">
          <Link to="/console" aria-current={path === '/console' ? 'page' : undefined}>
            Chats
          </Link>
          <Link to="/console/search" aria-current={path === '/console/search' ? 'page' : undefined}>
            Search
          </Link>
          <Link to="/console/tickets" aria-current={path.startsWith('/console/tickets') ? 'page' : undefined}>
            Tickets
          </Link>
          <Link to="/console/replies" aria-current={path === '/console/replies' ? 'page' : undefined}>
            Replies
          </Link>
          {me.maySeeReports && (
            <Link to="/console/reports" aria-current={path.startsWith('/console/reports') ? 'page' : undefined}>
              Reports
            </Link>
          )}
          {wallboard && (
            <Link to="/console/wallboard" aria-current={path === '/console/wallboard' ? 'page' : undefined}>
              Wallboard
            </Link>
          )}
          {me.role === 'admin' && (
            <Link to="/console/admin" aria-current={path.startsWith('/console/admin') ? 'page' : undefined}>
              Admin
            </Link>
          )}
          <SignalSettings muted={muted} setMuted={setMuted} />
          <ThemeSwitch />
          <Link to="/console/account" aria-current={path === '/console/account' ? 'page' : undefined} title="My account">
            <span className="visually-hidden">My account: </span>
            <span data-testid="me-name">{me.name}</span>
          </Link>
          <button type="button" className="link-button" onClick={logout}>
            Log out
          </button>
        </nav>
      </header>
      <ConnectionBanner socket={socket} />
      <SoundBlockedBanner muted={muted} />
      <FlashBanner />
      <AlertToasts socket={socket} muted={muted} meId={me.id} />
      <OfferToasts socket={socket} muted={muted} meId={me.id} />
      <div className="console-layout">
        <StatusBar currentChatId={chatMatch?.id ?? null} />
        <div className="console-main">
          <ChatTabs socket={socket} currentChatId={chatMatch?.id ?? null} />
          <PageErrorBoundary key={path}>
            <Page path={path} me={me} socket={socket} />
          </PageErrorBoundary>
        </div>
      </div>
    </>
  );
}

/** Said at once after a reload: the browser keeps alerts silent until the tech clicks. */
function SoundBlockedBanner({ muted }: { muted: boolean }) {
  const { blocked, unblock } = useSoundBlocked(!muted);
  const ref = useRef<HTMLDivElement>(null);
  useBottomOverlay(ref, blocked);
  if (!blocked) return null;
  return (
    <div ref={ref} className="banner banner-warn sound-blocked" role="status" data-testid="sound-blocked">
      <span>The browser is blocking the alert sound: new chat requests will be silent.</span>
      <button type="button" onClick={unblock}>
        Turn sound on
      </button>
    </div>
  );
}

/**
 * "(2) Chats · Tech Console": the browser tab itself shows what needs the tech, even when they are
 * elsewhere: the chats waiting, plus the requesters' messages not seen yet (unread.ts).
 */
function useWaitingInTitle(path: string) {
  const n = (useStatusBar().data?.waiting.length ?? 0) + totalUnread(useUnread());
  useEffect(() => {
    const base = document.title.replace(/^\(\d+\) /, '');
    document.title = n ? `(${n}) ${base}` : base;
  }, [n, path]);
}

function titleOf(path: string) {
  if (path === '/console' || path === '/console/') return 'Chats';
  if (path.startsWith('/console/chats/')) return 'Chat';
  if (path === '/console/search') return 'Search completed chats';
  if (path === '/console/replies') return 'My canned replies';
  if (path === '/console/tickets') return 'Tickets';
  if (path.startsWith('/console/tickets/')) return 'Ticket';
  if (path.startsWith('/console/admin')) return 'Admin';
  if (path === '/console/reports') return 'Reports';
  if (path === '/console/reports/chats') return 'Report chats';
  if (path === '/console/account') return 'My account';
  if (path === '/console/wallboard') return 'Wallboard';
  return 'Page not found';
}

// Pages few techs open, and the heaviest: loaded when first opened, not with the console.
const AdminPage = lazyPage(() => import('./admin/admin-page.js').then((m) => m.AdminPage));
const ReportsPage = lazyPage(() => import('./reports-page.js').then((m) => m.ReportsPage));
const WallboardPage = lazyPage(() => import('./wallboard-page.js').then((m) => m.WallboardPage));
const Later = ({ children }: { children: ReactNode }) => <Suspense fallback={<p className="app-main">Loading…</p>}>{children}</Suspense>;

function Page({ path, me, socket }: { path: string; me: Me; socket: ConsoleSocket }) {
  useDocumentTitle(titleOf(path), 'Tech Console');
  let m: Record<string, number> | null;
  if ((m = match('/console/chats/:id', path))) return <ChatPage key={m.id} id={m.id} me={me} />;
  if ((m = match('/console/tickets/:id', path))) return <TicketPage key={m.id} id={m.id} />;
  if (path === '/console/tickets') return <TicketsPage />;
  if (path === '/console/search') return <SearchPage />;
  if (path === '/console/replies') return <RepliesPage />;
  if (path === '/console/account') return <AccountPage />;
  if (path === '/console/wallboard')
    return (
      <Later>
        <WallboardPage socket={socket} />
      </Later>
    );
  if (path.startsWith('/console/admin') && me.role === 'admin')
    return (
      <Later>
        <AdminPage path={path} />
      </Later>
    );
  if ((path === '/console/reports' || path === '/console/reports/chats') && me.maySeeReports)
    return (
      <Later>
        <ReportsPage path={path} />
      </Later>
    );
  if (path === '/console' || path === '/console/') return <HomePage me={me} />;
  return (
    <main className="app-main" id="main">
      <h1>Page not found</h1>
      <Link to="/console">Back to the console</Link>
    </main>
  );
}

/** The tech's own canned replies, and the shared ones they are offered. */
function RepliesPage() {
  return (
    <main className="app-main" id="main">
      <h1>My canned replies</h1>
      <p className="muted">In a chat, type “/” and a few letters of a shortcut, then choose with the arrow keys and Enter.</p>
      <CannedRepliesEditor scope="personal" />
    </main>
  );
}

function HomePage({ me }: { me: Me }) {
  // The tech's own latest work, for picking up where they left off.
  const recent = useQuery({
    queryKey: keys.search(`techId=${me.id}&limit=5`),
    queryFn: ({ signal }) => api.get<SearchResult[]>(`/api/console/search?techId=${me.id}&limit=5`, { signal }),
  });
  return (
    <main className="app-main" id="main">
      <h1>Hello, {me.name}</h1>
      <p>
        New chat requests appear in the <strong>Waiting</strong> section of the status bar and as alerts. Join one to start chatting; your open chats are in
        <strong> Active</strong> and in the tabs above.
      </p>
      <h2>Your latest completed chats</h2>
      <ErrorBanner error={recent.error} />
      {recent.data?.length === 0 && <p className="muted">None yet.</p>}
      <ul>
        {recent.data?.map((c) => (
          <li key={c.id}>
            <Link to={`/console/chats/${c.id}`}>{c.subject}</Link>{' '}
            <span className="muted">
              {c.requester.name} · {c.company.name} · {formatDateTime(c.completedAt)}
            </span>
          </li>
        ))}
      </ul>
      <p>
        All completed chats are in <Link to="/console/search">Search</Link>; tickets and their timelines in <Link to="/console/tickets">Tickets</Link>.
      </p>
    </main>
  );
}
