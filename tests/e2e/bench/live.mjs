// Live sync in the browser: lock latency with push (Supabase Realtime) beside polling only, on the
// local backend directly and through a proxy that adds a round-trip time; and what an idle
// signed-in client costs per hour in requests and bytes (HTTP + WebSocket frames).
//
// Each series is its own browser context (its own storage: a fresh client) on an app server whose
// config.json sets the schedule: `{ liveCheckIntervalMs: 30000 }` (push, 30 s checks: a lock can
// only come from push in time), `{ realtime: false }` (polling only, 1 s: the old behaviour), or
// nothing (push + the default 1 s checks). The method is the one of run.mjs: A's change committed
// by Node (rpc/change_points as leader), B (viewer@) shows the lock overlay (a MutationObserver in
// the page stamps Date.now()), B downloads between rounds.
import { performance } from 'node:perf_hooks';
import { PASSWORD, byTestId, serveApp } from '../lib/harness.mjs';
import { NetMeter } from './netmeter.mjs';
import { summary } from './stats.mjs';

const sleep = (millis) => new Promise((r) => setTimeout(r, millis));

/** The schedules compared (config.json fields besides the URL and key). */
export const SCHEDULES = {
  push30: { label: 'push, checks every 30 s', config: { liveCheckIntervalMs: 30_000 }, live: true },
  push1: { label: 'push + 1 s checks (default)', config: {}, live: true },
  polling: { label: 'polling only (realtime: false), 1 s', config: { realtime: false }, live: false },
};

/** An app server whose config.json points at `url` (the backend or a proxy) with `extra`. */
export function serveAppWith(backend, url, extra) {
  return serveApp(backend, { config: JSON.stringify({ supabaseUrl: url, supabaseAnonKey: backend.anonKey, ...extra }) });
}

/**
 * A new client (browser context) on `appUrl`, signed in as `email` through the form, its first
 * download done, and (if `live`) its push connection up. `origin` is where its requests go.
 */
export async function openSignedIn(browser, { appUrl, origin, initScript, email, live, timeoutMs = 180_000 }) {
  const context = await browser.newContext();
  context.setDefaultTimeout(30_000);
  try {
    if (initScript) await context.addInitScript(initScript);
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (error) => errors.push(String(error)));
    const meter = await NetMeter.attach(page, origin);
    await page.goto(appUrl, { timeout: 30_000 });
    await byTestId(page, 'login-email').fill(email);
    await byTestId(page, 'login-password').fill(PASSWORD);
    const started = performance.now();
    await byTestId(page, 'login-submit').click();
    await byTestId(page, 'city-tab').first().waitFor({ timeout: timeoutMs });
    await page.waitForFunction(
      () => !document.querySelector('[data-testid="lock-overlay"]') && !document.querySelector('[data-testid="sync-error"]'),
      null,
      { timeout: timeoutMs, polling: 100 },
    );
    const signInMs = performance.now() - started;
    const failure = page.locator('[data-testid="sync-error"]');
    if (await failure.count()) throw new Error(`first download failed: ${(await failure.first().textContent()).trim()}`);
    await waitLive(page, live, 20_000);
    return { context, page, meter, errors, signInMs };
  } catch (error) {
    await context.close().catch(() => {});
    throw error;
  }
}

/** Waits until the status indicator says data-live = `live`. */
export async function waitLive(page, live, timeoutMs) {
  await page.waitForFunction(
    (want) => document.querySelector('[data-testid="sync-status"]')?.getAttribute('data-live') === String(want),
    live,
    { timeout: timeoutMs, polling: 50 },
  );
}

/**
 * `rounds` lock rounds observed by every client of `clients` at once (`[{ key, label, client }]`):
 * a random pause (so that changes land at every phase of the check interval), ONE change by A,
 * each client's overlay, then every client downloads (all at once) before the next round.
 * `change()` commits and returns { version, rpcStart, rpcAt } (Date.now() epoch ms).
 * Returns per client key its rounds, a summary, and the breakdown.
 */
