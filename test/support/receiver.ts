/** A real HTTP receiver for webhooks, on a free loopback port; what it answers is up to the test. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type Received = { headers: http.IncomingHttpHeaders; body: string; at: number };
export type Answer = { status: number; body?: string; headers?: Record<string, string> } | 'hang';

export type Receiver = {
  url: string;
  received: Received[];
  /** What the next requests get (default 200 "ok"). */
  answer: (a: Answer | ((r: Received) => Answer)) => void;
  close: () => Promise<void>;
};

export async function startReceiver(path = '/hook'): Promise<Receiver> {
  const received: Received[] = [];
  let answer: Answer | ((r: Received) => Answer) = { status: 200, body: 'ok' };
  const hung = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r = { headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() };
      received.push(r);
      const a = typeof answer === 'function' ? answer(r) : answer;
      if (a === 'hang') {
        hung.add(res);
        return;
      }
      res.writeHead(a.status, { 'content-type': 'text/plain', ...a.headers }).end(a.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${path}`,
    received,
    answer: (a) => {
      answer = a;
    },
    close: async () => {
      for (const res of hung) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
