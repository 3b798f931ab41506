// The first load (issue 12, point 3), measured in Chromium with an empty cache, on a slow-4G
// profile and unthrottled, for the current build beside "today's build" (the app at BASELINE,
// default 744db61, before the size work; built once by scripts/bench-baseline.sh into
// target/bench-baseline/<commit>/dist and reused). Per run, in a fresh browser context (its own
// empty cache and storage) with Network.clearBrowserCache + Network.setCacheDisabled, and the
// network shaped by CDP Network.emulateNetworkConditions:
//   sign-in interactive = from the navigation's start (performance.timeOrigin) until the sign-in
//       form's email input and submit button are in the DOM, visible and enabled (the wasm app is
//       mounted: the form is its first view), taken at the next frame after that DOM change;
//       first paint / first contentful paint of the loading page (index.html) beside it;
//   sign-in → table = from the click on login-submit (a capturing listener in the page) until the
//       first institution's employee rows are visible with no lock overlay over them (after sign-in
//       the home page opens the first city and its first institution by itself).
// Both builds are served by scripts/serve-dist.mjs (127.0.0.1, free ports) WITH their precompressed
// .br/.gz copies (scripts/precompress.mjs, as `make dist` writes them), so the throttled figure is
// what a good static host sends; the wire bytes and the Content-Encoding received are recorded.
// Each build gets one unmeasured warm-up load first; the measured runs alternate the builds.
//
// Run by run.mjs (`make bench`), or alone: node tests/e2e/bench/first-load.mjs (needs the database
// template, the backend binary, the app in target/e2e-dist; builds the baseline if it is missing).
//   PUNCTAJ_BENCH_FIRST_LOAD_RUNS (5)  PUNCTAJ_BENCH_BASELINE (744db61; "none" to skip it)
//   PUNCTAJ_FIRST_LOAD_DIST (the current build to measure; default target/e2e-dist)
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PRECOMPRESSED_TYPES, precompress } from '../../../scripts/precompress.mjs';
import { startServer } from '../../../scripts/serve-dist.mjs';
import { Backend, BASE_PATH, Cleanup, DIST, PASSWORD, ROOT, byTestId, launchBrowser } from '../lib/harness.mjs';
import { bytes, heading, median, ms, ratio, table } from './stats.mjs';

export const BASELINE = process.env.PUNCTAJ_BENCH_BASELINE ?? '744db61';
const EMAIL = 'viewer@punctaj.test';
const GOAL_INTERACTIVE_MS = 2_000;
const LOAD_TIMEOUT_MS = 90_000;
const TABLE_TIMEOUT_MS = 120_000;
const BASELINE_BUILD_TIMEOUT_MS = 60 * 60_000;

/** Network profiles (CDP Network.emulateNetworkConditions: latency ms, throughputs in bytes/s). */
export const PROFILES = [
  // ~1.6 Mbps down, ~750 kbps up, 150 ms round trip (Lighthouse's "slow 4G" is 1.6 Mbps / 150 ms).
  { name: 'slow 4G', conditions: { offline: false, latency: 150, downloadThroughput: 200_000, uploadThroughput: 93_750, connectionType: 'cellular4g' } },
  { name: 'unthrottled', conditions: null },
];

const shortError = (error) => String(error?.message ?? error).split('\n').slice(0, 3).join(' ').slice(0, 400);

/** In every measured page, before the app's scripts: the moments of the first-load events. */
function probe() {
  const fl = (window.__fl = { formInDom: null, interactive: null, click: null, cityTab: null, rows: null, usable: null });
  const shown = (el) => el && (el.checkVisibility ? el.checkVisibility({ opacityProperty: true, visibilityProperty: true }) : el.getClientRects().length > 0);
  // The next frame after a DOM change: requestAnimationFrame, then a task (the paint happens between).
  const atNextFrame = (key) => requestAnimationFrame(() => setTimeout(() => (fl[key] ??= performance.now()), 0));
  let interactivePending = false;
  let usablePending = false;
  const look = () => {
    if (fl.interactive === null && !interactivePending) {
      const email = document.querySelector('[data-testid="login-email"]');
      const submit = document.querySelector('[data-testid="login-submit"]');
      if (email) fl.formInDom ??= performance.now();
      if (email && submit && !email.disabled && !submit.disabled && shown(email) && shown(submit)) {
        interactivePending = true;
        atNextFrame('interactive');
      }
    }
    if (fl.click !== null && fl.usable === null && !usablePending) {
      if (fl.cityTab === null && shown(document.querySelector('[data-testid="city-tab"]'))) fl.cityTab = performance.now();
      const row = document.querySelector('[data-testid="employee-row"]');
      if (row && shown(row)) {
        fl.rows ??= performance.now();
        if (!document.querySelector('[data-testid="lock-overlay"]')) {
          usablePending = true;
          atNextFrame('usable');
        }
      }
    }
  };
  new MutationObserver(look).observe(document, { childList: true, subtree: true, attributes: true });
  document.addEventListener(
    'click',
    (event) => {
      if (event.target?.closest?.('[data-testid="login-submit"]')) fl.click ??= performance.now();
    },
    true,
  );
}

