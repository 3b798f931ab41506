// Import from the old desktop app (issue 11), end to end in Chromium: the owner picks the old
// app's folder, sees the preview, imports in one change, finds the members in the tables, the
// archives in the archive browser and in Storage, while another browser locks exactly once;
// importing the same folder again changes nothing. Hostile files are listed as problems and
// nothing is written. The folders are generated from the real legacy files
// (lib/legacy-folder.mjs), and every figure is asserted against what was generated.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { byTestId, launchBrowser, openApp, signInThroughForm, startStack, waitFor } from '../lib/harness.mjs';
import { FAKE_KEY, cloudSnapshotSql, sameName, writeHostileFolder, writeHostileZips, writeSmallFolder } from '../lib/legacy-folder.mjs';

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

const PREVIEW_TIMEOUT = 60_000;
const IMPORT_TIMEOUT = 90_000;
/** The longest the page's main thread may stall while it reads hostile files. */
const MAX_STALL_MS = 2_500;

// Helpers -----------------------------------------------------------------------------------------

/** A temporary directory, removed after the test. */
async function tempDir(cleanup, name) {
  const dir = await mkdtemp(join(tmpdir(), `punctaj-${name}-`));
  cleanup.add(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * A new browser session signed in as `email`. It counts how often the lock overlay appears
 * (`window.__locks`) and records every request it sends to the backend (`page.sent`).
 */
async function signedIn(app, cleanup, backend, email) {
  const { context, page } = await openApp(browser, app.url);
  cleanup.add(() => context.close());
  if (process.env.PUNCTAJ_E2E_CONSOLE) {
    page.on('console', (m) => ['error', 'warning'].includes(m.type()) && console.log(`[${email}] ${m.type()}: ${m.text()}`));
  }
  page.dialogs = 0;
  page.on('dialog', (dialog) => {
    page.dialogs += 1;
    dialog.dismiss().catch(() => {});
  });
  page.crashed = false;
  page.on('crash', () => (page.crashed = true));
  page.sent = [];
  page.on('request', (request) => {
    if (request.url().startsWith(backend.url)) page.sent.push({ method: request.method(), url: request.url(), body: request.postDataBuffer() });
  });
  await signInThroughForm(page, email);
  await page.evaluate(() => {
    window.__locks = 0;
    let present = false;
    new MutationObserver(() => {
      const now = !!document.querySelector('[data-testid="lock-overlay"]');
      if (now && !present) window.__locks += 1;
      present = now;
    }).observe(document.body, { childList: true, subtree: true });
  });
  return page;
}

const locks = (page) => page.evaluate(() => window.__locks);
const overlay = (page) => byTestId(page, 'lock-overlay');
const version = async (backend) => Number(await backend.sql("select version from public.sync_metadata where sync_key = 'global_version'"));
const storageNames = async (backend) => (await backend.sql("select name from storage.objects where bucket_id = 'arhiva' order by name")).split('\n').filter(Boolean);
const cloudSnapshot = async (backend) => JSON.parse(await backend.sql(cloudSnapshotSql));
/** A CSS attribute value in double quotes. */
const css = (value) => `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

async function openCity(page, name) {
  await page.locator(`[data-testid="city-tab"][data-name=${css(name)}]`).click();
  await page.locator(`[data-testid="city-tab"][data-name=${css(name)}][aria-current="page"]`).waitFor();
}

async function openInstitution(page, name) {
  await page.locator(`[data-testid="institution-tab"][data-name=${css(name)}]`).click();
  await page.locator(`[data-testid="institution-tab"][data-name=${css(name)}][aria-current="page"]`).waitFor();
}

/** The table row whose `column` cell reads exactly `text`. */
function rowWhere(page, column, text) {
  return page
    .locator('[data-testid="employee-row"]')
    .filter({ has: page.locator(`td[data-column=${css(column)}]`).getByText(text, { exact: true }) });
}

async function cellsOf(row) {
  return row.evaluate((tr) => Object.fromEntries([...tr.querySelectorAll('td[data-column]')].map((td) => [td.dataset.column, td.textContent])));
}

/** Opens the import page from the header. */
async function openImport(page) {
  await byTestId(page, 'nav-import').click();
  await byTestId(page, 'import-files').waitFor({ state: 'attached' });
  assert.equal(await byTestId(page, 'import-preview').count(), 0, 'the page starts without a preview');
}

/**
 * Picks `root` in the folder input. When the folder holds several servers, the preview waits for
 * the choice of `server` in import-server. Returns when import-preview is visible.
 */
async function pickFolder(page, expected) {
  await byTestId(page, 'import-files').setInputFiles(expected.root);
  if (expected.servers.length > 1) {
    const select = byTestId(page, 'import-server');
    await select.waitFor({ timeout: PREVIEW_TIMEOUT });
    const values = await select.locator('option').evaluateAll((options) => options.map((o) => o.value).filter(Boolean));
    assert.deepEqual([...values].sort(), expected.servers, 'every server of the folder is offered');
    await page.waitForTimeout(500);
    assert.equal(await byTestId(page, 'import-preview').count(), 0, 'no preview before the server is chosen');
    await select.selectOption(expected.server);
  }
  await byTestId(page, 'import-preview').waitFor({ timeout: PREVIEW_TIMEOUT });
}

const FIGURES = ['new-employees', 'changed-employees', 'unchanged-employees', 'new-archives', 'present-archives', 'problems', 'skipped'];

async function figures(page) {
  return byTestId(page, 'import-preview').evaluate(
    (el, names) => Object.fromEntries(names.map((name) => [name, el.hasAttribute(`data-${name}`) ? Number(el.getAttribute(`data-${name}`)) : null])),
    FIGURES,
  );
}

/** The preview's figures as the generator's `totals` name them (plus the problem count). */
const asFigures = (totals, problems) => ({
  'new-employees': totals.newEmployees,
  'changed-employees': totals.changedEmployees,
  'unchanged-employees': totals.unchangedEmployees,
  'new-archives': totals.newArchives,
  'present-archives': totals.presentArchives,
  problems,
});

/** Waits until the preview shows `want` (the preview may fill in as files are read), then asserts. */
async function expectFigures(page, want, what) {
  const pick = (all) => Object.fromEntries(Object.keys(want).map((k) => [k, all[k]]));
  await waitFor(async () => JSON.stringify(pick(await figures(page))) === JSON.stringify(want), { timeout: PREVIEW_TIMEOUT, what }).catch(() => {});
  assert.deepEqual(pick(await figures(page)), want, what);
}

async function scopesShown(page) {
  return byTestId(page, 'import-scope').evaluateAll((nodes) =>
    nodes.map((n) => ({
      city: n.dataset.city,
      institution: n.dataset.institution,
      status: n.dataset.status,
      new: Number(n.dataset.new),
      changed: Number(n.dataset.changed),
      unchanged: Number(n.dataset.unchanged),
    })),
  );
}

const byPlace = (a, b) => `${a.city}\u0000${a.institution}`.localeCompare(`${b.city}\u0000${b.institution}`);

/** The generator's scopes as the preview must show them. */
const scopeFigures = (scopes) =>
  scopes.map((s) => ({ city: s.city, institution: s.institution, status: s.status, new: s.new, changed: s.changed, unchanged: s.unchanged })).sort(byPlace);

async function problemsShown(page) {
  return byTestId(page, 'import-problem').evaluateAll((nodes) => nodes.map((n) => ({ path: n.dataset.path, text: n.textContent.trim() })));
}

async function skippedShown(page) {
  return byTestId(page, 'import-skipped').evaluateAll((nodes) => nodes.map((n) => n.dataset.path));
}

/** A problem's text must say why, beyond repeating the path. */
function assertReason(problem) {
  const reason = problem.text.replace(problem.path, '').trim();
  assert.ok(reason.length >= 5, `problem ${problem.path} gives a reason (shown: ${JSON.stringify(problem.text)})`);
}

/** The checkbox of one import-invite (the element itself, or the checkbox inside it). */
async function inviteBox(page, discordId) {
  const invite = page.locator(`[data-testid="import-invite"][data-discord-id=${css(discordId)}]`);
  const isInput = await invite.evaluate((el) => el.tagName === 'INPUT');
  return isInput ? invite : invite.locator('input[type="checkbox"]');
}

/** Records, in the page, every aria-valuenow import-progress shows (and its role). */
async function recordProgress(page) {
  await page.evaluate(() => {
    window.__progress = [];
    const look = () => {
      const el = document.querySelector('[data-testid="import-progress"]');
      if (!el) return;
      const value = el.getAttribute('aria-valuenow');
      const last = window.__progress[window.__progress.length - 1];
      if (!last || last.value !== value) window.__progress.push({ value, role: el.getAttribute('role') });
    };
    new MutationObserver(look).observe(document.body, { childList: true, subtree: true, attributes: true, attributeFilter: ['aria-valuenow'] });
  });
}

/** Measures, in the page, the longest stall of a 50 ms timer (a blocked main thread). */
async function watchStalls(page) {
  await page.evaluate(() => {
    window.__stall = 0;
    let last = performance.now();
    window.__stallTimer = setInterval(() => {
      const now = performance.now();
      window.__stall = Math.max(window.__stall, now - last - 50);
      last = now;
    }, 50);
  });
}

const stall = (page) => page.evaluate(() => window.__stall);

/** Requests that would write: Storage uploads and the import RPC. */
const writes = (page) =>
  page.sent.filter((r) => (/\/storage\/v1\/object\/arhiva\//.test(r.url) && ['POST', 'PUT'].includes(r.method)) || /\/rest\/v1\/rpc\/import_legacy/.test(r.url));

/** What the preview says, for failure messages. */
const previewText = (page) =>
  byTestId(page, 'import-preview')
    .evaluate((el) => el.innerText.replace(/\s+/g, ' ').slice(0, 1500))
    .catch((error) => `(no preview: ${error.message})`);

/** Waits for import-result; an import-error instead fails with its text. */
async function importResult(page) {
  const ended = page.locator('[data-testid="import-result"], [data-testid="import-error"]').first();
  await ended.waitFor({ timeout: IMPORT_TIMEOUT });
  if ((await ended.getAttribute('data-testid')) === 'import-error') assert.fail(`the import failed: ${(await ended.textContent()).trim()}`);
  return byTestId(page, 'import-result');
}

async function archivePaths(page) {
  return byTestId(page, 'archive-item').evaluateAll((items) => items.map((item) => item.dataset.path));
}

async function storedBytes(backend, key) {
  const response = await fetch(`${backend.url}/storage/v1/object/arhiva/${key.split('/').map(encodeURIComponent).join('/')}`, {
    headers: { apikey: backend.anonKey, authorization: `Bearer ${backend.serviceKey}` },
  });
  assert.equal(response.status, 200, `${key} is in Storage`);
  return Buffer.from(await response.arrayBuffer());
}

// 1. Who may import -------------------------------------------------------------------------------

test('only owners and admins are offered the import; others get a refusal at /import', async (t) => {
  const { backend, app, cleanup } = await startStack(t);
  for (const email of ['owner@punctaj.test', 'admin@punctaj.test']) {
    const page = await signedIn(app, cleanup, backend, email);
    await openImport(page);
    assert.equal(await byTestId(page, 'import-files').getAttribute('type'), 'file');
    assert.notEqual(await byTestId(page, 'import-files').getAttribute('webkitdirectory'), null, 'the input picks a folder');
    assert.equal(await byTestId(page, 'import-loose-files').getAttribute('type'), 'file');
    assert.deepEqual(page.consoleErrors, [], email);
  }
  for (const email of ['leader@punctaj.test', 'member@punctaj.test', 'viewer@punctaj.test']) {
    const page = await signedIn(app, cleanup, backend, email);
    await byTestId(page, 'nav-home').waitFor();
    assert.equal(await byTestId(page, 'nav-import').count(), 0, `${email} is not offered the import`);
    await page.goto(new URL('import', app.url).href);
    await byTestId(page, 'nav-home').waitFor();
    await page.waitForFunction(() => !document.querySelector('[data-testid="lock-overlay"]'), null, { timeout: 30_000 });
    await page.locator('[data-testid="import-refused"], p.notice').first().waitFor();
    assert.equal(await byTestId(page, 'import-files').count(), 0, `${email} gets no file input`);
    assert.equal(await byTestId(page, 'import-loose-files').count(), 0);
    assert.equal(await byTestId(page, 'import-confirm').count(), 0);
    assert.equal(await byTestId(page, 'nav-import').count(), 0);
    assert.deepEqual(page.consoleErrors, [], email);
  }
});

// 2. The import -----------------------------------------------------------------------------------

test('the owner imports the old folder in one change, another browser locks once, and a second import changes nothing', async (t) => {
  const { backend, app, cleanup } = await startStack(t);
  const cloud = await cloudSnapshot(backend);
  const expected = await writeSmallFolder(join(await tempDir(cleanup, 'import'), 'Punctaj Manager'), { cloud });
  const other = await signedIn(app, cleanup, backend, 'admin@punctaj.test');
  const page = await signedIn(app, cleanup, backend, 'owner@punctaj.test');
  const versionBefore = await version(backend);
  const objectsBefore = await storageNames(backend);
  const citiesBefore = Number(await backend.sql('select count(*) from cities where deleted_at is null'));

  // The preview: it waits for the server, then says what is new, changed and unchanged.
  await openImport(page);
  await pickFolder(page, expected);
  assert.equal(await byTestId(page, 'import-timezone').inputValue(), expected.timeZone);
  await expectFigures(page, asFigures(expected.totals, expected.problems.length), 'the preview figures');
  assert.deepEqual((await scopesShown(page)).sort(byPlace), scopeFigures(expected.scopes), 'one import-scope per city/institution');
  const problems = await problemsShown(page);
  assert.deepEqual(problems.map((p) => p.path).sort(), expected.problems.map((p) => p.path).sort(), 'the problems, by their path in the folder');
  problems.forEach(assertReason);
  const skipped = await skippedShown(page);
  for (const path of expected.skipped) assert.ok(skipped.includes(path), `${path} is listed as skipped (shown: ${skipped.join(', ')})`);
  assert.equal((await figures(page)).skipped, skipped.length, 'data-skipped counts the import-skipped items');
  // The hostile institution name is text, nowhere markup.
  assert.equal(await byTestId(page, 'import-preview').locator('img, script').count(), 0, 'no markup from names');

  // Invites: one per account of users_permissions.json, ticked; one is left out.
  const invites = await byTestId(page, 'import-invite').evaluateAll((nodes) => nodes.map((n) => n.dataset.discordId));
  assert.deepEqual([...invites].sort(), expected.invites.map((i) => i.discordId).sort());
  for (const { discordId } of expected.invites) assert.ok(await (await inviteBox(page, discordId)).isChecked(), `${discordId} is offered ticked`);
  const leftOut = expected.invites.at(-1).discordId;
  await (await inviteBox(page, leftOut)).uncheck();

  // Import: progress, then the result; exactly one version bump.
  const confirm = byTestId(page, 'import-confirm');
  assert.ok(await confirm.isEnabled());
  await recordProgress(page);
  await confirm.click();
  const result = await importResult(page);
  assert.equal(await result.getAttribute('data-changed'), 'true');
  assert.ok((await result.textContent()).trim().length > 0, 'the result says what was imported');
  const progress = await page.evaluate(() => window.__progress);
  assert.ok(progress.length >= 1, 'import-progress was shown');
  for (const { value, role } of progress) {
    assert.equal(role, 'progressbar');
    if (value !== null) assert.ok(Number(value) >= 0 && Number(value) <= 100, `aria-valuenow ${value} is within 0–100`);
  }
  const values = progress.map((p) => Number(p.value)).filter(Number.isFinite);
  assert.deepEqual(values, [...values].sort((a, b) => a - b), 'the progress never goes back');
  assert.equal(await version(backend), versionBefore + 1, 'one version bump for the whole import');

  // What was sent: one RPC with the chosen server, zone, invites, audit and archives (contract).
  const rpcs = page.sent.filter((r) => /\/rest\/v1\/rpc\/import_legacy/.test(r.url));
  assert.equal(rpcs.length, 1, 'one import_legacy call');
  const body = JSON.parse(rpcs[0].body.toString('utf8'));
  const payload = body.p_payload ?? body;
  assert.equal(payload.server, expected.server);
  assert.equal(payload.time_zone, expected.timeZone);
  assert.deepEqual(payload.invites.map((i) => i.discord_id).sort(), expected.invites.map((i) => i.discordId).filter((id) => id !== leftOut).sort(), 'the unticked account is not invited');
  assert.equal(payload.audit.length, expected.auditEntries, 'every audit_logs.json entry, once (not again from the backups)');
  const newKeys = expected.archives.filter((a) => !a.present).map((a) => a.key).sort();
  assert.deepEqual(payload.archives.map((a) => a.object_path).sort(), newKeys);
  for (const request of page.sent) {
    assert.ok(!(request.body ?? Buffer.alloc(0)).includes(FAKE_KEY), `the .encryption_key never leaves the disk (${request.method} ${request.url})`);
  }

  // Storage: every archive under its key, byte for byte the legacy file.
  const objectsAfter = await storageNames(backend);
  assert.equal(objectsAfter.length, objectsBefore.length + newKeys.length);
  for (const archive of expected.archives) {
    assert.ok(objectsAfter.includes(archive.key), `${archive.key} is in bucket arhiva`);
    assert.ok((await storedBytes(backend, archive.key)).equals(await readFile(join(expected.root, ...archive.path.split('/')))), `${archive.key} is the legacy file as it was`);
  }

  // The database: one new city, no duplicate of the matched ones, nothing from the problem files.
  assert.equal(Number(await backend.sql('select count(*) from cities where deleted_at is null')), citiesBefore + new Set(expected.scopes.filter((s) => s.status === 'new' && !cloud.institutions.some((i) => sameName(i.city, s.city))).map((s) => s.city)).size);
  for (const problem of expected.problems) {
    const found = await backend.sql(`select count(*) from institutions i join cities c on c.id = i.city_id where c.name = '${problem.city.replaceAll("'", "''")}' and i.name = '${problem.institution.replaceAll("'", "''")}'`);
    assert.equal(found, '0', `nothing of ${problem.path} was written`);
  }

  // The other browser locks once; this one never.
  await overlay(other).waitFor({ timeout: 10_000 });
  await byTestId(other, 'download-sync').click();
  await overlay(other).waitFor({ state: 'detached', timeout: 30_000 });
  await other.waitForTimeout(2_500);
  assert.equal(await locks(other), 1, 'the other browser locked exactly once');
  assert.equal(await locks(page), 0, 'the importing browser never locked on its own change');
  await other.locator(`[data-testid="city-tab"][data-name=${css('Rhodes')}]`).waitFor();

  // The tables show the imported members.
  await byTestId(page, 'nav-home').click();
  for (const scope of expected.scopes) {
    await openCity(page, scope.city);
    await openInstitution(page, scope.institution);
    const theirs = cloud.institutions.find((i) => sameName(i.city, scope.city) && sameName(i.institution, scope.institution));
    const count = (theirs?.employees.length ?? 0) + scope.new;
    await waitFor(async () => (await byTestId(page, 'employee-row').count()) === count, { what: `${count} members in ${scope.city}/${scope.institution}` });
    for (const row of scope.rows) {
      const shown = rowWhere(page, 'DISCORD', row.DISCORD);
      await waitFor(async () => (await cellsOf(shown)).PUNCTAJ === row.PUNCTAJ, { what: `${row.DISCORD}'s points in ${scope.city}/${scope.institution}` });
      const cells = await cellsOf(shown);
      assert.deepEqual({ RANK: cells.RANK, ROLE: cells.ROLE, PUNCTAJ: cells.PUNCTAJ }, { RANK: row.RANK, ROLE: row.ROLE, PUNCTAJ: row.PUNCTAJ }, `${row.DISCORD} in ${scope.city}/${scope.institution}`);
    }
  }
  assert.equal(page.dialogs, 0, 'no script from a name ran');

  // The archive browser: the imported archives, AFTER_RESET ones only when asked for.
  await byTestId(page, 'nav-archive').click();
  const pre = expected.archives.filter((a) => !a.afterReset).map((a) => a.key);
  const afterReset = expected.archives.filter((a) => a.afterReset).map((a) => a.key);
  const shows = async (keys) => {
    const paths = await archivePaths(page);
    return keys.every((key) => paths.includes(key));
  };
  await waitFor(() => shows(pre), { timeout: 20_000, what: 'the imported archives in the archive browser' });
  assert.ok((await archivePaths(page)).every((p) => !afterReset.includes(p)), 'AFTER_RESET snapshots are hidden by default');
  await byTestId(page, 'archive-show-after-reset').check();
  await waitFor(() => shows([...pre, ...afterReset]), { what: 'the AFTER_RESET snapshots beside the others' });
  await byTestId(page, 'archive-show-after-reset').uncheck();

  // Members: the accepted accounts wait as invited (their roles come with their first Discord
  // sign-in); the unticked one is not there.
  await byTestId(page, 'nav-members').click();
  const invitedShown = async () =>
    (await byTestId(page, 'member-invite').evaluateAll((nodes) => nodes.map((n) => n.dataset.discordId))).sort();
  const invitedWanted = expected.invites.map((i) => i.discordId).filter((id) => id !== leftOut).sort();
  await waitFor(async () => JSON.stringify(await invitedShown()) === JSON.stringify(invitedWanted), { what: 'the invited accounts in Members' });

  // The audit viewer: the old app's history, marked as such, beside the import's own entry.
  await byTestId(page, 'nav-audit').click();
  await waitFor(async () => (await page.locator('[data-testid="audit-row"][data-legacy="true"]').count()) > 0, { what: 'legacy history in the audit viewer' });
  await waitFor(async () => (await page.locator('[data-testid="audit-row"][data-action="import_legacy"]').count()) === 1, { what: 'one audit entry for the import' });

  // The same folder again: nothing new, nothing changed, nothing to confirm, no bump.
  await openImport(page);
  page.sent.length = 0;
  await pickFolder(page, expected);
  await expectFigures(page, asFigures(expected.again.totals, expected.problems.length), 'the preview of the same folder again');
  assert.deepEqual((await scopesShown(page)).sort(byPlace), scopeFigures(expected.again.scopes), 'every scope unchanged');
  // The account left out the first time may be offered again: the user leaves it out again. The
  // others are invited already, which is nothing to import.
  if (await (await inviteBox(page, leftOut)).isChecked()) await (await inviteBox(page, leftOut)).uncheck();
  assert.ok(await byTestId(page, 'import-confirm').isDisabled(), `nothing to import (the page says: ${await previewText(page)})`);
  await page.waitForTimeout(2_000);
  assert.equal(await version(backend), versionBefore + 1, 'no bump');
  assert.deepEqual(await storageNames(backend), objectsAfter, 'no object added');
  assert.deepEqual(writes(page), [], 'nothing was sent');
  assert.equal(await locks(other), 1, 'the other browser did not lock again');
  assert.deepEqual([...page.consoleErrors, ...other.consoleErrors], []);
});

