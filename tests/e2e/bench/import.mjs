// The import from the old desktop app (issue 11), measured in Chromium: a generated legacy folder
// the size of a large community (20 cities × 5 institutions × 60 members, 500 archives;
// lib/legacy-folder.mjs, made from the real files), on a FRESH copy of the demo database each
// run (its own local backend). Per run:
//   preview  = from setInputFiles(<folder>) on import-files until import-preview is visible (the
//              browser reads ~600 files, the app parses and compares them with its local copy);
//   import   = from the click on import-confirm until import-result is visible (500 archive
//              uploads to Storage, then the one import_legacy RPC, then the adoption of the change);
//   again    = the preview of the same folder once the cloud has it (every scope unchanged,
//              every archive present): the baseline the first preview is compared with.
// The import is split by the requests it made (Resource Timing from Playwright): the span of the
// Storage uploads and the RPC's own duration. The longest stall of the page's main thread during
// each preview is recorded too (a 50 ms timer in the page).
//
// Run by run.mjs (`make bench`), or alone: node tests/e2e/bench/import.mjs (needs what run.mjs
// needs: the database template, the backend binary, the app in target/e2e-dist).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Backend, Cleanup, PASSWORD, byTestId, launchBrowser, serveApp } from '../lib/harness.mjs';
import { LARGE, writeLargeFolder } from '../lib/legacy-folder.mjs';
import { bytes, heading, median, ms, ratio, table } from './stats.mjs';

const OWNER = 'owner@punctaj.test';
const PREVIEW_TIMEOUT_MS = 180_000;
const IMPORT_TIMEOUT_MS = 300_000;
const SIGN_IN_TIMEOUT_MS = 120_000;

const FIGURES = ['new-employees', 'changed-employees', 'unchanged-employees', 'new-archives', 'present-archives', 'problems', 'skipped'];

function stallProbe() {
  window.__importBench = { stall: 0 };
  let last = performance.now();
  setInterval(() => {
    const now = performance.now();
    window.__importBench.stall = Math.max(window.__importBench.stall, now - last - 50);
    last = now;
  }, 50);
}

const resetStall = (page) => page.evaluate(() => (window.__importBench.stall = 0));
const readStall = (page) => page.evaluate(() => window.__importBench.stall);

async function figures(page) {
  return byTestId(page, 'import-preview').evaluate(
    (el, names) => Object.fromEntries(names.map((n) => [n, el.hasAttribute(`data-${n}`) ? Number(el.getAttribute(`data-${n}`)) : null])),
    FIGURES,
  );
}

/** Waits (bounded) until the preview's figures include `want`; returns them either way. */
async function settledFigures(page, want, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let shown = await figures(page);
  while (Date.now() < deadline) {
    if (Object.entries(want).every(([k, v]) => shown[k] === v)) break;
    await page.waitForTimeout(50);
    shown = await figures(page);
  }
  return shown;
}

/** Picks the folder and times it until the preview is visible (choosing the server if asked). */
async function timedPreview(page, folder) {
  await byTestId(page, 'nav-import').click();
  const input = byTestId(page, 'import-files');
  await input.waitFor({ state: 'attached', timeout: 30_000 });
  await resetStall(page);
  const started = performance.now();
  await input.setInputFiles(folder.root);
  const filesSetMs = performance.now() - started;
  const preview = byTestId(page, 'import-preview');
  const server = byTestId(page, 'import-server');
  const deadline = Date.now() + PREVIEW_TIMEOUT_MS;
  while (!(await preview.isVisible())) {
    if (Date.now() > deadline) throw new Error(`no import-preview within ${PREVIEW_TIMEOUT_MS} ms`);
    if ((await server.isVisible()) && (await server.inputValue()) !== folder.server) await server.selectOption(folder.server);
    await page.waitForTimeout(10);
  }
  const previewMs = performance.now() - started;
  return { previewMs, filesSetMs, stallMs: await readStall(page) };
}

