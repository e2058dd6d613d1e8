/** Small line icons drawn in the text colour; decorative (the words beside them carry the meaning). */
const base = {
  viewBox: '0 0 24 24',
  width: '1.1em',
  height: '1.1em',
  fill: 'none',
  stroke: 'currentColor',
  strokeWidth: 2,
  strokeLinecap: 'round',
  strokeLinejoin: 'round',
} as const;

export function PaperclipIcon() {
  return (
    <svg {...base} aria-hidden="true" className="icon">
      <path d="M20 11.5l-8.5 8.5a5.5 5.5 0 0 1-7.8-7.8l9-9a3.7 3.7 0 0 1 5.2 5.2l-9 9a1.8 1.8 0 0 1-2.6-2.6l8.3-8.3" />
    </svg>
  );
}

export function FileIcon() {
  return (
    <svg {...base} aria-hidden="true" className="icon">
      <path d="M14 3H7a2 2 0 0 0-2 2v14a2 2 0 0 0 2 2h10a2 2 0 0 0 2-2V8z" />
      <path d="M14 3v5h5" />
    </svg>
  );
}
