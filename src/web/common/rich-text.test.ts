import { describe, expect, it } from 'vitest';
import { parseMessage } from './rich-text.js';

const linksOf = (text: string) => parseMessage(text).filter((p) => p.kind === 'link');

describe('message text', () => {
  it('is plain text when there is nothing to interpret, markup included', () => {
    for (const t of ['Hello', '<img src=x onerror=alert(1)>', '**bold** _it_ # head', '<a href="https://x.test">x</a>'])
      expect(parseMessage(t).every((p) => p.kind === 'text' || p.kind === 'link')).toBe(true);
    expect(parseMessage('<b>hi</b>')).toEqual([{ kind: 'text', text: '<b>hi</b>' }]);
  });

  it('links http, https and mailto addresses, without the sentence punctuation after them', () => {
    expect(parseMessage('See https://example.com/a?b=1#c, then reply.')).toEqual([
      { kind: 'text', text: 'See ' },
      { kind: 'link', href: 'https://example.com/a?b=1#c', label: 'https://example.com/a?b=1#c' },
      { kind: 'text', text: ', then reply.' },
    ]);
    expect(linksOf('(docs: http://wiki.test/Printer_(HP))')).toEqual([
      { kind: 'link', href: 'http://wiki.test/Printer_(HP)', label: 'http://wiki.test/Printer_(HP)' },
    ]);
    expect(linksOf('Write to mailto:help@desk.test.')).toEqual([{ kind: 'link', href: 'mailto:help@desk.test', label: 'mailto:help@desk.test' }]);
    expect(linksOf('HTTPS://EXAMPLE.COM/Path')).toEqual([{ kind: 'link', href: 'https://example.com/Path', label: 'HTTPS://EXAMPLE.COM/Path' }]);
  });

  it('never links another scheme, however it is written', () => {
    for (const t of [
      'javascript:alert(1)',
      'JaVaScRiPt:alert(1)',
      'java\tscript:alert(1)',
      ' javascript:alert(document.cookie)',
      'data:text/html,<script>alert(1)</script>',
      'DATA:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==',
      'vbscript:msgbox(1)',
      'file:///etc/passwd',
      '//evil.test/path',
      'ftp://files.test',
      'xhttps://evil.test',
      'https:evil.test',
      'https://',
      'mailto:javascript:alert(1)',
    ])
      expect(linksOf(t), t).toEqual([]);
  });

  it('refuses an address that hides its host behind a user name, and shows a look-alike host as what it is', () => {
    expect(linksOf('https://bank.test@evil.test/login')).toEqual([]);
    // Cyrillic "а" in "exаmple": the link goes to, and says, the punycode host.
    const [lookalike] = linksOf('https://exаmple.com/reset');
    expect(lookalike).toEqual({ kind: 'link', href: 'https://xn--exmple-4nf.com/reset', label: 'https://xn--exmple-4nf.com/reset' });
    const [fullwidth] = linksOf('https://ｅｘａｍｐｌｅ.com');
    expect(fullwidth).toMatchObject({ href: 'https://example.com/', label: 'https://example.com/' });
  });

  it('shows inline and fenced code in fixed width, with nothing inside interpreted', () => {
    expect(parseMessage('Run `ipconfig /all` and paste it')).toEqual([
      { kind: 'text', text: 'Run ' },
      { kind: 'code', text: 'ipconfig /all' },
      { kind: 'text', text: ' and paste it' },
    ]);
    expect(parseMessage('Try:\n```powershell\nGet-Service https://x.test <b>\n  Restart\n```\nthen tell me')).toEqual([
      { kind: 'text', text: 'Try:\n' },
      { kind: 'block', text: 'Get-Service https://x.test <b>\n  Restart' },
      { kind: 'text', text: '\nthen tell me' },
    ]);
    expect(parseMessage('a ` b and ``')).toEqual([{ kind: 'text', text: 'a ` b and ``' }]);
    expect(parseMessage('`https://x.test`')).toEqual([{ kind: 'code', text: 'https://x.test' }]);
  });

  it('loses no character: the parts put together are the text, less the code marks', () => {
    const t = 'x https://a.test/(b) `c` mailto:d@e.test y';
    const shown = parseMessage(t)
      .map((p) => (p.kind === 'link' ? p.label : p.text))
      .join('');
    expect(shown).toBe('x https://a.test/(b) c mailto:d@e.test y');
  });
});
