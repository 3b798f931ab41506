#!/usr/bin/env node
// `make bench`: measures Punctaj's synchronisation in Chromium against the local backend (release
// build) on real PostgreSQL, and prints a report; the same numbers go to target/bench-results.json.
//
//   1. bytes of one version check (the app's real request, replayed byte for byte on a fresh socket)
//   2. version-check latency: the app's own checks (Resource Timing) and a Node loop of GETs
//   3. lock latency: a change committed by A (Node, rpc/change_points as leader@) until B (a viewer
//      in Chromium) shows the lock overlay; B's download after each round is a DELTA (issue [F])
//   4. full download time on a LARGE dataset (20 cities × 5 institutions × 60 employees, 500
//      archives): COLD (fresh browser context), WARM (a FULL download with the archives cached: B's
//      IndexedDB copy has its scope stamps emptied and the page reloaded before the change, else
//      the app would download a delta; see delta.mjs), and a NAIVE SEQUENTIAL download in plain JS
//      for comparison
//   5. the size of the production build (target/e2e-dist, a release build like `make dist`): raw,
//      gzip -9 and brotli 11 per file and type, wasm + JS + CSS against the goal (≤ 250 KB gzip)
//   6. live sync (live.mjs): lock latency with push alone (checks every 30 s) beside polling only
//      (realtime: false) and push + 1 s checks, on the backend directly and through a TCP proxy
//      adding 40 ms each way (latency-proxy.mjs)
//   7. requests and bytes per idle client per hour: push + 1 s checks, push + 30 s, polling only
//   8. fan-out (fanout.mjs): 200 Node WebSocket clients joined to realtime:punctaj:sync, one change,
//      time until each received the broadcast, and the backend's CPU time
//   9. import from the desktop app (import.mjs): a generated legacy folder (20 cities × 5
//      institutions × 60 members, 500 archives), preview and import times in Chromium on a fresh
//      database each run, against the preview of the same folder once the cloud has it
//  10. first load (first-load.mjs): empty cache, slow 4G (CDP throttling) and unthrottled, from
//      navigation to the sign-in form interactive and from the sign-in click to the first
//      institution's table, the current build beside today's (744db61, target/bench-baseline/),
//      both served with their precompressed .br/.gz
//  11. archive compression (compression.mjs): the 500 archives' bytes stored as plain JSON, under the
//      app's rule (gzip above 8 KiB, as .json.gz) and all gzip; COLD downloads (as 4.) of the plain
//      objects, then of the bucket converted to .json.gz: archive bytes on the wire, everything
//      received, time; each converted run checked in the archive page (500 listed, no problem)
//  12. hashing per change (scope-hash.mjs): on the LARGE dataset, in one database session, the
//      hash every bump paid before per-scope hashes (v1: the whole dataset) beside what a
//      one-employee change pays now (its scope + the global hash from the stored scope hashes)
//  13. delta and selective sync (delta.mjs), after a one-employee change: the app's DELTA download
//      beside a FULL one with every archive cached (same client, interleaved), directly and
//      through the latency proxy (40 ms each way): time, requests, bytes, their ratios against the
//      goals (≥ 10× fewer bytes, ≥ 5× faster); the COLD download of 4. beside the NAIVE one with
//      where its time goes (requests, archive GETs in flight, main-thread busy time and long
//      tasks, payload bytes; goal ≥ 3×); a SELECTIVE device keeping 1 city of 20 beside one keeping
//      everything, COLD. PUNCTAJ_BENCH_DELTA_RUNS runs of each (default 3)
//
// PUNCTAJ_BENCH_ONLY=delta (a comma-separated list of phase names) runs only those phases; the
// names are the keys of results.errors: checkBytes, idleWindow, nodeLoop, lock, warm (4b with the
// NAIVE runs in B's page), serverBaseline, checkLatency, verify, dist, live, fanout, scopeHash, delta,
// compression, import, firstLoad. The dataset and 4a (COLD and NAIVE in fresh contexts, which 13
// reports beside its own numbers) always run; the report says "skipped" for the others.
//
// Needs: the database template (scripts/local-backend.sh template), the backend binary
// (PUNCTAJ_BACKEND_BIN), the app built into target/e2e-dist. scripts/bench.sh does all that.
// Everything binds 127.0.0.1; every wait and loop is bounded; everything started is torn down.
import os from 'node:os';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Backend, Cleanup, DIST, PASSWORD, ROOT, byTestId, launchBrowser, serveApp } from '../lib/harness.mjs';
import { datasetCountsSql, largeDatasetSql, ARCHIVES_PER_INSTITUTION, CITIES, EMPLOYEES_PER_INSTITUTION, INSTITUTIONS } from './dataset.mjs';
import { distSizes, distGoalLine, printDist } from './dist.mjs';
import { naiveDownload } from './naive.mjs';
import { NetMeter } from './netmeter.mjs';
import { bytes, heading, int, median, ms, percentile, ratio, sec, summary, table } from './stats.mjs';
import { getLoop, getMany, rawRequest, replay } from './wire.mjs';
import { liveBench } from './live.mjs';
import { fanoutBench } from './fanout.mjs';
import { startLatencyProxy } from './latency-proxy.mjs';
import { RpcWorker } from './rpc-worker.mjs';
import { liveFindings, printFanout, printLive } from './live-report.mjs';
import { importBench, importFindings, printImport } from './import.mjs';
import { firstLoadBench, firstLoadFindings, printFirstLoad } from './first-load.mjs';
import { compressionBench, compressionFindings, printCompression } from './compression.mjs';
import { printScopeHash, scopeHashBench } from './scope-hash.mjs';
import { awaitDownload as awaitDownloadIn, deltaBench, deltaFindings, deltaSummary, forgetScopes, longTaskProbe, longTasksIn, printDelta, reloadReady } from './delta.mjs';

const env = (name, fallback) => Number(process.env[name] ?? fallback);
const COLD_RUNS = env('PUNCTAJ_BENCH_COLD_RUNS', 3);
const SCOPE_HASH_RUNS = env('PUNCTAJ_BENCH_SCOPE_HASH_RUNS', 20);
const WARM_RUNS = env('PUNCTAJ_BENCH_WARM_RUNS', 3);
const NAIVE_RUNS = env('PUNCTAJ_BENCH_NAIVE_RUNS', 3);
const LOCK_ROUNDS = env('PUNCTAJ_BENCH_LOCK_ROUNDS', 20);
const LOOP_GETS = env('PUNCTAJ_BENCH_LOOP_GETS', 200);
const MIN_CHECK_SAMPLES = 30;
const IDLE_WINDOW_MS = env('PUNCTAJ_BENCH_IDLE_MS', 30_000);
const LIVE_ROUNDS = env('PUNCTAJ_BENCH_LIVE_ROUNDS', 20);
const LIVE_IDLE_MS = env('PUNCTAJ_BENCH_LIVE_IDLE_MS', 90_000);
const PROXY_DELAY_MS = env('PUNCTAJ_BENCH_PROXY_DELAY_MS', 40);
const FANOUT_CLIENTS = env('PUNCTAJ_BENCH_FANOUT_CLIENTS', 200);
const FANOUT_CHANGES = env('PUNCTAJ_BENCH_FANOUT_CHANGES', 5);
const IMPORT_RUNS = env('PUNCTAJ_BENCH_IMPORT_RUNS', 3);
const FIRST_LOAD_RUNS = env('PUNCTAJ_BENCH_FIRST_LOAD_RUNS', 5);
const DELTA_RUNS = env('PUNCTAJ_BENCH_DELTA_RUNS', 3);
/** PUNCTAJ_BENCH_ONLY: the phases to run (comma-separated names), else all of them. */
const ONLY = (process.env.PUNCTAJ_BENCH_ONLY ?? '').split(',').map((x) => x.trim()).filter(Boolean);
const selected = (name) => !ONLY.length || ONLY.includes(name);
// The import runs (9.) add a few minutes to the 20 the rest may take, the first loads (10.) a few
// more (scripts/bench.sh builds the baseline beforehand; built here, it would take longer).
const WATCHDOG_MS = env('PUNCTAJ_BENCH_WATCHDOG_MS', 40 * 60_000);
const DOWNLOAD_TIMEOUT_MS = 120_000;
const LOCK_TIMEOUT_MS = 10_000;
const VIEWER = 'viewer@punctaj.test';
const LEADER = 'leader@punctaj.test';
const MEMBER = 'member@punctaj.test';
const RESULTS_FILE = resolve(ROOT, 'target/bench-results.json');
const DOWNLOAD_MEASURE = 'punctaj:download';
/** The overlay stays this long at 100 % after a completed download (src/sync/download.rs). */
const COMPLETED_SHOWN_FOR_MS = 800;

