// The report of the live-sync benchmarks (live.mjs, fanout.mjs): tables for the console, and the
// findings they imply. Plain functions of the saved results, so a partial run prints what it has.
import { bytes, heading, ms, table } from './stats.mjs';

const row = (s) => [s.n, ms(s.p50, 0), ms(s.p95, 0), ms(s.min, 0), ms(s.max, 0)];
const PUSH_P95_GOAL_MS = 150;
const PROXY_P95_GOAL_MS = 400;

function lockTable(series, title) {
  if (!series) return;
  console.log(`\n${title}`);
  const rows = [];
  for (const [key, s] of Object.entries(series.clients)) {
    rows.push([`${s.label}: RPC answered (Node) → overlay in DOM`, ...row(s.summary)]);
    if (s.parts.pushAfterRpcMs.n) {
      rows.push(['  RPC answered → broadcast frame in the browser', ...row(s.parts.pushAfterRpcMs)]);
      rows.push(['  broadcast → start of the check it triggers', ...row(s.parts.pushToCheckMs)]);
    } else rows.push(['  RPC answered → start of the detecting check', ...row(s.parts.waitForCheckMs)]);
    rows.push(['  the detecting check (request → response)', ...row(s.parts.detectingCheckMs)]);
    rows.push(['  check response → overlay in DOM', ...row(s.parts.checkToOverlayMs)]);
    if (key === Object.keys(series.clients)[0]) rows.push(['  (the RPC itself, Node round trip)', ...row(s.parts.rpcMs)]);
  }
  console.log(table(['interval', 'samples', 'p50', 'p95', 'min', 'max'], rows));
  for (const s of Object.values(series.clients)) {
    console.log(
      `${s.label}: ${s.rounds.length} rounds, ${s.byPush} told by push${s.label.startsWith('push') && s.notLiveBefore ? `, ${s.notLiveBefore} with push NOT live before the round` : ''}; ` +
        `samples (ms): ${s.rounds.map((r) => Math.round(r.lockLatencyMs)).join(', ')}`,
    );
  }
  if (series.errors?.length) console.log(`failed rounds: ${series.errors.join('; ')}`);
}

export function printLive(live, notMeasured) {
  console.log(heading('6. Live sync: lock latency with push beside polling only'));
  if (!live || (!live.direct && !live.proxy)) {
    console.log(notMeasured);
    return;
  }
  lockTable(live.direct, 'directly on the local backend (three clients observing the same changes):');
  lockTable(live.proxy, `through the latency proxy (+${(live.proxy?.rttMs ?? 80) / 2} ms each way, ${live.proxy?.rttMs ?? 80} ms RTT, browser ⇄ backend; A's RPC goes direct):`);
  if (live.proxy?.proxyStats) {
    const p = live.proxy.proxyStats;
    console.log(`proxy: ${p.connections} TCP connections, ${bytes(p.upBytes)} up, ${bytes(p.downBytes)} down`);
  }

  console.log(heading('7. Cost of an idle signed-in client, per hour (HTTP + WebSocket)'));
  if (!live.idle) {
    console.log(notMeasured);
    return;
  }
  const idle = Object.entries(live.idle).filter(([k]) => k !== 'windowMs');
  console.log(
    table(
      ['client', 'window', 'requests', 'preflights', 'WS frames', 'heartbeats', 'requests/h', 'WS frames/h', 'bytes/h (sent + received)', 'of which WS'],
      idle.map(([, v]) => [
        v.label,
        `${v.seconds.toFixed(0)} s`,
        v.window.requests,
        v.window.preflights,
        v.window.ws.sentFrames + v.window.ws.receivedFrames,
        v.window.ws.byKind.heartbeat?.sentFrames ?? 0,
        Math.round(v.perHour.requests),
        Math.round(v.perHour.wsFrames),
        bytes(v.perHour.bytes),
        bytes(v.perHour.wsBytes),
      ]),
    ),
  );
  const a = live.idle.push1?.perHour;
  const b = live.idle.push30?.perHour;
  if (a && b) {
    console.log(
      `push + 1 s checks ÷ push + 30 s checks: ${(a.requests / b.requests).toFixed(1)}× the requests, ${(a.bytes / b.bytes).toFixed(1)}× the bytes. ` +
        'Trade-off: the relaxed interval costs far less, but the checks are the backstop when a push is lost ' +
        '(socket half-dead before its heartbeat times out, a broadcast dropped): that backstop becomes 30 s instead of 1 s.',
    );
  }
  console.log(
    'bytes: HTTP = request line + headers as Chromium sent them + bodies, and everything received (status, headers, body; CORS preflights included); ' +
      'WebSocket = payload + frame header (masked from the browser) of every frame; TCP/IP overhead not counted. Per hour = window × 3600 / its seconds.',
  );
}

