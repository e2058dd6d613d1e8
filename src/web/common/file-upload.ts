/**
 * Sending a file: the rules the server applies (asked once per side), and the upload itself, over
 * XMLHttpRequest for its progress events. Failures are `ApiError`s like every other request: status
 * 0 when the server could not be reached (the file stays queued and goes on reconnect), code
 * `cancelled` when the sender cancelled it.
 */
import type { FileRules } from '../../shared/files.js';
import type { SendAnswer } from '../../shared/realtime.js';
import { ApiError, api } from './api.js';

export type Side = '/api/portal' | '/api/console';

const rules = new Map<Side, Promise<FileRules>>();
export function fileRules(base: Side): Promise<FileRules> {
  let r = rules.get(base);
  if (!r) {
    r = api.get<FileRules>(`${base}/file-rules`);
    // A failed read is asked again next time.
    r.catch(() => rules.delete(base));
    rules.set(base, r);
  }
  return r;
}

export function uploadFile(
  base: Side,
  chatId: number,
  clientId: string,
  file: Blob,
  name: string,
  onProgress: (fraction: number) => void,
  signal?: AbortSignal,
): Promise<SendAnswer> {
  return new Promise((resolve, reject) => {
    const cancelled = () => new ApiError(0, 'cancelled', 'The file was not sent: cancelled.');
    if (signal?.aborted) return reject(cancelled());
    const xhr = new XMLHttpRequest();
    // Cancelled by the sender: the request stops, and the server, which stores a file only once it
    // has all of it, keeps nothing.
    signal?.addEventListener('abort', () => xhr.abort(), { once: true });
    xhr.onabort = () => reject(cancelled());
    xhr.open('POST', `${base}/chats/${chatId}/files?clientId=${encodeURIComponent(clientId)}`);
    xhr.setRequestHeader('accept', 'application/json');
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress(e.loaded / e.total);
    };
    xhr.onerror = () => reject(new ApiError(0, 'network', 'The server cannot be reached. The file will be sent when the connection is back.'));
    xhr.onload = () => {
      let body: { error?: { code?: string; message?: string; details?: Record<string, unknown> } } & Partial<SendAnswer> = {};
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        // A proxy's error page: reported with the status alone.
      }
      if (xhr.status === 200 || xhr.status === 201) return resolve(body as SendAnswer);
      reject(
        new ApiError(xhr.status, body.error?.code ?? `http_${xhr.status}`, body.error?.message ?? `The server answered ${xhr.status}`, body.error?.details),
      );
    };
    const form = new FormData();
    form.append('file', file, name);
    xhr.send(form);
  });
}

export const fileUrl = (base: Side, id: number) => `${base}/files/${id}`;