const benchStarted = Date.now();
const say = (...parts) => console.log(`[bench +${((Date.now() - benchStarted) / 1000).toFixed(1)} s]`, ...parts);
const sleep = (millis) => new Promise((r) => setTimeout(r, millis));

/** Runs `promise` but gives up after `millis` with an error naming `what`. */
function within(millis, what, promise) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no result within ${millis} ms`)), millis);
    }),
  ]).finally(() => clearTimeout(timer));
}

const shortError = (error) => String(error?.message ?? error).split('\n').slice(0, 3).join(' ').slice(0, 400);

// In every benchmarked page, before the app's own scripts: a large Resource Timing buffer, the
// version checks as they complete, and the Date.now() of each appearance/disappearance of the
// lock overlay (a MutationObserver: the DOM change itself, before the next paint).
function benchInitScript() {
  performance.setResourceTimingBufferSize(100_000);
  const bench = (window.__bench = { lockOn: [], lockOff: [], checks: [] });
  const selector = '[data-testid="lock-overlay"]';
  let present = false;
  const look = () => {
    const now = document.querySelector(selector) !== null;
    if (now !== present) {
      present = now;
      (now ? bench.lockOn : bench.lockOff).push(Date.now());
    }
  };
  new MutationObserver(look).observe(document, { childList: true, subtree: true });
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      if (e.name.includes('/rest/v1/sync_metadata')) {
        bench.checks.push({
          startTime: e.startTime,
          duration: e.duration,
          responseEnd: e.responseEnd,
          transferSize: e.transferSize,
          encodedBodySize: e.encodedBodySize,
          decodedBodySize: e.decodedBodySize,
        });
      }
    }
  }).observe({ type: 'resource', buffered: true });
}

const results = {
  startedAt: new Date(benchStarted).toISOString(),
  machine: {},
  config: { COLD_RUNS, WARM_RUNS, NAIVE_RUNS, LOCK_ROUNDS, LOOP_GETS, LIVE_ROUNDS, LIVE_IDLE_MS, PROXY_DELAY_MS, FANOUT_CLIENTS, FANOUT_CHANGES, IMPORT_RUNS, FIRST_LOAD_RUNS, DELTA_RUNS, ONLY },
  dataset: {},
  checkBytes: null,
  checkLatency: null,
  lock: null,
  download: { cold: [], warm: [], warmFromLockRounds: [], naive: [], naiveFresh: [] },
  dist: null,
  live: {},
  fanout: null,
  import: {},
  firstLoad: {},
  compression: null,
  delta: null,
  skipped: [],
  findings: [],
  errors: {},
};

async function main() {
  const cleanup = new Cleanup();
  let finished = false;
  const watchdog = setTimeout(async () => {
    if (finished) return;
    console.error(`[bench] watchdog: the benchmark exceeded ${WATCHDOG_MS / 1000} s; tearing down`);
    await cleanup.run();
    process.exit(3);
  }, WATCHDOG_MS);
  watchdog.unref();
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.once(signal, async () => {
      await cleanup.run();
      process.exit(130);
    });
  }

  try {
    await runAll(cleanup);
  } finally {
    finished = true;
    say('tearing down (browser, app server, backend, database)');
    await cleanup.run();
    clearTimeout(watchdog);
  }
}

async function runAll(cleanup) {
  // ---------------------------------------------------------------- machine, stack, dataset
  const cpus = os.cpus();
  Object.assign(results.machine, {
    cpuModel: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    cpuMHz: cpus[0]?.speed,
    memoryGiB: +(os.totalmem() / 2 ** 30).toFixed(1),
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    loadAverageAtStart: os.loadavg().map((x) => +x.toFixed(2)),
    node: process.version,
    backendBinary: process.env.PUNCTAJ_BACKEND_BIN ?? '(harness default: target/debug)',
  });

  // The download timings come from the app's own performance measure: a build without it (an old
  // dist) would only time out, so say so at once.
  const wasmFiles = (await readdir(DIST).catch(() => [])).filter((f) => f.endsWith('.wasm'));
  if (!wasmFiles.length) throw new Error(`no app in ${DIST}: run trunk build --release --public-url /punctaj/ --dist target/e2e-dist`);
  for (const file of wasmFiles) {
    if (!(await readFile(resolve(DIST, file))).includes(DOWNLOAD_MEASURE)) {
      throw new Error(`${DIST}/${file} has no "${DOWNLOAD_MEASURE}" performance measure: the build is older than src/sync/download.rs (rebuild it)`);
    }
  }

  say('starting the local backend on a fresh copy of the demo database');
  const backend = await Backend.start({ jwtExpirySecs: 3 * 3600 });
  cleanup.add(() => backend.destroy());
  const app = await serveApp(backend);
  cleanup.add(() => app.close());
  results.machine.postgres = (await backend.sql('show server_version')).trim();

  say(`installing the LARGE dataset (${CITIES.length} cities × ${INSTITUTIONS.length} institutions × ${EMPLOYEES_PER_INSTITUTION} employees, ${CITIES.length * INSTITUTIONS.length * ARCHIVES_PER_INSTITUTION} archives)`);
  const versionBefore = (await backend.cloudMeta()).version;
  const seedStarted = performance.now();
  await backend.sql(largeDatasetSql()).catch((error) => {
    throw new Error(`installing the dataset failed: ${shortError(error.stderr ?? error)}`);
  });
  const seedMs = performance.now() - seedStarted;
  const counts = JSON.parse(await backend.sql(datasetCountsSql));
  Object.assign(results.dataset, counts, { versionBefore, seedMs });
  const expected = { cities: 20, institutions: 100, employees: 6000, archives: 500 };
  for (const [key, value] of Object.entries(expected)) {
    if (counts[key] !== value) throw new Error(`dataset: ${key} = ${counts[key]}, expected ${value}`);
  }
  if (!counts.etags_ok) throw new Error('dataset: an archive eTag/size does not match its bytes');
  if (counts.version !== versionBefore + 1) {
    results.findings.push(`installing the dataset in one transaction moved the version by ${counts.version - versionBefore} (expected 1)`);
  }
  say(`dataset installed in ${ms(seedMs, 0)}: ${JSON.stringify(counts)}`);

  const leader = await backend.signIn(LEADER);
  const viewerSession = await backend.signIn(VIEWER);
  const target = (
    await backend.sql(
      "select e.institution_id || ' ' || e.id from employees e join institutions i on i.id = e.institution_id join cities c on c.id = i.city_id where c.name = 'BlackWater' and i.name = 'Politie' and e.deleted_at is null order by e.id limit 1",
    )
  ).split(' ');
  const pointsChange = { p_institution_id: Number(target[0]), p_employee_ids: [target[1]], p_delta: 1 };

  const browser = await launchBrowser();
  cleanup.add(() => browser.close());
  results.machine.chromium = browser.version();
  printMachine();

  async function newClient() {
    const context = await browser.newContext();
    context.setDefaultTimeout(30_000);
    await context.addInitScript(benchInitScript);
    await context.addInitScript(longTaskProbe);
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (error) => errors.push(String(error)));
    const meter = await NetMeter.attach(page, backend.url);
    await page.goto(app.url, { timeout: 30_000 });
    // segments: B's version checks and downloads before each reload (4b reloads B's page).
    return { context, page, meter, errors, segments: [] };
  }

  const measures = (page) =>
    page.evaluate((name) => performance.getEntriesByName(name).map((e) => ({ startTime: e.startTime, duration: e.duration })), DOWNLOAD_MEASURE);
  /** Waits for the download that follows `measuresBefore` to finish and the overlay to go. */
  const awaitDownload = (page, measuresBefore, startedAtEpoch) =>
    awaitDownloadIn({ page, origin: backend.url }, measuresBefore, startedAtEpoch, DOWNLOAD_TIMEOUT_MS);

  // ---------------------------------------------------------------- 4c. the NAIVE download
  async function naiveRun(page, meter) {
    meter.start();
    const outcome = await within(
      DOWNLOAD_TIMEOUT_MS,
      'naive download',
      page.evaluate(naiveDownload, { url: backend.url, anonKey: backend.anonKey, token: viewerSession.access_token }),
    );
    const net = await meter.stop();
    const ok =
      outcome.cities === counts.cities &&
      outcome.institutions === counts.institutions &&
      outcome.employees === counts.employees &&
      outcome.archives === counts.archives;
    if (!ok) throw new Error(`the naive download read ${JSON.stringify(outcome)}, expected ${JSON.stringify(counts)}`);
    const longTasks = await longTasksIn(page, { start: outcome.startTime, end: outcome.endTime });
    return { ...outcome, net, longTasks };
  }

  /** One measurement of a series: a failure is recorded and the series goes on. */
  async function attempt(kind, fn) {
    try {
      await fn();
    } catch (error) {
      results.errors[kind] ??= shortError(error);
      say(`!! ${kind}: ${shortError(error)}`);
    }
  }

  /**
   * A COLD download in `client` (a fresh context from newClient()): the viewer signs in and the app
   * downloads everything; its timing and what the page received. Throws unless it fetched every
   * archive of the bucket (`what` names the run in the error).
   */
  async function coldDownloadIn(client, what) {
    await byTestId(client.page, 'login-email').fill(VIEWER);
    await byTestId(client.page, 'login-password').fill(PASSWORD);
    const before = (await measures(client.page)).length;
    client.meter.start();
    const clickedAt = Date.now();
    await byTestId(client.page, 'login-submit').click();
    const timing = await awaitDownload(client.page, before, clickedAt);
    const net = await client.meter.stop();
    if (net.byKind['archive GET']?.requests !== counts.archives) {
      throw new Error(`${what} fetched ${net.byKind['archive GET']?.requests ?? 0} archives, expected ${counts.archives}`);
    }
    return { timing, net };
  }

  // ---------------------------------------------------------------- 4a. COLD downloads
  // Interleaved with the NAIVE download in a fresh context (same empty caches), so that a change in
  // the machine's background load hits both alike.
  let b; // the viewer client B, kept from the last cold run
  for (let run = 1; run <= Math.max(COLD_RUNS, NAIVE_RUNS); run += 1) {
    if (run <= COLD_RUNS) {
      await attempt('cold', async () => {
        const client = await newClient();
        const keep = run === COLD_RUNS;
        if (keep) {
          b = client;
          cleanup.add(() => client.context.close());
        }
        try {
          const { timing, net } = await coldDownloadIn(client, `cold run ${run}`);
          results.download.cold.push({ run, ...timing, net });
          say(`cold ${run}/${COLD_RUNS}: download ${ms(timing.downloadMs, 0)}, click → overlay gone ${ms(timing.wallMs, 0)}, ${net.requests} requests + ${net.preflights} preflights, ${bytes(net.receivedWireBytes)}`);
        } finally {
          if (!keep) await client.context.close();
        }
      });
    }
    if (run <= NAIVE_RUNS) {
      await attempt('naiveFresh', async () => {
        const client = await newClient();
        try {
          await byTestId(client.page, 'login-email').waitFor({ timeout: 30_000 });
          const r = await naiveRun(client.page, client.meter);
          results.download.naiveFresh.push({ run, ...r });
          say(`naive ${run}/${NAIVE_RUNS} (fresh context, nothing cached): ${ms(r.ms, 0)}, ${r.net.requests} requests + ${r.net.preflights} preflights`);
        } finally {
          await client.context.close();
        }
      });
    }
  }
  if (!b) {
    // The cold runs failed: B still has to exist for the other measurements.
    say('signing B in (not measured: the cold runs failed)');
    const client = await newClient();
    cleanup.add(() => client.context.close());
    await byTestId(client.page, 'login-email').fill(VIEWER);
    await byTestId(client.page, 'login-password').fill(PASSWORD);
    await byTestId(client.page, 'login-submit').click();
    await awaitDownload(client.page, 0, Date.now());
    b = client;
  }

  // ---------------------------------------------------------------- 1. bytes of one check
  await phase('checkBytes', async () => {
    const request = await b.page.waitForEvent('request', {
      predicate: (r) => r.method() === 'GET' && r.url().includes('/rest/v1/sync_metadata?'),
      timeout: 10_000,
    });
    const response = await request.response();
    if (!response) throw new Error('the captured check got no response');
    const headersArray = await request.headersArray();
    const sizes = await request.sizes().catch(() => null);
    const url = new URL(request.url());
    const path = url.pathname + url.search;
    const raw = rawRequest('GET', path, headersArray);
    const replayed = await replay({ host: url.hostname, port: Number(url.port), raw });
    if (!replayed.statusLine.includes(' 200 ')) throw new Error(`replay answered ${replayed.statusLine}`);
    results.checkBytes = {
      url: request.url(),
      requestHeaders: headersArray.map(({ name, value }) => ({
        name,
        bytes: Buffer.byteLength(`${name}: ${value}\r\n`),
        value: /authorization|apikey/i.test(name) ? `${value.slice(0, 16)}… (${value.length} chars)` : value,
      })),
      requestBytes: replayed.bytesWritten,
      requestLineBytes: Buffer.byteLength(`GET ${path} HTTP/1.1\r\n`),
      responseBytes: replayed.bytesRead,
      responseHeadBytes: replayed.responseHeadBytes,
      responseBodyBytes: replayed.responseBodyBytes,
      responseHead: replayed.responseHead.trim().split('\r\n'),
      responseBody: replayed.body,
      chromiumSizes: sizes,
      checkHeaders: Object.fromEntries(headersArray.filter(({ name }) => !/^(host|connection|content-length)$/i.test(name)).map(({ name, value }) => [name, value])),
    };
    say(`one check: request ${replayed.bytesWritten} B, response ${replayed.bytesRead} B`);
  });

  // ---------------------------------------------------------------- steady state: B idle
  await phase('idleWindow', async () => {
    b.meter.start();
    await sleep(IDLE_WINDOW_MS);
    const net = await b.meter.stop();
    results.idleWindow = { seconds: IDLE_WINDOW_MS / 1000, ...net };
    say(`idle ${IDLE_WINDOW_MS / 1000} s: ${net.requests} requests (${JSON.stringify(Object.fromEntries(Object.entries(net.byKind).map(([k, v]) => [k, v.requests])))}), ${net.preflights} preflights, ${bytes(net.receivedWireBytes)} received`);
  });

  // ---------------------------------------------------------------- 2b. Node loop of GETs
  await phase('nodeLoop', async () => {
    if (!results.checkBytes) throw new Error('no captured check request to replay');
    const { samples, statuses } = await getLoop({
      url: results.checkBytes.url,
      headers: results.checkBytes.checkHeaders,
      count: LOOP_GETS,
    });
    if (statuses[200] !== LOOP_GETS) throw new Error(`statuses ${JSON.stringify(statuses)}`);
    results.nodeLoop = { samples, summary: summary(samples) };
    say(`Node loop: ${LOOP_GETS} GETs, p50 ${ms(median(samples), 2)}`);
  });

  // ---------------------------------------------------------------- 3. lock rounds (+ warm downloads)
  /** B's version checks and downloads so far in its page (kept before a reload). */
  const checksOf = (page) =>
    page.evaluate((name) => ({
      checks: window.__bench.checks,
      downloads: performance.getEntriesByName(name).map((e) => ({ start: e.startTime, end: e.startTime + e.duration })),
    }), DOWNLOAD_MEASURE);

  /**
   * A commits a points change; B locks; B downloads and unlocks. The app downloads a DELTA; with
   * `full`, B's IndexedDB copy has its scope stamps emptied and the page is reloaded first (before
   * the change), so that the download is a FULL one with every archive still cached.
   */
  async function lockRound(withMeter, { full = false } = {}) {
    const page = b.page;
    if (full) {
      b.segments.push(await checksOf(page));
      await forgetScopes(page);
      await reloadReady(page);
    }
    const before = await page.evaluate(
      (name) => ({ on: window.__bench.lockOn.length, measures: performance.getEntriesByName(name).length }),
      DOWNLOAD_MEASURE,
    );
    if (await page.locator('[data-testid="lock-overlay"]').count()) throw new Error('B is still locked before the round');
    const rpcStart = Date.now();
    const rpc = await backend.rpc('change_points', pointsChange, leader.access_token);
    const rpcAt = Date.now();
    if (rpc.status !== 200) throw new Error(`change_points: ${rpc.status} ${JSON.stringify(rpc.body)}`);
    const lockAt = await page
      .waitForFunction((n) => window.__bench.lockOn[n] ?? null, before.on, { timeout: LOCK_TIMEOUT_MS, polling: 10 })
      .then((handle) => handle.jsonValue());
    // Which check saw it: the last one that had answered when the overlay appeared.
    const detail = await page.evaluate((at) => {
      const origin = Date.now() - performance.now();
      const done = window.__bench.checks.filter((c) => origin + c.responseEnd <= at + 1);
      const c = done[done.length - 1];
      return c ? { checkStart: origin + c.startTime, checkEnd: origin + c.responseEnd } : null;
    }, lockAt);
    const button = byTestId(page, 'download-sync');
    await button.waitFor({ state: 'visible', timeout: 5_000 });
    if (withMeter) b.meter.start();
    const clickedAt = Date.now();
    await button.click({ timeout: 5_000 });
    const timing = await awaitDownload(page, before.measures, clickedAt);
    const net = withMeter ? await b.meter.stop() : null;
    if (net && (net.byKind['archive GET']?.requests ?? 0) !== 0) {
      results.findings.push(`a ${full ? 'warm' : 'delta'} download fetched ${net.byKind['archive GET'].requests} archives it already had`);
    }
    if (net && full && !net.byKind.tables?.requests) throw new Error('the WARM run read no table: not a full download');
    return {
      version: Number(rpc.body?.version),
      rpcMs: rpcAt - rpcStart,
      lockLatencyMs: lockAt - rpcAt,
      waitForCheckMs: detail ? detail.checkStart - rpcAt : NaN,
      detectingCheckMs: detail ? detail.checkEnd - detail.checkStart : NaN,
      checkToOverlayMs: detail ? lockAt - detail.checkEnd : NaN,
      ...timing,
      net,
    };
  }

  await phase('lock', async () => {
    const rounds = [];
    for (let round = 1; round <= LOCK_ROUNDS; round += 1) {
      // A random pause, so that changes land at every phase of B's 1 s check interval.
      await sleep(200 + Math.random() * 1000);
      const r = await lockRound(false);
      rounds.push({ round, ...r });
      results.download.warmFromLockRounds.push({ run: round, downloadMs: r.downloadMs, wallMs: r.wallMs, startDelayMs: r.startDelayMs, window: r.window });
      say(`lock ${round}/${LOCK_ROUNDS}: v${r.version} locked after ${ms(r.lockLatencyMs, 0)} (wait ${ms(r.waitForCheckMs, 0)} + check ${ms(r.detectingCheckMs, 0)} + render ${ms(r.checkToOverlayMs, 0)}); download ${ms(r.downloadMs, 0)}`);
    }
    results.lock = { rounds, summary: summary(rounds.map((r) => r.lockLatencyMs)) };
  });

  // ---------------------------------------------------------------- 4b. WARM, interleaved with NAIVE in B
  // WARM = a FULL download with every archive cached (after a change the app would download a
  // delta: B's copy has its scope stamps emptied and B's page reloaded first, see lockRound).
  if (!selected('warm')) {
    skip('warm');
    skip('naive');
  }
  for (let run = 1; selected('warm') && run <= Math.max(WARM_RUNS, NAIVE_RUNS); run += 1) {
    if (run <= WARM_RUNS) {
      await attempt('warm', async () => {
        await sleep(200 + Math.random() * 1000);
        const r = await lockRound(true, { full: true });
        results.download.warm.push({ run, downloadMs: r.downloadMs, wallMs: r.wallMs, startDelayMs: r.startDelayMs, window: r.window, phases: r.phases, net: r.net, lockLatencyMs: r.lockLatencyMs });
        say(`warm ${run}/${WARM_RUNS}: download ${ms(r.downloadMs, 0)}, click → overlay gone ${ms(r.wallMs, 0)}, ${r.net.requests} requests + ${r.net.preflights} preflights, ${bytes(r.net.receivedWireBytes)}`);
      });
    }
    if (run <= NAIVE_RUNS) {
      await attempt('naive', async () => {
        const r = await naiveRun(b.page, b.meter);
        results.download.naive.push({ run, ...r, segment: b.segments.length });
        say(`naive ${run}/${NAIVE_RUNS} (in B's page): ${ms(r.ms, 0)} (tables ${ms(r.tablesMs, 0)}, list ${ms(r.listMs, 0)}, archives ${ms(r.archivesMs, 0)}), ${r.net.requests} requests + ${r.net.preflights} preflights`);
      });
    }
  }

  // ---------------------------------------------------------------- server baseline (no browser)
  // The same 500 archive GETs from Node, sequential and PARALLEL_ARCHIVES (4) at a time: what the
  // backend itself can serve on this machine, to tell its limits from the browser's and the app's.
  await phase('serverBaseline', async () => {
    const keys = (await backend.sql("select name from storage.objects where bucket_id = 'arhiva' order by name")).split('\n');
    const paths = keys.map((key) => `/storage/v1/object/arhiva/${key.split('/').map(encodeURIComponent).join('/')}`);
    const headers = { apikey: backend.anonKey, authorization: `Bearer ${viewerSession.access_token}` };
    results.serverBaseline = {};
    for (const parallel of [1, 4]) {
      const runs = [];
      for (let run = 1; run <= 3; run += 1) {
        const r = await getMany({ origin: backend.url, paths, headers, parallel });
        if (r.statuses[200] !== paths.length) throw new Error(`statuses ${JSON.stringify(r.statuses)}`);
        runs.push(r.ms);
      }
      results.serverBaseline[parallel] = { samples: runs, median: median(runs) };
      say(`Node, ${paths.length} archive GETs, ${parallel} at a time: ${runs.map((x) => ms(x, 0)).join(' / ')}`);
    }
  });

  // ---------------------------------------------------------------- 2a. the app's own checks
  await phase('checkLatency', async () => {
    // B's page was reloaded before each WARM run: its checks come in segments, each on its own
    // timeline with its own downloads (and the NAIVE runs made in it).
    const segments = [...b.segments, await checksOf(b.page)];
    let checks = [];
    let idle = [];
    const gaps = [];
    segments.forEach((segment, i) => {
      const naive = results.download.naive.filter((n) => (n.segment ?? 0) === i);
      const busy = [...segment.downloads, ...naive.map((n) => ({ start: n.startTime, end: n.endTime }))];
      const isIdle = (c) => !busy.some((w) => c.startTime >= w.start - 5 && c.startTime <= w.end + 5);
      checks = checks.concat(segment.checks);
      idle = idle.concat(segment.checks.filter(isIdle));
      // Start-to-start intervals between two consecutive checks that both ran outside downloads.
      const c = segment.checks;
      for (let k = 1; k < c.length; k += 1) if (isIdle(c[k]) && isIdle(c[k - 1])) gaps.push(c[k].startTime - c[k - 1].startTime);
    });
    const during = checks.length - idle.length;
    const samples = idle.map((c) => c.duration);
    results.checkLatency = {
      samples,
      summary: summary(samples),
      excludedDuringDownloads: during,
      intervalSummary: summary(gaps),
      resourceTimingSizes: {
        transferSize: idle.reduce((n, c) => n + c.transferSize, 0),
        encodedBodySize: idle.reduce((n, c) => n + c.encodedBodySize, 0),
      },
    };
    if (samples.length < MIN_CHECK_SAMPLES) throw new Error(`only ${samples.length} check samples (< ${MIN_CHECK_SAMPLES})`);
  });

  // ---------------------------------------------------------------- correctness: what B installed
  await phase('verify', async () => {
    const cloud = await backend.cloudMeta();
    await byTestId(b.page, 'nav-settings').click();
    const hash = (await byTestId(b.page, 'local-hash').textContent({ timeout: 10_000 })).trim();
    const version = Number((await byTestId(b.page, 'version-local').first().textContent()).trim());
    results.verify = { cloud, local: { version, dataHash: hash }, pageErrors: b.errors };
    if (version !== cloud.version || hash !== cloud.dataHash) {
      throw new Error(`B installed v${version} ${hash}, the cloud is v${cloud.version} ${cloud.dataHash}`);
    }
  });

  // ---------------------------------------------------------------- 5. dist
  await phase('dist', async () => {
    results.dist = await distSizes(DIST);
  });

  // ---------------------------------------------------------------- 6 + 7. live sync in the browser
  // B is done: closed, so that its checks and downloads do not run beside the live clients.
  await b.context.close().catch(() => {});
  // A's changes from a worker thread, so that the answer's arrival is stamped on time (rpc-worker.mjs).
  const rpcWorker = new RpcWorker(backend);
  cleanup.add(() => rpcWorker.close());
  const change = async () => {
    const rpc = await rpcWorker.rpc('change_points', pointsChange, leader.access_token);
    if (rpc.status !== 200) throw new Error(`change_points: ${rpc.status} ${JSON.stringify(rpc.body)}`);
    return { version: Number(rpc.body?.version), rpcStart: rpc.startedAt, rpcAt: rpc.answeredAt };
  };
  await phase('live', async () => {
    const proxy = await startLatencyProxy({ target: { host: '127.0.0.1', port: backend.port }, delayMs: PROXY_DELAY_MS });
    cleanup.add(() => proxy.close());
    await liveBench({
      browser,
      backend,
      proxy,
      cleanup,
      initScript: benchInitScript,
      change,
      email: VIEWER,
      rounds: LIVE_ROUNDS,
      idleMs: LIVE_IDLE_MS,
      into: results.live,
      say,
    });
  });

  // ---------------------------------------------------------------- 8. fan-out to N WebSockets
  await phase('fanout', async () => {
    const member = await backend.signIn(MEMBER);
    results.fanout = await fanoutBench({
      backend,
      memberToken: member.access_token,
      change,
      clients: FANOUT_CLIENTS,
      changes: FANOUT_CHANGES,
      say,
    });
  });

  // ---------------------------------------------------------------- 12. hashing per change
  await phase('scopeHash', async () => {
    results.scopeHash = await scopeHashBench(backend, { runs: SCOPE_HASH_RUNS });
    say(`hash per change: before ${ms(results.scopeHash.before.p50, 2)}, after ${ms(results.scopeHash.after.p50, 2)}`);
  });

  // ---------------------------------------------------------------- 13. delta and selective sync
  // Its own clients (B is closed), on the LARGE dataset as installed (plain archives: before 11.).
  await phase('delta', async () => {
    const [cityId, archives, employees] = (
      await backend.sql(
        "select c.id || ' ' || (select count(*) from storage.objects o where o.bucket_id = 'arhiva' and o.name like app.slug(c.name) || '/%') || ' ' || " +
          "(select count(*) from employees e join institutions i on i.id = e.institution_id where i.city_id = c.id and e.deleted_at is null and i.deleted_at is null) " +
          "from cities c where c.name = 'BlackWater'",
      )
    ).split(' ').map(Number);
    results.delta = {};
    try {
      await deltaBench({
        browser,
        backend,
        app,
        cleanup,
        initScripts: [benchInitScript, longTaskProbe],
        counts,
        change,
        email: VIEWER,
        runs: DELTA_RUNS,
        proxyDelayMs: PROXY_DELAY_MS,
        selectiveCity: { id: cityId, name: 'BlackWater', archives, employees },
        timeoutMs: DOWNLOAD_TIMEOUT_MS,
        into: results.delta,
        say,
      });
    } finally {
      results.delta.summary = deltaSummary(results.delta, results.download);
    }
  });

  // ---------------------------------------------------------------- 11. archive compression
  // The LARGE dataset's archives as stored today and under the app's rule (gzip above 8 KiB): the
  // bytes stored, then COLD downloads once the bucket holds the `.json.gz` objects. Last of the
  // phases on this backend (import and first load use their own), so the bucket is left converted.
  await phase('compression', async () => {
    results.compression = await compressionBench({
      backend,
      counts,
      plainCold: results.download.cold,
      runs: Math.max(3, COLD_RUNS),
      newClient,
      coldDownloadIn,
      say,
    });
  });

  // ---------------------------------------------------------------- 9. import from the desktop app
  // Its own backends on fresh copies of the demo database (the LARGE dataset above is not used).
  await phase('import', async () => {
    await importBench({ browser, runs: IMPORT_RUNS, into: results.import, say });
    if (results.import.errors.length) results.findings.push(`import: ${results.import.errors.length} of ${IMPORT_RUNS} runs failed (${results.import.errors[0]})`);
  });

  // ---------------------------------------------------------------- 10. first load
  // Its own backend on a fresh copy of the demo database, its own servers and browser contexts.
  await phase('firstLoad', async () => {
    await firstLoadBench({ browser, runs: FIRST_LOAD_RUNS, into: results.firstLoad, say, outerCleanup: cleanup });
  });
}

