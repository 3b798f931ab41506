// Fan-out of one change to many connected clients: N simulated clients in Node (raw WebSockets,
// the `ws` package, speaking Phoenix vsn 2.0.0 as supabase-js does), each joined to the private
// channel realtime:punctaj:sync with a member's JWT and sending a heartbeat every 25 s; then a
// few changes (rpc/change_points as leader), each timed from its HTTP response (the commit is
// done: the broadcast is delivered at commit) — and from the request's start — until every
// client has received its `version` broadcast. Also: the connect + join time of all N, and the
// backend process's CPU time (utime + stime from /proc/<pid>/stat) during each fan-out.
//
// The receive times are taken in this one Node process, on one event loop that also parses the
// N frames: on 2 shared cores the load generator itself is part of what is measured.
// 127.0.0.1 only; every wait is bounded; every socket is closed at the end.
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { summary } from './stats.mjs';
import { epochNow } from './rpc-worker.mjs';

const TOPIC = 'realtime:punctaj:sync';
const HEARTBEAT_MS = 25_000;

let clockTicks;
function clkTck() {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/**
 * CPU time of process `pid` so far, in ms: `stat` = utime + stime from /proc/<pid>/stat (clock
 * ticks, 10 ms each here), `sched` = the sum over its threads of /proc/<pid>/task/<tid>/schedstat
 * (nanoseconds: precise enough for one change). NaN when /proc cannot tell.
 */
export function cpuMs(pid) {
  let stat = NaN;
  let sched = NaN;
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which is in parentheses and may hold spaces).
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    stat = ((Number(fields[11]) + Number(fields[12])) * 1000) / clkTck();
  } catch {}
  try {
    sched = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      sched += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]) / 1e6;
    }
  } catch {
    sched = NaN;
  }
  return { stat, sched };
}

const cpuDelta = (a, b) => ({ statMs: b.stat - a.stat, schedMs: b.sched - a.sched });

/** One simulated client: connects, joins, answers nothing, records each `version` broadcast. */
class SimClient {
  constructor(index, url, token) {
    this.index = index;
    this.url = url;
    this.token = token;
    this.ref = 0;
    this.received = new Map(); // version → epoch ms of arrival
    this.heartbeatsSent = 0;
    this.heartbeatReplies = 0;
    this.frames = 0;
    this.closed = false;
  }

  nextRef() {
    this.ref += 1;
    return String(this.ref);
  }

  /** Resolves with { connectMs, joinMs } (from the start of the connection), rejects on failure. */
  open(timeoutMs) {
    const started = epochNow();
    return new Promise((resolve, reject) => {
      const ws = (this.ws = new WebSocket(this.url, { perMessageDeflate: false, handshakeTimeout: timeoutMs }));
      let openedAt = NaN;
      const joinRef = this.nextRef();
      const timer = setTimeout(() => fail(new Error(`client ${this.index}: not joined within ${timeoutMs} ms`)), timeoutMs);
      const fail = (error) => {
        clearTimeout(timer);
        reject(error);
      };
      ws.on('error', (error) => fail(new Error(`client ${this.index}: ${error.message}`)));
      ws.on('close', () => {
        this.closed = true;
        clearInterval(this.heartbeat);
        fail(new Error(`client ${this.index}: closed before joining`));
      });
      ws.on('open', () => {
        openedAt = epochNow();
        ws.send(
          JSON.stringify([
            joinRef,
            joinRef,
            TOPIC,
            'phx_join',
            {
              config: {
                broadcast: { ack: false, self: false },
                presence: { key: `bench-${this.index}`, enabled: true },
                postgres_changes: [],
                private: true,
              },
              access_token: this.token,
            },
          ]),
        );
      });
      ws.on('message', (data, isBinary) => {
        const at = epochNow();
        this.frames += 1;
        if (isBinary) return;
        let frame;
        try {
          frame = JSON.parse(data.toString());
        } catch {
          return;
        }
        const [, ref, topic, event, payload] = frame;
        if (topic === 'phoenix' && event === 'phx_reply') {
          this.heartbeatReplies += 1;
        } else if (topic === TOPIC && event === 'phx_reply' && ref === joinRef) {
          if (payload?.status === 'ok') {
            clearTimeout(timer);
            this.heartbeat = setInterval(() => this.sendHeartbeat(), HEARTBEAT_MS);
            resolve({ connectMs: openedAt - started, joinMs: at - started });
          } else fail(new Error(`client ${this.index}: join refused: ${JSON.stringify(payload).slice(0, 200)}`));
        } else if (topic === TOPIC && event === 'broadcast' && payload?.event === 'version') {
          const version = Number(payload.payload?.version ?? payload.payload?.record?.version);
          if (!this.received.has(version)) this.received.set(version, at);
        }
      });
    });
  }

  sendHeartbeat() {
    if (this.ws?.readyState !== WebSocket.OPEN) return;
    this.heartbeatsSent += 1;
    this.ws.send(JSON.stringify([null, this.nextRef(), 'phoenix', 'heartbeat', {}]));
  }

  close() {
    clearInterval(this.heartbeat);
    if (!this.ws) return Promise.resolve();
    if (this.ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.ws.terminate();
        resolve();
      }, 2_000);
      this.ws.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      try {
        this.ws.close(1000);
      } catch {
        this.ws.terminate();
      }
    });
  }
}

