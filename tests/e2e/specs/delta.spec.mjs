// Delta and selective sync, end to end. A browser B that has a copy downloads only what changed
// (rpc/sync_delta), verifies it per scope and as a whole, and installs it; when the delta cannot be
// served, read or verified it falls back to a full download by itself and the sync log says why. A
// browser that keeps only some cities is not locked by changes elsewhere. The changes are made
// through the RPCs, as the signed-in accounts would make them (their own browsers are not the
// point here: sync.spec.mjs covers that path).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { byTestId, launchBrowser, openApp, signInThroughForm, startStack, waitFor } from '../lib/harness.mjs';

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

const VIEWER_ID = "md5('punctaj-demo-user-viewer')::uuid";

/** Signs `email` in on a fresh context and starts recording whether it ever shows the lock. */
async function client(app, cleanup, email) {
  const { context, page } = await openApp(browser, app.url);
  cleanup.add(() => context.close());
  await signInThroughForm(page, email);
  await watchLock(page);
  return page;
}

/** (Re)starts recording whether the page shows the lock overlay from now on. */
async function watchLock(page) {
  await page.evaluate(() => {
    window.__lockSeen = Boolean(document.querySelector('[data-testid="lock-overlay"]'));
    window.__lockObserver?.disconnect();
    window.__lockObserver = new MutationObserver(() => {
      if (document.querySelector('[data-testid="lock-overlay"]')) window.__lockSeen = true;
    });
    window.__lockObserver.observe(document.body, { childList: true, subtree: true });
  });
}

const lockSeen = (page) => page.evaluate(() => window.__lockSeen);
const overlay = (page) => byTestId(page, 'lock-overlay');
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Opens `city` / `institution` on the home page; waits for its rows unless `rows` is false. */
async function openInstitution(page, city, name, { rows = true } = {}) {
  const cityTab = page.locator(`[data-testid="city-tab"][data-name="${city}"]`);
  if ((await cityTab.count()) === 0) await byTestId(page, 'nav-home').click();
  await cityTab.click();
  await page.locator(`[data-testid="city-tab"][data-name="${city}"][aria-current="page"]`).waitFor();
  await page.locator(`[data-testid="institution-tab"][data-name="${name}"]`).click();
  await page.locator(`[data-testid="institution-tab"][data-name="${name}"][aria-current="page"]`).waitFor();
  if (rows) await byTestId(page, 'employee-row').first().waitFor();
}

const pointsIn = (page, id) =>
  page.locator(`[data-testid="employee-row"][data-employee-id="${id}"] [data-testid="employee-points"]`);

/** Clicks the lock's download button and waits until B is unlocked (fails on a download error). */
async function download(page) {
  await byTestId(page, 'download-sync').click();
  await page.waitForFunction(
    () => !document.querySelector('[data-testid="lock-overlay"]') || document.querySelector('[data-testid="sync-error"]'),
    null,
    { timeout: 40_000 },
  );
  const error = byTestId(page, 'sync-error');
  if (await error.count()) throw new Error(`the download failed: ${await error.textContent()}`);
}

/** The version and hash the page installed, as shown on its settings page. */
async function localStamp(page) {
  await byTestId(page, 'nav-settings').click();
  const hash = (await byTestId(page, 'local-hash').textContent()).trim();
  const version = Number(await byTestId(page, 'version-local').textContent());
  return { version, dataHash: hash };
}

/**
 * Records the page's requests to the backend (method, path, decoded URL, body) and the answers
 * of rpc/sync_delta, until stop().
 */
