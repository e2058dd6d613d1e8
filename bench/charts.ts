/**
 * SVG charts of the bench history (bench/results/history.jsonl): one file per scenario in
 * docs/bench-charts/, one panel per headline figure over time, with the target line where the
 * scenario has one. Plain SVG, written here; regenerated after every full bench run and by
 * `npm run bench -- charts`.
 */
import fs from 'node:fs';
import path from 'node:path';

export type HistoryLine = { date: string; scenario: string; met?: boolean; headline: Record<string, unknown> };
export type Target = { value: number; better: 'lower' | 'higher' };

/** The target of a headline figure, where the scenario has one (docs/benchmarks.md). */
export const TARGETS: Record<string, Record<string, Target>> = {
  chat: { p99Ratio: { value: 2, better: 'lower' } },
  persist: { persistedPerSecond: { value: 5000, better: 'higher' }, postgresToSqliteRatio: { value: 0.8, better: 'higher' } },
  alert: { perDeliveryP99Ms: { value: 50, better: 'lower' }, p99Ratio: { value: 1.5, better: 'lower' } },
  cluster: { cpuPerMessageRatio: { value: 1.2, better: 'lower' }, p99RatioCrossToSame: { value: 1.5, better: 'lower' } },
  search: { sqliteMaxP95Ms: { value: 30, better: 'lower' }, postgresMaxP95Ms: { value: 30, better: 'lower' }, chatP99Ratio: { value: 1.5, better: 'lower' } },
  idle: { rssMbMax: { value: 600, better: 'lower' } },
  uploads: { sqlitePeakRiseMb: { value: 50, better: 'lower' }, postgresPeakRiseMb: { value: 50, better: 'lower' } },
  start: { readyMsMedianWorst: { value: 1000, better: 'lower' }, idleRssMbMedianWorst: { value: 120, better: 'lower' } },
};

const W = 720;
const PANEL_H = 170;
const M = { left: 64, right: 24, top: 34, bottom: 30 };

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const fmt = (v: number) => (Math.abs(v) >= 100 ? String(Math.round(v)) : String(Math.round(v * 100) / 100));
const day = (iso: string) => iso.slice(0, 10);

/** Numeric headline figures of a scenario, in the order they first appear. */
function figures(lines: HistoryLine[]): string[] {
  const names: string[] = [];
  for (const l of lines) for (const [k, v] of Object.entries(l.headline ?? {})) if (typeof v === 'number' && !names.includes(k)) names.push(k);
  return names;
}

