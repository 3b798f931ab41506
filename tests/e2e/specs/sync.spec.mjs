// Forced cloud synchronisation, end to end: two independent browser sessions A and B on the same
// backend. A changes something; B must lock within about a second, stay locked (nothing else
// usable), and unlock only after downloading verified data.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { gunzipSync, gzipSync } from 'node:zlib';
import { byTestId, launchBrowser, openApp, signInThroughForm, startStack, waitFor } from '../lib/harness.mjs';

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

/** Signs `email` in on a fresh context and starts recording whether it ever shows the lock. */
async function client(app, cleanup, email) {
  const { context, page } = await openApp(browser, app.url);
  cleanup.add(() => context.close());
  await signInThroughForm(page, email);
  await page.evaluate(() => {
    window.__lockSeen = false;
    new MutationObserver(() => {
      if (document.querySelector('[data-testid="lock-overlay"]')) window.__lockSeen = true;
    }).observe(document.body, { childList: true, subtree: true });
  });
  return page;
}

const lockSeen = (page) => page.evaluate(() => window.__lockSeen);
const overlay = (page) => byTestId(page, 'lock-overlay');

async function openInstitution(page, name) {
  await page.locator(`[data-testid="institution-tab"][data-name="${name}"]`).click();
  await page.locator(`[data-testid="institution-tab"][data-name="${name}"][aria-current="page"]`).waitFor();
  await byTestId(page, 'employee-row').first().waitFor();
}

async function forceSync(page) {
  await byTestId(page, 'nav-settings').click();
  await byTestId(page, 'force-sync').click();
  await byTestId(page, 'force-sync-confirm').click();
  await page.locator('[data-testid="toast"][data-kind="success"]').first().waitFor();
}

/** Downloads in B and waits until it is unlocked. Returns the progress values seen. */
async function download(page) {
  const seen = [];
  const watcher = setInterval(async () => {
    const value = await byTestId(page, 'sync-progress').getAttribute('aria-valuenow', { timeout: 100 }).catch(() => null);
    if (value !== null) seen.push(Number(value));
  }, 25);
  try {
    await byTestId(page, 'download-sync').click();
    await byTestId(page, 'sync-progress').and(page.locator('[aria-valuenow="100"]')).waitFor({ timeout: 30_000 });
    seen.push(100);
    await overlay(page).waitFor({ state: 'detached', timeout: 10_000 });
  } finally {
    clearInterval(watcher);
  }
  return seen;
}

/** The version and hash B installed, as shown on its settings page. */
async function localStamp(page) {
  await byTestId(page, 'nav-settings').click();
  const hash = (await byTestId(page, 'local-hash').textContent()).trim();
  const version = Number(await byTestId(page, 'version-local').textContent());
  return { version, dataHash: hash };
}

test('A forces a sync: B locks within 2 s, only the download works, then B has the cloud data', async (t) => {
  const { backend, app, cleanup } = await startStack(t);
  const a = await client(app, cleanup, 'owner@punctaj.test');
  const b = await client(app, cleanup, 'member@punctaj.test');
  await openInstitution(b, 'Politie');
  const urlBefore = b.url();

  const started = Date.now();
  await forceSync(a);
  await overlay(b).waitFor({ timeout: 5_000 });
  const lockedAfter = Date.now() - started;
  assert.ok(lockedAfter <= 2_000 + 1_000, `B locked ${lockedAfter} ms after the force (toast included)`);
  assert.equal(await byTestId(b, 'sync-status').getAttribute('data-state'), 'locked');

  // Nothing but the download: clicks land on the overlay, keys reach nothing behind it, and the
  // keyboard focus is on the download button and cannot leave it.
  const nav = await byTestId(b, 'nav-archive').boundingBox();
  await b.mouse.click(nav.x + nav.width / 2, nav.y + nav.height / 2);
  const search = await byTestId(b, 'search-input').boundingBox();
  await b.mouse.click(search.x + 5, search.y + 5);
  await b.keyboard.type('abc/');
  await b.keyboard.press('Escape');
  assert.equal(b.url(), urlBefore, 'no navigation happened');
  assert.equal(await byTestId(b, 'search-input').inputValue(), '', 'nothing was typed into the page');
  for (let i = 0; i < 3; i += 1) {
    await b.keyboard.press('Tab');
    const focused = await b.evaluate(() => document.activeElement?.dataset?.testid ?? document.activeElement?.tagName);
    assert.ok(['download-sync', 'BODY'].includes(focused), `Tab reached ${focused}`);
  }
  const usable = await b.evaluate(() =>
    [...document.querySelectorAll('button, input, select, a[href], textarea')]
      .filter((element) => !element.closest('[inert]') && !element.disabled)
      .map((element) => element.dataset.testid ?? element.tagName),
  );
  assert.deepEqual(usable, ['download-sync'], 'only the download button is usable');
  assert.match(await overlay(b).textContent(), /Au apărut modificări în cloud!/);

  const progress = await download(b);
  assert.ok(progress.includes(100), 'the progress bar reached 100');
  assert.deepEqual([...progress].sort((x, y) => x - y), progress, 'progress only moves forward');
  const cloud = await backend.cloudMeta();
  assert.deepEqual(await localStamp(b), cloud, "B's installed data hash equals the cloud's");
  assert.equal(await lockSeen(a), false, 'A never locked on its own force sync');
});

