import { MAX_MESSAGE } from '../../shared/schemas.js';

/** The counter shows from this share of the limit on, so a long text is not a surprise. */
const COUNT_FROM = 0.9;

/**
 * How long a text is against its limit, once it is close to it: "3,612 / 4,000 characters", or
 * by how much it is over. Texts are never cut: the field keeps what was typed or pasted, this
 * says what is wrong, and the form waits (`tooLong`).
 */
export function CharCount({ id, length, max = MAX_MESSAGE }: { id: string; length: number; max?: number }) {
  const over = length - max;
  const n = (x: number) => x.toLocaleString('en');
  return (
    <div id={id} className={over > 0 ? 'char-count field-error' : 'char-count muted'} aria-live="polite" data-testid="char-count">
      {length >= Math.floor(max * COUNT_FROM) &&
        (over > 0 ? `${n(length)} / ${n(max)} characters: ${n(over)} too many to send` : `${n(length)} / ${n(max)} characters`)}
    </div>
  );
}

export const tooLong = (text: string, max = MAX_MESSAGE) => text.trim().length > max;
