// Delta and selective sync on the LARGE dataset (run.mjs section 13; issue [F], point 5).
//
// 1. After a one-employee change (rpc/change_points as leader@, as section 3): the app's DELTA
//    download (rpc/sync_delta, a listing of the changed institution's city folder, no archive)
//    beside a FULL download with every archive cached, in the same client (viewer@, keeps
//    everything): before a FULL run the `scopes` of its IndexedDB copy ('punctaj' / 'kv' / 'copy')
//    are emptied and the page reloaded, so the app reads everything again (rpc/sync_changes from
//    0, every table page, the whole bucket listing) but fetches no archive it has. Interleaved
//    D F D F …, `runs` each: time (the app's "punctaj:download" measure, and click → overlay
//    gone), requests and bytes (NetMeter, Chromium's own network events). Each run is checked:
//    the download the app logged (public.sync_log.mode, 0014_sync_log_mode.sql) is `delta` with no
//    fallback note, or `full`, and the copy it stored in IndexedDB is at the cloud's version and
//    hash, with its scope stamps.
// 2. The same two through latency-proxy.mjs (40 ms each way: 80 ms RTT), in a client of an app
//    server whose config.json points at the proxy; its COLD download is measured too.
// 3. From section 4's runs (run.mjs records them): the COLD download beside the NAIVE sequential
//    one, with what tells where the time goes: requests, archive GETs in flight on average
//    (Resource Timing: Σ durations ÷ span), the renderer main thread's busy time (CDP TaskDuration
//    over the window, and the long tasks (> 50 ms) inside the download), payload bytes.
// 4. A SELECTIVE device (localStorage `punctaj.sync.selection` = one city of 20, set by an init
//    script before the app starts) beside one keeping everything: COLD downloads, interleaved,
//    `runs` each; the selective copy read back from IndexedDB (its selection, the kept employees
//    only, its archives only).
//
// Ratios are within this run; medians and p95 (nearest rank) over the runs. Every wait is
// bounded; every context, app server and the proxy are closed at the end (and given to `cleanup`
// in case of a failure).
import { PASSWORD, byTestId, serveApp } from '../lib/harness.mjs';
import { startLatencyProxy } from './latency-proxy.mjs';
import { waitLive } from './live.mjs';
import { NetMeter } from './netmeter.mjs';
import { bytes, heading, int, median, ms, percentile, ratio, sec, table } from './stats.mjs';

export const SELECTION_KEY = 'punctaj.sync.selection';
const DOWNLOAD_MEASURE = 'punctaj:download';
/** The overlay stays this long at 100 % after a completed download (src/sync/download/mod.rs). */
const COMPLETED_SHOWN_FOR_MS = 800;
const LOCK_TIMEOUT_MS = 10_000;
const READY_TIMEOUT_MS = 60_000;
const IDB_TIMEOUT_MS = 20_000;
/** The goals of issue [F]. */
export const GOALS = { deltaBytes: 10, deltaTime: 5, coldVsNaive: 3 };
const LONG_TASK_MS = 50;

const sleep = (millis) => new Promise((r) => setTimeout(r, millis));
const shortError = (error) => String(error?.message ?? error).split('\n').slice(0, 3).join(' ').slice(0, 400);

