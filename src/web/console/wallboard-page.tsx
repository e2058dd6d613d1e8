/**
 * The live wallboard (SPEC Part 2, "Insight"): the desk now, in big figures, each with its words
 * (no colour carries meaning on its own), for the viewer's scope. TV mode shows the figures alone,
 * full screen (Fullscreen API) in large type; Escape or its button leaves it. Screen readers hear
 * only a change of how many wait, politely and at most every 15 s: the rest is read on demand.
 */
import { useEffect, useId, useMemo, useRef, useState } from 'react';
import { formatDuration, useNow, zoneFormats } from '../common/format.js';
import { useConnectionState, type ConsoleSocket } from '../common/socket.js';
import { useWallboard, type WallboardView } from './wallboard-data.js';
import './wallboard.css';

const ANNOUNCE_EVERY_MS = 15_000;

export function WallboardPage({ socket }: { socket: ConsoleSocket }) {
  const board = useWallboard(socket);
  const connection = useConnectionState(socket);
  const tvRef = useRef<HTMLElement>(null);
  const [tv, setTv] = useState(false);
  const headingId = useId();

  // Leaving full screen (Escape, the browser's own control) leaves TV mode.
  useEffect(() => {
    const onChange = () => {
      if (!document.fullscreenElement) setTv(false);
    };
    document.addEventListener('fullscreenchange', onChange);
    return () => document.removeEventListener('fullscreenchange', onChange);
  }, []);
  // Escape leaves TV mode: the browser's own handling of it in full screen may not reach the page
  // (or full screen was refused, and the overlay alone is shown).
  useEffect(() => {
    if (!tv) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Escape') return;
      setTv(false);
      if (document.fullscreenElement) void document.exitFullscreen().catch(() => {});
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [tv]);

  const enterTv = async () => {
    setTv(true);
    try {
      await tvRef.current?.requestFullscreen?.({ navigationUI: 'hide' });
    } catch {
      // Refused (no user gesture, or a kiosk without it): the overlay covers the window instead.
    }
  };
  const exitTv = async () => {
    setTv(false);
    if (document.fullscreenElement) await document.exitFullscreen().catch(() => {});
  };

  if (board.error)
    return (
      <main className="app-main" id="main">
        <h1>Wallboard</h1>
        <p className="banner banner-error" role="alert">
          {board.error.code === 'wallboard_not_allowed' ? 'Only admins and the technicians an admin allowed can open the wallboard.' : board.error.message}
        </p>
      </main>
    );

  return (
    <main className="app-main wallboard-page" id="main">
      <div className="wallboard-head">
        <h1 id={headingId}>Wallboard</h1>
        <button type="button" onClick={() => void enterTv()} data-testid="wallboard-tv">
          TV mode (full screen)
        </button>
      </div>
      <section
        ref={tvRef}
        className={tv ? 'wallboard-tv' : undefined}
        data-testid="wallboard"
        aria-labelledby={tv ? undefined : headingId}
        aria-label={tv ? 'Wallboard in TV mode' : undefined}
      >
        {tv && (
          <div className="wallboard-tv-bar">
            <h2 className="wallboard-tv-title">Wallboard</h2>
            <button type="button" className="secondary" onClick={() => void exitTv()}>
              Exit TV mode
            </button>
          </div>
        )}
        {board.view ? (
          <Figures view={board.view} receivedAt={board.receivedAt} live={connection === 'connected'} />
        ) : (
          <p className="muted" role="status">
            Loading the figures…
          </p>
        )}
      </section>
    </main>
  );
}

function Figures({ view, receivedAt, live }: { view: WallboardView; receivedAt: number; live: boolean }) {
  const now = useNow(1000);
  const longest = view.longestWaitSeconds === null ? null : view.longestWaitSeconds * 1000 + Math.max(0, now - receivedAt);
  const sl = view.serviceLevel;
  const oh = view.officeHours;
  // Every time on the board in the desk's zone, as "today" is (a wall screen may be set to another).
  const zone = view.today.timezone;
  const at = useMemo(() => zoneFormats(zone), [zone]);
  const office = oh.open
    ? { value: 'Open', note: oh.closesAt ? `Closes ${at.time(oh.closesAt)}` : 'Open around the clock' }
    : {
        value: 'Closed',
        note: oh.holiday
          ? `Holiday: ${oh.holiday}${oh.nextOpenAt ? `; opens ${at.dateTime(oh.nextOpenAt)}` : ''}`
          : oh.nextOpenAt
            ? `Opens ${at.dateTime(oh.nextOpenAt)}`
            : 'No opening in the next three weeks',
      };
  return (
    <>
      <WaitingAnnouncer waiting={view.waiting} />
      <dl className="wallboard-grid">
        <Figure label="Waiting now" value={String(view.waiting)} note={view.waiting === 1 ? 'chat in the queue' : 'chats in the queue'} testId="wb-waiting" />
        <Figure
          label="Longest wait"
          value={longest === null ? 'None' : formatDuration(longest)}
          note={longest === null ? 'nobody is waiting' : 'so far'}
          testId="wb-longest"
        />
        <Figure
          label="Active chats"
          value={String(view.activeChats)}
          note={`${view.techs.inChats} ${view.techs.inChats === 1 ? 'tech' : 'techs'} in chats`}
          testId="wb-active"
        />
        <Figure
          label="Service level"
          value={sl.percent === null ? 'No data' : `${sl.percent}%`}
          note={`${sl.withinTarget} of ${sl.counted} joined within ${sl.targetSeconds} s, last ${sl.windowMinutes} min`}
          testId="wb-service-level"
        />
        <Figure label="Techs available" value={String(view.techs.available)} note="connected and taking chats" testId="wb-available" />
        <Figure label="Do Not Respond (DNR)" value={String(view.techs.dnr)} note="connected, not taking chats" testId="wb-dnr" />
        <Figure label="Techs offline" value={String(view.techs.offline)} note="not connected" testId="wb-offline" />
        <Figure label="Abandoned today" value={String(view.today.abandoned)} note={`since midnight, ${view.today.timezone}`} testId="wb-abandoned" />
        <Figure
          label="Callbacks due"
          value={String(view.today.callbacksDue)}
          note={`${view.today.callbacksRequestedToday} asked for today`}
          testId="wb-callbacks"
        />
        <Figure label="Office hours" value={office.value} note={office.note} testId="wb-office" />
      </dl>
      <p className="wallboard-foot muted">
        {view.scope === 'all' ? 'Every board and company.' : 'Your boards and companies only.'} Updated {at.time(view.at)}
        {live ? '.' : ': not live, reconnecting; figures may be out of date.'}
        {at.differs && <span data-testid="wb-zone"> Times in {zone}, the office hours' time zone.</span>}
      </p>
    </>
  );
}

function Figure({ label, value, note, testId }: { label: string; value: string; note: string; testId: string }) {
  return (
    <div className="wallboard-figure" data-testid={testId}>
      <dt>{label}</dt>
      <dd>
        <span className="wallboard-value">{value}</span>
        <span className="wallboard-note">{note}</span>
      </dd>
    </div>
  );
}

/** Says how many wait when that changes, politely, at most every ANNOUNCE_EVERY_MS (the latest count). */
function WaitingAnnouncer({ waiting }: { waiting: number }) {
  const [said, setSaid] = useState('');
  const last = useRef<{ at: number; value: number | null }>({ at: 0, value: null });
  useEffect(() => {
    if (last.current.value === null) {
      last.current = { at: Date.now(), value: waiting };
      return;
    }
    if (last.current.value === waiting) return;
    const wait = Math.max(0, last.current.at + ANNOUNCE_EVERY_MS - Date.now());
    const t = setTimeout(() => {
      last.current = { at: Date.now(), value: waiting };
      setSaid(`${waiting} ${waiting === 1 ? 'chat' : 'chats'} waiting`);
    }, wait);
    return () => clearTimeout(t);
  }, [waiting]);
  return (
    <p className="visually-hidden" aria-live="polite" data-testid="wb-announcer">
      {said}
    </p>
  );
}