test('A adds points: B locks (A does not) and, after downloading, shows the new points', async (t) => {
  const { app, cleanup } = await startStack(t);
  const a = await client(app, cleanup, 'leader@punctaj.test');
  const b = await client(app, cleanup, 'viewer@punctaj.test');
  await openInstitution(a, 'Politie');
  await openInstitution(b, 'Politie');
  const row = a.locator('[data-testid="employee-row"]').first();
  const id = await row.getAttribute('data-employee-id');
  const before = Number(await row.locator('[data-testid="employee-points"]').textContent());

  await byTestId(a, 'points-add').click();
  await byTestId(a, 'points-amount').fill('7');
  await a.locator(`[data-testid="points-member"][data-employee-id="${id}"]`).check();
  await byTestId(a, 'points-confirm').click();
  await overlay(b).waitFor({ timeout: 3_000 });
  const pointsInB = b.locator(`[data-testid="employee-row"][data-employee-id="${id}"] [data-testid="employee-points"]`);
  assert.equal(Number(await pointsInB.textContent()), before, 'B still shows its old, verified data while locked');

  await download(b);
  await waitFor(async () => Number(await pointsInB.textContent()) === before + 7, { what: "A's points in B" });
  assert.equal(await lockSeen(a), false, 'A never locked on its own change');
});

test("A resets an institution: the archive is in Storage, the scores are 0, B gets the archive", async (t) => {
  const { backend, app, cleanup } = await startStack(t);
  const a = await client(app, cleanup, 'leader@punctaj.test');
  const b = await client(app, cleanup, 'viewer@punctaj.test');
  await openInstitution(a, 'Politie');
  const expectedTotal = Number(await backend.sql("select sum(punctaj) from employees e join institutions i on i.id = e.institution_id where i.name = 'Politie' and i.city_id = (select id from cities where name = 'BlackWater') and e.deleted_at is null"));

  await byTestId(a, 'reset-punctaj').click();
  await byTestId(a, 'reset-confirm-input').fill('Politi');
  assert.ok(await byTestId(a, 'reset-confirm').isDisabled(), 'a wrong name cannot confirm');
  await byTestId(a, 'reset-confirm-input').fill('Politie');
  await byTestId(a, 'reset-confirm').click();
  const toast = a.locator('[data-testid="toast"][data-kind="success"]').first();
  await toast.waitFor({ timeout: 15_000 });
  const key = (await toast.textContent()).match(/BlackWater\/Politie_\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2}\.json/)[0];

  // The object, at the expected key, holding the pre-reset table.
  const stored = await backend.rest('GET', `/storage/v1/object/arhiva/${key}`, { token: backend.serviceKey });
  assert.equal(stored.status, 200);
  const archive = stored.body;
  assert.equal(archive.city, 'BlackWater');
  assert.equal(archive.institution, 'Politie');
  assert.equal(archive.employee_count, archive.rows.length);
  assert.equal(archive.rows.reduce((sum, row) => sum + Number(row.PUNCTAJ), 0), expectedTotal);
  for (const field of ['archived_at', 'reset_by', 'discord_id', 'columns', 'rows', 'employee_count']) {
    assert.ok(field in archive, `the archive keeps the legacy field ${field}`);
  }
  assert.equal(await backend.sql("select count(*) from archives where object_path = '" + key + "'"), '1');
  const points = await a.locator('[data-testid="employee-points"]').allTextContents();
  assert.ok(points.length > 0 && points.every((p) => p === '0'), 'every score is 0');

  await overlay(b).waitFor({ timeout: 3_000 });
  await download(b);
  await byTestId(b, 'nav-archive').click();
  await b.locator(`[data-testid="archive-item"][data-path="${key}"]`).waitFor();
  assert.equal(await lockSeen(a), false);
});

