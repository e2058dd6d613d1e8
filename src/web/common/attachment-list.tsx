import { formatDateTime } from './format.js';
import type { Attachment } from './types.js';
import { formatBytes } from '../../shared/files.js';

/** A ticket's files as download links; the same on both faces, only the URL differs. */
export function AttachmentList({ attachments, fileUrl }: { attachments: Attachment[]; fileUrl: (id: number) => string }) {
  if (attachments.length === 0) return <p className="muted">No files.</p>;
  return (
    <ul data-testid="attachments">
      {attachments.map((a) => (
        <li key={a.id}>
          <a href={fileUrl(a.id)} download={a.filename}>
            {a.filename}
          </a>{' '}
          <span className="muted">
            ({formatBytes(a.size)}, {formatDateTime(a.createdAt)})
          </span>
        </li>
      ))}
    </ul>
  );
}