/** One run on a fresh database: preview, import, preview again. */
async function oneRun({ browser, folder, run, say }) {
  const cleanup = new Cleanup();
  try {
    const backend = await Backend.start({ jwtExpirySecs: 3 * 3600 });
    cleanup.add(() => backend.destroy());
    const app = await serveApp(backend);
    cleanup.add(() => app.close());
    const context = await browser.newContext();
    cleanup.add(() => context.close());
    context.setDefaultTimeout(30_000);
    await context.addInitScript(stallProbe);
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (error) => errors.push(String(error)));
    await page.goto(app.url, { timeout: 30_000 });
    await byTestId(page, 'login-email').fill(OWNER);
    await byTestId(page, 'login-password').fill(PASSWORD);
    await byTestId(page, 'login-submit').click();
    await byTestId(page, 'city-tab').first().waitFor({ timeout: SIGN_IN_TIMEOUT_MS });
    await page.waitForFunction(() => !document.querySelector('[data-testid="lock-overlay"]'), null, { timeout: SIGN_IN_TIMEOUT_MS });
    const versionBefore = (await backend.cloudMeta()).version;
    const objectsBefore = Number(await backend.sql("select count(*) from storage.objects where bucket_id = 'arhiva'"));

    // Preview of the folder against the demo data: everything new.
    const first = await timedPreview(page, folder);
    const want = { 'new-employees': folder.totals.newEmployees, 'new-archives': folder.totals.newArchives };
    const shown = await settledFigures(page, want, 10_000);
    for (const [k, v] of Object.entries(want)) {
      if (shown[k] !== v) throw new Error(`run ${run}: the preview shows ${k} = ${shown[k]}, the folder has ${v}`);
    }

    // Import: uploads + RPC, timed from the click to the result.
    const requests = [];
    const onFinished = (request) => {
      const url = request.url();
      if (!url.startsWith(backend.url)) return;
      const timing = request.timing();
      const size = request.postDataBuffer()?.length ?? 0;
      requests.push({ url, method: request.method(), start: timing.startTime, end: timing.startTime + timing.responseEnd, size });
    };
    page.on('requestfinished', onFinished);
    const clickedAtEpoch = Date.now();
    const started = performance.now();
    await byTestId(page, 'import-confirm').click();
    const ended = page.locator('[data-testid="import-result"], [data-testid="import-error"]').first();
    await ended.waitFor({ timeout: IMPORT_TIMEOUT_MS });
    const importMs = performance.now() - started;
    if ((await ended.getAttribute('data-testid')) === 'import-error') throw new Error(`run ${run}: the import failed: ${(await ended.textContent()).trim()}`);
    page.off('requestfinished', onFinished);
    const changed = await byTestId(page, 'import-result').getAttribute('data-changed');
    const versionAfter = (await backend.cloudMeta()).version;
    const objectsAfter = Number(await backend.sql("select count(*) from storage.objects where bucket_id = 'arhiva'"));
    const employees = Number(await backend.sql('select count(*) from employees where deleted_at is null'));
    if (changed !== 'true') throw new Error(`run ${run}: import-result data-changed = ${changed}`);
    if (objectsAfter - objectsBefore !== folder.totals.newArchives) throw new Error(`run ${run}: ${objectsAfter - objectsBefore} objects added, expected ${folder.totals.newArchives}`);
    const uploads = requests.filter((r) => /\/storage\/v1\/object\/arhiva\//.test(r.url) && ['POST', 'PUT'].includes(r.method));
    const rpc = requests.find((r) => /\/rest\/v1\/rpc\/import_legacy/.test(r.url));
    const span = (list) => (list.length ? Math.max(...list.map((r) => r.end)) - Math.min(...list.map((r) => r.start)) : NaN);
    const breakdown = {
      requests: requests.length,
      uploads: uploads.length,
      uploadBytes: uploads.reduce((n, r) => n + r.size, 0),
      uploadSpanMs: span(uploads),
      clickToFirstUploadMs: uploads.length ? Math.min(...uploads.map((r) => r.start)) - clickedAtEpoch : NaN,
      rpcMs: rpc ? rpc.end - rpc.start : NaN,
      rpcBytes: rpc?.size ?? NaN,
      rpcEndToResultMs: rpc ? clickedAtEpoch + importMs - rpc.end : NaN,
    };

    // The same folder again, against a cloud that has it: nothing to do.
    await byTestId(page, 'nav-home').click();
    const again = await timedPreview(page, folder);
    const againShown = await settledFigures(page, { 'new-employees': 0, 'changed-employees': 0, 'new-archives': 0 }, 10_000);
    const againDisabled = await byTestId(page, 'import-confirm').isDisabled();

    const result = {
      run,
      previewMs: first.previewMs,
      filesSetMs: first.filesSetMs,
      previewStallMs: first.stallMs,
      importMs,
      againMs: again.previewMs,
      againStallMs: again.stallMs,
      figures: shown,
      againFigures: againShown,
      againConfirmDisabled: againDisabled,
      versionBefore,
      versionAfter,
      employeesAfter: employees,
      pageErrors: errors,
      ...breakdown,
    };
    say(
      `import ${run}: preview ${ms(first.previewMs, 0)} (setInputFiles ${ms(first.filesSetMs, 0)}), import ${ms(importMs, 0)} ` +
        `(${uploads.length} uploads over ${ms(breakdown.uploadSpanMs, 0)}, RPC ${ms(breakdown.rpcMs, 0)}), again ${ms(again.previewMs, 0)}; v${versionBefore} → v${versionAfter}`,
    );
    return result;
  } finally {
    await cleanup.run();
  }
}