function record(page, backend) {
  const requests = [];
  const deltas = [];
  const onRequest = (request) => {
    if (!request.url().startsWith(backend.url)) return;
    const url = new URL(request.url());
    requests.push({
      method: request.method(),
      path: url.pathname,
      url: decodeURIComponent(request.url()),
      body: request.postData(),
    });
  };
  const onResponse = (response) => {
    if (response.request().method() === 'POST' && new URL(response.url()).pathname === '/rest/v1/rpc/sync_delta') {
      deltas.push(response.json().catch((error) => ({ unreadable: String(error) })));
    }
  };
  page.on('request', onRequest);
  page.on('response', onResponse);
  return {
    requests,
    async stop() {
      page.off('request', onRequest);
      page.off('response', onResponse);
      return { requests: [...requests], deltas: await Promise.all(deltas) };
    },
  };
}

const bodyOf = (request) => {
  try {
    return JSON.parse(request.body ?? 'null');
  } catch {
    return null;
  }
};
const isRpc = (request, name) => request.method === 'POST' && request.path === `/rest/v1/rpc/${name}`;
/** A read of the synced tables' live rows (the restore list's read of deleted rows is not one). */
const isTableRead = (request) =>
  request.method === 'GET' &&
  /^\/rest\/v1\/(cities|institutions|employees)$/.test(request.path) &&
  !request.url.includes('deleted_at=not.is.null');
const listPrefixes = (requests) =>
  requests
    .filter((r) => r.method === 'POST' && r.path === '/storage/v1/object/list/arhiva')
    .map((r) => bodyOf(r)?.prefix);