/** A phase left out by PUNCTAJ_BENCH_ONLY. */
function skip(name) {
  if (!results.skipped.includes(name)) results.skipped.push(name);
}

/** One measurement: its failure is recorded and reported, and the others go on. */
async function phase(name, fn) {
  if (!selected(name)) {
    skip(name);
    return;
  }
  try {
    await fn();
  } catch (error) {
    results.errors[name] = shortError(error);
    say(`!! ${name} not measured: ${results.errors[name]}`);
  }
}

function printMachine() {
  const m = results.machine;
  console.log(heading('Machine'));
  console.log(
    table(
      ['fact', 'value'],
      [
        ['CPU', `${m.cpuModel} (${m.cores} logical cores${m.cpuMHz ? `, ${m.cpuMHz} MHz` : ''})`],
        ['memory', `${m.memoryGiB} GiB`],
        ['OS', m.platform],
        ['load average at start (1/5/15 min)', m.loadAverageAtStart.join(' / ')],
        ['Node.js', m.node],
        ['Chromium', m.chromium],
        ['PostgreSQL', m.postgres],
        ['backend binary', m.backendBinary],
      ],
    ),
  );
}

// ---------------------------------------------------------------------------------- the report
function report() {
  const notMeasured = (name) =>
    results.skipped.includes(name) ? `skipped (PUNCTAJ_BENCH_ONLY=${ONLY.join(',')})` : `NOT MEASURED: ${results.errors[name] ?? 'no data'}`;

  console.log(heading('Dataset (LARGE)'));
  const d = results.dataset;
  if (d.cities) {
    console.log(
      table(
        ['what', 'value'],
        [
          ['cities × institutions × employees', `${d.cities} × ${d.institutions / d.cities} × ${d.employees / d.institutions} = ${d.employees} employees`],
          ['archives in bucket arhiva', `${d.archives} (${bytes(d.archive_bytes)}, eTag = quoted md5: ${d.etags_ok ? 'verified' : 'WRONG'})`],
          ['cloud version', `${d.versionBefore} → ${d.version} after the one seeding transaction (${ms(d.seedMs, 0)})`],
        ],
      ),
    );
  }

  console.log(heading('1. Bytes of one version check (HTTP/1.1, replayed on a fresh socket)'));
  const c = results.checkBytes;
  if (c) {
    console.log(`GET ${c.url}`);
    console.log(
      table(
        ['part', 'bytes', 'how'],
        [
          ['request line', c.requestLineBytes, 'GET <path> HTTP/1.1 CRLF'],
          ['request (line + headers)', c.requestBytes, 'socket.bytesWritten, headers exactly as Chromium sent them'],
          ['response (status + headers + body)', c.responseBytes, 'socket.bytesRead'],
          ['  of which status line + headers', c.responseHeadBytes, ''],
          ['  of which body', c.responseBodyBytes, ''],
          ['total per check', c.requestBytes + c.responseBytes, ''],
          [
            'Chromium\'s own count (request.sizes())',
            c.chromiumSizes ? `${c.chromiumSizes.requestHeadersSize} / ${c.chromiumSizes.responseHeadersSize + c.chromiumSizes.responseBodySize}` : 'n/a',
            'request headers / response headers + body',
          ],
        ],
      ),
    );
    const perCheck = c.requestBytes + c.responseBytes;
    console.log(
      `at one check per second, one open client costs ≈${(perCheck / 1024).toFixed(1)} KiB/s ≈ ${((perCheck * 3600) / 2 ** 20).toFixed(1)} MiB/hour ` +
        `(${Math.round((100 * c.requestBytes) / perCheck)} % of it request headers; the JWT in authorization alone is ${c.requestHeaders.find((h) => /^authorization$/i.test(h.name))?.bytes ?? '?'} B)`,
    );
    console.log('\nrequest headers (bytes incl. CRLF):');
    console.log(table(['header', 'bytes', 'value'], c.requestHeaders.map((h) => [h.name, h.bytes, h.value.length > 70 ? `${h.value.slice(0, 67)}…` : h.value])));
    console.log('\nresponse head:');
    for (const line of c.responseHead) console.log(`  ${line}`);
    console.log(`response body: ${c.responseBody.length > 300 ? `${c.responseBody.slice(0, 300)}…` : c.responseBody}`);
    if (results.idleWindow) {
      const w = results.idleWindow;
      const perCheck = w.byKind['version row'];
      console.log(
        `\nsteady state, B idle for ${w.seconds} s: ${w.requests} requests (${Object.entries(w.byKind).map(([k, v]) => `${v.requests} ${k}`).join(', ') || 'none'}), ` +
          `${w.preflights} CORS preflights; received ${bytes(w.receivedWireBytes)}, sent ≈${bytes(w.sentHeaderBytes)} of headers` +
          (perCheck ? `; ≈${Math.round(perCheck.wireBytes / perCheck.requests)} B received per check (CDP)` : ''),
      );
    }
  } else console.log(notMeasured('checkBytes'));

  console.log(heading('2. Version-check latency'));
  const rows = [];
  if (results.checkLatency) {
    const s = results.checkLatency.summary;
    rows.push(['app checks in B (Resource Timing duration)', s.n, ms(s.p50, 2), ms(s.p95, 2), ms(s.min, 2), ms(s.max, 2)]);
  } else rows.push(['app checks in B (Resource Timing duration)', notMeasured('checkLatency')]);
  if (results.nodeLoop) {
    const s = results.nodeLoop.summary;
    rows.push([`Node loop, ${LOOP_GETS} sequential keep-alive GETs`, s.n, ms(s.p50, 2), ms(s.p95, 2), ms(s.min, 2), ms(s.max, 2)]);
  } else rows.push(['Node loop', notMeasured('nodeLoop')]);
  console.log(table(['source', 'samples', 'p50', 'p95', 'min', 'max'], rows));
  if (results.checkLatency) {
    const l = results.checkLatency;
    console.log(
      `app checks counted over B's whole life, excluding ${l.excludedDuringDownloads} that ran during a download (app or naive); ` +
        `interval between checks p50 ${ms(l.intervalSummary.p50, 0)}, p95 ${ms(l.intervalSummary.p95, 0)} (n=${l.intervalSummary.n}); ` +
        `Resource Timing sizes: ${l.resourceTimingSizes.transferSize === 0 ? 'transferSize = 0 (cross-origin, the backend sends no Timing-Allow-Origin)' : `${l.resourceTimingSizes.transferSize} B transferred`}`,
    );
  }

  console.log(heading('3. Lock latency: A commits rpc/change_points → B (default config: push + 1 s checks) shows the lock overlay'));
  if (results.lock) {
    const r = results.lock.rounds;
    const part = (key) => summary(r.map((x) => x[key]));
    console.log(
      table(
        ['interval', 'samples', 'p50', 'p95', 'min', 'max'],
        [
          ['RPC answered (Node) → overlay in DOM (B)', ...row(part('lockLatencyMs'))],
          ['  RPC answered → start of the detecting check', ...row(part('waitForCheckMs'))],
          ['  the detecting check (request → response)', ...row(part('detectingCheckMs'))],
          ['  check response → overlay in DOM', ...row(part('checkToOverlayMs'))],
          ['the RPC itself (Node, round trip)', ...row(part('rpcMs'))],
        ],
      ),
    );
    console.log(`all ${r.length} samples (ms): ${r.map((x) => Math.round(x.lockLatencyMs)).join(', ')}`);
    console.log('B downloads between rounds: after a one-employee change that is a DELTA (rpc/sync_delta; timed in 4. and compared in 13.)');
  } else console.log(notMeasured('lock'));

  console.log(heading('4. Full download of the LARGE dataset'));
  const dl = results.download;
  const kinds = [
    ['COLD (fresh context, app)', dl.cold, 'cold', (x) => x.downloadMs],
    ['WARM (full, archives cached, app)', dl.warm, 'warm', (x) => x.downloadMs],
    ['DELTA after a one-employee change (13., direct)', results.delta?.direct?.delta ?? [], 'delta', (x) => x.downloadMs],
    ['NAIVE sequential (B\'s page)', dl.naive, 'naive', (x) => x.ms],
    ['NAIVE sequential (fresh context)', dl.naiveFresh, 'naiveFresh', (x) => x.ms],
  ];
  const med = {};
  const dlRows = kinds.map(([label, list, key, pick]) => {
    if (!list.length) return [label, notMeasured(key)];
    med[key] = median(list.map(pick));
    const wall = list[0].wallMs !== undefined ? median(list.map((x) => x.wallMs)) : NaN;
    const net = list.map((x) => x.net).filter(Boolean);
    return [
      label,
      list.length,
      ms(med[key], 0),
      Number.isFinite(wall) ? ms(wall, 0) : '—',
      list.map((x) => Math.round(pick(x))).join(' / '),
      net.length ? int(median(net.map((n) => n.requests))) : 'n/a',
      net.length ? int(median(net.map((n) => n.preflights))) : 'n/a',
      net.length ? bytes(median(net.map((n) => n.receivedWireBytes))) : 'n/a',
      net.length ? bytes(median(net.map((n) => n.receivedBodyBytes))) : 'n/a',
    ];
  });
  console.log(
    table(
      ['download', 'runs', 'median time', 'median wall', 'all samples (ms)', 'requests', 'preflights', 'received (wire)', 'bodies'],
      dlRows,
    ),
  );
  console.log(
    '\ntime = the app\'s "punctaj:download" performance measure (download → verified → stored in IndexedDB) or the naive ' +
      'function\'s performance.now() span; wall = from the click (sign-in / download button) until the overlay left the DOM, ' +
      `which includes sign-in for COLD and the ${COMPLETED_SHOWN_FOR_MS} ms the overlay shows 100 % by design. ` +
      'WARM = B\'s FULL download after a one-employee change with every archive cached: before each, B\'s IndexedDB copy had its scope stamps ' +
      'emptied and the page was reloaded, else the app downloads a delta (see 13.). ' +
      'requests exclude CORS preflights (counted apart); bytes from Chromium\'s network events (CDP), all requests to the backend in the window ' +
      '(the app\'s own 1 s checks included). The NAIVE function fetches with cache: \'no-store\', which also makes Chromium bypass its CORS ' +
      'preflight cache, so it pays one preflight per request in either page.',
  );
  const ratios = [
    ['naive / cold', med.naive / med.cold, 'naive (B\'s page) ÷ cold'],
    ['naive / warm', med.naive / med.warm, 'naive (B\'s page) ÷ warm'],
    ['naive(fresh) / cold', med.naiveFresh / med.cold, 'both with an empty preflight cache'],
  ];
  console.log(`\n${table(['ratio', 'value', 'meaning'], ratios.map(([a, v, m]) => [a, ratio(v), m]))}`);
  if (results.serverBaseline) {
    const sb = results.serverBaseline;
    console.log(
      `\nserver baseline, no browser (Node, keep-alive, no preflights): the ${results.dataset.archives} archive GETs take ` +
        `${ms(sb[1].median, 0)} one at a time and ${ms(sb[4].median, 0)} 4 at a time (medians of 3: ${sb[1].samples.map((x) => Math.round(x)).join('/')} and ${sb[4].samples.map((x) => Math.round(x)).join('/')} ms)`,
    );
  }
  if (dl.warmFromLockRounds.length) {
    const s = summary(dl.warmFromLockRounds.map((x) => x.downloadMs));
    console.log(`\nDELTA downloads after the ${s.n} lock rounds of 3. (a one-employee change each; not full downloads): p50 ${ms(s.p50, 0)}, p95 ${ms(s.p95, 0)}, min ${ms(s.min, 0)}, max ${ms(s.max, 0)}`);
  }
  const breakdown = (list, label) => {
    if (!list.length) return;
    const k = {};
    for (const x of list) {
      for (const [name, v] of Object.entries(x.net?.byKind ?? {})) {
        k[name] ??= [];
        k[name].push(v);
      }
    }
    console.log(
      `${label}: ` +
        Object.entries(k)
          .map(([name, v]) => `${name} ${int(median(v.map((y) => y.requests)))} req / ${bytes(median(v.map((y) => y.wireBytes)))}`)
          .join('; '),
    );
  };
  console.log('\nper request kind (median over runs):');
  breakdown(dl.cold, '  COLD ');
  breakdown(dl.warm, '  WARM ');
  breakdown(dl.naive, '  NAIVE');
  // Where the time goes (medians over runs; app phases from Resource Timing inside the measure).
  const appPhase = (list, pick) => {
    const values = list.map((x) => (x.phases ? pick(x.phases) : NaN)).filter(Number.isFinite);
    return values.length ? median(values) : NaN;
  };
  const kind = (name, f) => (p) => (p.kinds[name] ? f(p.kinds[name]) : NaN);
  const tablesEnd = kind('tables', (k) => k.fromStartMs + k.spanMs);
  const naiveMed = (key) => (dl.naive.length ? median(dl.naive.map((x) => x[key])) : NaN);
  const netMed = (list, pick) => {
    const values = list.map((x) => (x.net ? pick(x.net) : NaN)).filter(Number.isFinite);
    return values.length ? median(values) : NaN;
  };
  const concurrency = (list) => appPhase(list, kind('archive GET', (k) => k.sumDurationMs / k.spanMs));
  console.log('\nwhere the time goes (median over runs):');
  console.log(
    table(
      ['phase', 'COLD', 'WARM', 'NAIVE'],
      [
        ['version row + cities/institutions/employees (start → last table response)', ms(appPhase(dl.cold, tablesEnd), 0), ms(appPhase(dl.warm, tablesEnd), 0), ms(naiveMed('tablesMs'), 0)],
        ['bucket listing, folder by folder (span)', ms(appPhase(dl.cold, kind('storage list', (k) => k.spanMs)), 0), ms(appPhase(dl.warm, kind('storage list', (k) => k.spanMs)), 0), ms(naiveMed('listMs'), 0)],
        ['archive GETs (first start → last end)', ms(appPhase(dl.cold, kind('archive GET', (k) => k.spanMs)), 0), ms(appPhase(dl.warm, kind('archive GET', (k) => k.spanMs)), 0), ms(naiveMed('archivesMs'), 0)],
        ['  archives in flight on average (Σ durations ÷ span)', Number.isFinite(concurrency(dl.cold)) ? concurrency(dl.cold).toFixed(2) : 'n/a', Number.isFinite(concurrency(dl.warm)) ? concurrency(dl.warm).toFixed(2) : 'n/a', '1.00'],
        ['after the last response (hash check, archive index, IndexedDB, install)', ms(appPhase(dl.cold, (p) => p.tailMs), 0), ms(appPhase(dl.warm, (p) => p.tailMs), 0), '—'],
        ['renderer main thread busy (CDP TaskDuration, whole window)', ...[dl.cold, dl.warm, dl.naive].map((l) => ms(netMed(l, (n) => n.mainThreadMs?.task), 0))],
        ['  of which script (JS + wasm)', ...[dl.cold, dl.warm, dl.naive].map((l) => ms(netMed(l, (n) => n.mainThreadMs?.script), 0))],
        ['  of which style + layout', ...[dl.cold, dl.warm, dl.naive].map((l) => ms(netMed(l, (n) => (n.mainThreadMs ? n.mainThreadMs.style + n.mainThreadMs.layout : NaN)), 0))],
      ],
    ),
  );

  printDist(results.dist, notMeasured('dist'), '5. Size of the production build (target/e2e-dist: trunk build --release, as make dist)');

  printLive(results.live, notMeasured('live'));
  printFanout(results.fanout, notMeasured('fanout'));
  printImport(results.import, notMeasured('import'));
  printFirstLoad(results.firstLoad, notMeasured('firstLoad'));
  printCompression(results.compression, notMeasured('compression'));
  printScopeHash(results.scopeHash, notMeasured('scopeHash'));
  printDelta(results.delta, results.download, notMeasured('delta'));

  console.log(heading('Checks and findings'));
  results.machine.loadAverageAtEnd = os.loadavg().map((x) => +x.toFixed(2));
  console.log(`load average (1/5/15 min): ${results.machine.loadAverageAtStart.join(' / ')} at start, ${results.machine.loadAverageAtEnd.join(' / ')} at the end (2 cores shared by Chromium, the backend, PostgreSQL and Node)`);
  if (results.verify) console.log(`B's installed data = the cloud's: v${results.verify.local.version}, hash ${results.verify.local.dataHash.slice(0, 16)}…; page errors in B: ${results.verify.pageErrors.length}`);
  autoFindings();
  for (const f of results.findings) console.log(`- ${f}`);
  if (!results.findings.length) console.log('- none');
  const errors = Object.entries(results.errors);
  if (errors.length) {
    console.log('\nNOT MEASURED:');
    for (const [name, why] of errors) console.log(`- ${name}: ${why}`);
  }
  console.log(`\nbench took ${sec(Date.now() - benchStarted, 1)}; results in ${RESULTS_FILE}`);
}

