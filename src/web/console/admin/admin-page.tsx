import { Link } from '../../common/router.js';
import { BoardsAdmin } from './boards-admin.js';
import { CompaniesAdmin } from './companies-admin.js';
import { TechsAdmin } from './techs-admin.js';
import { PortalUsersAdmin } from './portal-users-admin.js';
import { OfficeHoursAdmin } from './office-hours-admin.js';
import { BrandingAdmin } from './branding-admin.js';
import { SsoAdmin } from './sso-admin.js';
import { ApiTokensAdmin } from './api-tokens-admin.js';
import { EmailAdmin } from './email-admin.js';
import { SecurityAdmin } from './security-admin.js';
import { WebhooksAdmin } from './webhooks-admin.js';
import { WallboardAdmin } from './wallboard-admin.js';
import { CannedRepliesEditor } from '../canned-replies-editor.js';
import { useBoards } from './admin-data.js';

const SECTIONS = [
  { path: 'companies', label: 'Companies', el: () => <CompaniesAdmin /> },
  { path: 'boards', label: 'Boards', el: () => <BoardsAdmin /> },
  { path: 'techs', label: 'Technicians and access', el: () => <TechsAdmin /> },
  { path: 'portal-users', label: 'Portal users', el: () => <PortalUsersAdmin /> },
  { path: 'office-hours', label: 'Office hours and holidays', el: () => <OfficeHoursAdmin /> },
  { path: 'canned-replies', label: 'Canned replies', el: () => <SharedReplies /> },
  { path: 'branding', label: 'Branding', el: () => <BrandingAdmin /> },
  { path: 'sso', label: 'Single sign-on', el: () => <SsoAdmin /> },
  { path: 'api-tokens', label: 'API tokens', el: () => <ApiTokensAdmin /> },
  { path: 'email', label: 'Email', el: () => <EmailAdmin /> },
  { path: 'security', label: 'Sign-in security', el: () => <SecurityAdmin /> },
  { path: 'webhooks', label: 'Webhooks', el: () => <WebhooksAdmin /> },
  { path: 'wallboard', label: 'Wallboard', el: () => <WallboardAdmin /> },
] as const;

function SharedReplies() {
  const boards = useBoards();
  return <CannedRepliesEditor scope="shared" boards={boards.data ?? []} />;
}

/** Admin pages (the server refuses every admin call to a non-admin; the console hides the link too). */
export function AdminPage({ path }: { path: string }) {
  const current = SECTIONS.find((s) => path === `/console/admin/${s.path}`) ?? SECTIONS[0];
  return (
    <main className="app-main" id="main">
      <h1>Admin: {current.label}</h1>
      <nav aria-label="Admin sections" className="subnav">
        {SECTIONS.map((s) => (
          <Link key={s.path} to={`/console/admin/${s.path}`} aria-current={s === current ? 'page' : undefined}>
            {s.label}
          </Link>
        ))}
      </nav>
      {current.el()}
    </main>
  );
}