/**
 * Generates the large folder, then `runs` measured runs (each on a fresh database). Fills `into`
 * ({ folder, runs: [...], errors: [...] }); a failed run is recorded and the next one goes on.
 */
export async function importBench({ browser, runs = 3, into, say = console.log }) {
  const dir = await mkdtemp(join(tmpdir(), 'punctaj-import-bench-'));
  try {
    const generated = performance.now();
    const folder = await writeLargeFolder(join(dir, 'Punctaj Manager'));
    into.folder = {
      cities: LARGE.cities.length,
      institutions: folder.scopes.length,
      employees: folder.totals.newEmployees,
      archives: folder.archives.length,
      afterReset: folder.archives.filter((a) => a.afterReset).length,
      legacyLayout: folder.archives.filter((a) => !a.path.startsWith(`arhiva/${folder.server}/`)).length,
      auditEntries: folder.auditEntries,
      invites: folder.invites.length,
      files: folder.fileCount,
      bytes: folder.bytes,
      generatedMs: performance.now() - generated,
    };
    say(`import: generated the legacy folder (${folder.fileCount} files, ${bytes(folder.bytes)}) in ${ms(into.folder.generatedMs, 0)}`);
    into.runs = [];
    into.errors = [];
    for (let run = 1; run <= runs; run += 1) {
      try {
        into.runs.push(await oneRun({ browser, folder, run, say }));
      } catch (error) {
        const message = String(error?.message ?? error).split('\n').slice(0, 3).join(' ').slice(0, 400);
        into.errors.push(`run ${run}: ${message}`);
        say(`!! import run ${run}: ${message}`);
      }
    }
    if (!into.runs.length) throw new Error(into.errors[0] ?? 'no run');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return into;
}

/** The report section (run.mjs calls it with its own numbering). */
export function printImport(r, notMeasured, title = '9. Import from the desktop app: a LARGE legacy folder, fresh database each run') {
  console.log(heading(title));
  if (!r?.runs?.length) {
    console.log(notMeasured);
    return;
  }
  const f = r.folder;
  console.log(
    `folder: ${f.cities} cities × ${f.institutions / f.cities} institutions × ${f.employees / f.institutions} members = ${f.employees} members, ` +
      `${f.archives} archives (${f.afterReset} AFTER_RESET, ${f.legacyLayout} in the pre-server layout), ${f.auditEntries} audit entries, ${f.invites} accounts; ` +
      `${f.files} files, ${bytes(f.bytes)}`,
  );
  const runs = r.runs;
  const med = (key) => median(runs.map((x) => x[key]));
  const each = (key) => runs.map((x) => Math.round(x[key])).join(' / ');
  console.log(
    table(
      ['measure', 'runs', 'p50', 'each run (ms)'],
      [
        ['preview: setInputFiles → import-preview visible', runs.length, ms(med('previewMs'), 0), each('previewMs')],
        ['  of which setInputFiles (files handed to the page)', runs.length, ms(med('filesSetMs'), 0), each('filesSetMs')],
        ['  longest main-thread stall during the preview', runs.length, ms(med('previewStallMs'), 0), each('previewStallMs')],
        ['import: import-confirm click → import-result visible', runs.length, ms(med('importMs'), 0), each('importMs')],
        ['  click → first Storage upload starts', runs.length, ms(med('clickToFirstUploadMs'), 0), each('clickToFirstUploadMs')],
        ['  Storage uploads (first start → last end)', runs.length, ms(med('uploadSpanMs'), 0), each('uploadSpanMs')],
        ['  the import_legacy RPC (request → response)', runs.length, ms(med('rpcMs'), 0), each('rpcMs')],
        ['  RPC response → import-result (adopting the change)', runs.length, ms(med('rpcEndToResultMs'), 0), each('rpcEndToResultMs')],
        ['again: preview of the same folder, the cloud has it', runs.length, ms(med('againMs'), 0), each('againMs')],
      ],
    ),
  );
  const first = runs[0];
  console.log(
    `\nimport requests (median): ${Math.round(med('requests'))} to the backend, ${Math.round(med('uploads'))} uploads (${bytes(med('uploadBytes'))}), ` +
      `RPC payload ${bytes(med('rpcBytes'))}; version v${first.versionBefore} → v${first.versionAfter} (one import = one bump: ${runs.every((x) => x.versionAfter === x.versionBefore + 1) ? 'yes' : 'NO'}); ` +
      `preview again: ${JSON.stringify(first.againFigures)}, import-confirm ${first.againConfirmDisabled ? 'disabled' : 'ENABLED'}`,
  );
  console.log(
    `\n${table(
      ['ratio', 'value', 'meaning'],
      [
        ['preview / again', ratio(med('previewMs') / med('againMs')), 'first preview ÷ preview of the same folder once imported (same files read and parsed)'],
        ['import / preview', ratio(med('importMs') / med('previewMs')), 'writing everything ÷ reading everything'],
        ['uploads / import', ratio(med('uploadSpanMs') / med('importMs')), 'share of the import spent uploading archives'],
      ],
    )}`,
  );
  console.log(
    `per member: preview ${ms(med('previewMs') / f.employees, 3)}, import ${ms(med('importMs') / f.employees, 3)}; per archive upload ${ms(med('uploadSpanMs') / f.archives, 2)} (wall time over the span)`,
  );
  if (r.errors?.length) console.log(`runs that failed: ${r.errors.join('; ')}`);
}

/** What the numbers say is wrong. */
export function importFindings(r) {
  const findings = [];
  if (!r?.runs?.length) return findings;
  for (const x of r.runs) {
    if (x.versionAfter !== x.versionBefore + 1) findings.push(`import run ${x.run} moved the version by ${x.versionAfter - x.versionBefore} (expected exactly 1)`);
    if (!x.againConfirmDisabled) findings.push(`import run ${x.run}: the preview of an already imported folder still offers import-confirm`);
    if (x.againFigures['new-employees'] || x.againFigures['changed-employees'] || x.againFigures['new-archives']) {
      findings.push(`import run ${x.run}: the already imported folder still shows changes ${JSON.stringify(x.againFigures)}`);
    }
    if (x.previewStallMs > 1_000) findings.push(`import run ${x.run}: the page's main thread stalled ${Math.round(x.previewStallMs)} ms during the preview`);
    if (x.pageErrors.length) findings.push(`import run ${x.run}: ${x.pageErrors.length} page errors (${x.pageErrors[0].slice(0, 120)})`);
  }
  return findings;
}

// Alone: node tests/e2e/bench/import.mjs
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const runs = Number(process.env.PUNCTAJ_BENCH_IMPORT_RUNS ?? 3);
  const started = Date.now();
  const say = (...parts) => console.log(`[bench +${((Date.now() - started) / 1000).toFixed(1)} s]`, ...parts);
  const browser = await launchBrowser();
  const into = {};
  let failed = null;
  try {
    await importBench({ browser, runs, into, say });
  } catch (error) {
    failed = error;
  } finally {
    await browser.close();
  }
  printImport(into, `NOT MEASURED: ${failed?.message ?? 'no data'}`);
  const findings = importFindings(into);
  if (findings.length) console.log(`\nfindings:\n${findings.map((f) => `- ${f}`).join('\n')}`);
  process.exit(failed || into.errors?.length ? 1 : 0);
}