/**
 * Runs the fan-out benchmark against `backend` (a harness Backend, running).
 * `memberToken` joins the clients; `change()` commits one change and returns { version, rpcStart,
 * rpcAt } (epoch ms: the request's start, its answer; see rpc-worker.mjs).
 */
export async function fanoutBench({
  backend,
  memberToken,
  change,
  clients = 200,
  changes = 5,
  connectParallel = 20,
  joinTimeoutMs = 20_000,
  deliveryTimeoutMs = 10_000,
  pauseMs = 5_000,
  say = () => {},
}) {
  const url = `${backend.url.replace(/^http/, 'ws')}/realtime/v1/websocket?apikey=${encodeURIComponent(backend.anonKey)}&vsn=2.0.0`;
  const pid = backend.process.pid;
  const sims = Array.from({ length: clients }, (_, i) => new SimClient(i + 1, url, memberToken));
  const result = { clients, url: url.replace(/apikey=[^&]+/, 'apikey=…'), connectParallel, changes: [], errors: [] };
  try {
    // ------------------------------------------------------------ connect + join, N at a time
    const cpuBeforeJoin = cpuMs(pid);
    const joinStarted = performance.now();
    const opened = new Array(clients);
    let next = 0;
    const worker = async () => {
      while (next < sims.length) {
        const sim = sims[next];
        next += 1;
        try {
          opened[sim.index - 1] = await sim.open(joinTimeoutMs);
        } catch (error) {
          result.errors.push(error.message);
          opened[sim.index - 1] = null;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(connectParallel, clients) }, worker));
    const joinAllMs = performance.now() - joinStarted;
    const joined = opened.filter(Boolean);
    result.join = {
      joined: joined.length,
      failed: clients - joined.length,
      allMs: joinAllMs,
      backendCpu: cpuDelta(cpuBeforeJoin, cpuMs(pid)),
      connect: summary(joined.map((o) => o.connectMs)),
      join: summary(joined.map((o) => o.joinMs)),
    };
    say(`fan-out: ${joined.length}/${clients} clients joined in ${Math.round(joinAllMs)} ms (${connectParallel} at a time; join p50 ${Math.round(result.join.join.p50)} ms)`);
    if (!joined.length) throw new Error(`no client could join: ${result.errors[0] ?? '?'}`);
    const live = sims.filter((s, i) => opened[i]);

    // ------------------------------------------------------------ the changes
    for (let round = 1; round <= changes; round += 1) {
      await new Promise((r) => setTimeout(r, pauseMs));
      const cpu0 = cpuMs(pid);
      const { version, rpcStart: t0, rpcAt: t1 } = await change();
      const deadline = epochNow() + deliveryTimeoutMs;
      while (epochNow() < deadline && live.some((s) => !s.received.has(version) && !s.closed)) {
        await new Promise((r) => setTimeout(r, 5));
      }
      const allAt = epochNow();
      // Settle a little, then read the CPU time: the work of this fan-out (plus the RPC itself).
      await new Promise((r) => setTimeout(r, 50));
      const cpu1 = cpuMs(pid);
      const arrivals = live.map((s) => s.received.get(version)).filter((x) => x !== undefined);
      const fromResponse = arrivals.map((at) => at - t1);
      const fromRequest = arrivals.map((at) => at - t0);
      const r = {
        round,
        version,
        rpcMs: t1 - t0,
        received: arrivals.length,
        missing: live.length - arrivals.length,
        fromResponse: summary(fromResponse),
        fromRequest: summary(fromRequest),
        // Some arrive before the HTTP response is back in Node: delivered at commit.
        beforeResponse: fromResponse.filter((x) => x < 0).length,
        lastArrivalMs: arrivals.length ? Math.max(...arrivals) - t1 : NaN,
        waitedMs: allAt - t1,
        backendCpu: cpuDelta(cpu0, cpu1),
        samplesFromResponse: fromResponse.map((x) => +x.toFixed(2)),
      };
      result.changes.push(r);
      say(
        `fan-out change ${round}/${changes}: v${version} reached ${r.received}/${live.length} clients; after the RPC's response p50 ${r.fromResponse.p50.toFixed(1)} ms, ` +
          `p95 ${r.fromResponse.p95.toFixed(1)} ms, max ${r.fromResponse.max.toFixed(1)} ms (RPC ${r.rpcMs.toFixed(1)} ms); backend CPU ${r.backendCpu.schedMs.toFixed(1)} ms`,
      );
    }
    const pooled = result.changes.flatMap((c) => c.samplesFromResponse);
    const pooledReq = result.changes.flatMap((c) => c.samplesFromResponse.map((x) => x + c.rpcMs));
    result.pooled = {
      fromResponse: summary(pooled),
      fromRequest: summary(pooledReq),
      missing: result.changes.reduce((n, c) => n + c.missing, 0),
      backendCpuMsPerChange: summary(result.changes.map((c) => c.backendCpu.schedMs)),
      backendCpuStatMsAllChanges: result.changes.reduce((n, c) => n + c.backendCpu.statMs, 0),
      backendCpuSchedMsAllChanges: result.changes.reduce((n, c) => n + c.backendCpu.schedMs, 0),
    };
    result.heartbeats = {
      sent: sims.reduce((n, s) => n + s.heartbeatsSent, 0),
      replies: sims.reduce((n, s) => n + s.heartbeatReplies, 0),
    };
    result.stillOpen = live.filter((s) => !s.closed).length;
    return result;
  } finally {
    await Promise.all(sims.map((s) => s.close()));
  }
}
