/**
 * The five searching techs of bench/search.ts, in a process of their own: five techs are five
 * browsers, not work on the load process's event loop. Parsing 200 search answers a second there
 * would delay the chat deliveries that process times, and charge the server for it.
 *
 * Protocol over the IPC channel: the parent sends `{ url, loops: [{ cookie, queries }] }`; each loop
 * searches back to back, cycling through its query strings, until the parent sends `'stop'`; then
 * this process answers `{ searches, failed }` and exits.
 */
type Start = { url: string; loops: { cookie: string; queries: string[] }[] };

let stopped = false;
let searches = 0;
let failed = 0;

async function loop(url: string, cookie: string, queries: string[]) {
  for (let k = 0; !stopped; k++) {
    try {
      const r = await fetch(`${url}/api/console/search?${queries[k % queries.length]}`, { headers: { cookie } });
      await r.json();
      if (r.status === 200) searches++;
      else failed++;
    } catch {
      failed++;
    }
  }
}

process.on('message', (m: Start | 'stop') => {
  if (m === 'stop') {
    stopped = true;
    return;
  }
  const loops = m.loops.map((l) => loop(m.url, l.cookie, l.queries));
  process.send!('started');
  void Promise.all(loops).then(() => {
    process.send!({ searches, failed }, () => process.exit(0));
  });
});