function row(s) {
  return [s.n, ms(s.p50, 0), ms(s.p95, 0), ms(s.min, 0), ms(s.max, 0)];
}

/** Flags what the numbers say is wrong, against the design brief's promises. */
function autoFindings() {
  const dl = results.download;
  const med = (list, pick) => median(list.map(pick));
  const cold = med(dl.cold, (x) => x.downloadMs);
  const warm = med(dl.warm, (x) => x.downloadMs);
  const naive = med(dl.naive, (x) => x.ms);
  const naiveFresh = med(dl.naiveFresh, (x) => x.ms);
  if (cold > naiveFresh) results.findings.push(`COLD download (median ${ms(cold, 0)}) is slower than the NAIVE sequential one in a fresh context (${ms(naiveFresh, 0)})`);
  if (cold > naive) results.findings.push(`COLD download (median ${ms(cold, 0)}) is slower than the NAIVE sequential one in B's page (${ms(naive, 0)})`);
  if (warm > naive) results.findings.push(`WARM download (median ${ms(warm, 0)}) is slower than the NAIVE sequential full download (${ms(naive, 0)})`);
  if (results.lock) {
    const p95 = percentile(results.lock.rounds.map((r) => r.lockLatencyMs), 95);
    const late = results.lock.rounds.filter((r) => r.lockLatencyMs > 1500);
    if (late.length) results.findings.push(`${late.length} of ${results.lock.rounds.length} locks came later than 1.5 s after the commit (p95 ${ms(p95, 0)}): ${late.map((r) => Math.round(r.lockLatencyMs)).join(', ')} ms`);
  }
  results.findings.push(...liveFindings(results.live, results.fanout));
  results.findings.push(...importFindings(results.import));
  results.findings.push(...firstLoadFindings(results.firstLoad));
  results.findings.push(...compressionFindings(results.compression));
  results.findings.push(...deltaFindings(results.delta, results.download));
  if (results.dist && !results.dist.goal.met) results.findings.push(distGoalLine(results.dist));
  if (results.idleWindow?.preflights) results.findings.push(`${results.idleWindow.preflights} CORS preflights while B was idle for ${results.idleWindow.seconds} s`);
  const coldPre = med(dl.cold, (x) => x.net?.preflights ?? 0);
  const coldReq = med(dl.cold, (x) => x.net?.requests ?? 0);
  if (coldPre > 0.5 * coldReq) {
    results.findings.push(`a COLD download makes a CORS preflight for nearly every request (${int(coldPre)} preflights for ${int(coldReq)} requests): each archive URL is a new preflight-cache entry`);
  }
}

main()
  .then(async () => {
    report();
    await mkdir(resolve(ROOT, 'target'), { recursive: true });
    await writeFile(RESULTS_FILE, `${JSON.stringify(results, null, 2)}\n`);
    process.exit(Object.keys(results.errors).length ? 1 : 0);
  })
  .catch(async (error) => {
    console.error(`[bench] failed: ${error?.stack ?? error}`);
    results.errors.fatal = shortError(error);
    try {
      report();
    } catch {}
    await mkdir(resolve(ROOT, 'target'), { recursive: true }).catch(() => {});
    await writeFile(RESULTS_FILE, `${JSON.stringify(results, null, 2)}\n`).catch(() => {});
    process.exit(1);
  });
