// Counts what a page sends to and receives from the backend, from Chromium's own network events
// (a CDP session per page): requests, CORS preflights, bytes on the wire (headers included) and
// decoded body bytes. Only requests to `origin` are counted, between start() and stop().
// WebSockets to `origin` too: handshakes, and every frame sent/received with its payload size and
// its size on the wire (payload + the RFC 6455 frame header, masked from the browser); heartbeats
// (topic "phoenix") and broadcasts are counted apart. `wsLog` keeps the last frames received
// whatever the meter's state, with their wall-clock time (ms since the epoch, Chromium's clock).

export class NetMeter {
  static async attach(page, origin) {
    const meter = new NetMeter(origin);
    meter.cdp = await page.context().newCDPSession(page);
    const on = (event, handler) => meter.cdp.on(event, (params) => meter.active && handler(params));
    on('Network.requestWillBeSent', ({ requestId, request, type, redirectResponse }) => {
      if (!request.url.startsWith(origin)) return;
      if (redirectResponse) return; // the same requestId goes on; counted once
      meter.requests.set(requestId, {
        url: request.url,
        method: request.method,
        type,
        postBytes: request.postData ? Buffer.byteLength(request.postData) : 0,
        sentHeaderBytes: 0,
        status: 0,
        encoded: 0,
        body: 0,
        finished: false,
        failed: null,
      });
    });
    on('Network.requestWillBeSentExtraInfo', ({ requestId, headers }) => {
      // May arrive before requestWillBeSent: keep it aside until the request is known.
      meter.extra.set(requestId, headers);
    });
    on('Network.responseReceived', ({ requestId, response, type }) => {
      const r = meter.requests.get(requestId);
      if (!r) return;
      r.status = response.status;
      r.type = r.type ?? type;
      r.fromCache = Boolean(response.fromDiskCache || response.fromPrefetchCache || response.fromServiceWorker);
    });
    on('Network.dataReceived', ({ requestId, dataLength }) => {
      const r = meter.requests.get(requestId);
      if (r) r.body += dataLength;
    });
    on('Network.loadingFinished', ({ requestId, encodedDataLength }) => {
      const r = meter.requests.get(requestId);
      if (!r) return;
      r.encoded = encodedDataLength;
      r.finished = true;
    });
    // CDP timestamps are monotonic seconds; events that also carry wallTime give the offset.
    const clock = ({ timestamp, wallTime }) => {
      if (Number.isFinite(timestamp) && Number.isFinite(wallTime)) meter.wallOffsetMs = wallTime * 1000 - timestamp * 1000;
    };
    meter.cdp.on('Network.requestWillBeSent', clock);
    meter.cdp.on('Network.webSocketWillSendHandshakeRequest', clock);
    meter.cdp.on('Network.webSocketCreated', ({ requestId, url }) => {
      if (url.replace(/^ws/, 'http').startsWith(origin)) meter.sockets.add(requestId);
    });
    on('Network.webSocketWillSendHandshakeRequest', ({ requestId, request }) => {
      if (!meter.sockets.has(requestId)) return;
      meter.ws.handshakes += 1;
      meter.ws.handshakeSentBytes += Object.entries(request.headers ?? {}).reduce((n, [k, v]) => n + Buffer.byteLength(`${k}: ${v}\r\n`), 0);
    });
    on('Network.webSocketHandshakeResponseReceived', ({ requestId, response }) => {
      if (!meter.sockets.has(requestId)) return;
      meter.ws.handshakeReceivedBytes += Object.entries(response.headers ?? {}).reduce((n, [k, v]) => n + Buffer.byteLength(`${k}: ${v}\r\n`), 0);
    });
    const frame = (sent) => ({ requestId, timestamp, response }) => {
      if (!meter.sockets.has(requestId)) return;
      const payload = response.opcode === 1 ? Buffer.byteLength(response.payloadData ?? '') : Math.floor(((response.payloadData ?? '').length * 3) / 4);
      const kind = frameKind(response.payloadData ?? '');
      if (!sent) {
        meter.wsLog.push({ at: timestamp * 1000 + (meter.wallOffsetMs ?? NaN), kind, payloadBytes: payload, version: broadcastVersion(response.payloadData) });
        if (meter.wsLog.length > 2000) meter.wsLog.splice(0, 1000);
      }
      if (!meter.active) return;
      const w = meter.ws;
      const dir = sent ? 'sent' : 'received';
      w[`${dir}Frames`] += 1;
      w[`${dir}PayloadBytes`] += payload;
      w[`${dir}WireBytes`] += payload + (payload <= 125 ? 2 : payload <= 65535 ? 4 : 10) + (sent ? 4 : 0);
      w.byKind[kind] ??= { sentFrames: 0, receivedFrames: 0, sentWireBytes: 0, receivedWireBytes: 0 };
      w.byKind[kind][`${dir}Frames`] += 1;
      w.byKind[kind][`${dir}WireBytes`] += payload + (payload <= 125 ? 2 : payload <= 65535 ? 4 : 10) + (sent ? 4 : 0);
    };
    meter.cdp.on('Network.webSocketFrameSent', frame(true));
    meter.cdp.on('Network.webSocketFrameReceived', frame(false));
    on('Network.webSocketClosed', ({ requestId }) => {
      if (meter.sockets.has(requestId)) meter.ws.closed += 1;
    });
    on('Network.loadingFailed', ({ requestId, errorText }) => {
      const r = meter.requests.get(requestId);
      if (r) r.failed = errorText;
    });
    await meter.cdp.send('Network.enable', { maxTotalBufferSize: 0, maxResourceBufferSize: 0 });
    // The renderer main thread's cumulative busy times, to tell network waits from page work.
    await meter.cdp.send('Performance.enable').catch(() => {});
    return meter;
  }