test('a reset undone from the institution gives back the exact scores plus the points earned since, once', async (t) => {
  const { backend, app, cleanup } = await startStack(t);
  const a = await client(app, cleanup, 'leader@punctaj.test');
  const b = await client(app, cleanup, 'viewer@punctaj.test');
  await openInstitution(a, 'Politie');
  const politie = "from employees e join institutions i on i.id = e.institution_id where i.name = 'Politie' and i.city_id = (select id from cities where name = 'BlackWater') and e.deleted_at is null";
  const scores = async () => JSON.parse(await backend.sql(`select json_object_agg(e.id, e.punctaj) ${politie}`));
  const before = await scores();
  assert.equal(await byTestId(a, 'undo-reset').count(), 0, 'nothing to undo before a reset');

  await startReset(a);
  const done = a.locator('[data-testid="toast"][data-kind="success"]').first();
  await done.waitFor({ timeout: 15_000 });
  const key = (await done.textContent()).match(/BlackWater\/Politie_\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2}\.json/)[0];
  await done.locator('button').click();
  assert.ok(Object.values(await scores()).every((p) => p === 0));

  // Points earned after the reset stay: the leader's own change, adopted without a lock.
  const token = (await backend.signIn('leader@punctaj.test')).access_token;
  const earners = Object.keys(before).slice(0, 2);
  assert.equal((await backend.rpc('change_points', { p_institution_id: 1, p_employee_ids: earners, p_delta: 3 }, token)).status, 200);
  await overlay(a).waitFor({ timeout: 5_000 });
  await download(a);
  // The archive browser offers the same undo on that archive, and only there.
  await byTestId(a, 'nav-archive').click();
  await a.locator(`[data-testid="archive-item"][data-path="${key}"] [data-testid="undo-reset"]`).waitFor({ timeout: 10_000 });
  assert.equal(await byTestId(a, 'undo-reset').count(), 1, 'only the last reset can be undone');
  await byTestId(a, 'nav-home').click();
  await openInstitution(a, 'Politie');

  await byTestId(a, 'undo-reset').click();
  await byTestId(a, 'undo-reset-dialog').waitFor();
  await byTestId(a, 'undo-reset-confirm').click();
  await a.locator('[data-testid="toast"][data-kind="success"]').first().waitFor({ timeout: 15_000 });
  const expected = Object.fromEntries(Object.entries(before).map(([id, p]) => [id, p + (earners.includes(id) ? 3 : 0)]));
  assert.deepEqual(await scores(), expected);
  await byTestId(a, 'undo-reset').waitFor({ state: 'detached', timeout: 10_000 });
  await byTestId(a, 'nav-archive').click();
  await a.locator(`[data-testid="archive-item"][data-path="${key}"] [data-testid="archive-undone"]`).waitFor({ timeout: 10_000 });
  assert.equal(await byTestId(a, 'undo-reset').count(), 0, 'an undone reset cannot be undone again');

  // Everyone else locks once and sees it; the archive says the reset was undone.
  await overlay(b).waitFor({ timeout: 5_000 });
  await download(b);
  await byTestId(b, 'nav-archive').click();
  await b.locator(`[data-testid="archive-item"][data-path="${key}"] [data-testid="archive-undone"]`).waitFor({ timeout: 10_000 });

  // A second undo is refused and changes nothing.
  const archiveId = Number(await backend.sql(`select id from archives where object_path = '${key}'`));
  const again = await backend.rpc('undo_reset', { p_archive_id: archiveId }, token);
  assert.equal(again.status, 409);
  assert.match(again.body.message, /already undone/);
  assert.deepEqual(await scores(), expected);
});