function panel(lines: HistoryLine[], figure: string, target: Target | undefined, top: number): string {
  const pts = lines.filter((l) => typeof l.headline[figure] === 'number').map((l) => ({ t: Date.parse(l.date), v: l.headline[figure] as number, met: l.met }));
  const values = pts.map((p) => p.v).concat(target ? [target.value] : []);
  const lo = Math.min(0, ...values);
  let hi = Math.max(...values);
  if (hi === lo) hi = lo + 1;
  hi += (hi - lo) * 0.1;
  const plotW = W - M.left - M.right;
  const plotH = PANEL_H - M.top - M.bottom;
  // Runs are spaced evenly (many runs share a day); the axis names the first and last dates.
  const x = (i: number) => M.left + (pts.length === 1 ? plotW / 2 : (i * plotW) / (pts.length - 1));
  const y = (v: number) => top + M.top + plotH - ((v - lo) / (hi - lo)) * plotH;
  const out: string[] = [`<g class="panel" aria-label="${esc(figure)}">`];
  out.push(`<text x="${M.left}" y="${top + 20}" font-size="13" font-weight="bold">${esc(figure)}</text>`);
  // Axes and the y scale.
  out.push(`<line x1="${M.left}" y1="${top + M.top}" x2="${M.left}" y2="${top + M.top + plotH}" stroke="#444"/>`);
  out.push(`<line x1="${M.left}" y1="${top + M.top + plotH}" x2="${W - M.right}" y2="${top + M.top + plotH}" stroke="#444"/>`);
  for (const v of [lo, (lo + hi) / 2, hi]) {
    out.push(`<text x="${M.left - 6}" y="${y(v) + 4}" font-size="10" text-anchor="end">${fmt(v)}</text>`);
    out.push(`<line x1="${M.left}" y1="${y(v)}" x2="${W - M.right}" y2="${y(v)}" stroke="#ddd"/>`);
  }
  if (pts.length) {
    out.push(`<text x="${M.left}" y="${top + PANEL_H - 8}" font-size="10">${day(lines[0].date)}</text>`);
    out.push(
      `<text x="${W - M.right}" y="${top + PANEL_H - 8}" font-size="10" text-anchor="end">${day(lines[lines.length - 1].date)} (${pts.length} runs)</text>`,
    );
  }
  if (target) {
    out.push(
      `<line class="target" x1="${M.left}" y1="${y(target.value)}" x2="${W - M.right}" y2="${y(target.value)}" stroke="#c00" stroke-dasharray="6 4"/>`,
      `<text x="${W - M.right}" y="${y(target.value) - 4}" font-size="10" fill="#c00" text-anchor="end">target ${target.better === 'lower' ? '≤' : '≥'} ${fmt(target.value)}</text>`,
    );
  }
  if (pts.length > 1)
    out.push(`<polyline fill="none" stroke="#36c" stroke-width="1.5" points="${pts.map((p, i) => `${x(i).toFixed(1)},${y(p.v).toFixed(1)}`).join(' ')}"/>`);
  // Every value is labelled when there are few runs; otherwise the first, last, lowest and highest.
  const minI = pts.reduce((b, p, i) => (p.v < pts[b].v ? i : b), 0);
  const maxI = pts.reduce((b, p, i) => (p.v > pts[b].v ? i : b), 0);
  pts.forEach((p, i) => {
    const fill = p.met === false ? '#c00' : '#36c';
    out.push(
      `<circle class="point" cx="${x(i).toFixed(1)}" cy="${y(p.v).toFixed(1)}" r="3" fill="${fill}"><title>${esc(`${p.met === false ? 'missed' : 'met'}: ${day(new Date(p.t).toISOString())} ${figure} = ${fmt(p.v)}`)}</title></circle>`,
    );
    if (pts.length <= 16 || i === 0 || i === pts.length - 1 || i === minI || i === maxI) {
      out.push(`<text class="value" x="${x(i).toFixed(1)}" y="${(y(p.v) - 6).toFixed(1)}" font-size="9" text-anchor="middle">${fmt(p.v)}</text>`);
    }
  });
  out.push('</g>');
  return out.join('\n');
}

/** The chart of one scenario's history lines (oldest first). */
export function scenarioChart(scenario: string, lines: HistoryLine[], targets: Record<string, Target> = TARGETS[scenario] ?? {}): string {
  const names = figures(lines);
  const height = 40 + names.length * PANEL_H;
  const last = lines[lines.length - 1];
  const desc = last
    ? `${lines.length} full-scale runs from ${day(lines[0].date)} to ${day(last.date)}. Latest run: ${names
        .filter((n) => typeof last.headline[n] === 'number')
        .map(
          (n) =>
            `${n} ${fmt(last.headline[n] as number)}${targets[n] ? ` (target ${targets[n].better === 'lower' ? 'at most' : 'at least'} ${fmt(targets[n].value)})` : ''}`,
        )
        .join('; ')}${last.met === undefined ? '' : last.met ? '; target met' : '; target missed'}.`
    : 'No runs yet.';
  const body = names.map((n, i) => panel(lines, n, targets[n], 40 + i * PANEL_H)).join('\n');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${height}" viewBox="0 0 ${W} ${height}" role="img" aria-labelledby="title-${scenario} desc-${scenario}" font-family="sans-serif">
<title id="title-${scenario}">Bench history: ${esc(scenario)}</title>
<desc id="desc-${scenario}">${esc(desc)}</desc>
<rect width="100%" height="100%" fill="#fff"/>
<text x="${W / 2}" y="24" font-size="16" font-weight="bold" text-anchor="middle">Bench history: ${esc(scenario)} (headline figures per full run; red: target missed)</text>
${body}
</svg>
`;
}

/** Reads the history and writes docs/bench-charts/<scenario>.svg for every scenario in it; returns the files. */
export function writeCharts(historyFile: string, outDir: string): string[] {
  const lines = fs
    .readFileSync(historyFile, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as HistoryLine)
    .sort((a, b) => a.date.localeCompare(b.date));
  const by = new Map<string, HistoryLine[]>();
  for (const l of lines) by.set(l.scenario, [...(by.get(l.scenario) ?? []), l]);
  fs.mkdirSync(outDir, { recursive: true });
  return [...by].map(([scenario, ls]) => {
    const file = path.join(outDir, `${scenario}.svg`);
    fs.writeFileSync(file, scenarioChart(scenario, ls));
    return file;
  });
}
