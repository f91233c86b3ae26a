/**
 * Baseline for the `realtime` benchmark: a bare `ws` server that broadcasts every message it
 * receives to every connected socket, serialising once per message — the least a fan-out
 * can do. Port from argv[2].
 */
import { WebSocketServer } from 'ws';

const port = Number(process.argv[2]);
const wss = new WebSocketServer({ port, host: '127.0.0.1' });
wss.on('connection', (socket) => {
  socket.on('message', (data) => {
    const text = data.toString();
    for (const client of wss.clients) client.send(text);
  });
});
process.on('SIGTERM', () => wss.close(() => process.exit(0)));