export async function lockRounds({ clients, rounds, change, lockTimeoutMs = 10_000, downloadTimeoutMs = 120_000, say = () => {}, label = '' }) {
  const out = Object.fromEntries(clients.map((c) => [c.key, []]));
  const errors = [];
  const locked = (page) => page.locator('[data-testid="lock-overlay"]').count();
  for (let round = 1; round <= rounds && errors.length < 3; round += 1) {
    try {
      await sleep(200 + Math.random() * 1000);
      const before = {};
      for (const { key, client } of clients) {
        if (await locked(client.page)) throw new Error(`${key} is still locked before the round`);
        before[key] = await client.page.evaluate(() => ({ on: window.__bench.lockOn.length, off: window.__bench.lockOff.length }));
        before[key].live = await client.page.locator('[data-testid="sync-status"]').first().getAttribute('data-live');
      }
      const { version, rpcStart, rpcAt } = await change();
      const observed = await Promise.all(
        clients.map(async ({ key, client }) => {
          const { page, meter } = client;
          const lockAt = await page
            .waitForFunction((n) => window.__bench.lockOn[n] ?? null, before[key].on, { timeout: lockTimeoutMs, polling: 5 })
            .then((handle) => handle.jsonValue());
          // The detecting check: the last one answered when the overlay appeared.
          const check = await page.evaluate((at) => {
            const origin = Date.now() - performance.now();
            const done = window.__bench.checks.filter((c) => origin + c.responseEnd <= at + 1);
            const c = done[done.length - 1];
            return c ? { start: origin + c.startTime, end: origin + c.responseEnd } : null;
          }, lockAt);
          // The broadcast of this version as the browser received it (CDP frame time).
          const push = meter.wsLog.find((f) => f.version === version);
          const pushAt = push?.at;
          return {
            key,
            round,
            version,
            liveBefore: before[key].live,
            rpcMs: rpcAt - rpcStart,
            lockLatencyMs: lockAt - rpcAt,
            pushAfterRpcMs: Number.isFinite(pushAt) ? pushAt - rpcAt : NaN,
            pushToCheckMs: Number.isFinite(pushAt) && check ? check.start - pushAt : NaN,
            waitForCheckMs: check ? check.start - rpcAt : NaN,
            detectingCheckMs: check ? check.end - check.start : NaN,
            checkToOverlayMs: check ? lockAt - check.end : NaN,
            // Which path told the client: a check that started once the broadcast had arrived
            // (5 ms of slack: the page's clock and CDP's are converted to epoch ms apart).
            byPush: Number.isFinite(pushAt) && check ? check.start >= pushAt - 5 : false,
          };
        }),
      );
      // Every client downloads, all at once.
      const downloads = await Promise.all(
        clients.map(async ({ key, client }) => {
          const { page } = client;
          const button = byTestId(page, 'download-sync');
          await button.waitFor({ state: 'visible', timeout: 5_000 });
          const clickedAt = Date.now();
          await button.click({ timeout: 5_000 });
          await page.waitForFunction(
            (n) => window.__bench.lockOff.length > n && !document.querySelector('[data-testid="lock-overlay"]'),
            before[key].off,
            { timeout: downloadTimeoutMs, polling: 50 },
          );
          const failure = page.locator('[data-testid="sync-error"]');
          if (await failure.count()) throw new Error(`${key}: the download failed: ${(await failure.first().textContent()).trim()}`);
          return Date.now() - clickedAt;
        }),
      );
      observed.forEach((r, i) => {
        r.downloadWallMs = downloads[i];
        out[r.key].push(r);
      });
      say(
        `${label} lock ${round}/${rounds} v${version}: ` +
          observed
            .map((r) => `${r.key} ${Math.round(r.lockLatencyMs)} ms${Number.isFinite(r.pushAfterRpcMs) ? ` (push +${Math.round(r.pushAfterRpcMs)}, check ${Math.round(r.detectingCheckMs)}, render ${Math.round(r.checkToOverlayMs)})` : ` (wait ${Math.round(r.waitForCheckMs)}, check ${Math.round(r.detectingCheckMs)}, render ${Math.round(r.checkToOverlayMs)})`}`)
            .join('; ') +
          `; downloads ${downloads.map((d) => Math.round(d)).join('/')} ms`,
      );
    } catch (error) {
      errors.push(`round ${round}: ${String(error?.message ?? error).split('\n')[0]}`);
      say(`!! ${label} ${errors[errors.length - 1]}`);
      // Recover: unlock every client still locked, so that the next round starts clean.
      for (const { client } of clients) {
        try {
          if (await locked(client.page)) {
            await byTestId(client.page, 'download-sync').click({ timeout: 5_000 });
            await client.page.waitForFunction(() => !document.querySelector('[data-testid="lock-overlay"]'), null, { timeout: downloadTimeoutMs });
          }
        } catch {}
      }
    }
  }
  const result = {};
  for (const { key, label: clientLabel } of clients) {
    const list = out[key];
    const pick = (k) => summary(list.map((r) => r[k]));
    result[key] = {
      label: clientLabel,
      rounds: list,
      summary: pick('lockLatencyMs'),
      parts: {
        rpcMs: pick('rpcMs'),
        pushAfterRpcMs: pick('pushAfterRpcMs'),
        pushToCheckMs: pick('pushToCheckMs'),
        waitForCheckMs: pick('waitForCheckMs'),
        detectingCheckMs: pick('detectingCheckMs'),
        checkToOverlayMs: pick('checkToOverlayMs'),
        downloadWallMs: pick('downloadWallMs'),
      },
      byPush: list.filter((r) => r.byPush).length,
      notLiveBefore: list.filter((r) => r.liveBefore !== 'true').length,
    };
  }
  if (!Object.values(out).some((l) => l.length)) throw new Error(`no lock round succeeded: ${errors.join('; ')}`);
  return { clients: result, errors };
}