// 3. Hostile files ----------------------------------------------------------------------------------

/** Asserts that nothing of the import was written and the page still works. */
async function assertNothingWritten(page, backend, { versionBefore, objectsBefore }) {
  assert.ok(await byTestId(page, 'import-confirm').isDisabled(), 'nothing to import');
  await page.waitForTimeout(1_000);
  assert.deepEqual(writes(page), [], 'no upload, no import RPC');
  assert.equal(await version(backend), versionBefore, 'no version bump');
  assert.deepEqual(await storageNames(backend), objectsBefore, 'no object added');
  assert.equal(page.crashed, false, 'the page did not crash');
  assert.ok((await stall(page)) < MAX_STALL_MS, `the page stayed responsive (longest stall ${Math.round(await stall(page))} ms)`);
  assert.equal(page.dialogs, 0, 'no script from a name ran');
  assert.equal(await byTestId(page, 'import-preview').locator('img, script').count(), 0, 'no markup from names');
  await byTestId(page, 'nav-home').click();
  await byTestId(page, 'city-tab').first().waitFor({ timeout: 5_000 });
}

test('a folder of hostile files: each is a problem with its path and reason, and nothing is written', async (t) => {
  const { backend, app, cleanup } = await startStack(t);
  const hostile = await writeHostileFolder(join(await tempDir(cleanup, 'hostile'), 'hostile'));
  const page = await signedIn(app, cleanup, backend, 'owner@punctaj.test');
  const before = { versionBefore: await version(backend), objectsBefore: await storageNames(backend) };
  await openImport(page);
  await watchStalls(page);
  await pickFolder(page, { root: hostile.root, servers: [hostile.server], server: hostile.server });
  await waitFor(async () => (await byTestId(page, 'import-problem').count()) === hostile.problems.length, { timeout: PREVIEW_TIMEOUT, what: `${hostile.problems.length} problems` }).catch(() => {});
  const problems = await problemsShown(page);
  assert.deepEqual(problems.map((p) => p.path).sort(), hostile.problems.map((p) => p.path).sort(), 'every hostile file is a problem, by its path');
  problems.forEach(assertReason);
  await expectFigures(page, { 'new-employees': 0, 'changed-employees': 0, 'new-archives': 0, problems: hostile.problems.length }, 'nothing to import');
  assert.equal(await byTestId(page, 'import-scope').count(), 0);
  await assertNothingWritten(page, backend, before);
  assert.deepEqual(page.consoleErrors, []);
});