function within(millis, what, promise) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no result within ${millis} ms`)), millis);
    }),
  ]).finally(() => clearTimeout(timer));
}

// ---------------------------------------------------------------------------- in the page

/** An init script: every long task (> 50 ms on the main thread) as [startTime, duration]. */
export function longTaskProbe() {
  const tasks = (window.__longTasks = []);
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) tasks.push([e.startTime, e.duration]);
    }).observe({ type: 'longtask', buffered: true });
  } catch {
    window.__longTasks = null; // not supported: reported as n/a
  }
}

/**
 * The long tasks overlapping `window` ({ start, end } on the page's timeline): how many, their
 * time inside the window, the longest, and the blocking time (Σ of what exceeds 50 ms).
 */
export function longTasksIn(page, window) {
  return page
    .evaluate(
      ([w, limit]) => {
        const tasks = window.__longTasks;
        if (!Array.isArray(tasks)) return null;
        let count = 0;
        let busyMs = 0;
        let blockingMs = 0;
        let longestMs = 0;
        for (const [start, duration] of tasks) {
          const from = Math.max(start, w.start);
          const to = Math.min(start + duration, w.end);
          if (to <= from) continue;
          count += 1;
          busyMs += to - from;
          blockingMs += Math.max(0, duration - limit);
          longestMs = Math.max(longestMs, duration);
        }
        return { count, busyMs, blockingMs, longestMs, windowMs: w.end - w.start };
      },
      [window, LONG_TASK_MS],
    )
    .catch(() => null);
}

/** Opens the app's IndexedDB copy; `edit(copy)` may change it (then it is written back). */
function copyInPage(page, forget) {
  return within(
    IDB_TIMEOUT_MS,
    'the IndexedDB copy',
    page.evaluate(
      (emptyScopes) =>
        new Promise((resolve, reject) => {
          const open = indexedDB.open('punctaj');
          open.onerror = () => reject(open.error);
          open.onsuccess = () => {
            const db = open.result;
            if (!db.objectStoreNames.contains('kv')) {
              db.close();
              resolve(null);
              return;
            }
            const transaction = db.transaction('kv', emptyScopes ? 'readwrite' : 'readonly');
            const store = transaction.objectStore('kv');
            let out = null;
            const get = store.get('copy');
            get.onsuccess = () => {
              if (typeof get.result !== 'string') return;
              const copy = JSON.parse(get.result);
              out = {
                version: Number(copy.stamp?.version),
                dataHash: String(copy.stamp?.data_hash ?? '').trim(),
                scopes: copy.scopes?.length ?? 0,
                selection: copy.selection ?? null,
                cities: copy.snapshot?.cities?.length ?? 0,
                institutions: copy.snapshot?.institutions?.length ?? 0,
                employees: copy.snapshot?.employees?.length ?? 0,
                archives: copy.archives?.length ?? 0,
                bytes: get.result.length,
              };
              if (emptyScopes) {
                copy.scopes = [];
                store.put(JSON.stringify(copy), 'copy');
              }
            };
            transaction.oncomplete = () => {
              db.close();
              resolve(out);
            };
            transaction.onerror = () => {
              db.close();
              reject(transaction.error);
            };
            transaction.onabort = () => {
              db.close();
              reject(transaction.error ?? new Error('IndexedDB transaction aborted'));
            };
          };
        }),
      forget,
    ),
  );
}

/** What the IndexedDB copy holds (stamp, scope count, selection, row counts), or null. */
export const readCopy = (page) => copyInPage(page, false);

/**
 * Empties the `scopes` of the IndexedDB copy (a copy "saved before scopes existed"): after a
 * reload, the app's next download is a FULL one, with its archives still cached. Returns what
 * the copy held before.
 */
export async function forgetScopes(page) {
  const before = await copyInPage(page, true);
  if (!before) throw new Error('no copy in IndexedDB to forget the scopes of');
  if (!before.scopes) throw new Error('the IndexedDB copy has no scope stamps (the build predates delta sync?)');
  return before;
}

/**
 * Reloads the page and waits until the app is back from its IndexedDB copy: a table shown, no
 * overlay, a version check answered; and push live (not required: a lock then comes from the
 * 1 s checks).
 */
export async function reloadReady(page, { timeoutMs = READY_TIMEOUT_MS } = {}) {
  await page.reload({ timeout: 30_000 });
  await byTestId(page, 'city-tab').first().waitFor({ timeout: timeoutMs });
  await page.waitForFunction(
    () => !document.querySelector('[data-testid="lock-overlay"]') && (window.__bench?.checks?.length ?? 0) > 0,
    null,
    { timeout: timeoutMs, polling: 50 },
  );
  await waitLive(page, true, 20_000).catch(() => {});
}

// ---------------------------------------------------------------------------- clients

/** A fresh context on `appUrl` whose requests to `origin` are metered; `selection` is kept if given. */
async function openClient(browser, { appUrl, origin, initScripts, selection }) {
  const context = await browser.newContext();
  context.setDefaultTimeout(30_000);
  try {
    for (const script of initScripts) await context.addInitScript(script);
    if (selection) {
      await context.addInitScript(([key, json]) => window.localStorage.setItem(key, json), [SELECTION_KEY, JSON.stringify(selection)]);
    }
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (error) => errors.push(String(error)));
    // (No page.on('request') listener: Playwright would then ship every request to Node, which
    // slows a 500-archive download by a few per cent; the mode is read from sync_log instead.)
    const meter = await NetMeter.attach(page, origin);
    await page.goto(appUrl, { timeout: 30_000 });
    return { context, page, meter, errors, origin };
  } catch (error) {
    await context.close().catch(() => {});
    throw error;
  }
}

const measures = (page) =>
  page.evaluate((name) => performance.getEntriesByName(name).map((e) => ({ startTime: e.startTime, duration: e.duration })), DOWNLOAD_MEASURE);

/**
 * Where a download's time went, from the page's Resource Timing entries inside its window: per
 * request kind the span from the first request's start to the last response's end, and the tail
 * from the last response to the end of the measure (hash check, archive parsing, IndexedDB).
 */
export const phasesOf = (page, origin, window) =>
  page.evaluate(
    ([o, w]) => {
      const kindOf = (path) =>
        path.includes('/rest/v1/sync_metadata') ? 'version row'
          : path.includes('/rest/v1/rpc/') ? 'rpc'
          : path.includes('/rest/v1/') ? 'tables'
          : path.includes('/storage/v1/object/list/') ? 'storage list'
          : /\/storage\/v1\/object\/sign\/[^/]+$/.test(path) ? 'storage sign'
          : path.includes('/storage/v1/object/') ? 'archive GET'
          : path.includes('/auth/v1/') ? 'auth' : 'other';
      const kinds = {};
      let lastEnd = w.start;
      for (const e of performance.getEntriesByType('resource')) {
        if (!e.name.startsWith(o) || e.startTime < w.start - 1 || e.startTime > w.end) continue;
        const k = (kinds[kindOf(new URL(e.name).pathname)] ??= { n: 0, first: Infinity, last: 0, busy: 0 });
        k.n += 1;
        k.first = Math.min(k.first, e.startTime);
        k.last = Math.max(k.last, e.responseEnd);
        k.busy += e.duration;
        if (e.responseEnd <= w.end) lastEnd = Math.max(lastEnd, e.responseEnd);
      }
      const out = {};
      for (const [k, v] of Object.entries(kinds)) {
        out[k] = { n: v.n, spanMs: v.last - v.first, fromStartMs: v.first - w.start, sumDurationMs: v.busy };
      }
      return { kinds: out, tailMs: w.end - lastEnd };
    },
    [origin, window],
  );

/**
 * Waits for the download after `measuresBefore` to end and its overlay to go; its timing and where
 * its time went. `client` = { page, origin } (the backend's URL).
 */
export async function awaitDownload(client, measuresBefore, startedAtEpoch, timeoutMs) {
  const { page } = client;
  await page.waitForFunction(
    ([name, n]) => performance.getEntriesByName(name).length > n,
    [DOWNLOAD_MEASURE, measuresBefore],
    { timeout: timeoutMs, polling: 50 },
  );
  const all = await measures(page);
  const measure = all[all.length - 1];
  const failure = page.locator('[data-testid="sync-error"]');
  if (await failure.count()) throw new Error(`the download failed: ${(await failure.first().textContent()).trim()}`);
  const origin = await page.evaluate(() => Date.now() - performance.now());
  const measureEnd = origin + measure.startTime + measure.duration;
  const overlayGoneAt = await page
    .waitForFunction(
      (after) => {
        const gone = window.__bench.lockOff.filter((t) => t >= after - 1);
        return gone.length && !document.querySelector('[data-testid="lock-overlay"]') ? gone[0] : null;
      },
      measureEnd,
      { timeout: 15_000, polling: 50 },
    )
    .then((handle) => handle.jsonValue());
  const window = { start: measure.startTime, end: measure.startTime + measure.duration };
  return {
    downloadMs: measure.duration,
    startDelayMs: origin + measure.startTime - startedAtEpoch,
    wallMs: overlayGoneAt - startedAtEpoch,
    window,
    phases: await phasesOf(page, client.origin, window),
    longTasks: await longTasksIn(page, window),
  };
}

/** The metered requests by what they are, finer than NetMeter's kinds (the RPCs by name). */
function requestsOf(meter) {
  const out = {};
  for (const r of meter.requests.values()) {
    if (r.type === 'Preflight' || r.method === 'OPTIONS') continue;
    const path = new URL(r.url).pathname;
    const rpc = path.match(/\/rest\/v1\/rpc\/([^/?]+)/);
    const key = rpc ? `rpc/${rpc[1]}`
      : path.includes('/rest/v1/sync_metadata') ? 'version row'
      : path.includes('/rest/v1/') ? `table ${path.split('/').pop()}`
      : path.includes('/storage/v1/object/list/') ? 'storage list'
      : /\/storage\/v1\/object\/sign\/[^/]+$/.test(path) ? 'storage sign'
      : path.includes('/storage/v1/object/') ? 'archive GET'
      : path.includes('/auth/v1/') ? 'auth' : 'other';
    out[key] ??= { requests: 0, wireBytes: 0, bodyBytes: 0 };
    out[key].requests += 1;
    out[key].wireBytes += r.encoded;
    out[key].bodyBytes += r.body;
  }
  return out;
}

/** Everything on the wire both ways: received (status + headers + body), sent headers and bodies, preflights. */
const wireBothWays = (net) =>
  net.receivedWireBytes + net.sentHeaderBytes + net.sentBodyBytes + net.preflightWireBytes + net.preflightSentHeaderBytes;

/** One run as kept in the results: its timing, the meter's summary and the finer request counts. */
function runRecord(run, timing, net, requests, extra = {}) {
  return {
    run,
    downloadMs: timing.downloadMs,
    wallMs: timing.wallMs,
    startDelayMs: timing.startDelayMs,
    window: timing.window,
    phases: timing.phases,
    longTasks: timing.longTasks,
    net,
    requests,
    wireBothWaysBytes: wireBothWays(net),
    ...extra,
  };
}

/** The last sync_log id (the app logs each download through rpc/log_sync, after its measure). */
const lastLogId = async (backend) => Number(await backend.sql('select coalesce(max(id), 0) from public.sync_log'));

/**
 * The first download the app logged after `afterId`, as the backend recorded it: mode ('delta' or
 * 'full', 0014_sync_log_mode.sql), status, items and the note of a fallback (up to 5 s).
 */
async function logAfter(backend, afterId) {
  for (let i = 0; i < 50; i += 1) {
    const row = await backend.sql(
      `select json_build_object('mode', mode, 'status', status, 'items', items_synced, 'note', error_message) from public.sync_log where id > ${Number(afterId)} and sync_type = 'download' order by id limit 1`,
    );
    if (row) return JSON.parse(row);
    await sleep(100);
  }
  return null;
}

/** The copy `client` stored is the cloud's (version and hash), with scope stamps. */
async function checkInstalled(client, backend) {
  const copy = await readCopy(client.page);
  const cloud = await backend.cloudMeta();
  if (!copy || copy.version !== cloud.version || copy.dataHash !== cloud.dataHash || !copy.scopes) {
    throw new Error(`the stored copy is ${copy ? `v${copy.version} ${copy.dataHash.slice(0, 12)}… with ${copy.scopes} scope stamps` : 'missing'}; the cloud is v${cloud.version} ${cloud.dataHash.slice(0, 12)}…`);
  }
  return copy;
}

/** The viewer signs in (the app downloads everything its device keeps); `expectArchives` checked. */
async function coldIn(client, { backend, email, expectArchives, timeoutMs, what }) {
  const { page } = client;
  await byTestId(page, 'login-email').fill(email);
  await byTestId(page, 'login-password').fill(PASSWORD);
  const before = (await measures(page)).length;
  const logsBefore = await lastLogId(backend);
  client.meter.start();
  const clickedAt = Date.now();
  await byTestId(page, 'login-submit').click();
  const timing = await awaitDownload(client, before, clickedAt, timeoutMs);
  const net = await client.meter.stop();
  const requests = requestsOf(client.meter);
  const archives = requests['archive GET']?.requests ?? 0;
  if (archives !== expectArchives) throw new Error(`${what} fetched ${archives} archives, expected ${expectArchives}`);
  const log = await logAfter(backend, logsBefore);
  if (!log) throw new Error(`${what}: no download in sync_log`);
  if (log.mode !== 'full' || log.status !== 'success') throw new Error(`${what} logged ${JSON.stringify(log)}, expected a full download`);
  return { timing, net, requests, mode: log.mode };
}

/**
 * A commits the one-employee change; `client` locks; it downloads (after its copy's scopes were
 * forgotten and the page reloaded, if `full`). Checks the mode the app logged and what it stored.
 */
async function changeRound(client, { backend, change, full, timeoutMs }) {
  const { page } = client;
  if (full) {
    await forgetScopes(page);
    await reloadReady(page);
  }
  if (await page.locator('[data-testid="lock-overlay"]').count()) throw new Error('the client is locked before the round');
  const before = await page.evaluate(
    (name) => ({ on: window.__bench.lockOn.length, measures: performance.getEntriesByName(name).length }),
    DOWNLOAD_MEASURE,
  );
  const logsBefore = await lastLogId(backend);
  const { version } = await change();
  await page.waitForFunction((n) => window.__bench.lockOn.length > n, before.on, { timeout: LOCK_TIMEOUT_MS, polling: 10 });
  const button = byTestId(page, 'download-sync');
  await button.waitFor({ state: 'visible', timeout: 5_000 });
  client.meter.start();
  const clickedAt = Date.now();
  await button.click({ timeout: 5_000 });
  const timing = await awaitDownload(client, before.measures, clickedAt, timeoutMs);
  const net = await client.meter.stop();
  const requests = requestsOf(client.meter);
  const log = await logAfter(backend, logsBefore);
  const want = full ? 'full' : 'delta';
  if (!log) throw new Error(`no download in sync_log after the ${want} run`);
  if (log.status !== 'success') throw new Error(`the ${want} run logged ${log.status}: ${log.note}`);
  if (log.mode !== want) throw new Error(`the ${want} run was a ${log.mode} download${log.note ? ` (${log.note})` : ''}`);
  if (log.note) throw new Error(`the ${want} run noted: ${log.note}`);
  const copy = await checkInstalled(client, backend);
  return { version, timing, net, requests, mode: log.mode, itemsSynced: log.items, copyScopes: copy.scopes };
}

// ---------------------------------------------------------------------------- the measurement

/**
 * `runs` DELTA and FULL (archives cached) downloads, interleaved, in `client`; fills `into`
 * ({ delta: [], full: [], errors: [] }) run by run.
 */
async function deltaSeries({ client, backend, change, runs, timeoutMs, into, label, say }) {
  for (let run = 1; run <= runs; run += 1) {
    for (const full of [false, true]) {
      const kind = full ? 'full' : 'delta';
      try {
        await sleep(200 + Math.random() * 800);
        const r = await changeRound(client, { backend, change, full, timeoutMs });
        into[kind].push(runRecord(run, r.timing, r.net, r.requests, { version: r.version, mode: r.mode, itemsSynced: r.itemsSynced }));
        say(
          `delta (${label}): ${kind} ${run}/${runs} v${r.version}: ${ms(r.timing.downloadMs, 0)}, click → overlay gone ${ms(r.timing.wallMs, 0)}, ` +
            `${r.net.requests} requests + ${r.net.preflights} preflights, ${bytes(r.net.receivedWireBytes)} received, ${r.requests['archive GET']?.requests ?? 0} archive GETs`,
        );
      } catch (error) {
        into.errors.push(`${kind} run ${run}: ${shortError(error)}`);
        say(`!! delta (${label}): ${kind} run ${run}: ${shortError(error)}`);
        // Recover: a client left locked downloads before the next round.
        try {
          if (await client.page.locator('[data-testid="lock-overlay"]').count()) {
            await byTestId(client.page, 'download-sync').click({ timeout: 5_000 });
            await client.page.waitForFunction(() => !document.querySelector('[data-testid="lock-overlay"]'), null, { timeout: timeoutMs });
          }
        } catch {}
        if (into.errors.length > 2 * runs) throw new Error(`too many failed runs: ${into.errors.slice(0, 2).join('; ')}`);
      }
    }
  }
}

/**
 * The whole section. `initScripts`: run.mjs's (its lock-overlay observer and check log) and the
 * long-task probe; `change()` commits the one-employee change (returns { version });
 * `selectiveCity`: { id, name, archives, employees } the selective device keeps.
 */
export async function deltaBench({ browser, backend, app, cleanup, initScripts, counts, change, email, runs, proxyDelayMs, selectiveCity, timeoutMs = 120_000, into, say = () => {} }) {
  Object.assign(into, {
    runs,
    goals: GOALS,
    direct: { delta: [], full: [], errors: [] },
    proxy: { rttMs: 2 * proxyDelayMs, cold: null, delta: [], full: [], errors: [] },
    selective: { city: selectiveCity, everything: [], selective: [], errors: [], copies: [] },
  });
  const open = async (options) => {
    const client = await openClient(browser, { initScripts, ...options });
    cleanup.add(() => client.context.close().catch(() => {}));
    return client;
  };

  // ------------------------------------------------------------ 1. directly on the backend
  {
    const client = await open({ appUrl: app.url, origin: backend.url });
    try {
      const cold = await coldIn(client, { backend, email, expectArchives: counts.archives, timeoutMs, what: 'the delta client\'s sign-in' });
      into.direct.signIn = runRecord(0, cold.timing, cold.net, cold.requests, { mode: cold.mode });
      await waitLive(client.page, true, 20_000).catch(() => {});
      await deltaSeries({ client, backend, change, runs, timeoutMs, into: into.direct, label: 'direct', say });
      into.direct.pageErrors = client.errors.slice(0, 5);
    } finally {
      await client.context.close().catch(() => {});
    }
  }

  // ------------------------------------------------------------ 2. through the latency proxy
  {
    const proxy = await startLatencyProxy({ target: { host: '127.0.0.1', port: backend.port }, delayMs: proxyDelayMs });
    cleanup.add(() => proxy.close());
    const far = await serveApp(backend, { config: JSON.stringify({ supabaseUrl: proxy.url, supabaseAnonKey: backend.anonKey }) });
    cleanup.add(() => far.close());
    try {
      const client = await open({ appUrl: far.url, origin: proxy.url });
      try {
        const cold = await coldIn(client, { backend, email, expectArchives: counts.archives, timeoutMs, what: 'the proxy client\'s sign-in' });
        into.proxy.cold = runRecord(0, cold.timing, cold.net, cold.requests, { mode: cold.mode });
        say(`delta (proxy): cold sign-in download ${ms(cold.timing.downloadMs, 0)}, ${cold.net.requests} requests + ${cold.net.preflights} preflights, ${bytes(cold.net.receivedWireBytes)}`);
        await waitLive(client.page, true, 20_000).catch(() => {});
        await deltaSeries({ client, backend, change, runs, timeoutMs, into: into.proxy, label: `${2 * proxyDelayMs} ms RTT`, say });
        into.proxy.pageErrors = client.errors.slice(0, 5);
      } finally {
        await client.context.close().catch(() => {});
      }
    } finally {
      await far.close().catch(() => {});
      await proxy.close().catch(() => {});
    }
  }

  // ------------------------------------------------------------ 4. a selective device, COLD
  const selection = { cities: [selectiveCity.id], institutions: [] };
  for (let run = 1; run <= runs; run += 1) {
    for (const selective of [false, true]) {
      const kind = selective ? 'selective' : 'everything';
      try {
        const client = await open({ appUrl: app.url, origin: backend.url, selection: selective ? selection : null });
        try {
          const r = await coldIn(client, {
            backend,
            email,
            expectArchives: selective ? selectiveCity.archives : counts.archives,
            timeoutMs,
            what: `the ${kind} cold run ${run}`,
          });
          const copy = await readCopy(client.page);
          if (selective) {
            const kept = copy?.selection?.cities ?? [];
            if (!copy || kept.length !== 1 || kept[0] !== selectiveCity.id || copy.employees !== selectiveCity.employees || copy.archives !== selectiveCity.archives) {
              throw new Error(`the selective copy holds ${JSON.stringify(copy)}; expected city ${selectiveCity.id} kept, ${selectiveCity.employees} employees, ${selectiveCity.archives} archives`);
            }
            if (run === 1) into.selective.copies.push(copy);
          } else if (!copy || copy.employees !== counts.employees || copy.archives !== counts.archives) {
            throw new Error(`the full copy holds ${JSON.stringify(copy)}`);
          }
          into.selective[kind].push(runRecord(run, r.timing, r.net, r.requests, { copyBytes: copy.bytes, employees: copy.employees, archives: copy.archives }));
          say(
            `selective: ${kind} cold ${run}/${runs}: ${ms(r.timing.downloadMs, 0)}, ${r.net.requests} requests + ${r.net.preflights} preflights, ` +
              `${bytes(r.net.receivedWireBytes)}, ${copy.employees} employees and ${copy.archives} archives kept`,
          );
        } finally {
          await client.context.close().catch(() => {});
        }
      } catch (error) {
        into.selective.errors.push(`${kind} run ${run}: ${shortError(error)}`);
        say(`!! selective: ${kind} run ${run}: ${shortError(error)}`);
      }
    }
  }
  const failed = [into.direct, into.proxy, into.selective].flatMap((s) => s.errors);
  if (!into.direct.delta.length && !into.proxy.delta.length && !into.selective.selective.length) {
    throw new Error(`nothing measured: ${failed.slice(0, 3).join('; ')}`);
  }
}

// ---------------------------------------------------------------------------- statistics

const finite = (list) => list.filter(Number.isFinite);
const med = (list, pick) => median(finite(list.map(pick)));
const p95 = (list, pick) => percentile(finite(list.map(pick)), 95);

/** Medians (and p95 of the times) of one series of runs. */
export function seriesStats(list) {
  if (!list?.length) return null;
  return {
    runs: list.length,
    downloadMs: med(list, (x) => x.downloadMs),
    downloadP95Ms: p95(list, (x) => x.downloadMs),
    wallMs: med(list, (x) => x.wallMs),
    wallP95Ms: p95(list, (x) => x.wallMs),
    requests: med(list, (x) => x.net?.requests),
    preflights: med(list, (x) => x.net?.preflights),
    receivedWireBytes: med(list, (x) => x.net?.receivedWireBytes),
    receivedBodyBytes: med(list, (x) => x.net?.receivedBodyBytes),
    wireBothWaysBytes: med(list, (x) => x.wireBothWaysBytes ?? (x.net ? wireBothWays(x.net) : NaN)),
    archiveGets: med(list, (x) => x.net?.byKind?.['archive GET']?.requests ?? 0),
    mainThreadMs: med(list, (x) => x.net?.mainThreadMs?.task),
    // The span of that CDP figure: the meter's window (click → overlay gone, + 300 ms settling).
    meterWindowMs: med(list, (x) => (x.net?.seconds ?? NaN) * 1000),
    longTaskMs: med(list, (x) => x.longTasks?.busyMs),
    longTasks: med(list, (x) => x.longTasks?.count),
    longestTaskMs: med(list, (x) => x.longTasks?.longestMs),
    tailMs: med(list, (x) => x.phases?.tailMs),
    inFlight: med(list, (x) => {
      const k = x.phases?.kinds?.['archive GET'];
      return k && k.spanMs > 0 ? k.sumDurationMs / k.spanMs : NaN;
    }),
    archiveSpanMs: med(list, (x) => x.phases?.kinds?.['archive GET']?.spanMs),
    samplesMs: list.map((x) => Math.round(x.downloadMs)),
  };
}

/** full ÷ delta (bytes both ways, received, time, wall) and the goals' verdicts. */
function comparison(series) {
  const d = seriesStats(series?.delta);
  const f = seriesStats(series?.full);
  if (!d || !f) return { delta: d, full: f };
  const bytesRatio = f.wireBothWaysBytes / d.wireBothWaysBytes;
  const timeRatio = f.downloadMs / d.downloadMs;
  return {
    delta: d,
    full: f,
    ratios: {
      wireBothWays: bytesRatio,
      received: f.receivedWireBytes / d.receivedWireBytes,
      requests: f.requests / d.requests,
      downloadTime: timeRatio,
      wall: f.wallMs / d.wallMs,
      wallWithoutShown: (f.wallMs - COMPLETED_SHOWN_FOR_MS) / (d.wallMs - COMPLETED_SHOWN_FOR_MS),
    },
    goals: { bytes: bytesRatio >= GOALS.deltaBytes, time: timeRatio >= GOALS.deltaTime },
  };
}

/** Section 4's COLD and NAIVE runs side by side, with the diagnostics (point 3). */
export function coldVsNaive(download) {
  if (!download?.cold?.length) return null;
  const cold = seriesStats(download.cold);
  const naiveStats = (list) => {
    if (!list?.length) return null;
    return {
      runs: list.length,
      downloadMs: med(list, (x) => x.ms),
      downloadP95Ms: p95(list, (x) => x.ms),
      requests: med(list, (x) => x.net?.requests),
      preflights: med(list, (x) => x.net?.preflights),
      receivedWireBytes: med(list, (x) => x.net?.receivedWireBytes),
      receivedBodyBytes: med(list, (x) => x.net?.receivedBodyBytes),
      mainThreadMs: med(list, (x) => x.net?.mainThreadMs?.task),
      meterWindowMs: med(list, (x) => (x.net?.seconds ?? NaN) * 1000),
      longTaskMs: med(list, (x) => x.longTasks?.busyMs),
      longTasks: med(list, (x) => x.longTasks?.count),
      longestTaskMs: med(list, (x) => x.longTasks?.longestMs),
      tablesMs: med(list, (x) => x.tablesMs),
      listMs: med(list, (x) => x.listMs),
      archivesMs: med(list, (x) => x.archivesMs),
      inFlight: 1,
      samplesMs: list.map((x) => Math.round(x.ms)),
    };
  };
  const naive = naiveStats(download.naive);
  const naiveFresh = naiveStats(download.naiveFresh);
  const tables = med(download.cold, (x) => {
    const k = x.phases?.kinds?.tables;
    return k ? k.fromStartMs + k.spanMs : NaN;
  });
  const list = med(download.cold, (x) => x.phases?.kinds?.['storage list']?.spanMs);
  return {
    cold: { ...cold, tablesEndMs: tables, listSpanMs: list },
    naive,
    naiveFresh,
    ratios: {
      naive: naive ? naive.downloadMs / cold.downloadMs : NaN,
      naiveFresh: naiveFresh ? naiveFresh.downloadMs / cold.downloadMs : NaN,
    },
  };
}

/** The numbers the report and the findings use, computed once (kept in the results). */
export function deltaSummary(d, download) {
  if (!d) return null;
  const everything = seriesStats(d.selective?.everything);
  const selective = seriesStats(d.selective?.selective);
  return {
    direct: comparison(d.direct),
    proxy: comparison(d.proxy),
    proxyCold: d.proxy?.cold ? seriesStats([d.proxy.cold]) : null,
    coldVsNaive: coldVsNaive(download),
    selective: {
      everything,
      selective,
      ratios: everything && selective
        ? {
            downloadTime: everything.downloadMs / selective.downloadMs,
            requests: everything.requests / selective.requests,
            received: everything.receivedWireBytes / selective.receivedWireBytes,
          }
        : null,
    },
  };
}

// ---------------------------------------------------------------------------- the report

/** "busy ms of window ms (share)" for the CDP main-thread figure. */
const busyOf = (x) => {
  if (!Number.isFinite(x?.mainThreadMs)) return 'n/a';
  if (!Number.isFinite(x.meterWindowMs)) return ms(x.mainThreadMs, 0);
  return `${ms(x.mainThreadMs, 0)} of ${ms(x.meterWindowMs, 0)} (${Math.round((100 * x.mainThreadMs) / x.meterWindowMs)} %)`;
};
const verdict = (ok) => (ok === undefined ? 'n/a' : ok ? 'met' : 'NOT MET');
const fixed = (x, digits = 2) => (Number.isFinite(x) ? x.toFixed(digits) : 'n/a');
const kib = (x) => bytes(x);

function seriesRow(label, s) {
  if (!s) return [label, 'not measured'];
  return [
    label,
    s.runs,
    ms(s.downloadMs, 0),
    ms(s.downloadP95Ms, 0),
    ms(s.wallMs, 0),
    int(s.requests),
    int(s.preflights),
    int(s.archiveGets),
    kib(s.receivedWireBytes),
    kib(s.wireBothWaysBytes),
    s.samplesMs.join(' / '),
  ];
}

function ratioRow(label, c) {
  if (!c?.ratios) return [label, 'n/a'];
  const r = c.ratios;
  return [label, '', ratio(r.downloadTime), '', ratio(r.wall), ratio(r.requests), '', '', ratio(r.received), ratio(r.wireBothWays), `wall − ${COMPLETED_SHOWN_FOR_MS} ms shown by design: ${ratio(r.wallWithoutShown)}`];
}

/** Request kinds of one series (median over runs), for the table under it. */
function kindsLine(list) {
  if (!list?.length) return 'n/a';
  const k = {};
  for (const x of list) for (const [name, v] of Object.entries(x.requests ?? {})) (k[name] ??= []).push(v);
  return Object.entries(k)
    .sort((a, b) => median(b[1].map((v) => v.wireBytes)) - median(a[1].map((v) => v.wireBytes)))
    .map(([name, v]) => `${name} ${int(median(v.map((y) => y.requests)))} / ${bytes(median(v.map((y) => y.wireBytes)))}`)
    .join('; ');
}

/** Where a series' time went (medians): per request kind first start → last end, and the tail. */
function phasesLine(list) {
  if (!list?.length) return 'n/a';
  const kinds = {};
  for (const x of list) for (const [name, v] of Object.entries(x.phases?.kinds ?? {})) (kinds[name] ??= []).push(v);
  const parts = Object.entries(kinds)
    .filter(([name]) => name !== 'version row')
    .map(([name, v]) => `${name} ×${int(median(v.map((y) => y.n)))} from +${int(median(v.map((y) => y.fromStartMs)))} for ${int(median(v.map((y) => y.spanMs)))} ms`);
  const tail = med(list, (x) => x.phases?.tailMs);
  const long = med(list, (x) => x.longTasks?.busyMs);
  // Local work between the requests: the measure minus the time some request was in flight.
  const between = med(list, (x) => idleBetweenRequests(x));
  return (
    `${parts.join('; ') || 'no request'}; after the last response ${int(tail)} ms; ` +
    `no request in flight (local work) ${int(between)} ms of ${int(med(list, (x) => x.downloadMs))} ms in all; long tasks ${int(long)} ms`
  );
}

/**
 * The time inside a run's measure when none of its request kinds was in flight (each kind taken as
 * busy from its first start to its last end, the version checks left out): the app's own work.
 */
function idleBetweenRequests(x) {
  const spans = Object.entries(x.phases?.kinds ?? {})
    .filter(([name]) => name !== 'version row')
    .map(([, k]) => [Math.max(0, k.fromStartMs), Math.min(x.downloadMs, k.fromStartMs + k.spanMs)])
    .filter(([a, b]) => b > a)
    .sort((a, b) => a[0] - b[0]);
  let busy = 0;
  let end = -Infinity;
  for (const [a, b] of spans) {
    if (a > end) {
      busy += b - a;
      end = b;
    } else if (b > end) {
      busy += b - end;
      end = b;
    }
  }
  return Number.isFinite(x.downloadMs) ? x.downloadMs - busy : NaN;
}

export function printDelta(d, download, notMeasured) {
  console.log(heading('13. Delta and selective sync (LARGE dataset: 20 cities × 5 institutions × 60 employees, 500 archives)'));
  if (!d?.direct) {
    console.log(notMeasured);
    return;
  }
  const s = (d.summary ??= deltaSummary(d, download));
  const headers = ['download', 'runs', 'median time', 'p95', 'median wall', 'requests', 'preflights', 'archive GETs', 'received (wire)', 'both ways (wire)', 'samples (ms)'];

  console.log('After a one-employee change (rpc/change_points as leader@): the app\'s DELTA beside a FULL download with every archive cached, same client, interleaved:');
  console.log(
    table(headers, [
      seriesRow('DELTA (rpc/sync_delta), direct', s.direct.delta),
      seriesRow('FULL, archives cached, direct', s.direct.full),
      ratioRow('  FULL ÷ DELTA', s.direct),
      seriesRow(`DELTA, ${d.proxy.rttMs} ms RTT (proxy)`, s.proxy.delta),
      seriesRow(`FULL, archives cached, ${d.proxy.rttMs} ms RTT`, s.proxy.full),
      ratioRow('  FULL ÷ DELTA', s.proxy),
    ]),
  );
  console.log(
    '\ntime = the app\'s "punctaj:download" measure (request → verified → stored in IndexedDB); wall = the download button\'s click → the overlay ' +
      `left the DOM (includes the ${COMPLETED_SHOWN_FOR_MS} ms the overlay shows 100 % by design). FULL = the same client after its IndexedDB copy\'s ` +
      '"scopes" were emptied and the page reloaded (before the change): the app then reads everything (rpc/sync_changes from 0, the tables, the whole ' +
      'bucket listing) and fetches no archive it has. bytes: Chromium\'s network events (CDP) from the click until the overlay left, every request to the backend ' +
      '(its 1 s version checks and the rpc/log_sync after the download included); both ways = received + sent headers and bodies + preflights. ' +
      'Each run checked: the mode the app logged in sync_log (delta with no fallback note, or full) and its IndexedDB copy at the cloud\'s version and hash.',
  );
  for (const [label, series] of [['direct', d.direct], [`${d.proxy.rttMs} ms RTT`, d.proxy]]) {
    console.log(`\nrequests per kind, ${label} (median requests / bytes received on the wire):`);
    console.log(`  DELTA: ${kindsLine(series.delta)}`);
    console.log(`  FULL:  ${kindsLine(series.full)}`);
    console.log(`where the time goes, ${label} (medians; from the start of the measure):`);
    console.log(`  DELTA: ${phasesLine(series.delta)}`);
    console.log(`  FULL:  ${phasesLine(series.full)}`);
    if (series.errors?.length) console.log(`  failed runs: ${series.errors.join('; ')}`);
  }
  if (s.proxyCold) {
    console.log(`\nthe proxy client's COLD sign-in download (${d.proxy.rttMs} ms RTT, 500 archives): ${ms(s.proxyCold.downloadMs, 0)}, ${int(s.proxyCold.requests)} requests + ${int(s.proxyCold.preflights)} preflights, ${bytes(s.proxyCold.receivedWireBytes)} received, archive GETs ${fixed(s.proxyCold.inFlight)} in flight on average`);
  }

  console.log('\nCOLD full download (section 4, fresh context) beside the NAIVE sequential one: where the time goes');
  const c = s.coldVsNaive;
  if (c) {
    const col = (x, f) => (x ? f(x) : 'n/a');
    console.log(
      table(
        ['', 'COLD (app)', 'NAIVE (B\'s page)', 'NAIVE (fresh context)'],
        [
          ['runs', c.cold.runs, col(c.naive, (x) => x.runs), col(c.naiveFresh, (x) => x.runs)],
          ['median time (p95)', `${ms(c.cold.downloadMs, 0)} (${ms(c.cold.downloadP95Ms, 0)})`, col(c.naive, (x) => `${ms(x.downloadMs, 0)} (${ms(x.downloadP95Ms, 0)})`), col(c.naiveFresh, (x) => `${ms(x.downloadMs, 0)} (${ms(x.downloadP95Ms, 0)})`)],
          ['requests (+ CORS preflights)', `${int(c.cold.requests)} + ${int(c.cold.preflights)}`, col(c.naive, (x) => `${int(x.requests)} + ${int(x.preflights)}`), col(c.naiveFresh, (x) => `${int(x.requests)} + ${int(x.preflights)}`)],
          ['archive GETs in flight on average (Σ durations ÷ span)', fixed(c.cold.inFlight), '1.00 (one at a time)', '1.00 (one at a time)'],
          ['archive GETs, first start → last end', ms(c.cold.archiveSpanMs, 0), col(c.naive, (x) => ms(x.archivesMs, 0)), col(c.naiveFresh, (x) => ms(x.archivesMs, 0))],
          ['tables (start → last table response)', ms(c.cold.tablesEndMs, 0), col(c.naive, (x) => ms(x.tablesMs, 0)), col(c.naiveFresh, (x) => ms(x.tablesMs, 0))],
          ['after the last response (verify, index, IndexedDB)', ms(c.cold.tailMs, 0), '—', '—'],
          ['main thread busy (CDP TaskDuration over the metered window)', busyOf(c.cold), col(c.naive, busyOf), col(c.naiveFresh, busyOf)],
          ['long tasks inside the download (count, Σ, longest)', `${int(c.cold.longTasks)}, ${ms(c.cold.longTaskMs, 0)}, ${ms(c.cold.longestTaskMs, 0)}`, col(c.naive, (x) => `${int(x.longTasks)}, ${ms(x.longTaskMs, 0)}, ${ms(x.longestTaskMs, 0)}`), col(c.naiveFresh, (x) => `${int(x.longTasks)}, ${ms(x.longTaskMs, 0)}, ${ms(x.longestTaskMs, 0)}`)],
          ['payload bytes (decoded bodies)', bytes(c.cold.receivedBodyBytes), col(c.naive, (x) => bytes(x.receivedBodyBytes)), col(c.naiveFresh, (x) => bytes(x.receivedBodyBytes))],
          ['received on the wire', bytes(c.cold.receivedWireBytes), col(c.naive, (x) => bytes(x.receivedWireBytes)), col(c.naiveFresh, (x) => bytes(x.receivedWireBytes))],
          ['NAIVE ÷ COLD (time)', '', ratio(c.ratios.naive), ratio(c.ratios.naiveFresh)],
        ],
      ),
    );
    const far = s.proxyCold;
    const naiveTrips = c.naiveFresh ? c.naiveFresh.requests + c.naiveFresh.preflights : NaN;
    if (far && Number.isFinite(naiveTrips)) {
      console.log(
        `at ${d.proxy.rttMs} ms RTT (computed, not measured): the NAIVE downloader's ${int(naiveTrips)} sequential round trips (requests + preflights, fresh context) ` +
          `alone cost ≥ ${sec(naiveTrips * d.proxy.rttMs, 1)}; the app's COLD download measured through the proxy took ${sec(far.downloadMs, 1)} (≥ ${ratio((naiveTrips * d.proxy.rttMs) / far.downloadMs)})`,
      );
    }
  } else console.log('n/a: section 4\'s COLD runs are missing');

  console.log(`\nA SELECTIVE device (keeps ${d.selective.city?.name ?? '?'}: 1 city of 20, ${d.selective.city?.employees ?? '?'} employees, ${d.selective.city?.archives ?? '?'} archives) beside one keeping everything: COLD downloads, fresh contexts, interleaved`);
  const sel = s.selective;
  console.log(
    table(headers, [
      seriesRow('keeps everything', sel.everything),
      seriesRow('keeps 1 city of 20', sel.selective),
      sel.ratios
        ? ['  everything ÷ selective', '', ratio(sel.ratios.downloadTime), '', '', ratio(sel.ratios.requests), '', '', ratio(sel.ratios.received), '', '']
        : ['  everything ÷ selective', 'n/a'],
    ]),
  );
  const cold4 = s.coldVsNaive?.cold;
  if (cold4 && sel.everything) console.log(`(section 4's COLD runs, made earlier in the bench: median ${ms(cold4.downloadMs, 0)}; the ratio above is within this series)`);
  if (d.selective.copies?.[0]) {
    const k = d.selective.copies[0];
    console.log(`the selective copy in IndexedDB: selection ${JSON.stringify(k.selection)}, ${k.cities} cities and ${k.institutions} institutions (the structure), ${k.employees} employees, ${k.archives} archives, ${bytes(k.bytes)} of JSON`);
  }
  console.log(`requests per kind, selective (median): ${kindsLine(d.selective.selective)}`);
  if (d.selective.errors?.length) console.log(`failed runs: ${d.selective.errors.join('; ')}`);

  console.log('\ngoals of issue [F] (ratios within this run):');
  const goalRows = [];
  for (const [label, cmp] of [['direct', s.direct], [`${d.proxy.rttMs} ms RTT`, s.proxy]]) {
    goalRows.push([`delta: ≥ ${GOALS.deltaBytes}× fewer bytes than a full download with archives cached (${label})`, ratio(cmp.ratios?.wireBothWays), verdict(cmp.goals?.bytes)]);
    goalRows.push([`delta: ≥ ${GOALS.deltaTime}× faster ("punctaj:download") (${label})`, ratio(cmp.ratios?.downloadTime), verdict(cmp.goals?.time)]);
  }
  if (c) {
    goalRows.push([`cold download ≥ ${GOALS.coldVsNaive}× faster than the naive sequential one (B's page)`, ratio(c.ratios.naive), verdict(Number.isFinite(c.ratios.naive) ? c.ratios.naive >= GOALS.coldVsNaive : undefined)]);
    goalRows.push([`  the same against the naive one in a fresh context`, ratio(c.ratios.naiveFresh), verdict(Number.isFinite(c.ratios.naiveFresh) ? c.ratios.naiveFresh >= GOALS.coldVsNaive : undefined)]);
  }
  console.log(table(['goal', 'measured', 'verdict'], goalRows));
}

