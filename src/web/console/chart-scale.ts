/** The arithmetic of the Reports page's charts (bar-chart.tsx), kept apart so it can be tested alone. */

/** An estimate of a label character's width at the chart's type size (11 px), px. */
export const CHAR = 6.6;

/** 0 and up to four round steps covering `max` (1, 2, 2.5 or 5 times a power of ten). */
export function scaleTicks(max: number): number[] {
  if (max <= 0) return [0, 1];
  const raw = max / 4;
  const pow = 10 ** Math.floor(Math.log10(raw));
  const step = Math.max(1, [1, 2, 2.5, 5, 10].map((m) => m * pow).find((s) => s >= raw) ?? 10 * pow);
  const ticks = [0];
  while (ticks[ticks.length - 1] < max) ticks.push(Math.round((ticks[ticks.length - 1] + step) * 100) / 100);
  return ticks;
}

/** A label on one line, or on two split at the space nearest the middle when it is wider than `room`. */
export function labelLines(label: string, room: number): string[] {
  if (label.length * CHAR <= room || !label.includes(' ')) return [label];
  const mid = label.length / 2;
  let at = -1;
  for (let i = 0; i < label.length; i++) if (label[i] === ' ' && (at < 0 || Math.abs(i - mid) < Math.abs(at - mid))) at = i;
  return [label.slice(0, at), label.slice(at + 1)];
}
