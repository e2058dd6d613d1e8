/**
 * A column chart drawn as plain SVG (chosen by measurement: docs/design-system.md, "Charts").
 * Each bar with chats behind it is a link to them: reached with Tab, opened with Enter, named by
 * its bucket and number ("Dec 1: 12 requests"). The number stands above each bar and the scale at
 * the left, so nothing is told by colour alone. The chart has a title and a description (what it
 * shows, the range, the total and the highest bar); the same numbers are in the table that follows
 * it. Bars keep a fixed width: a chart wider than its box scrolls inside it, never the page.
 */
import { useEffect, useId, useRef, type ReactNode } from 'react';
import { Link } from '../common/router.js';
import { CHAR, labelLines, scaleTicks } from './chart-scale.js';

export type ChartBar = {
  /** Stable key of the bucket (a day, an hour, a bin). */
  key: string;
  /** The bucket under its bar, short ("Dec 1", "09", "1–2 min"). */
  label: string;
  /** The bucket in words, for the bar's name ("Monday 1 December", "09:00–10:00"). */
  name: string;
  value: number;
  /** The chats behind the bar; none for an empty bar. */
  href: string | null;
};

type Props = {
  /** For tests and styles: `data-chart`. */
  id: string;
  title: string;
  /** What it shows and over which range; the total and the highest bar are added. */
  description: string;
  bars: ChartBar[];
  /** The counted thing, singular and plural ("request", "requests"). */
  unit: [string, string];
  /** Space per bar, in px. */
  pitch?: number;
  /** The same numbers as a table (shown under "Show as table"). */
  table: ReactNode;
  /** A chart over time that is wider than its box shows its latest bars first (scrolled to the end). */
  latestFirst?: boolean;
};

const HEIGHT = 160; // the plot's height, px
const TOP = 18; // room for the number above the tallest bar
const LEFT = 44; // the scale's labels
const BOTTOM = 34; // the buckets' labels (two lines at most)

const count = new Intl.NumberFormat(undefined);
const compact = new Intl.NumberFormat(undefined, { notation: 'compact', maximumFractionDigits: 1 });