/** What the numbers say: the goals not met, failed runs, and where the time goes. */
export function deltaFindings(d, download) {
  if (!d?.direct) return [];
  const s = (d.summary ??= deltaSummary(d, download));
  const out = [];
  for (const [label, cmp] of [['directly', s.direct], [`at ${d.proxy.rttMs} ms RTT`, s.proxy]]) {
    if (!cmp.ratios) continue;
    if (!cmp.goals.bytes) out.push(`delta ${label}: ${ratio(cmp.ratios.wireBothWays)} fewer bytes than a full download with archives cached (goal ≥ ${GOALS.deltaBytes}×: not met)`);
    if (!cmp.goals.time) {
      out.push(
        `delta ${label}: ${ratio(cmp.ratios.downloadTime)} faster than a full download with archives cached (${ms(cmp.delta.downloadMs, 0)} against ${ms(cmp.full.downloadMs, 0)}; goal ≥ ${GOALS.deltaTime}×: not met); ` +
          `the delta's time: ${phasesLine(label === 'directly' ? d.direct.delta : d.proxy.delta)}`,
      );
      const series = label === 'directly' ? d.direct : d.proxy;
      const local = med(series.delta, idleBetweenRequests);
      const localFull = med(series.full, idleBetweenRequests);
      if (local > 0.5 * cmp.delta.downloadMs) {
        out.push(
          `delta ${label}: ${ms(local, 0)} of its ${ms(cmp.delta.downloadMs, 0)} pass with no request in flight (applying the rows, verifying the scope hashes, storing the whole copy in IndexedDB), ` +
            `about the full download's own local work (${ms(localFull, 0)}): that floor, not the network, bounds the ratio`,
        );
      }
    }
    if (cmp.delta.archiveGets > 0) out.push(`delta ${label}: ${int(cmp.delta.archiveGets)} archive GETs after a change that added no archive`);
    if (cmp.full.archiveGets > 0) out.push(`full ${label}: ${int(cmp.full.archiveGets)} archive GETs with every archive cached`);
  }
  const errors = [...(d.direct.errors ?? []), ...(d.proxy.errors ?? [])];
  if (errors.length) out.push(`delta: ${errors.length} runs failed (${errors[0]})`);
  if (d.selective.errors?.length) out.push(`selective: ${d.selective.errors.length} runs failed (${d.selective.errors[0]})`);
  const c = s.coldVsNaive;
  if (c) {
    if (Number.isFinite(c.ratios.naive) && c.ratios.naive < GOALS.coldVsNaive) {
      out.push(`cold download ${ratio(c.ratios.naive)} faster than the naive sequential one (${ms(c.cold.downloadMs, 0)} against ${ms(c.naive.downloadMs, 0)}; goal ≥ ${GOALS.coldVsNaive}×: not met)`);
    }
    // Where the cold download's time goes (a diagnosis, not a fault).
    const share = (x) => (Number.isFinite(x) && c.cold.downloadMs > 0 ? `${Math.round((100 * x) / c.cold.downloadMs)} %` : 'n/a');
    out.push(
      `where the COLD download's ${ms(c.cold.downloadMs, 0)} go: tables done at +${int(c.cold.tablesEndMs)} ms, bucket listing ${int(c.cold.listSpanMs)} ms, ` +
        `archive GETs ${int(c.cold.archiveSpanMs)} ms (${share(c.cold.archiveSpanMs)}) with ${fixed(c.cold.inFlight)} in flight on average, ${int(c.cold.tailMs)} ms after the last response; ` +
        `long tasks ${ms(c.cold.longTaskMs, 0)} inside it (${int(c.cold.longTasks)}, longest ${ms(c.cold.longestTaskMs, 0)}), main thread busy ${busyOf(c.cold)} from the click (sign-in included); ` +
        `${int(c.cold.requests)} requests, ${bytes(c.cold.receivedBodyBytes)} of payload` +
        (c.naive ? `; the NAIVE one (B's page): ${int(c.naive.requests)} requests + ${int(c.naive.preflights)} preflights one at a time, archive GETs ${int(c.naive.archivesMs)} ms, main thread ${busyOf(c.naive)}` : ''),
    );
  }
  const sel = s.selective;
  if (sel.ratios && sel.ratios.received < 5) out.push(`a device keeping 1 city of 20 receives only ${ratio(sel.ratios.received)} fewer bytes than one keeping everything on a cold download`);
  return out;
}
