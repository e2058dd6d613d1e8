/**
 * The five searching techs of bench/search.ts, in a process of their own: five techs are five
 * browsers, not work on the load process's event loop. Parsing 200 search answers a second there
 * would delay the chat deliveries that process times, and charge the server for it.
 *
 * Protocol over the IPC channel: the parent sends `{ url, loops: [{ cookie, queries }], perSecond? }`;
 * each loop searches back to back (or, with `perSecond`, at its share of that rate), cycling
 * through its query strings, until the parent sends `'stop'`; then
 * this process answers `{ searches, failed }` and exits.
 */
type Start = { url: string; loops: { cookie: string; queries: string[] }[]; perSecond?: number };

let stopped = false;
let searches = 0;
let failed = 0;

/** Back to back, or with `gap` ms between the starts of one loop's searches (a paced rate). */
async function loop(url: string, cookie: string, queries: string[], gap: number, offset: number) {
  // Paced loops start spread over one gap, not all at once.
  if (offset) await new Promise((r) => setTimeout(r, offset));
  let next = performance.now();
  for (let k = 0; !stopped; k++) {
    try {
      const r = await fetch(`${url}/api/console/search?${queries[k % queries.length]}`, { headers: { cookie } });
      await r.json();
      if (r.status === 200) searches++;
      else failed++;
    } catch {
      failed++;
    }
    if (gap) {
      next += gap;
      const wait = next - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      else next = performance.now();
    }
  }
}

process.on('message', (m: Start | 'stop') => {
  if (m === 'stop') {
    stopped = true;
    return;
  }
  // A rate for all loops together: each loop takes its share.
  const gap = m.perSecond ? (1000 * m.loops.length) / m.perSecond : 0;
  const loops = m.loops.map((l, i) => loop(m.url, l.cookie, l.queries, gap, (i * gap) / m.loops.length));
  process.send!('started');
  void Promise.all(loops).then(() => {
    process.send!({ searches, failed }, () => process.exit(0));
  });
});
