// A's changes, committed from a worker thread: its own event loop, so the moment the RPC's answer
// arrives is stamped when it arrives, not when the bench's main thread (busy with Playwright and
// the CDP events of several pages) gets round to it. Times are epoch ms on the WALL clock, the
// one of Date.now() in the pages and of CDP's wallTime: performance.timeOrigin + now() follows
// the monotonic clock, which drifted from the wall clock by seconds on this VM during a run.
// Sub-millisecond precision comes from performance.now() between two readings of Date.now(),
// re-anchored whenever the estimate leaves [Date.now(), Date.now() + 1) (so within ~1 ms).
import { Worker, isMainThread, parentPort } from 'node:worker_threads';

let anchorWall = Date.now();
let anchorMono = performance.now();
export function epochNow() {
  const mono = performance.now();
  const wall = Date.now();
  const estimate = anchorWall + (mono - anchorMono);
  if (estimate < wall || estimate >= wall + 1) {
    anchorWall = wall;
    anchorMono = mono;
    return wall;
  }
  return estimate;
}

if (!isMainThread && parentPort) {
  parentPort.on('message', async ({ id, url, init }) => {
    const startedAt = epochNow();
    try {
      const response = await fetch(url, init);
      const answeredAt = epochNow(); // status and headers in: the commit is done
      const text = await response.text();
      parentPort.postMessage({ id, status: response.status, text, startedAt, answeredAt });
    } catch (error) {
      parentPort.postMessage({ id, error: String(error?.message ?? error), startedAt, answeredAt: epochNow() });
    }
  });
}

/** POSTs to the backend's RPCs from a worker thread; close() ends the worker. */
export class RpcWorker {
  constructor(backend) {
    this.backend = backend;
    this.worker = new Worker(new URL(import.meta.url));
    this.worker.unref();
    this.pending = new Map();
    this.nextId = 0;
    this.worker.on('message', (m) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      clearTimeout(p.timer);
      if (m.error) p.reject(new Error(m.error));
      else p.resolve(m);
    });
    this.worker.on('error', (error) => {
      for (const p of this.pending.values()) p.reject(error);
      this.pending.clear();
    });
  }

  /** { status, body, startedAt, answeredAt } of POST /rest/v1/rpc/<name> as `token`. */
  rpc(name, args, token, timeoutMs = 15_000) {
    const id = (this.nextId += 1);
    const init = {
      method: 'POST',
      headers: { apikey: this.backend.anonKey, authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(args),
    };
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`rpc ${name}: no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      this.worker.postMessage({ id, url: `${this.backend.url}/rest/v1/rpc/${name}`, init });
    }).then((m) => {
      let body = m.text;
      try {
        body = m.text ? JSON.parse(m.text) : null;
      } catch {}
      return { status: m.status, body, startedAt: m.startedAt, answeredAt: m.answeredAt };
    });
  }

  close() {
    return this.worker.terminate();
  }
}