  constructor(origin) {
    this.origin = origin;
    this.active = false;
    this.requests = new Map();
    this.extra = new Map();
    this.sockets = new Set();
    this.wsLog = [];
    this.ws = emptyWs();
  }

  start() {
    this.requests = new Map();
    this.extra = new Map();
    this.ws = emptyWs();
    this.startedAt = Date.now();
    this.active = true;
    this.cpuAtStart = this.mainThread();
  }

  /** Stops counting (after letting late events arrive) and sums up. */
  async stop({ settleMs = 300 } = {}) {
    const cpuAtStop = await this.mainThread();
    const cpuAtStart = await this.cpuAtStart;
    await new Promise((r) => setTimeout(r, settleMs));
    this.active = false;
    const summary = this.summary();
    summary.seconds = (Date.now() - this.startedAt) / 1000;
    if (cpuAtStart && cpuAtStop) {
      summary.mainThreadMs = {};
      for (const key of Object.keys(cpuAtStop)) summary.mainThreadMs[key] = Math.round((cpuAtStop[key] - cpuAtStart[key]) * 1000);
    }
    return summary;
  }

  /** Cumulative main-thread seconds: tasks, script, layout, style. */
  async mainThread() {
    try {
      const { metrics } = await this.cdp.send('Performance.getMetrics');
      const pick = (name) => metrics.find((m) => m.name === name)?.value ?? 0;
      return {
        task: pick('TaskDuration'),
        script: pick('ScriptDuration'),
        layout: pick('LayoutDuration'),
        style: pick('RecalcStyleDuration'),
      };
    } catch {
      return null;
    }
  }

  summary() {
    const all = [...this.requests.entries()].map(([id, r]) => {
      const headers = this.extra.get(id);
      if (headers) {
        const path = r.url.slice(this.origin.length);
        r.sentHeaderBytes =
          `${r.method} ${path} HTTP/1.1\r\n`.length +
          Object.entries(headers).reduce((n, [k, v]) => n + Buffer.byteLength(`${k}: ${v}\r\n`), 0) +
          2;
      }
      return r;
    });
    const preflights = all.filter((r) => r.type === 'Preflight' || r.method === 'OPTIONS');
    const requests = all.filter((r) => !(r.type === 'Preflight' || r.method === 'OPTIONS'));
    const sum = (list, key) => list.reduce((n, r) => n + (r[key] || 0), 0);
    const kind = (r) => {
      const path = new URL(r.url).pathname;
      if (path.includes('/rest/v1/sync_metadata')) return 'version row';
      if (path.includes('/rest/v1/rpc/')) return 'rpc';
      if (path.includes('/rest/v1/')) return 'tables';
      if (path.includes('/storage/v1/object/list/')) return 'storage list';
      if (/\/storage\/v1\/object\/sign\/[^/]+$/.test(path)) return 'storage sign';
      if (path.includes('/storage/v1/object/')) return 'archive GET';
      if (path.includes('/auth/v1/')) return 'auth';
      return 'other';
    };
    const byKind = {};
    for (const r of requests) {
      const k = kind(r);
      byKind[k] ??= { requests: 0, wireBytes: 0, bodyBytes: 0 };
      byKind[k].requests += 1;
      byKind[k].wireBytes += r.encoded;
      byKind[k].bodyBytes += r.body;
    }
    return {
      requests: requests.length,
      preflights: preflights.length,
      failed: requests.filter((r) => r.failed).length,
      unfinished: requests.filter((r) => !r.finished && !r.failed).length,
      fromCache: requests.filter((r) => r.fromCache).length,
      // Received: status line + headers + body as Chromium read them off the socket.
      receivedWireBytes: sum(requests, 'encoded'),
      receivedBodyBytes: sum(requests, 'body'),
      sentHeaderBytes: sum(requests, 'sentHeaderBytes'),
      sentBodyBytes: sum(requests, 'postBytes'),
      preflightWireBytes: sum(preflights, 'encoded'),
      preflightSentHeaderBytes: sum(preflights, 'sentHeaderBytes'),
      byKind,
      ws: structuredClone(this.ws),
    };
  }

  async detach() {
    this.active = false;
    await this.cdp?.detach().catch(() => {});
  }
}

function emptyWs() {
  return {
    handshakes: 0,
    handshakeSentBytes: 0,
    handshakeReceivedBytes: 0,
    closed: 0,
    sentFrames: 0,
    receivedFrames: 0,
    sentPayloadBytes: 0,
    receivedPayloadBytes: 0,
    sentWireBytes: 0,
    receivedWireBytes: 0,
    byKind: {},
  };
}

/** What a Phoenix (vsn 2.0.0) text frame is: heartbeat, broadcast, presence, reply, … */
export function frameKind(text) {
  if (typeof text !== 'string' || !text.startsWith('[')) return 'binary';
  try {
    const [, , topic, event, payload] = JSON.parse(text);
    if (topic === 'phoenix') return event === 'phx_reply' ? 'heartbeat reply' : event;
    if (event === 'broadcast') return `broadcast ${payload?.event ?? ''}`.trim();
    if (event === 'phx_reply') return 'reply';
    return event;
  } catch {
    return 'other';
  }
}

/** The `version` of a `version` broadcast frame (vsn 2.0.0 text), else undefined. */
export function broadcastVersion(text) {
  if (typeof text !== 'string' || !text.startsWith('[')) return undefined;
  try {
    const [, , , event, payload] = JSON.parse(text);
    if (event !== 'broadcast' || payload?.event !== 'version') return undefined;
    const version = Number(payload.payload?.version);
    return Number.isFinite(version) ? version : undefined;
  } catch {
    return undefined;
  }
}
