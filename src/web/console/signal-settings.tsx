import { useState } from 'react';
import { notificationsSupported } from './alert-signals.js';

/** Sound on/off (kept in this browser) and, when not yet decided, a button to allow notifications. */
export function SignalSettings({ muted, setMuted }: { muted: boolean; setMuted: (m: boolean) => void }) {
  const [permission, setPermission] = useState(() => (notificationsSupported() ? Notification.permission : 'denied'));
  return (
    <>
      <label className="row header-switch">
        <input type="checkbox" checked={muted} onChange={(e) => setMuted(e.target.checked)} />
        Mute alert sound
      </label>
      {permission === 'default' && (
        <button type="button" className="link-button" onClick={() => void Notification.requestPermission().then(setPermission)}>
          Allow desktop notifications
        </button>
      )}
    </>
  );
}
