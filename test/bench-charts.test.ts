/** The bench history charts (bench/charts.ts): valid SVG with a point per run, labels and the target line. */
import { describe, expect, it } from 'vitest';
import { scenarioChart, type HistoryLine } from '../bench/charts.js';

const runs: HistoryLine[] = [
  { date: '2026-11-01T10:00:00.000Z', scenario: 'start', met: false, headline: { readyMsMedianWorst: 1400, idleRssMbMedianWorst: 150, note: 'text' } },
  { date: '2026-11-02T10:00:00.000Z', scenario: 'start', met: true, headline: { readyMsMedianWorst: 620, idleRssMbMedianWorst: 118 } },
  { date: '2026-11-03T10:00:00.000Z', scenario: 'start', met: true, headline: { readyMsMedianWorst: 640, idleRssMbMedianWorst: 117 } },
];

describe('bench history charts', () => {
  const svg = scenarioChart('start', runs);

  it('is one well-formed SVG document with a title and a description', () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trim().endsWith('</svg>')).toBe(true);
    expect(svg).toMatch(/<title id="title-start">Bench history: start<\/title>/);
    expect(svg).toMatch(/<desc id="desc-start">3 full-scale runs from 2026-11-01 to 2026-11-03\. Latest run: readyMsMedianWorst 640 \(target at most 1000\)/);
    expect(svg).toContain('aria-labelledby="title-start desc-start"');
    // Tags balance: every opened element is closed (or self-closed).
    const opened = (svg.match(/<(?!\/)[a-z]+[^>]*[^/]>/g) ?? []).length;
    const closed = (svg.match(/<\/[a-z]+>/g) ?? []).length;
    expect(opened).toBe(closed);
    expect(svg).not.toMatch(/NaN|undefined/);
  });

  it('draws a panel per numeric figure with every run as a labelled point, and the target line', () => {
    expect(svg.match(/<g class="panel"/g)).toHaveLength(2);
    expect(svg.match(/<circle class="point"/g)).toHaveLength(6);
    for (const v of ['1400', '620', '640', '150', '118', '117']) expect(svg).toContain(`>${v}</text>`);
    expect(svg.match(/<line class="target"/g)).toHaveLength(2);
    expect(svg).toContain('target ≤ 1000');
    expect(svg).toContain('target ≤ 120');
    // The missed run is marked.
    expect(svg).toContain('missed: 2026-11-01 readyMsMedianWorst = 1400');
  });

  it('has no target line for a figure without a target', () => {
    const other = scenarioChart('service', [{ date: '2026-11-01T10:00:00.000Z', scenario: 'service', met: true, headline: { step: 12 } }]);
    expect(other).not.toContain('class="target"');
    expect(other.match(/<circle class="point"/g)).toHaveLength(1);
  });
});
