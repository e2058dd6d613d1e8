/**
 * Files in chat: which names may be sent, and as what type. The server decides (services/files.ts)
 * and the web checks the same rules before it sends anything, so a refusal is immediate there.
 * The type a file is stored and served with comes from this table by its extension, never from
 * what the sender's browser claims.
 */

/** Known extensions and the type each is stored with; an allowed extension not listed here is `application/octet-stream`. */
export const KNOWN_TYPES: Readonly<Record<string, string>> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  pdf: 'application/pdf',
  txt: 'text/plain',
  log: 'text/plain',
  csv: 'text/csv',
  json: 'application/json',
  zip: 'application/zip',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  doc: 'application/msword',
  xls: 'application/vnd.ms-excel',
  ppt: 'application/vnd.ms-powerpoint',
  odt: 'application/vnd.oasis.opendocument.text',
  ods: 'application/vnd.oasis.opendocument.spreadsheet',
  rtf: 'application/rtf',
  eml: 'message/rfc822',
  msg: 'application/vnd.ms-outlook',
};

/** What may be sent unless FILE_TYPES says otherwise: images, documents, logs and archives. */
export const DEFAULT_FILE_TYPES = Object.keys(KNOWN_TYPES);

/** Raster images: shown as thumbnails and opened full size. Nothing else is ever shown inline. */
export const IMAGE_TYPES: ReadonlySet<string> = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);

/** The sending rules a client is told: the largest size in bytes and the allowed extensions. */
export type FileRules = { maxBytes: number; types: string[] };

export const MAX_FILENAME = 200;

/** The extension of a name, lower case, without the dot; '' when it has none. */
export function extensionOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot <= 0 || dot === name.length - 1 ? '' : name.slice(dot + 1).toLowerCase();
}

/**
 * A file name as stored and shown: no folders, no control characters, at most MAX_FILENAME
 * characters with the extension kept; 'file' when nothing is left.
 */
export function cleanFilename(raw: string): string {
  const base = raw.split(/[/\\]/).pop() ?? '';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is removed
  const name = base.replace(/[\u0000-\u001f\u007f\u202a-\u202e\u2066-\u2069]/g, '').trim();
  if (!name || name === '.' || name === '..') return 'file';
  if ([...name].length <= MAX_FILENAME) return name;
  const ext = extensionOf(name);
  const keep = ext && ext.length < 20 ? `.${ext}` : '';
  return [...name].slice(0, MAX_FILENAME - keep.length).join('') + keep;
}

/** The stored type of an allowed file, by its extension. */
export function typeOf(name: string): string {
  return KNOWN_TYPES[extensionOf(name)] ?? 'application/octet-stream';
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  const mb = bytes / (1024 * 1024);
  return `${mb < 10 ? mb.toFixed(1) : Math.round(mb)} MB`;
}

export type FileRefusal = { code: 'file_too_large' | 'file_type_refused' | 'file_empty'; message: string };

/** The allowed types in words, said once under refusals of a type. */
export const allowedTypes = (rules: FileRules) => `Allowed: ${rules.types.map((t) => `.${t}`).join(', ')}.`;

/** Why a file of this name and size may not be sent, or null when it may. */
export function refuseFile(name: string, size: number, rules: FileRules): FileRefusal | null {
  const ext = extensionOf(name);
  if (!ext || !rules.types.includes(ext))
    return { code: 'file_type_refused', message: `${name} cannot be sent: ${ext ? `.${ext} files are` : 'files without an extension are'} not allowed.` };
  if (size > rules.maxBytes) return { code: 'file_too_large', message: `${name} is ${formatBytes(size)}; files may be up to ${formatBytes(rules.maxBytes)}.` };
  if (size === 0) return { code: 'file_empty', message: `${name} is empty.` };
  return null;
}