/** Everything the reset test needs to compare: the scores and the archive objects. */
async function resetState(backend) {
  const points = await backend.sql(
    "select string_agg(e.punctaj::text, ',' order by e.id) from employees e join institutions i on i.id = e.institution_id where i.name = 'Politie' and i.city_id = (select id from cities where name = 'BlackWater') and e.deleted_at is null",
  );
  const objects = await backend.sql("select count(*) from storage.objects where bucket_id = 'arhiva'");
  const archives = await backend.sql('select count(*) from archives');
  return { points, objects, archives };
}

async function startReset(page) {
  await byTestId(page, 'reset-punctaj').click();
  await byTestId(page, 'reset-confirm-input').fill('Politie');
  await byTestId(page, 'reset-confirm').click();
}

test('a reset whose archive upload fails resets nothing and says so', async (t) => {
  const { backend, app, cleanup } = await startStack(t);
  const a = await client(app, cleanup, 'leader@punctaj.test');
  await openInstitution(a, 'Politie');
  const before = await resetState(backend);
  let resetCalled = false;
  await a.route('**/storage/v1/object/arhiva/**', (route) =>
    route.request().method() === 'POST' ? route.abort('connectionreset') : route.continue(),
  );
  await a.route('**/rest/v1/rpc/reset_punctaj', (route) => {
    resetCalled = true;
    return route.continue();
  });
  await startReset(a);
  const error = a.locator('[data-testid="toast"][data-kind="error"]').first();
  await error.waitFor({ timeout: 15_000 });
  assert.match(await error.textContent(), /arhiv|archive/i);
  assert.equal(resetCalled, false, 'no reset is asked for without a stored archive');
  assert.deepEqual(await resetState(backend), before, 'scores and archives untouched');
});

test('a reset refused by the server leaves the scores and takes its upload back', async (t) => {
  const { backend, app, cleanup } = await startStack(t);
  const a = await client(app, cleanup, 'leader@punctaj.test');
  await openInstitution(a, 'Politie');
  const before = await resetState(backend);
  await a.route('**/rest/v1/rpc/reset_punctaj', (route) =>
    route.fulfill({
      status: 500,
      contentType: 'application/json',
      body: JSON.stringify({ code: 'XX000', details: null, hint: null, message: 'simulated failure' }),
    }),
  );
  await startReset(a);
  const error = a.locator('[data-testid="toast"][data-kind="error"]').first();
  await error.waitFor({ timeout: 15_000 });
  assert.match(await error.textContent(), /simulated failure/);
  await waitFor(async () => JSON.stringify(await resetState(backend)) === JSON.stringify(before), {
    what: 'the uploaded archive to be removed again',
  });
  assert.equal(await lockSeen(a), false);
});

test('the backend stops during B’s download: B stays locked with the error and its old data; a retry succeeds', async (t) => {
  const { backend, app, cleanup } = await startStack(t);
  const a = await client(app, cleanup, 'owner@punctaj.test');
  const b = await client(app, cleanup, 'viewer@punctaj.test');
  const versionBefore = await byTestId(b, 'version-local').textContent();
  await forceSync(a);
  await overlay(b).waitFor({ timeout: 3_000 });

  // The download has started when the server goes away: B has a copy, so its first read is the
  // delta of what changed.
  let stopped = false;
  await b.route('**/rest/v1/rpc/sync_delta*', async (route) => {
    if (!stopped) {
      stopped = true;
      await backend.stop();
    }
    await route.continue().catch(() => route.abort('connectionrefused'));
  });
  await byTestId(b, 'download-sync').click();
  await byTestId(b, 'sync-error').waitFor({ timeout: 40_000 });
  assert.ok(stopped, 'the backend was stopped during the download');
  assert.ok(await overlay(b).isVisible(), 'B stays locked');
  assert.equal(await byTestId(b, 'version-local').textContent(), versionBefore, 'the old data is still installed');
  assert.ok(await byTestId(b, 'download-sync').isEnabled(), 'the user can retry');

  await b.unroute('**/rest/v1/rpc/sync_delta*');
  await backend.restart();
  await download(b);
  assert.deepEqual(await localStamp(b), await backend.cloudMeta());
});

test('a wrong data_hash in the cloud: B refuses to install the data and says so', async (t) => {
  const { backend, app, cleanup } = await startStack(t);
  const b = await client(app, cleanup, 'viewer@punctaj.test');
  const versionBefore = await byTestId(b, 'version-local').textContent();
  await backend.sql(
    "update sync_metadata set version = version + 1, data_hash = repeat('0', 64) where sync_key = 'global_version'",
  );
  await overlay(b).waitFor({ timeout: 3_000 });
  await byTestId(b, 'download-sync').click();
  const error = byTestId(b, 'sync-error');
  await error.waitFor({ timeout: 15_000 });
  assert.match(await error.textContent(), /data_hash/);
  assert.ok(await overlay(b).isVisible(), 'B stays locked');
  assert.equal(await byTestId(b, 'version-local').textContent(), versionBefore, 'nothing was installed');
});

