import { parseMessage } from './rich-text.js';

/**
 * A message's text with its links and code (rich-text.ts): every part is React text; links open
 * in a new tab and tell the new page nothing about this one.
 */
export function RichText({ text }: { text: string }) {
  return (
    <>
      {parseMessage(text).map((p, i) => {
        switch (p.kind) {
          case 'text':
            return <span key={i}>{p.text}</span>;
          case 'link':
            return (
              <a key={i} href={p.href} target="_blank" rel="noopener noreferrer nofollow">
                {p.label}
              </a>
            );
          case 'code':
            return <code key={i}>{p.text}</code>;
          default:
            return (
              <pre key={i} className="message-code">
                <code>{p.text}</code>
              </pre>
            );
        }
      })}
    </>
  );
}