export function printFanout(f, notMeasured) {
  console.log(heading('8. Fan-out: one change → N Realtime clients (Node, raw WebSockets)'));
  if (!f?.join) {
    console.log(notMeasured);
    return;
  }
  const j = f.join;
  console.log(
    `${j.joined}/${f.clients} clients joined realtime:punctaj:sync in ${ms(j.allMs, 0)} (${f.connectParallel} at a time; backend CPU ${ms(j.backendCpu.schedMs, 0)}); ` +
      `per client: WebSocket open p50 ${ms(j.connect.p50, 1)} / p95 ${ms(j.connect.p95, 1)}, joined p50 ${ms(j.join.p50, 1)} / p95 ${ms(j.join.p95, 1)} / max ${ms(j.join.max, 1)}`,
  );
  if (f.changes?.length) {
    console.log(
      table(
        ['change', 'version', 'clients reached', 'RPC', 'p50 after response', 'p95', 'max', 'before response', 'backend CPU'],
        f.changes.map((c) => [c.round, c.version, `${c.received}/${c.received + c.missing}`, ms(c.rpcMs, 1), ms(c.fromResponse.p50, 1), ms(c.fromResponse.p95, 1), ms(c.fromResponse.max, 1), c.beforeResponse, `${ms(c.backendCpu.schedMs, 1)} (stat ${ms(c.backendCpu.statMs, 0)})`]),
      ),
    );
    const p = f.pooled;
    console.log(
      `all changes × clients (n=${p.fromResponse.n}): after the RPC's response p50 ${ms(p.fromResponse.p50, 1)}, p95 ${ms(p.fromResponse.p95, 1)}, max ${ms(p.fromResponse.max, 1)}; ` +
        `after the RPC's request start p50 ${ms(p.fromRequest.p50, 1)}, p95 ${ms(p.fromRequest.p95, 1)}, max ${ms(p.fromRequest.max, 1)}; missing ${p.missing}; ` +
        `backend CPU per change (RPC included) p50 ${ms(p.backendCpuMsPerChange.p50, 1)}, max ${ms(p.backendCpuMsPerChange.max, 1)} (threads' schedstat); ` +
        `all ${f.changes.length} changes: ${ms(p.backendCpuSchedMsAllChanges, 1)} (schedstat), ${ms(p.backendCpuStatMsAllChanges, 0)} (utime + stime, in clock ticks)`,
    );
    console.log(`heartbeats: ${f.heartbeats.sent} sent, ${f.heartbeats.replies} answered; ${f.stillOpen} sockets still open at the end`);
  }
  if (f.errors?.length) console.log(`errors (${f.errors.length}): ${f.errors.slice(0, 3).join('; ')}`);
}

/** Findings against the goals of the live-sync issue. */
export function liveFindings(live, fanout) {
  const out = [];
  const p95 = (series, key) => series?.clients?.[key]?.summary?.p95;
  const direct = p95(live?.direct, 'push30');
  const far = p95(live?.proxy, 'push30');
  if (Number.isFinite(direct) && direct > PUSH_P95_GOAL_MS) out.push(`lock latency with push alone: p95 ${ms(direct, 0)} > the ${PUSH_P95_GOAL_MS} ms goal`);
  if (Number.isFinite(far) && far > PROXY_P95_GOAL_MS) out.push(`lock latency with push at ${live.proxy.rttMs} ms RTT: p95 ${ms(far, 0)} > the ${PROXY_P95_GOAL_MS} ms goal`);
  for (const series of [live?.direct, live?.proxy]) {
    for (const s of Object.values(series?.clients ?? {})) {
      if (s.label.startsWith('push') && s.byPush < s.rounds.length) out.push(`${s.label}: ${s.rounds.length - s.byPush} of ${s.rounds.length} locks were not told by push`);
    }
  }
  if (fanout?.pooled?.missing) out.push(`fan-out: ${fanout.pooled.missing} deliveries missing`);
  if (fanout?.join && fanout.join.failed) out.push(`fan-out: ${fanout.join.failed} of ${fanout.clients} clients could not join`);
  return out;
}
