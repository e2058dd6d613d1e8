/**
 * The baseline: a bare Socket.IO relay with no auth, no validation and no database. A client
 * joins a room; a message sent with an ack is acknowledged and emitted to everyone in the room,
 * the same shape of traffic as the product's `message:send` -> `message`. `POST /broadcast`
 * `{ room, event, payload }` emits the payload to a room and answers 201: the same shape as a
 * chat request (HTTP) alerting techs.
 */
import http from 'node:http';
import { Server } from 'socket.io';

const server = http.createServer((req, res) => {
  if (req.method !== 'POST' || req.url !== '/broadcast') {
    res.writeHead(404).end();
    return;
  }
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (d: string) => (body += d));
  req.on('end', () => {
    const p = JSON.parse(body) as { room: string; event: string; payload: unknown };
    io.to(p.room).emit(p.event, p.payload);
    res.writeHead(201, { 'content-type': 'application/json' }).end('{"ok":true}');
  });
});
const io = new Server(server, { serveClient: false, maxHttpBufferSize: 64 * 1024, pingInterval: 10000, pingTimeout: 8000 });

io.on('connection', (socket) => {
  socket.on('join', (p: { room: string }, ack?: (r: unknown) => void) => {
    socket.join(p.room);
    ack?.({ ok: true });
  });
  socket.on('send', (p: { room: string; body: string; clientId: string }, ack?: (r: unknown) => void) => {
    const message = { room: p.room, body: p.body, clientId: p.clientId, at: Date.now() };
    ack?.({ ok: true, message });
    io.to(p.room).emit('message', message);
  });
});

server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  console.log(`relay listening on http://127.0.0.1:${port}`);
});

for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    io.close();
    process.exit(0);
  });
}