/** Stores `bytes` at `key` in bucket arhiva with the service key (`contentType` as given). */
async function storeObject(backend, key, bytes, contentType) {
  const response = await fetch(`${backend.url}/storage/v1/object/arhiva/${key}`, {
    method: 'POST',
    headers: { apikey: backend.anonKey, authorization: `Bearer ${backend.serviceKey}`, 'content-type': contentType, 'x-upsert': 'false' },
    body: bytes,
  });
  assert.equal(response.status, 200, await response.text());
}

async function storedObject(backend, key) {
  const response = await fetch(`${backend.url}/storage/v1/object/arhiva/${key}`, {
    headers: { apikey: backend.anonKey, authorization: `Bearer ${backend.serviceKey}` },
  });
  assert.equal(response.status, 200, `${key} is stored`);
  return { type: response.headers.get('content-type'), bytes: Buffer.from(await response.arrayBuffer()) };
}

test('a large institution\'s reset is stored gzip-compressed; the archive browser and the saved file are plain JSON', async (t) => {
  const { backend, app, cleanup } = await startStack(t);
  // 80 more members in Politie: its archive is well above the 8 KiB threshold.
  await backend.sql(`insert into employees (institution_id, rank, punctaj, fields)
    select 1, 1 + g % 7, g, jsonb_build_object('DISCORD', 'membru-' || g, 'NUME IC', 'Nume "Ș" <b>' || g)
      from generate_series(1, 80) g`);
  const a = await client(app, cleanup, 'leader@punctaj.test');
  const b = await client(app, cleanup, 'viewer@punctaj.test');
  await openInstitution(a, 'Politie');
  const members = Number(await backend.sql("select count(*) from employees where institution_id = 1 and deleted_at is null"));

  await startReset(a);
  const done = a.locator('[data-testid="toast"][data-kind="success"]').first();
  await done.waitFor({ timeout: 20_000 });
  const key = (await done.textContent()).match(/BlackWater\/Politie_\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2}\.json\.gz/)[0];
  const stored = await storedObject(backend, key);
  assert.match(stored.type, /^application\/gzip/);
  const json = gunzipSync(stored.bytes).toString('utf8');
  const archive = JSON.parse(json);
  assert.equal(archive.rows.length, members);
  assert.ok(stored.bytes.length * 3 < json.length, `compressed ${stored.bytes.length} B of ${json.length} B`);
  assert.equal(await backend.sql(`select count(*) from archives where object_path = '${key}'`), '1', 'the reset recorded the compressed object');

  // Another browser downloads it, lists it, opens it and saves it as plain JSON.
  await overlay(b).waitFor({ timeout: 5_000 });
  await download(b);
  await byTestId(b, 'nav-archive').click();
  const item = b.locator(`[data-testid="archive-item"][data-path="${key}"]`);
  await item.waitFor();
  assert.equal(await item.locator('[data-testid="archive-problem"]').count(), 0);
  await item.locator('[data-testid="archive-open"]').click();
  await byTestId(b, 'archive-row').first().waitFor();
  assert.equal(await byTestId(b, 'archive-row').count(), members);
  const [file] = await Promise.all([b.waitForEvent('download'), byTestId(b, 'archive-download').click()]);
  assert.match(file.suggestedFilename(), /Politie_\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2}\.json$/);
  assert.equal(await readFile(await file.path(), 'utf8'), json, 'the saved file is the archive\'s JSON');
});

