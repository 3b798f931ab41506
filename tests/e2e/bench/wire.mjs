// Replays one HTTP/1.1 request, byte for byte as the browser sent it, over a fresh socket, and
// counts what went over it: socket.bytesWritten (request line + headers) and socket.bytesRead
// (status line + headers + body). Also a keep-alive GET loop for latency.
import { connect } from 'node:net';
import http from 'node:http';
import { performance } from 'node:perf_hooks';

/** The raw request text: request line and headers in the browser's order and spelling. */
export function rawRequest(method, path, headersArray) {
  const lines = [`${method} ${path} HTTP/1.1`];
  for (const { name, value } of headersArray) lines.push(`${name}: ${value}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/** Sends `raw` on a new socket; resolves once the whole response has arrived and the socket is closed. */
export function replay({ host, port, raw, timeoutMs = 5_000 }) {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    socket.setNoDelay(true);
    const chunks = [];
    let done = false;
    const timer = setTimeout(() => finish(new Error(`no complete response within ${timeoutMs} ms`)), timeoutMs);
    const finish = (error) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (error) {
        socket.destroy();
        reject(error);
        return;
      }
      // Close our side; bytesRead/bytesWritten are final once the socket is closed.
      socket.once('close', () => {
        const response = Buffer.concat(chunks);
        const headEnd = response.indexOf('\r\n\r\n');
        const head = response.subarray(0, headEnd + 4).toString('latin1');
        resolve({
          bytesWritten: socket.bytesWritten,
          bytesRead: socket.bytesRead,
          responseHeadBytes: headEnd + 4,
          responseBodyBytes: response.length - (headEnd + 4),
          statusLine: head.split('\r\n')[0],
          responseHead: head,
          body: response.subarray(headEnd + 4).toString('utf8'),
        });
      });
      socket.end();
    };
    socket.on('connect', () => socket.write(raw));
    socket.on('data', (chunk) => {
      chunks.push(chunk);
      const response = Buffer.concat(chunks);
      const headEnd = response.indexOf('\r\n\r\n');
      if (headEnd < 0) return;
      const head = response.subarray(0, headEnd).toString('latin1');
      const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
      const chunked = /\r\ntransfer-encoding:\s*chunked/i.test(head);
      const body = response.length - (headEnd + 4);
      if (length && body >= Number(length[1])) finish();
      else if (chunked && response.subarray(-5).toString('latin1') === '0\r\n\r\n') finish();
      else if (!length && !chunked && /^HTTP\/1\.1 (1\d\d|204|304)/.test(head)) finish();
    });
    socket.on('end', () => finish());
    socket.on('error', (error) => finish(error));
  });
}

/** `count` sequential GETs of `url` with `headers` over one keep-alive connection: latencies (ms). */
export async function getLoop({ url, headers, count, timeoutMs = 5_000 }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const samples = [];
  const statuses = new Map();
  try {
    for (let i = 0; i < count; i += 1) {
      const started = performance.now();
      const status = await new Promise((resolve, reject) => {
        const request = http.get(url, { headers, agent, timeout: timeoutMs }, (response) => {
          response.on('data', () => {});
          response.on('end', () => resolve(response.statusCode));
          response.on('error', reject);
        });
        request.on('timeout', () => request.destroy(new Error(`GET timed out after ${timeoutMs} ms`)));
        request.on('error', reject);
      });
      samples.push(performance.now() - started);
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
    }
  } finally {
    agent.destroy();
  }
  return { samples, statuses: Object.fromEntries(statuses) };
}

/** GETs every path once, `parallel` at a time, over keep-alive connections: total ms and statuses. */
export async function getMany({ origin, paths, headers, parallel, timeoutMs = 10_000 }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: parallel });
  const statuses = new Map();
  let next = 0;
  let bodyBytes = 0;
  const started = performance.now();
  try {
    await Promise.all(
      Array.from({ length: parallel }, async () => {
        while (next < paths.length) {
          const path = paths[next++];
          const status = await new Promise((resolve, reject) => {
            const request = http.get(origin + path, { headers, agent, timeout: timeoutMs }, (response) => {
              response.on('data', (chunk) => {
                bodyBytes += chunk.length;
              });
              response.on('end', () => resolve(response.statusCode));
              response.on('error', reject);
            });
            request.on('timeout', () => request.destroy(new Error(`GET timed out after ${timeoutMs} ms`)));
            request.on('error', reject);
          });
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
        }
      }),
    );
  } finally {
    agent.destroy();
  }
  return { ms: performance.now() - started, bodyBytes, statuses: Object.fromEntries(statuses) };
}