/** Runs a command, its output prefixed into `say`; rejects on failure or after `timeoutMs`. */
function runCommand(command, args, { say, timeoutMs }) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {}
      reject(new Error(`${command} ${args.join(' ')}: no result within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    let tail = '';
    const relay = (chunk) => {
      const text = String(chunk);
      tail = (tail + text).slice(-4_000);
      for (const line of text.split('\n')) if (line.trim()) say(`  ${line.replace(/\x1b\[[0-9;]*m/g, '')}`);
    };
    child.stdout.on('data', relay);
    child.stderr.on('data', relay);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolvePromise();
      else reject(new Error(`${command} ${args.join(' ')} exited with ${code}: ${tail.split('\n').slice(-4).join(' ')}`));
    });
  });
}

/** target/bench-baseline/<commit>/dist, built now (minutes, once) if it is not there yet. */
export async function ensureBaseline({ commit = BASELINE, say = console.log } = {}) {
  const dir = resolve(ROOT, 'target/bench-baseline', commit, 'dist');
  const present = existsSync(join(dir, 'index.html')) && (await readdir(dir)).some((f) => f.endsWith('.wasm'));
  if (!present) {
    say(`first-load: today's build (${commit}) is not in ${dir} yet: building it once from a git worktree (a cold release build, several minutes)`);
    await runCommand('bash', [resolve(ROOT, 'scripts/bench-baseline.sh'), commit], { say, timeoutMs: BASELINE_BUILD_TIMEOUT_MS });
  }
  return { dir, builtNow: !present };
}

/** Writes the .br/.gz copies unless every text asset already has fresh ones. */
async function ensurePrecompressed(dir, say) {
  const missing = [];
  const walk = async (d) => {
    for (const entry of await readdir(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (PRECOMPRESSED_TYPES.includes(extname(path)) && entry.name !== 'config.json') {
        const original = await stat(path);
        const copy = await stat(`${path}.br`).catch(() => null);
        if (!copy || copy.mtimeMs + 1 < original.mtimeMs) missing.push(path); // as serve-dist.mjs judges them
      }
    }
  };
  await walk(dir);
  if (missing.length) {
    say(`first-load: precompressing ${dir} (brotli 11, gzip -9; ${missing.length} files without a fresh .br)`);
    await precompress(dir);
  }
}

async function sizesOnDisk(dir) {
  const out = { raw: 0, br: 0, gz: 0, wasmRaw: 0 };
  const walk = async (d) => {
    for (const entry of await readdir(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (/\.(wasm|js|css)$/.test(entry.name)) {
        const size = (await stat(path)).size;
        out.raw += size;
        if (entry.name.endsWith('.wasm')) out.wasmRaw += size;
        out.br += (await stat(`${path}.br`).catch(() => ({ size }))).size;
        out.gz += (await stat(`${path}.gz`).catch(() => ({ size }))).size;
      }
    }
  };
  await walk(dir);
  return out;
}

/** One measured load: a fresh context, the profile applied, navigation → form → sign-in → table. */
async function oneRun({ browser, build, profile, backend }) {
  const context = await browser.newContext();
  try {
    context.setDefaultTimeout(30_000);
    await context.addInitScript(probe);
    const page = await context.newPage();
    const pageErrors = [];
    page.on('pageerror', (error) => pageErrors.push(String(error)));
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.clearBrowserCache');
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
    if (profile.conditions) await cdp.send('Network.emulateNetworkConditions', profile.conditions);

    // Every response: where from, its encoding, its bytes on the wire (headers included).
    const requests = new Map();
    let phase = 'load';
    cdp.on('Network.responseReceived', ({ requestId, response }) => {
      const headers = Object.fromEntries(Object.entries(response.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
      requests.set(requestId, { url: response.url, phase, encoding: headers['content-encoding'] ?? null, wire: 0 });
    });
    cdp.on('Network.loadingFinished', ({ requestId, encodedDataLength }) => {
      const r = requests.get(requestId);
      if (r) r.wire = encodedDataLength;
    });

    await page.goto(build.url, { waitUntil: 'commit', timeout: LOAD_TIMEOUT_MS });
    await page.waitForFunction(() => Boolean(window.__fl) && window.__fl.interactive !== null, null, { timeout: LOAD_TIMEOUT_MS, polling: 50 });
    const load = await page.evaluate(() => {
      const paint = Object.fromEntries(performance.getEntriesByType('paint').map((e) => [e.name, e.startTime]));
      const nav = performance.getEntriesByType('navigation')[0];
      const resources = performance.getEntriesByType('resource').map((e) => ({
        name: e.name,
        startTime: e.startTime,
        responseEnd: e.responseEnd,
        transferSize: e.transferSize,
        encodedBodySize: e.encodedBodySize,
        decodedBodySize: e.decodedBodySize,
      }));
      return { fl: { ...window.__fl }, paint, documentResponseEnd: nav?.responseEnd, domContentLoaded: nav?.domContentLoadedEventEnd, loadEvent: nav?.loadEventEnd, resources };
    });
    const wasm = load.resources.find((r) => r.name.endsWith('.wasm'));
    const css = load.resources.find((r) => r.name.endsWith('.css'));
    const origin = new URL(build.url).origin;
    const appResponses = [...requests.values()].filter((r) => r.url.startsWith(origin));
    const wasmResponse = appResponses.find((r) => r.url.endsWith('.wasm'));

    phase = 'sign-in';
    await byTestId(page, 'login-email').fill(EMAIL);
    await byTestId(page, 'login-password').fill(PASSWORD);
    await byTestId(page, 'login-submit').click();
    await page.waitForFunction(() => Boolean(window.__fl) && window.__fl.usable !== null, null, { timeout: TABLE_TIMEOUT_MS, polling: 50 });
    const fl = await page.evaluate(() => ({ ...window.__fl }));
    if (!(await byTestId(page, 'employee-row').count())) throw new Error('no employee rows after sign-in');
    const signInResponses = [...requests.values()].filter((r) => r.phase === 'sign-in');

    return {
      interactiveMs: load.fl.interactive,
      formInDomMs: load.fl.formInDom,
      firstPaintMs: load.paint['first-paint'] ?? null,
      firstContentfulPaintMs: load.paint['first-contentful-paint'] ?? null,
      documentResponseEndMs: load.documentResponseEnd,
      domContentLoadedMs: load.domContentLoaded,
      cssResponseEndMs: css?.responseEnd ?? null,
      wasmResponseEndMs: wasm?.responseEnd ?? null,
      wasmToInteractiveMs: wasm ? load.fl.interactive - wasm.responseEnd : null,
      wasmEncoding: wasmResponse?.encoding ?? null,
      wasmWireBytes: wasmResponse?.wire ?? null,
      appRequests: appResponses.length,
      // Text assets that came without a Content-Encoding (config.json is never precompressed).
      uncompressed: appResponses
        .filter((x) => !x.encoding && /\.(wasm|js|css|html)$|\/$/.test(new URL(x.url).pathname))
        .map((x) => new URL(x.url).pathname),
      appWireBytes: appResponses.reduce((n, r) => n + r.wire, 0),
      signInToTableMs: fl.usable - fl.click,
      signInToCityTabsMs: fl.cityTab === null ? null : fl.cityTab - fl.click,
      signInToRowsInDomMs: fl.rows === null ? null : fl.rows - fl.click,
      signInRequests: signInResponses.length,
      signInWireBytes: signInResponses.reduce((n, r) => n + r.wire, 0),
      pageErrors,
    };
  } finally {
    await context.close().catch(() => {});
  }
}

/**
 * Measures `runs` first loads per build and profile (plus one warm-up per build). Fills `into`
 * ({ builds, profiles, runs: [...], errors: [...] }); a failed run is recorded and the others go on.
 */
export async function firstLoadBench({ browser, runs = 5, into, say = console.log, currentDir = DIST, outerCleanup = null }) {
  const cleanup = new Cleanup();
  // The caller's teardown (a watchdog, a signal) also stops this bench's backend and servers.
  outerCleanup?.add(() => cleanup.run());
  into.runs = [];
  into.errors = [];
  into.goalInteractiveMs = GOAL_INTERACTIVE_MS;
  into.profiles = PROFILES;
  try {
    const builds = [{ key: 'current', label: 'the current build', dir: currentDir }];
    if (BASELINE !== 'none') {
      try {
        const started = Date.now();
        const baseline = await ensureBaseline({ say });
        into.baselineBuiltNowMs = baseline.builtNow ? Date.now() - started : null;
        builds.push({ key: 'baseline', label: `today's build (${BASELINE})`, dir: baseline.dir });
      } catch (error) {
        into.errors.push(`baseline ${BASELINE}: ${shortError(error)}`);
        say(`!! first-load: no baseline: ${shortError(error)}`);
      }
    }
    const backend = await Backend.start();
    cleanup.add(() => backend.destroy());
    const configJson = JSON.stringify({ supabaseUrl: backend.url, supabaseAnonKey: backend.anonKey });
    for (const build of builds) {
      await ensurePrecompressed(build.dir, say);
      build.sizes = await sizesOnDisk(build.dir);
      const server = await startServer({ dir: build.dir, port: 0, base: BASE_PATH, configJson, precompressed: true });
      cleanup.add(() => new Promise((r) => server.close(r)));
      build.url = `http://127.0.0.1:${server.address().port}${BASE_PATH}`;
    }
    into.builds = builds.map(({ key, label, dir, sizes }) => ({ key, label, dir, sizes }));

    for (const build of builds) {
      try {
        await oneRun({ browser, build, profile: PROFILES[PROFILES.length - 1], backend });
      } catch (error) {
        into.errors.push(`warm-up ${build.key}: ${shortError(error)}`);
      }
    }
    for (let run = 1; run <= runs; run += 1) {
      for (const profile of PROFILES) {
        for (const build of builds) {
          try {
            const r = await oneRun({ browser, build, profile, backend });
            into.runs.push({ build: build.key, profile: profile.name, run, ...r });
            say(
              `first-load ${profile.name}, ${build.key}, run ${run}: sign-in interactive ${ms(r.interactiveMs, 0)} (first paint ${ms(r.firstPaintMs, 0)}, wasm ${r.wasmEncoding ?? 'identity'} ${bytes(r.wasmWireBytes)}), ` +
                `sign-in → table ${ms(r.signInToTableMs, 0)}`,
            );
          } catch (error) {
            into.errors.push(`${profile.name}, ${build.key}, run ${run}: ${shortError(error)}`);
            say(`!! first-load ${profile.name}, ${build.key}, run ${run}: ${shortError(error)}`);
          }
        }
      }
    }
    if (!into.runs.length) throw new Error(into.errors[0] ?? 'no run');
  } finally {
    await cleanup.run();
  }
  return into;
}

/** The report section (run.mjs calls it with its own numbering). */
export function printFirstLoad(r, notMeasured, title = '10. First load: empty cache, slow 4G and unthrottled, current build vs today\'s') {
  console.log(heading(title));
  if (!r?.runs?.length) {
    console.log(notMeasured);
    return;
  }
  const hasBaseline = r.builds.some((b) => b.key === 'baseline');
  for (const b of r.builds) {
    console.log(
      `${b.key}: ${b.label}, ${b.dir.replace(`${ROOT}/`, '')}; wasm + JS + CSS ${bytes(b.sizes.raw)} raw, ${bytes(b.sizes.br)} brotli, ${bytes(b.sizes.gz)} gzip on disk` +
        (b.key === 'baseline' && r.baselineBuiltNowMs ? ` (built now in ${(r.baselineBuiltNowMs / 1000).toFixed(0)} s; reused next time)` : ''),
    );
  }
  for (const p of r.profiles) {
    const c = p.conditions;
    console.log(
      `\n${p.name}${c ? `: ${((c.downloadThroughput * 8) / 1e6).toFixed(2)} Mbps down (${c.downloadThroughput} B/s), ${((c.uploadThroughput * 8) / 1e3).toFixed(0)} kbps up, ${c.latency} ms added latency (CDP Network.emulateNetworkConditions)` : ': no shaping (127.0.0.1)'}; empty cache, cache disabled, fresh context each run`,
    );
    const of = (build, key) => r.runs.filter((x) => x.build === build && x.profile === p.name).map((x) => x[key]);
    const rows = [];
    const measure = (label, key, { digits = 0, format = (v) => ms(v, digits), each = true } = {}) => {
      const cur = median(of('current', key));
      const base = median(of('baseline', key));
      const list = (build) => of(build, key).map((v) => (Number.isFinite(v) ? Math.round(v) : 'n/a')).join(' / ');
      rows.push([
        label,
        of('current', key).length,
        format(cur),
        hasBaseline ? format(base) : '—',
        hasBaseline ? ratio(cur / base) : '—',
        each ? list('current') : '',
        each && hasBaseline ? list('baseline') : '',
      ]);
    };
    measure('navigation → sign-in form interactive', 'interactiveMs');
    measure('  navigation → first paint (loading page)', 'firstPaintMs');
    measure('  navigation → first contentful paint', 'firstContentfulPaintMs');
    measure('  navigation → index.html received', 'documentResponseEndMs');
    measure('  navigation → CSS received (render-blocking)', 'cssResponseEndMs');
    measure('  navigation → wasm received (responseEnd)', 'wasmResponseEndMs');
    measure('  wasm received → form interactive (compile, start, config, mount)', 'wasmToInteractiveMs');
    measure('sign-in click → first institution\'s table (rows, no overlay)', 'signInToTableMs');
    measure('  sign-in click → city tabs shown', 'signInToCityTabsMs');
    measure('app files on the wire (bytes, CDP)', 'appWireBytes', { format: (v) => bytes(v) });
    measure('sign-in → table, backend bytes on the wire', 'signInWireBytes', { format: (v) => bytes(v) });
    console.log(table(['measure', 'runs', 'current p50', "today's p50", "current / today's", 'each run, current (ms or B)', "each run, today's"], rows));
    const these = r.runs.filter((x) => x.profile === p.name);
    const encodings = [...new Set(these.map((x) => x.wasmEncoding ?? 'identity'))];
    const plain = [...new Set(these.flatMap((x) => x.uncompressed ?? []))];
    console.log(`wasm Content-Encoding received: ${encodings.join(', ')}; text files received uncompressed: ${plain.length ? plain.join(', ') : 'none'}`);
  }
  const slow = r.runs.filter((x) => x.profile === r.profiles[0].name && x.build === 'current').map((x) => x.interactiveMs);
  const p50 = median(slow);
  const base = median(r.runs.filter((x) => x.profile === r.profiles[0].name && x.build === 'baseline').map((x) => x.interactiveMs));
  console.log(
    `\ngoal: sign-in interactive ≤ ${(r.goalInteractiveMs / 1000).toFixed(0)} s on ${r.profiles[0].name}: ${p50 <= r.goalInteractiveMs ? 'MET' : 'NOT MET'} — ` +
      `current p50 ${ms(p50, 0)} (${slow.length} runs)${Number.isFinite(base) ? `, today's build ${ms(base, 0)}` : ''}`,
  );
  if (r.errors?.length) console.log(`runs that failed: ${r.errors.join('; ')}`);
}

/** What the numbers say is wrong. */
export function firstLoadFindings(r) {
  const findings = [];
  if (!r?.runs?.length) return findings;
  const slow = median(r.runs.filter((x) => x.profile === r.profiles[0].name && x.build === 'current').map((x) => x.interactiveMs));
  if (slow > r.goalInteractiveMs) findings.push(`first load: the sign-in form is interactive after ${ms(slow, 0)} (p50) on ${r.profiles[0].name}, more than the ${r.goalInteractiveMs / 1000} s goal`);
  const plain = r.runs.filter((x) => x.uncompressed?.length);
  if (plain.length) findings.push(`first load: ${plain.length} runs received text files uncompressed (no Content-Encoding): ${[...new Set(plain.flatMap((x) => x.uncompressed))].join(', ')}`);
  for (const x of r.runs) {
    if (x.pageErrors.length) findings.push(`first load ${x.profile}, ${x.build}, run ${x.run}: ${x.pageErrors.length} page errors (${x.pageErrors[0].slice(0, 120)})`);
  }
  if (r.errors?.length) findings.push(`first load: ${r.errors.length} runs failed (${r.errors[0]})`);
  return findings;
}

// Alone: node tests/e2e/bench/first-load.mjs
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const runs = Number(process.env.PUNCTAJ_BENCH_FIRST_LOAD_RUNS ?? 5);
  const started = Date.now();
  const say = (...parts) => console.log(`[bench +${((Date.now() - started) / 1000).toFixed(1)} s]`, ...parts);
  const outerCleanup = new Cleanup();
  const browser = await launchBrowser();
  outerCleanup.add(() => browser.close());
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.once(signal, async () => {
      await outerCleanup.run();
      process.exit(130);
    });
  }
  const into = {};
  let failed = null;
  try {
    const currentDir = process.env.PUNCTAJ_FIRST_LOAD_DIST ? resolve(process.env.PUNCTAJ_FIRST_LOAD_DIST) : DIST;
    await firstLoadBench({ browser, runs, into, say, currentDir, outerCleanup });
  } catch (error) {
    failed = error;
  } finally {
    await outerCleanup.run();
  }
  printFirstLoad(into, `NOT MEASURED: ${failed?.message ?? 'no data'}`);
  const findings = firstLoadFindings(into);
  if (findings.length) console.log(`\nfindings:\n${findings.map((f) => `- ${f}`).join('\n')}`);
  process.exit(failed || into.errors?.length ? 1 : 0);
}
