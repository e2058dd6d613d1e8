import { Link } from '../common/router.js';
import { useStatusBar } from './queries.js';

/** One tab per active chat of this tech, so several conversations stay one click apart. */
export function ChatTabs({ currentChatId }: { currentChatId: number | null }) {
  const bar = useStatusBar();
  const active = bar.data?.active ?? [];
  if (!active.length) return null;
  return (
    <nav className="chat-tabs" aria-label="Open chats">
      {active.map((c) => (
        <Link key={c.id} to={`/console/chats/${c.id}`} className="chat-tab" aria-current={currentChatId === c.id ? 'page' : undefined}>
          {c.requester.name}: {c.subject}
        </Link>
      ))}
    </nav>
  );
}
