import { describe, expect, it } from 'vitest';
import { phoneDigits, phoneParts, telHref } from './phone.js';

describe('phone numbers', () => {
  it('splits a number from its extension, in the ways people write one', () => {
    expect(phoneParts('+1 (555) 010-2233 ext 5')).toEqual({ number: '+1 (555) 010-2233', extension: '5' });
    expect(phoneParts('555.010.2233 Ext. 12')).toEqual({ number: '555.010.2233', extension: '12' });
    expect(phoneParts('555 010 2233x7')).toEqual({ number: '555 010 2233', extension: '7' });
    expect(phoneParts('020 7946 0000 extension 204')).toEqual({ number: '020 7946 0000', extension: '204' });
    expect(phoneParts('+44 20 7946 0000')).toEqual({ number: '+44 20 7946 0000', extension: null });
    expect(phoneDigits(phoneParts('+1 (555) 010-2233 ext 5')!)).toBe(11);
  });

  it('refuses what is not a number', () => {
    for (const t of ['', 'call me', 'ext 5', 'x5', '555 0100 ext', '555 0100 ext 1234567', '555+0100', '555 0100 ext 5 ext 6'])
      expect(phoneParts(t), t).toBeNull();
  });

  it('dials the extension after a pause', () => {
    expect(telHref('+1 (555) 010-2233 ext 5')).toBe('tel:+15550102233,5');
    expect(telHref('+44 20 7946 0000')).toBe('tel:+442079460000');
  });
});