/**
 * The idle clients: each measured over the same `windowMs`, all at once (they do not interact),
 * and extrapolated to one hour. Returns per client the window's counts and the hourly figures.
 */
export async function idleSeries({ clients, windowMs, say = () => {} }) {
  for (const c of clients) c.meter.start();
  await sleep(windowMs);
  const out = {};
  for (const c of clients) {
    const net = await c.meter.stop({ settleMs: 100 });
    const perHour = 3600 / net.seconds;
    const ws = net.ws;
    const httpSent = net.sentHeaderBytes + net.sentBodyBytes;
    const httpReceived = net.receivedWireBytes + net.preflightWireBytes;
    const wsSent = ws.sentWireBytes;
    const wsReceived = ws.receivedWireBytes;
    const frames = ws.sentFrames + ws.receivedFrames;
    out[c.key] = {
      label: c.label,
      seconds: net.seconds,
      window: net,
      perHour: {
        requests: (net.requests + net.preflights) * perHour,
        httpRequests: net.requests * perHour,
        preflights: net.preflights * perHour,
        wsFrames: frames * perHour,
        heartbeats: (ws.byKind.heartbeat?.sentFrames ?? 0) * perHour,
        sentBytes: (httpSent + wsSent) * perHour,
        receivedBytes: (httpReceived + wsReceived) * perHour,
        bytes: (httpSent + httpReceived + wsSent + wsReceived) * perHour,
        httpBytes: (httpSent + httpReceived) * perHour,
        wsBytes: (wsSent + wsReceived) * perHour,
      },
    };
    say(
      `idle ${c.label}: ${net.seconds.toFixed(1)} s, ${net.requests} requests + ${net.preflights} preflights, ${frames} WebSocket frames ` +
        `(${JSON.stringify(Object.fromEntries(Object.entries(ws.byKind).map(([k, v]) => [k, v.sentFrames + v.receivedFrames])))}); ` +
        `≈${Math.round(out[c.key].perHour.requests)} requests/h, ${(out[c.key].perHour.bytes / 2 ** 20).toFixed(2)} MiB/h`,
    );
  }
  return out;
}

/**
 * The whole live-sync benchmark (run.mjs calls it once): lock rounds on the backend directly
 * (push with 30 s checks, push with 1 s checks, polling only: three clients observing the same
 * changes), the idle cost of those three, then the same lock rounds through `proxy` (push 30 s and
 * polling only). Every context is closed at the end; the app servers and the proxy are left to
 * `cleanup`. Fills `into` (results.live) step by step, so that a failure keeps what was measured.
 */
export async function liveBench({ browser, backend, proxy, cleanup, initScript, change, email, rounds, idleMs, into, say = () => {} }) {
  const serve = async (url, schedule) => {
    const app = await serveAppWith(backend, url, SCHEDULES[schedule].config);
    cleanup.add(() => app.close());
    return app;
  };
  const open = async (key, url, schedule) => {
    const app = await serve(url, schedule);
    const client = await openSignedIn(browser, { appUrl: app.url, origin: url, initScript, email, live: SCHEDULES[schedule].live });
    cleanup.add(() => client.context.close());
    say(`live: ${key} (${SCHEDULES[schedule].label}) signed in and downloaded in ${Math.round(client.signInMs)} ms${SCHEDULES[schedule].live ? ', push live' : ''}`);
    return { key, label: SCHEDULES[schedule].label, schedule, client, meter: client.meter };
  };
  const closeAll = (list) => Promise.all(list.map((c) => c.client.context.close().catch(() => {})));

  // ------------------------------------------------------------ directly on the backend
  const direct = [];
  try {
    direct.push(await open('push30', backend.url, 'push30'));
    direct.push(await open('push1', backend.url, 'push1'));
    direct.push(await open('polling', backend.url, 'polling'));
    into.direct = await lockRounds({ clients: direct, rounds, change, say, label: 'direct' });
    await sleep(2_000);
    into.idle = await idleSeries({ clients: direct, windowMs: idleMs, say });
    into.idle.windowMs = idleMs;
  } finally {
    await closeAll(direct);
  }

  // ------------------------------------------------------------ through the latency proxy
  const far = [];
  const proxyStatsBefore = { ...proxy.stats };
  try {
    far.push(await open('push30', proxy.url, 'push30'));
    far.push(await open('polling', proxy.url, 'polling'));
    into.proxy = await lockRounds({ clients: far, rounds, change, say, label: `proxy (${2 * proxy.delayMs} ms RTT)` });
    into.proxy.rttMs = 2 * proxy.delayMs;
    into.proxy.proxyStats = Object.fromEntries(Object.entries(proxy.stats).map(([k, v]) => [k, v - (proxyStatsBefore[k] ?? 0)]));
  } finally {
    await closeAll(far);
  }
}
