import { useEffect, useRef, useState, type ReactNode } from 'react';

/**
 * Always the same wrapper, taking files or not (the console's note mode does not), so that its
 * contents are never mounted again when that changes. Files dragged from the desktop onto the chat are sent like chosen ones. While something is
 * dragged over it the area says so; the refusals (type, size) are shown in words.
 */
export function FileDrop({ onFiles, children }: { onFiles?: (files: File[]) => Promise<string[]>; children: ReactNode }) {
  const [over, setOver] = useState(false);
  const [refusals, setRefusals] = useState<string[]>([]);
  const depth = useRef(0);
  const hasFiles = (e: React.DragEvent) => [...e.dataTransfer.types].includes('Files');
  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: dropping is the mouse's way; the attach button is the keyboard's
    <div
      className={`file-drop${over ? ' file-drop-over' : ''}`}
      data-testid="file-drop"
      onDragEnter={(e) => {
        if (!onFiles || !hasFiles(e)) return;
        depth.current++;
        setOver(true);
      }}
      onDragOver={(e) => {
        if (!onFiles || !hasFiles(e)) return;
        e.preventDefault();
        e.dataTransfer.dropEffect = 'copy';
      }}
      onDragLeave={(e) => {
        if (!onFiles || !hasFiles(e)) return;
        depth.current = Math.max(0, depth.current - 1);
        if (depth.current === 0) setOver(false);
      }}
      onDrop={(e) => {
        if (!onFiles || !hasFiles(e)) return;
        e.preventDefault();
        depth.current = 0;
        setOver(false);
        void onFiles([...e.dataTransfer.files]).then(setRefusals);
      }}
    >
      {children}
      {over && (
        <div className="file-drop-hint" aria-hidden="true">
          Drop to send
        </div>
      )}
      <FileRefusals refusals={refusals} onDismiss={() => setRefusals([])} testId="drop-refusal" />
    </div>
  );
}

/** Why files were not sent, in words, until dismissed (the composer's and the drop area's). */
export function FileRefusals({ refusals, onDismiss, testId }: { refusals: string[]; onDismiss: () => void; testId: string }) {
  const box = useRef<HTMLDivElement>(null);
  // Said where it can be seen: the box may open below the window's edge.
  useEffect(() => {
    if (refusals.length) box.current?.scrollIntoView?.({ block: 'nearest' });
  }, [refusals]);
  if (!refusals.length) return null;
  return (
    <div ref={box} className="composer-refusal" role="alert" data-testid={testId}>
      {refusals.map((r) => (
        <p key={r}>{r}</p>
      ))}
      <button type="button" className="link-button" onClick={onDismiss}>
        Dismiss
      </button>
    </div>
  );
}