test('a truncated or corrupt gzip archive is listed by name with the reason, and the rest of the download goes on', async (t) => {
  const { backend, app, cleanup } = await startStack(t);
  const good = JSON.stringify({
    archived_at: '2026-03-01 10:00:00', institution: 'Politie', city: 'Valentine', reset_by: 'test', discord_id: '',
    columns: ['DISCORD', 'RANK', 'ROLE', 'PUNCTAJ', 'ULTIMA_MOD'],
    rows: Array.from({ length: 120 }, (_, i) => ({ DISCORD: `m-${i}`, RANK: '1', ROLE: 'Offiter', PUNCTAJ: i, ULTIMA_MOD: null })),
    employee_count: 120,
  }, null, 4);
  const zipped = gzipSync(good);
  const keys = {
    good: 'Valentine/Politie_2026-03-01_10-00-00.json.gz',
    truncated: 'Valentine/Politie_2026-03-02_10-00-00.json.gz',
    corrupt: 'Valentine/Politie_2026-03-03_10-00-00.json.gz',
  };
  await storeObject(backend, keys.good, zipped, 'application/gzip');
  await storeObject(backend, keys.truncated, zipped.subarray(0, Math.floor(zipped.length / 2)), 'application/gzip');
  await storeObject(backend, keys.corrupt, Buffer.from('this is not gzip at all'), 'application/gzip');

  const page = await client(app, cleanup, 'viewer@punctaj.test');
  await byTestId(page, 'nav-archive').click();
  for (const name of ['truncated', 'corrupt']) {
    const problem = page.locator(`[data-testid="archive-item"][data-path="${keys[name]}"] [data-testid="archive-problem"]`);
    await problem.waitFor({ timeout: 10_000 });
    assert.match(await problem.textContent(), /gzip/, `${name}: the reason names gzip`);
  }
  const item = page.locator(`[data-testid="archive-item"][data-path="${keys.good}"]`);
  assert.equal(await item.locator('[data-testid="archive-problem"]').count(), 0);
  await item.locator('[data-testid="archive-open"]').click();
  await byTestId(page, 'archive-row').first().waitFor();
  assert.equal(await byTestId(page, 'archive-row').count(), 120);
  // The other archives arrived too: the demo's Saint Denis archive opens.
  await byTestId(page, 'archive-back').click();
  await page.locator('[data-testid="archive-item"][data-path="Saint_Denis/Medici_2026-03-01_20-00-00.json"]').waitFor();
});

test('150 archives in Storage: all are downloaded the first time and none the second', async (t) => {
  const { backend, app, cleanup } = await startStack(t);
  const uploads = [];
  for (let i = 0; i < 150; i += 1) {
    const second = String(i % 60).padStart(2, '0');
    const minute = String(Math.floor(i / 60)).padStart(2, '0');
    const key = `Valentine/Politie_2026-01-01_00-${minute}-${second}.json`;
    const body = {
      archived_at: `2026-01-01 00:${minute}:${second}`,
      institution: 'Politie',
      city: 'Valentine',
      reset_by: 'bench',
      discord_id: '',
      columns: ['DISCORD', 'RANK', 'ROLE', 'PUNCTAJ', 'ULTIMA_MOD'],
      rows: [{ DISCORD: `member-${i}`, RANK: '1', ROLE: 'Offiter', PUNCTAJ: i, ULTIMA_MOD: null }],
      employee_count: 1,
    };
    uploads.push(backend.rest('POST', `/storage/v1/object/arhiva/${key}`, { token: backend.serviceKey, body, headers: { 'x-upsert': 'false' } }));
  }
  for (const upload of await Promise.all(uploads)) assert.equal(upload.status, 200, JSON.stringify(upload.body));
  const inBucket = Number(await backend.sql("select count(*) from storage.objects where bucket_id = 'arhiva' and name like '%.json'"));

  const { context, page } = await openApp(browser, app.url);
  cleanup.add(() => context.close());
  const fetched = [];
  page.on('request', (request) => {
    if (request.method() === 'GET' && /\/storage\/v1\/object\/(sign\/)?arhiva\//.test(request.url())) fetched.push(request.url().split('?')[0]);
  });
  await signInThroughForm(page, 'viewer@punctaj.test');
  assert.equal(fetched.length, inBucket, 'the first download fetches every archive');
  assert.equal(new Set(fetched).size, inBucket, 'each archive once');

  fetched.length = 0;
  const a = await client(app, cleanup, 'owner@punctaj.test');
  await forceSync(a);
  await overlay(page).waitFor({ timeout: 3_000 });
  await download(page);
  assert.equal(fetched.length, 0, 'the second download fetches no archive it already has');
  await byTestId(page, 'nav-archive').click();
  assert.equal(await byTestId(page, 'archive-item').count(), inBucket - 1, 'all listed (AFTER_RESET hidden)');
});
