/**
 * The baseline: a bare Socket.IO relay with no auth, no validation and no database. A client
 * joins a room; a message sent with an ack is acknowledged and emitted to everyone in the room,
 * the same shape of traffic as the product's `message:send` -> `message`.
 */
import http from 'node:http';
import { Server } from 'socket.io';

const server = http.createServer();
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
