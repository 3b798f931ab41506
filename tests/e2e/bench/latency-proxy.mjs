// A TCP proxy that adds a fixed one-way delay to every chunk, in each direction, keeping the
// order: between the browser and the backend it makes a "remote" backend out of the local one
// (40 ms each way = 80 ms round trip). Being plain TCP it carries HTTP/1.1 and WebSocket alike.
//
// What it does not model: the TCP handshake itself is local (the proxy accepts at once and
// connects to the backend on 127.0.0.1), so a NEW connection costs no extra round trip here, as it
// would (plus TLS) on a real network; bandwidth is not limited; no loss, no jitter.
// Binds 127.0.0.1 only; close() ends every connection.
import { createServer, connect } from 'node:net';
import { once } from 'node:events';

/**
 * Starts the proxy on a free port of 127.0.0.1 towards `target` (`{ host, port }`), delaying each
 * chunk by `delayMs` in each direction. Returns `{ port, url, stats, close }`.
 */
export async function startLatencyProxy({ target, delayMs = 40 }) {
  const sockets = new Set();
  const stats = { connections: 0, upBytes: 0, downBytes: 0, upChunks: 0, downChunks: 0 };

  /** Pipes `from` → `to`, each chunk written `delayMs` after it arrived, in arrival order. */
  function delayedPipe(from, to, direction) {
    const queue = [];
    let timer = null;
    let ended = false;
    const pump = () => {
      timer = null;
      const now = performance.now();
      while (queue.length && queue[0].due <= now + 0.5) {
        const { chunk } = queue.shift();
        if (!to.destroyed) to.write(chunk);
      }
      if (queue.length) timer = setTimeout(pump, Math.max(0, queue[0].due - performance.now()));
      else if (ended && !to.destroyed) to.end();
    };
    from.on('data', (chunk) => {
      stats[`${direction}Bytes`] += chunk.length;
      stats[`${direction}Chunks`] += 1;
      queue.push({ due: performance.now() + delayMs, chunk });
      if (!timer) timer = setTimeout(pump, delayMs);
    });
    // The end (FIN, or the socket gone) travels after the data, delayed like it.
    const finish = () => {
      if (ended) return;
      ended = true;
      if (!timer) timer = setTimeout(pump, delayMs);
    };
    from.on('end', finish);
    from.on('close', finish);
  }

  // allowHalfOpen: a FIN from one side must not cut the delayed data still owed to it.
  const server = createServer({ noDelay: true, allowHalfOpen: true }, (client) => {
    stats.connections += 1;
    const upstream = connect({ host: target.host, port: target.port, noDelay: true, allowHalfOpen: true });
    sockets.add(client);
    sockets.add(upstream);
    const forget = (socket) => () => sockets.delete(socket);
    client.on('close', forget(client));
    upstream.on('close', forget(upstream));
    // A reset on either side: the other side is reset too (after the queued data, see finish).
    client.on('error', () => client.destroy());
    upstream.on('error', () => upstream.destroy());
    delayedPipe(client, upstream, 'up');
    delayedPipe(upstream, client, 'down');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    delayMs,
    stats,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      sockets.clear();
      await new Promise((r) => server.close(() => r()));
    },
  };
}