const archiveGets = (requests) =>
  requests.filter((r) => r.method === 'GET' && /^\/storage\/v1\/object\/(sign\/|authenticated\/|public\/)?arhiva\//.test(r.path));
const fullReadsFromZero = (requests) => requests.filter((r) => isRpc(r, 'sync_changes') && Number(bodyOf(r)?.p_since) === 0);
const describe = (requests) => requests.map((r) => `${r.method} ${r.url}${r.body ? ` ${r.body}` : ''}`).join('\n');

/** Asserts the recorded download was a delta: 1–2 rpc/sync_delta, no table read, no full read. */
function assertDelta(requests, what) {
  const deltas = requests.filter((r) => isRpc(r, 'sync_delta'));
  assert.ok(deltas.length >= 1 && deltas.length <= 2, `${what}: ${deltas.length} rpc/sync_delta\n${describe(requests)}`);
  assert.deepEqual(requests.filter(isTableRead).map((r) => r.url), [], `${what}: no table was read`);
  assert.deepEqual(fullReadsFromZero(requests).map((r) => r.body), [], `${what}: no rpc/sync_changes from 0`);
}

/** B's (the viewer's) download rows in sync_log, newest first. */
async function viewerDownloads(backend) {
  return JSON.parse(
    await backend.sql(`select coalesce(json_agg(l order by l.id desc), '[]') from (
      select id, status, mode, error_message from sync_log where sync_type = 'download' and user_id = ${VIEWER_ID}) l`),
  );
}

/** How many downloads the viewer has logged, once its sign-in download is among them. */
async function downloadsSoFar(backend) {
  return waitFor(async () => (await viewerDownloads(backend)).length, { timeout: 10_000, what: 'the sign-in download in sync_log' });
}

/** Waits until the viewer has logged `count` downloads; returns the newest. */
async function newestDownload(backend, count) {
  const rows = await waitFor(
    async () => {
      const rows = await viewerDownloads(backend);
      return rows.length >= count && rows;
    },
    { timeout: 10_000, what: `download #${count} in sync_log` },
  );
  assert.equal(rows.length, count, 'one sync_log row per download');
  return rows[0];
}

/** The settings page's newest sync_log row (of anyone's), once it has `mode`. */
async function newestLogRowShown(page, mode) {
  await byTestId(page, 'nav-settings').click();
  const row = byTestId(page, 'sync-log-row').first();
  await waitFor(async () => (await row.getAttribute('data-mode', { timeout: 500 })) === mode, {
    timeout: 10_000,
    what: `the settings page's newest sync-log row to be a ${mode} download`,
  });
  return { type: await row.getAttribute('data-type'), status: await row.getAttribute('data-status'), mode: await row.getAttribute('data-mode') };
}

const token = async (backend, email) => (await backend.signIn(email)).access_token;

async function changePoints(backend, as, institutionId, ids, delta) {
  const { status, body } = await backend.rpc('change_points', { p_institution_id: institutionId, p_employee_ids: ids, p_delta: delta }, as);
  assert.equal(status, 200, JSON.stringify(body));
}

const firstEmployee = (backend, institutionId, offset = 0) =>
  backend.sql(`select id from employees where institution_id = ${institutionId} and deleted_at is null order by id offset ${offset} limit 1`);
const pointsInCloud = async (backend, id) => Number(await backend.sql(`select punctaj from employees where id = '${id}'`));
const institutionId = async (backend, city, name) =>
  Number(await backend.sql(`select i.id from institutions i join cities c on c.id = i.city_id where c.name = '${city}' and i.name = '${name}' and i.deleted_at is null`));
const cityId = async (backend, name) => Number(await backend.sql(`select id from cities where name = '${name}' and deleted_at is null`));

// 1. -----------------------------------------------------------------------------------------------

test('one changed employee: B downloads a delta with just that row, lists only its city, and ends on the cloud hash', async (t) => {
  const { backend, app, cleanup } = await startStack(t);
  const b = await client(app, cleanup, 'viewer@punctaj.test');
  const politie = await institutionId(backend, 'BlackWater', 'Politie');
  const id = await firstEmployee(backend, politie);
  await openInstitution(b, 'BlackWater', 'Politie');
  const before = Number(await pointsIn(b, id).textContent());
  const logged = await downloadsSoFar(backend);

  await changePoints(backend, await token(backend, 'leader@punctaj.test'), politie, [id], 6);
  await overlay(b).waitFor({ timeout: 5_000 });
  const recorder = record(b, backend);
  await download(b);
  const { requests, deltas } = await recorder.stop();

  assertDelta(requests, 'the download after one change');
  const listed = listPrefixes(requests);
  assert.ok(listed.length >= 1, `the changed institution's folder is listed\n${describe(requests)}`);
  assert.deepEqual([...new Set(listed)], ['BlackWater'], 'only the changed institution\'s city folder is listed');
  assert.deepEqual(archiveGets(requests).map((r) => r.url), [], 'no archive is fetched: none is new');
  const employees = deltas.flatMap((delta) => delta.employees ?? []);
  assert.equal(employees.length, 1, `the delta holds one employee row: ${JSON.stringify(deltas)}`);
  assert.equal(employees[0].id, id);
  assert.equal(employees[0].punctaj, before + 6);
  assert.deepEqual(deltas.flatMap((delta) => delta.cities ?? []), [], 'no city changed');

  await waitFor(async () => Number(await pointsIn(b, id).textContent()) === before + 6, { what: 'the new points in B' });
  assert.deepEqual(await localStamp(b), await backend.cloudMeta(), "B's version and hash are the cloud's");
  const row = await newestDownload(backend, logged + 1);
  assert.deepEqual([row.status, row.mode, row.error_message], ['success', 'delta', null]);
  assert.deepEqual(await newestLogRowShown(b, 'delta'), { type: 'download', status: 'success', mode: 'delta' });
  assert.deepEqual(b.consoleErrors, []);
});

// 2. -----------------------------------------------------------------------------------------------

test('deleting and restoring an employee and an institution travel as deltas', async (t) => {
  const { backend, app, cleanup } = await startStack(t);
  const b = await client(app, cleanup, 'viewer@punctaj.test');
  const owner = await token(backend, 'owner@punctaj.test');
  const politie = await institutionId(backend, 'BlackWater', 'Politie');
  const medici = await institutionId(backend, 'BlackWater', 'Medici');
  const medics = Number(await backend.sql(`select count(*) from employees where institution_id = ${medici} and deleted_at is null`));
  const id = await firstEmployee(backend, politie);
  const points = await pointsInCloud(backend, id);
  let logged = await downloadsSoFar(backend);

  /** `change` in the cloud, then B's download: a delta, logged as one, ending on the cloud hash. */
  const deltaAfter = async (what, change) => {
    await change();
    await overlay(b).waitFor({ timeout: 5_000 });
    const recorder = record(b, backend);
    await download(b);
    const { requests } = await recorder.stop();
    assertDelta(requests, what);
    logged += 1;
    const row = await newestDownload(backend, logged);
    assert.deepEqual([row.status, row.mode], ['success', 'delta'], `${what}: logged as a delta`);
  };
  const checkStamp = async (what) => assert.deepEqual(await localStamp(b), await backend.cloudMeta(), `${what}: B is on the cloud hash`);

  await openInstitution(b, 'BlackWater', 'Politie');
  const rows = await byTestId(b, 'employee-row').count();
  await pointsIn(b, id).waitFor();

  await deltaAfter('delete an employee', async () => {
    const { status, body } = await backend.rpc('delete_employees', { p_employee_ids: [id] }, owner);
    assert.equal(status, 200, JSON.stringify(body));
  });
  await waitFor(async () => (await byTestId(b, 'employee-row').count()) === rows - 1, { what: 'the row gone in B' });
  assert.equal(await b.locator(`[data-testid="employee-row"][data-employee-id="${id}"]`).count(), 0);
  await checkStamp('deleted');

  await openInstitution(b, 'BlackWater', 'Politie');
  await deltaAfter('restore the employee', async () => {
    const { status, body } = await backend.rpc('restore_employees', { p_employee_ids: [id] }, owner);
    assert.equal(status, 200, JSON.stringify(body));
  });
  await waitFor(async () => (await pointsIn(b, id).count()) === 1, { what: 'the row back in B' });
  assert.equal(Number(await pointsIn(b, id).textContent()), points, 'with its points');
  assert.equal(await byTestId(b, 'employee-row').count(), rows);
  await checkStamp('restored');

  // A whole institution: its tab goes, then comes back with every member.
  await openInstitution(b, 'BlackWater', 'Politie');
  const medicTab = b.locator('[data-testid="institution-tab"][data-name="Medici"]');
  assert.equal(await medicTab.count(), 1);
  await deltaAfter('delete an institution', async () => {
    const { status, body } = await backend.rpc('delete_institution', { p_institution_id: medici }, owner);
    assert.equal(status, 200, JSON.stringify(body));
  });
  await waitFor(async () => (await medicTab.count()) === 0, { what: 'the Medici tab gone in B' });
  await checkStamp('institution deleted');

  await openInstitution(b, 'BlackWater', 'Politie');
  await deltaAfter('restore the institution', async () => {
    const { status, body } = await backend.rpc('restore_institution', { p_institution_id: medici }, owner);
    assert.equal(status, 200, JSON.stringify(body));
  });
  await medicTab.waitFor({ timeout: 5_000 });
  await openInstitution(b, 'BlackWater', 'Medici');
  assert.equal(await byTestId(b, 'employee-row').count(), medics, 'every member of the restored institution is back');
  await checkStamp('institution restored');
  assert.deepEqual(b.consoleErrors, []);
});

// 3. -----------------------------------------------------------------------------------------------

/** Changes one employee's punctaj inside the IndexedDB copy of the page (not in the cloud). */
async function corruptLocalCopy(page, employeeId, punctaj) {
  return page.evaluate(
    async ({ employeeId, punctaj }) => {
      const db = await new Promise((resolve, reject) => {
        const request = indexedDB.open('punctaj');
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
      try {
        const text = await new Promise((resolve, reject) => {
          const request = db.transaction('kv', 'readonly').objectStore('kv').get('copy');
          request.onsuccess = () => resolve(request.result);
          request.onerror = () => reject(request.error);
        });
        const copy = JSON.parse(text);
        const employee = copy.snapshot.employees.find((e) => e.id === employeeId);
        if (!employee) throw new Error(`employee ${employeeId} is not in the local copy`);
        const was = employee.punctaj;
        employee.punctaj = punctaj;
        await new Promise((resolve, reject) => {
          const transaction = db.transaction('kv', 'readwrite');
          transaction.objectStore('kv').put(JSON.stringify(copy), 'copy');
          transaction.oncomplete = () => resolve();
          transaction.onerror = () => reject(transaction.error);
          transaction.onabort = () => reject(transaction.error);
        });
        return was;
      } finally {
        db.close();
      }
    },
    { employeeId, punctaj },
  );
}

/** Records the fewest employee rows the page shows from now on, and whether the table ever went. */
async function watchTable(page) {
  await page.evaluate(() => {
    window.__fewestRows = Infinity;
    window.__tableGone = false;
    const look = () => {
      if (!document.querySelector('table.employee-table')) {
        window.__tableGone = true;
        return;
      }
      window.__fewestRows = Math.min(window.__fewestRows, document.querySelectorAll('[data-testid="employee-row"]').length);
    };
    look();
    window.__tableObserver?.disconnect();
    window.__tableObserver = new MutationObserver(look);
    window.__tableObserver.observe(document.body, { childList: true, subtree: true, characterData: true });
  });
}

test('a damaged local copy: the delta does not verify, B downloads everything by itself and loses nothing', async (t) => {
  const { backend, app, cleanup } = await startStack(t);
  const b = await client(app, cleanup, 'viewer@punctaj.test');
  const damaged = await institutionId(backend, 'Saint Denis', 'Politie');
  const changed = await institutionId(backend, 'BlackWater', 'Politie');
  const victim = await firstEmployee(backend, damaged);
  const truth = await pointsInCloud(backend, victim);
  const was = await corruptLocalCopy(b, victim, truth + 100);
  assert.equal(was, truth, 'the local copy held the cloud value');
  await b.reload();
  await byTestId(b, 'city-tab').first().waitFor();
  await b.waitForFunction(() => !document.querySelector('[data-testid="lock-overlay"]'), null, { timeout: 30_000 });
  await openInstitution(b, 'Saint Denis', 'Politie');
  const members = await byTestId(b, 'employee-row').count();
  const logged = await downloadsSoFar(backend);

  const id = await firstEmployee(backend, changed);
  await changePoints(backend, await token(backend, 'leader@punctaj.test'), changed, [id], 4);
  await overlay(b).waitFor({ timeout: 5_000 });
  await watchTable(b);
  const recorder = record(b, backend);
  await download(b);
  const { requests } = await recorder.stop();
  const { fewest, gone } = await b.evaluate(() => ({ fewest: window.__fewestRows, gone: window.__tableGone }));

  const firstDelta = requests.findIndex((r) => isRpc(r, 'sync_delta'));
  const firstTableRead = requests.findIndex(isTableRead);
  assert.ok(firstDelta >= 0, `a delta was asked for first\n${describe(requests)}`);
  assert.ok(firstTableRead > firstDelta, `then the tables were read\n${describe(requests)}`);
  assert.ok(fullReadsFromZero(requests).length >= 1, 'the full read asked for every scope (rpc/sync_changes from 0)');
  for (const table of ['cities', 'institutions', 'employees']) {
    assert.ok(requests.some((r) => isTableRead(r) && r.path === `/rest/v1/${table}`), `${table} were read`);
  }
  assert.equal(gone, false, 'the table stayed on screen during the download');
  assert.equal(fewest, members, 'B never showed fewer rows (never an empty table)');

  await waitFor(async () => Number(await pointsIn(b, victim).textContent()) === truth, { what: 'the correct value in B' });
  assert.deepEqual(await localStamp(b), await backend.cloudMeta(), "B is on the cloud's version and hash");
  const row = await newestDownload(backend, logged + 1);
  assert.equal(row.status, 'success');
  assert.equal(row.mode, 'full');
  assert.match(row.error_message ?? '', /^delta not used: .*delta/);
  assert.deepEqual(await newestLogRowShown(b, 'full'), { type: 'download', status: 'success', mode: 'full' });
  await openInstitution(b, 'BlackWater', 'Politie');
  assert.equal(Number(await pointsIn(b, id).textContent()), await pointsInCloud(backend, id), "A's change is in B too");
  assert.deepEqual(b.consoleErrors, []);
});

// 4. -----------------------------------------------------------------------------------------------

const scopeBox = (page, scope) => page.locator(`[data-testid="selective-scope"][data-scope="${scope}"]`);
const storedSelection = (page) => page.evaluate(() => JSON.parse(localStorage.getItem('punctaj.sync.selection') ?? 'null'));

test('a browser that keeps only Saint Denis: not locked by BlackWater, locked by Saint Denis and the structure', async (t) => {
  const { backend, app, cleanup } = await startStack(t);
  const b = await client(app, cleanup, 'viewer@punctaj.test');
  const [blackwater, saintDenis, valentine] = await Promise.all(['BlackWater', 'Saint Denis', 'Valentine'].map((name) => cityId(backend, name)));
  const sdInstitutions = (await backend.sql(`select id from institutions where city_id = ${saintDenis} and deleted_at is null order by id`))
    .split('\n').map(Number);
  let logged = await downloadsSoFar(backend);

  /** One tick of the chooser, then the download it starts (logged), then B unlocked. */
  const choose = async (scope, keep) => {
    const box = scopeBox(b, scope);
    await (keep ? box.check() : box.uncheck());
    logged += 1;
    const row = await newestDownload(backend, logged);
    assert.equal(row.status, 'success', `the download for ${scope}: ${row.error_message}`);
    await overlay(b).waitFor({ state: 'detached', timeout: 15_000 });
  };

  // (a) Everything is kept at first; unticking BlackWater keeps the other two, then Valentine.
  await byTestId(b, 'nav-settings').click();
  await byTestId(b, 'selective-sync').waitFor();
  assert.equal(await scopeBox(b, 'all').isChecked(), true, 'everything is kept by default');
  await choose(`city:${blackwater}`, false);
  assert.deepEqual(await storedSelection(b), { cities: [saintDenis, valentine], institutions: [] });
  await choose(`city:${valentine}`, false);
  assert.deepEqual(await storedSelection(b), { cities: [saintDenis], institutions: [] });

  await b.reload();
  await byTestId(b, 'selective-sync').waitFor();
  await b.waitForFunction(() => !document.querySelector('[data-testid="lock-overlay"]'), null, { timeout: 30_000 });
  assert.deepEqual(await storedSelection(b), { cities: [saintDenis], institutions: [] }, 'the choice survives a reload');
  assert.equal(await scopeBox(b, 'all').isChecked(), false);
  assert.equal(await scopeBox(b, `city:${saintDenis}`).isChecked(), true);
  assert.equal(await scopeBox(b, `city:${blackwater}`).isChecked(), false);
  assert.equal(await scopeBox(b, `city:${valentine}`).isChecked(), false);
  for (const id of sdInstitutions) assert.equal(await scopeBox(b, `institution:${id}`).isChecked(), true, `institution ${id} kept with its city`);
  await openInstitution(b, 'BlackWater', 'Politie', { rows: false });
  await byTestId(b, 'not-kept').waitFor();
  assert.equal(await byTestId(b, 'employee-row').count(), 0, 'no table for an institution not kept');
  await openInstitution(b, 'Saint Denis', 'Politie');

  // (e) A full download now (the copy forgotten) asks only for Saint Denis' employees.
  await byTestId(b, 'nav-settings').click();
  let recorder = record(b, backend);
  await byTestId(b, 'clear-local-copy').click();
  logged += 1;
  const full = await newestDownload(backend, logged);
  await overlay(b).waitFor({ state: 'detached', timeout: 30_000 });
  let { requests } = await recorder.stop();
  assert.deepEqual([full.status, full.mode], ['success', 'full']);
  const employeeReads = requests.filter((r) => isTableRead(r) && r.path === '/rest/v1/employees');
  assert.ok(employeeReads.length >= 1, `the employees were read\n${describe(requests)}`);
  for (const read of employeeReads) {
    const only = read.url.match(/institution_id=in\.\(([^)]*)\)/);
    assert.ok(only, `only some institutions' employees: ${read.url}`);
    assert.deepEqual(only[1].split(',').map(Number).sort((x, y) => x - y), sdInstitutions, read.url);
  }
  assert.deepEqual(await localStamp(b), await backend.cloudMeta(), 'the selective copy verifies against the cloud');

  // (b) Points in BlackWater: no lock, "changes elsewhere", the local version follows the cloud.
  const leader = await token(backend, 'leader@punctaj.test');
  const bwPolitie = await institutionId(backend, 'BlackWater', 'Politie');
  await openInstitution(b, 'BlackWater', 'Politie', { rows: false });
  await byTestId(b, 'not-kept').waitFor();
  await watchLock(b);
  recorder = record(b, backend);
  const started = Date.now();
  await changePoints(backend, leader, bwPolitie, [await firstEmployee(backend, bwPolitie)], 2);
  const cloud = await backend.cloudMeta();
  await byTestId(b, 'sync-elsewhere').waitFor({ timeout: 4_000 });
  await waitFor(async () => Number(await byTestId(b, 'version-local').textContent()) === cloud.version, {
    timeout: Math.max(100, 4_000 - (Date.now() - started)),
    what: "B's local version to follow the cloud's",
  });
  await sleep(Math.max(0, 4_000 - (Date.now() - started)));
  ({ requests } = await recorder.stop());
  assert.equal(await lockSeen(b), false, 'B never locked for a change it does not keep');
  assert.equal(await overlay(b).count(), 0);
  assert.equal(Number(await byTestId(b, 'version-local').textContent()), cloud.version);
  assert.equal(Number(await byTestId(b, 'version-cloud').textContent()), cloud.version);
  assert.ok(await byTestId(b, 'sync-elsewhere').isVisible(), 'the status says there were changes elsewhere');
  assert.deepEqual(requests.filter((r) => isRpc(r, 'sync_delta') || isTableRead(r)).map((r) => r.url), [], 'nothing was downloaded');
  assert.deepEqual(await localStamp(b), cloud, 'B holds the cloud version and hash without a download');

  // (c) Points in Saint Denis: B locks, and shows them after the download.
  const sdPolitie = await institutionId(backend, 'Saint Denis', 'Politie');
  const sdMember = await firstEmployee(backend, sdPolitie);
  await openInstitution(b, 'Saint Denis', 'Politie');
  const before = Number(await pointsIn(b, sdMember).textContent());
  await changePoints(backend, await token(backend, 'owner@punctaj.test'), sdPolitie, [sdMember], 9);
  await overlay(b).waitFor({ timeout: 5_000 });
  await download(b);
  await waitFor(async () => Number(await pointsIn(b, sdMember).textContent()) === before + 9, { what: 'the Saint Denis points in B' });
  await byTestId(b, 'sync-elsewhere').waitFor({ state: 'detached', timeout: 5_000 });
  assert.deepEqual(await localStamp(b), await backend.cloudMeta());

  // (d) The structure (a city B does not keep, renamed) locks B too.
  const rowVersion = Number(await backend.sql(`select row_version from cities where id = ${valentine}`));
  const renamed = await backend.rpc(
    'rename_city',
    { p_city_id: valentine, p_name: 'Valentine Nou', p_expected_version: rowVersion },
    await token(backend, 'owner@punctaj.test'),
  );
  assert.equal(renamed.status, 200, JSON.stringify(renamed.body));
  await overlay(b).waitFor({ timeout: 5_000 });
  await download(b);
  await byTestId(b, 'nav-home').click();
  await b.locator('[data-testid="city-tab"][data-name="Valentine Nou"]').waitFor({ timeout: 5_000 });
  assert.deepEqual(await localStamp(b), await backend.cloudMeta());
  assert.deepEqual(await storedSelection(b), { cities: [saintDenis], institutions: [] }, 'still only Saint Denis');
  assert.deepEqual(b.consoleErrors, []);
});

// 5. -----------------------------------------------------------------------------------------------

test('a delta B cannot read, or one whose version went backwards: B downloads everything and the log says why', async (t) => {
  const { backend, app, cleanup } = await startStack(t);
  const b = await client(app, cleanup, 'viewer@punctaj.test');
  const leader = await token(backend, 'leader@punctaj.test');
  const politie = await institutionId(backend, 'BlackWater', 'Politie');
  const id = await firstEmployee(backend, politie);
  const signature = 'public.sync_delta(jsonb)';
  const real = await backend.sql(`select pg_get_functiondef('${signature}'::regprocedure)`);
  const args = await backend.sql(`select pg_get_function_arguments('${signature}'::regprocedure)`);
  const result = await backend.sql(`select pg_get_function_result('${signature}'::regprocedure)`);
  const replace = (answer) =>
    backend.sql(`create or replace function public.sync_delta(${args}) returns ${result} language sql as $fake$ select ${answer} $fake$`);
  cleanup.add(() => backend.sql(real));
  await openInstitution(b, 'BlackWater', 'Politie');
  let logged = await downloadsSoFar(backend);

  /** A change, then B's download: returns its requests and its sync_log row. */
  const changeAndDownload = async (delta) => {
    await changePoints(backend, leader, politie, [id], delta);
    await overlay(b).waitFor({ timeout: 5_000 });
    const recorder = record(b, backend);
    await download(b);
    const { requests } = await recorder.stop();
    logged += 1;
    return { requests, row: await newestDownload(backend, logged) };
  };
  const expectFull = async ({ requests, row }, reason, what) => {
    assert.ok(requests.some((r) => isRpc(r, 'sync_delta')), `${what}: a delta was asked for\n${describe(requests)}`);
    assert.ok(requests.some((r) => isTableRead(r) && r.path === '/rest/v1/employees'), `${what}: then everything was read\n${describe(requests)}`);
    assert.equal(row.status, 'success', `${what}: ${row.error_message}`);
    assert.equal(row.mode, 'full', what);
    assert.match(row.error_message ?? '', /^delta not used: /, what);
    assert.match(row.error_message, reason, what);
    await waitFor(async () => Number(await pointsIn(b, id).textContent()) === (await pointsInCloud(backend, id)), { what: `${what}: the cloud's points in B` });
    assert.deepEqual(await localStamp(b), await backend.cloudMeta(), `${what}: B is on the cloud's version and hash`);
    await openInstitution(b, 'BlackWater', 'Politie');
  };

  // An employee without a uuid or an institution: not a delta the client can read.
  await replace(`'{"version": 999999999, "data_hash": "${'0'.repeat(64)}", "scopes": [], "employees": [{"id": 1}]}'::jsonb`);
  await expectFull(await changeAndDownload(3), /could not be read|invalid type|missing field/i, 'an unreadable delta');

  // A well-formed answer from a version before the one B holds.
  await replace(`jsonb_build_object('version', 1, 'data_hash', repeat('0', 64), 'delta_floor', 0, 'scopes', '[]'::jsonb)`);
  await expectFull(await changeAndDownload(5), /backwards/i, 'a delta from the past');

  // The real function again: the next download is a delta once more.
  await backend.sql(real);
  const { requests, row } = await changeAndDownload(1);
  assertDelta(requests, 'with the real sync_delta back');
  assert.deepEqual([row.status, row.mode], ['success', 'delta']);
  await waitFor(async () => Number(await pointsIn(b, id).textContent()) === (await pointsInCloud(backend, id)), { what: 'the points in B' });
  assert.deepEqual(await localStamp(b), await backend.cloudMeta());
  assert.deepEqual(b.consoleErrors, []);
});