export function BarChart({ id, title, description, bars, unit, pitch = 28, table, latestFirst = false }: Props) {
  const uid = useId();
  const titleId = `${uid}-title`;
  const descId = `${uid}-desc`;
  const total = bars.reduce((s, b) => s + b.value, 0);
  const top = bars.reduce<ChartBar | null>((best, b) => (b.value > (best?.value ?? 0) ? b : best), null);
  const ticks = scaleTicks(top?.value ?? 0);
  const max = ticks[ticks.length - 1];
  const y = (v: number) => TOP + HEIGHT - (v / max) * HEIGHT;
  const width = LEFT + bars.length * pitch + 8;
  const barWidth = Math.max(4, Math.round(pitch * 0.7));
  const labelEvery = Math.max(1, Math.ceil((Math.max(...bars.map((b) => Math.min(b.label.length, 8)), 1) * CHAR + 4) / pitch));
  const numbersFit = pitch >= 22;
  const noun = (n: number) => (n === 1 ? unit[0] : unit[1]);
  const summary = `${description} ${count.format(total)} ${noun(total)} in all${top ? `; highest: ${top.name}, ${count.format(top.value)}` : ''}. Each bar opens its chats.`;
  const hasLinks = bars.some((b) => b.href && b.value > 0);

  return (
    <section className="chart" data-chart={id} aria-labelledby={titleId}>
      <h3 id={titleId}>{title}</h3>
      <p id={descId} className="muted chart-description">
        {summary}
      </p>
      <ScrollBox label={`${title} chart`} focusable={!hasLinks} atEnd={latestFirst} bars={bars.map((b) => b.key).join(',')}>
        {/* biome-ignore lint/a11y/useSemanticElements: an SVG cannot be a fieldset; role group gives the chart its name and description */}
        <svg className="chart-svg" width={width} height={TOP + HEIGHT + BOTTOM} role="group" aria-labelledby={titleId} aria-describedby={descId}>
          {/* biome-ignore lint/a11y/noAriaHiddenOnFocusable: an SVG g takes no focus; the scale and bucket labels are drawing, the bars carry the names */}
          <g className="chart-scale" aria-hidden="true">
            {ticks.map((t) => (
              <g key={t}>
                <line className="chart-grid" x1={LEFT - 4} x2={width} y1={y(t)} y2={y(t)} />
                <text x={LEFT - 8} y={y(t)} dy="0.32em" textAnchor="end">
                  {compact.format(t)}
                </text>
              </g>
            ))}
            <line className="chart-axis" x1={LEFT - 4} x2={width} y1={y(0)} y2={y(0)} />
            {bars.map((b, i) =>
              i % labelEvery === 0 ? (
                <text key={b.key} x={LEFT + i * pitch + pitch / 2} y={y(0) + 14} textAnchor="middle">
                  {labelLines(b.label, pitch * labelEvery - 4).map((l, j) => (
                    <tspan key={l} x={LEFT + i * pitch + pitch / 2} dy={j === 0 ? 0 : '1.1em'}>
                      {l}
                    </tspan>
                  ))}
                </text>
              ) : null,
            )}
          </g>
          {bars.map((b, i) => {
            const x = LEFT + i * pitch + (pitch - barWidth) / 2;
            const h = Math.max(0, y(0) - y(b.value));
            const name = `${b.name}: ${count.format(b.value)} ${noun(b.value)}`;
            const shape = (
              <>
                <title>{name}</title>
                {/* The whole column takes the pointer, so a short bar is easy to hit. */}
                <rect className="chart-hit" x={LEFT + i * pitch} y={TOP} width={pitch} height={HEIGHT} />
                <rect className="chart-bar" x={x} y={y(b.value)} width={barWidth} height={h} />
                {numbersFit && (
                  <text className="chart-value" x={x + barWidth / 2} y={y(b.value) - 4} textAnchor="middle">
                    {compact.format(b.value)}
                  </text>
                )}
              </>
            );
            // An empty bucket has no chats to open: drawn (its 0 shows), but not a link; the table lists it.
            return b.href && b.value > 0 ? (
              <Link key={b.key} to={b.href} className="chart-link" aria-label={name} data-bar={b.key} data-value={b.value}>
                {shape}
              </Link>
            ) : (
              // biome-ignore lint/a11y/noAriaHiddenOnFocusable: an SVG g takes no focus; an empty bucket is in the table
              <g key={b.key} className="chart-empty" data-bar={b.key} data-value={b.value} aria-hidden="true">
                {shape}
              </g>
            );
          })}
        </svg>
      </ScrollBox>
      <details className="chart-table">
        <summary>Show “{title}” as a table</summary>
        {table}
      </details>
    </section>
  );
}

/**
 * The chart's box, which scrolls sideways when the chart is wider. With no bar to tab to, the box
 * itself takes the focus, so the keyboard can still scroll it (axe scrollable-region-focusable).
 */
function ScrollBox({
  label,
  focusable,
  atEnd,
  bars,
  children,
}: {
  label: string;
  focusable: boolean;
  atEnd: boolean;
  /** The bars' keys: other bars (another range) start at the latest again. */
  bars: string;
  children: ReactNode;
}) {
  const ref = useRef<HTMLElement & HTMLDivElement>(null);
  // `bars` is not read: other bars are the reason to scroll again.
  useEffect(() => {
    if (atEnd && ref.current) ref.current.scrollLeft = ref.current.scrollWidth;
  }, [atEnd, bars]);
  return focusable ? (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a region that scrolls must take the focus for keyboard users
    <section ref={ref} className="chart-scroll" aria-label={label} tabIndex={0}>
      {children}
    </section>
  ) : (
    <div ref={ref} className="chart-scroll">
      {children}
    </div>
  );
}