test('zips with path traversal and a zip bomb are refused, and nothing is written', async (t) => {
  const { backend, app, cleanup } = await startStack(t);
  const { files, zips } = await writeHostileZips(await tempDir(cleanup, 'zips'));
  const page = await signedIn(app, cleanup, backend, 'owner@punctaj.test');
  const before = { versionBefore: await version(backend), objectsBefore: await storageNames(backend) };
  await openImport(page);
  await watchStalls(page);
  await byTestId(page, 'import-loose-files').setInputFiles(files);
  await byTestId(page, 'import-preview').waitFor({ timeout: PREVIEW_TIMEOUT });
  // Every dangerous entry is covered by a problem: its own, or its whole zip's.
  const covered = (problems, zip, entry) => problems.some((p) => p.path.includes(zip.marker(entry)) || p.path.endsWith(zip.name));
  await waitFor(async () => {
    const problems = await problemsShown(page);
    return zips.every((zip) => zip.entries.every((entry) => covered(problems, zip, entry)));
  }, { timeout: PREVIEW_TIMEOUT, what: 'a problem for every hostile zip entry' }).catch(() => {});
  const problems = await problemsShown(page);
  for (const zip of zips) {
    for (const entry of zip.entries) assert.ok(covered(problems, zip, entry), `${zip.name}: ${entry} is refused (problems: ${problems.map((p) => p.path).join(', ')})`);
  }
  problems.forEach(assertReason);
  await expectFigures(page, { 'new-employees': 0, 'changed-employees': 0, 'unchanged-employees': 0, 'new-archives': 0 }, 'nothing to import from hostile zips');
  assert.equal(await byTestId(page, 'import-scope').count(), 0, 'no institution comes out of a hostile zip');
  await assertNothingWritten(page, backend, before);
  assert.deepEqual(page.consoleErrors, []);
});
