import { useEffect, useRef, useState } from 'react';
import { useConnectionState, type AnySocket } from './socket.js';

/** Says plainly when live updates stop, and when they are back (and caught up). */
export function ConnectionBanner({ socket }: { socket: AnySocket }) {
  const state = useConnectionState(socket);
  const wasDown = useRef(false);
  const [backAgain, setBackAgain] = useState(false);
  useEffect(() => {
    if (state === 'disconnected') wasDown.current = true;
    if (state === 'connected' && wasDown.current) {
      wasDown.current = false;
      setBackAgain(true);
      const t = setTimeout(() => setBackAgain(false), 4000);
      return () => clearTimeout(t);
    }
  }, [state]);
  return (
    <div role="status" aria-live="polite" className="connection-slot" data-connection={state}>
      {state === 'disconnected' && (
        <div className="banner banner-warn" data-testid="connection-lost">
          Connection lost. Reconnecting… Messages you send now are kept and sent when it is back.
        </div>
      )}
      {state === 'refused' && <div className="banner banner-error">Your session has ended. Reload the page to log in again.</div>}
      {state === 'connected' && backAgain && (
        <div className="banner banner-ok" data-testid="connection-back">
          Connection restored.
        </div>
      )}
    </div>
  );
}
