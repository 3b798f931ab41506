// Every user-facing feature, end to end in Chromium against the local backend: what the user sees,
// and what the database then holds. Each test runs on its own copy of the demo database.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { byTestId, launchBrowser, openApp, signInThroughForm, startStack, waitFor } from '../lib/harness.mjs';

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

// Helpers -----------------------------------------------------------------------------------------

/** A new, independent browser session signed in as `email`, on the app's first screen. */
async function signedIn(app, cleanup, email) {
  const { context, page } = await openApp(browser, app.url);
  cleanup.add(() => context.close());
  // PUNCTAJ_E2E_CONSOLE=1 prints the browser's warnings and errors (Leptos reports misuse there).
  if (process.env.PUNCTAJ_E2E_CONSOLE) {
    page.on('console', (m) => ['error', 'warning'].includes(m.type()) && console.log(`[${email}] ${m.type()}: ${m.text()}`));
  }
  await signInThroughForm(page, email);
  return page;
}

/** Rows of a query as parsed JSON objects (the superuser's view of the database). */
async function rows(backend, query) {
  return JSON.parse(await backend.sql(`select coalesce(json_agg(q), '[]') from (${query}) q`));
}

const userId = (key) => `md5('punctaj-demo-user-${key}')::uuid`;

async function openCity(page, name) {
  await page.locator(`[data-testid="city-tab"][data-name="${name}"]`).click();
  await page.locator(`[data-testid="city-tab"][data-name="${name}"][aria-current="page"]`).waitFor();
}

async function openInstitution(page, name) {
  await page.locator(`[data-testid="institution-tab"][data-name="${name}"]`).click();
  await page.locator(`[data-testid="institution-tab"][data-name="${name}"][aria-current="page"]`).waitFor();
}

/** The table row whose `column` cell reads exactly `text`. */
function rowWhere(page, column, text) {
  return page
    .locator('[data-testid="employee-row"]')
    .filter({ has: page.locator(`td[data-column="${column}"]`).getByText(text, { exact: true }) });
}

async function cellsOf(row) {
  return row.evaluate((tr) =>
    Object.fromEntries([...tr.querySelectorAll('td[data-column]')].map((td) => [td.dataset.column, td.textContent])),
  );
}

async function headers(page) {
  return page.locator('table.employee-table thead th[data-column]').evaluateAll((ths) => ths.map((th) => th.dataset.column));
}

/** Closes every toast on screen. */
async function dismissToasts(page) {
  const toasts = page.locator('[data-testid="toast"]');
  while ((await toasts.count()) > 0) {
    await toasts.first().locator('button').click().catch(() => {});
  }
}

/**
 * Runs `action` with no toast on screen, then waits for the toast it causes and returns its text.
 * A toast of the other kind (success instead of error, or error instead of success) fails.
 */
async function toast(page, kind, action, { timeout = 15_000 } = {}) {
  await dismissToasts(page);
  await action();
  const shown = page.locator('[data-testid="toast"]').first();
  await shown.waitFor({ timeout });
  const [actual, text] = [await shown.getAttribute('data-kind'), await shown.locator('.toast-message').textContent()];
  assert.equal(actual, kind, `expected a ${kind} toast, got ${actual}: ${text}`);
  return text;
}

/** The session's access token, to forge requests the UI would never send. */
const accessToken = (page) => page.evaluate(() => JSON.parse(localStorage.getItem('punctaj.auth.session')).access_token);

async function fillEmployeeForm(page, { fields = {}, rank, points }) {
  const form = byTestId(page, 'employee-form');
  for (const [column, value] of Object.entries(fields)) {
    await form.locator(`[data-testid="employee-field"][data-column="${column}"]`).fill(value);
  }
  if (rank !== undefined) await byTestId(page, 'employee-rank').selectOption(String(rank));
  if (points !== undefined) await byTestId(page, 'employee-points-input').fill(String(points));
}

async function tick(page, row) {
  await row.locator('[data-testid="employee-select"]').check();
}

/** The editor's column inputs, in order, as currently typed. */
const editorColumns = (page) => byTestId(page, 'column-input').evaluateAll((inputs) => inputs.map((input) => input.value));

async function editorColumnRow(page, name) {
  const index = (await editorColumns(page)).indexOf(name);
  assert.ok(index >= 0, `column ${name} is in the editor`);
  return byTestId(page, 'column-row').nth(index);
}

async function nameDialog(page, opener, name) {
  await byTestId(page, opener).click();
  await byTestId(page, 'name-input').fill(name);
  await byTestId(page, 'name-save').click();
}

// 1. Employees ------------------------------------------------------------------------------------

test('a leader adds a member with custom fields, edits rank and points, and deletes members', async (t) => {
  const { backend, app, cleanup } = await startStack(t);
  const page = await signedIn(app, cleanup, 'leader@punctaj.test');
  await openInstitution(page, 'Politie');
  const countBefore = await byTestId(page, 'employee-row').count();

  // Add: custom fields with diacritics and quotes, a rank from the ladder, starting points.
  const fields = { DISCORD: 'ghost.rider', 'NUME IC': 'Ștefan „Ghost” Țăranu', 'SERIE DE BULETIN': `O'B"42"-ĂÎ` };
  await byTestId(page, 'employee-add').click();
  await fillEmployeeForm(page, { fields, rank: 3, points: 12 });
  assert.equal(await byTestId(page, 'employee-role').inputValue(), 'Sergent', 'ROLE follows the chosen RANK');
  await byTestId(page, 'employee-rank').selectOption('7');
  assert.equal(await byTestId(page, 'employee-role').inputValue(), 'Sherif');
  await byTestId(page, 'employee-rank').selectOption('3');
  assert.match(await toast(page, 'success', () => byTestId(page, 'employee-save').click()), /adăugat/);
  await byTestId(page, 'employee-form').waitFor({ state: 'detached' });

  const added = rowWhere(page, 'DISCORD', 'ghost.rider');
  await added.waitFor();
  assert.equal(await byTestId(page, 'employee-row').count(), countBefore + 1);
  assert.deepEqual(
    { ...(await cellsOf(added)), ULTIMA_MOD: undefined },
    { ...fields, RANK: '3', ROLE: 'Sergent', PUNCTAJ: '12', ULTIMA_MOD: undefined },
  );
  const [stored] = await rows(backend, "select id, rank, punctaj, fields, deleted_at from employees where fields->>'DISCORD' = 'ghost.rider'");
  assert.deepEqual({ rank: stored.rank, punctaj: stored.punctaj, fields: stored.fields, deleted_at: stored.deleted_at }, { rank: 3, punctaj: 12, fields, deleted_at: null });

  // Edit: the one ticked member; a new rank changes ROLE in the table, and the points.
  await tick(page, added);
  await byTestId(page, 'employee-edit').click();
  assert.equal(await byTestId(page, 'employee-role').inputValue(), 'Sergent', 'the form opens on the member');
  assert.equal(await byTestId(page, 'employee-form').locator('[data-column="NUME IC"]').inputValue(), fields['NUME IC']);
  await fillEmployeeForm(page, { rank: 5, points: 20 });
  assert.equal(await byTestId(page, 'employee-role').inputValue(), 'Locotenent Instructor');
  await toast(page, 'success', () => byTestId(page, 'employee-save').click());
  await waitFor(async () => (await cellsOf(added)).ROLE === 'Locotenent Instructor', { what: 'the new ROLE in the table' });
  assert.equal((await cellsOf(added)).RANK, '5');
  assert.equal((await cellsOf(added)).PUNCTAJ, '20');
  const [edited] = await rows(backend, `select rank, punctaj, ultima_mod is not null as stamped from employees where id = '${stored.id}'`);
  assert.deepEqual(edited, { rank: 5, punctaj: 20, stamped: true });

  // Delete two ticked members after confirming.
  const other = rowWhere(page, 'DISCORD', 'Josef');
  await tick(page, other);
  const otherId = await other.getAttribute('data-employee-id');
  await byTestId(page, 'employee-delete').click();
  const confirm = byTestId(page, 'confirm-dialog');
  assert.match(await confirm.textContent(), /2 membri/);
  assert.match(await toast(page, 'success', () => byTestId(page, 'employee-delete-confirm').click()), /2/);
  await added.waitFor({ state: 'detached' });
  await other.waitFor({ state: 'detached' });
  assert.equal(await byTestId(page, 'employee-row').count(), countBefore - 1);
  const deleted = await rows(backend, `select id, deleted_at is not null as soft_deleted from employees where id in ('${stored.id}', '${otherId}') order by id`);
  assert.deepEqual(deleted.map((row) => row.soft_deleted), [true, true], 'soft-deleted, still in the database');
  assert.deepEqual(page.consoleErrors, []);
});

test('saving a member never overwrites points someone else added while the form was open', async (t) => {
  const { backend, app, cleanup } = await startStack(t);
  const page = await signedIn(app, cleanup, 'leader@punctaj.test');
  await openInstitution(page, 'Politie');
  const row = rowWhere(page, 'DISCORD', 'Sintact');
  const id = await row.getAttribute('data-employee-id');
  await tick(page, row);
  await byTestId(page, 'employee-edit').click();
  assert.equal(await byTestId(page, 'employee-points-input').inputValue(), '44');

  // Meanwhile the owner adds 5 points: this client locks, keeps the open form, and downloads.
  const owner = (await backend.signIn('owner@punctaj.test')).access_token;
  assert.equal((await backend.rpc('change_points', { p_institution_id: 1, p_employee_ids: [id], p_delta: 5 }, owner)).status, 200);
  await byTestId(page, 'lock-overlay').waitFor({ timeout: 5_000 });
  await byTestId(page, 'download-sync').click();
  await byTestId(page, 'lock-overlay').waitFor({ state: 'detached', timeout: 30_000 });
  await waitFor(async () => (await cellsOf(row)).PUNCTAJ === '49', { what: "the owner's points in the table" });

  await byTestId(page, 'employee-rank').selectOption('7');
  await toast(page, 'success', () => byTestId(page, 'employee-save').click());
  assert.deepEqual(await rows(backend, `select rank, punctaj from employees where id = '${id}'`), [{ rank: 7, punctaj: 49 }]);
  await waitFor(async () => (await cellsOf(row)).ROLE === 'Sherif', { what: 'the new rank in the table' });
  assert.equal((await cellsOf(row)).PUNCTAJ, '49');
  assert.deepEqual(page.consoleErrors, []);
});

test('two people edit the same member: the second sees both values in the conflict dialog, and nothing is overwritten silently', async (t) => {
  const { backend, app, cleanup } = await startStack(t);
  const leader = await signedIn(app, cleanup, 'leader@punctaj.test');
  const owner = await signedIn(app, cleanup, 'owner@punctaj.test');
  for (const page of [leader, owner]) await openInstitution(page, 'Politie');
  const id = await rowWhere(leader, 'DISCORD', 'Sintact').getAttribute('data-employee-id');

  // The leader opens the form and types; the owner saves another name for the same member first.
  await tick(leader, rowWhere(leader, 'DISCORD', 'Sintact'));
  await byTestId(leader, 'employee-edit').click();
  const mine = 'Rocky "B" <b>Ștefan</b>';
  await fillEmployeeForm(leader, { fields: { 'NUME IC': mine, 'SERIE DE BULETIN': 'B-2' } });
  await tick(owner, rowWhere(owner, 'DISCORD', 'Sintact'));
  await byTestId(owner, 'employee-edit').click();
  await fillEmployeeForm(owner, { fields: { 'NUME IC': 'Rocky A' } });
  await toast(owner, 'success', () => byTestId(owner, 'employee-save').click());

  // The leader locks and downloads; the open form keeps what was typed.
  await byTestId(leader, 'lock-overlay').waitFor({ timeout: 5_000 });
  await byTestId(leader, 'download-sync').click();
  await byTestId(leader, 'lock-overlay').waitFor({ state: 'detached', timeout: 30_000 });
  const form = byTestId(leader, 'employee-form');
  assert.equal(await form.locator('[data-testid="employee-field"][data-column="NUME IC"]').inputValue(), mine);

  // Saving meets the owner's change: the dialog shows the three values of the one contested field.
  await byTestId(leader, 'employee-save').click();
  const dialog = byTestId(leader, 'conflict-dialog');
  await dialog.waitFor({ timeout: 10_000 });
  const shown = await dialog.locator('[data-testid="conflict-field"]').evaluateAll((trs) =>
    trs.map((tr) => ({
      field: tr.dataset.field,
      base: tr.querySelector('.conflict-base').dataset.value,
      mine: tr.querySelector('.conflict-mine').dataset.value,
      theirs: tr.querySelector('.conflict-theirs').dataset.value,
    })),
  );
  assert.deepEqual(shown, [{ field: 'NUME IC', base: 'Rocky Jay', mine, theirs: 'Rocky A' }]);
  const stored = () => rows(backend, `select fields->>'NUME IC' as name, fields->>'SERIE DE BULETIN' as serie from employees where id = '${id}'`);
  assert.deepEqual(await stored(), [{ name: 'Rocky A', serie: 'J82B48Z62' }], 'nothing was written while the dialog asks');

  // Keeping mine saves the leader's values against the owner's version.
  await toast(leader, 'success', () => byTestId(dialog, 'conflict-keep-mine').click());
  await dialog.waitFor({ state: 'detached' });
  await form.waitFor({ state: 'detached' });
  assert.deepEqual(await stored(), [{ name: mine, serie: 'B-2' }]);
  assert.deepEqual(leader.consoleErrors, []);
});

test('a rename that meets another rename: taking the cloud\'s name saves nothing of mine', async (t) => {
  const { backend, app, cleanup } = await startStack(t);
  const page = await signedIn(app, cleanup, 'owner@punctaj.test');
  await openCity(page, 'Valentine');
  await byTestId(page, 'city-rename').click();
  await byTestId(page, 'name-input').fill('Valentine B');

  const admin = (await backend.signIn('admin@punctaj.test')).access_token;
  const [city] = await rows(backend, `select id, row_version from cities where name = 'Valentine'`);
  const renamed = await backend.rpc('rename_city', { p_city_id: city.id, p_name: 'Valentine A', p_expected_version: Number(city.row_version) }, admin);
  assert.equal(renamed.status, 200);
  await byTestId(page, 'lock-overlay').waitFor({ timeout: 5_000 });
  await byTestId(page, 'download-sync').click();
  await byTestId(page, 'lock-overlay').waitFor({ state: 'detached', timeout: 30_000 });
  assert.equal(await byTestId(page, 'name-input').inputValue(), 'Valentine B');

  await byTestId(page, 'name-save').click();
  const dialog = byTestId(page, 'conflict-dialog');
  await dialog.waitFor({ timeout: 10_000 });
  const field = dialog.locator('[data-testid="conflict-field"][data-field="name"]');
  assert.equal(await field.locator('.conflict-base').getAttribute('data-value'), 'Valentine');
  assert.equal(await field.locator('.conflict-mine').getAttribute('data-value'), 'Valentine B');
  assert.equal(await field.locator('.conflict-theirs').getAttribute('data-value'), 'Valentine A');
  const version = async () => (await rows(backend, 'select version from sync_metadata'))[0].version;
  const before = await version();
  assert.match(await toast(page, 'success', () => byTestId(dialog, 'conflict-take-theirs').click()), /cloud/);
  await byTestId(page, 'name-dialog').waitFor({ state: 'detached' });
  assert.deepEqual(await rows(backend, `select name from cities where id = ${city.id}`), [{ name: 'Valentine A' }]);
  assert.equal(await version(), before, 'taking the cloud\'s name changes nothing');
  assert.deepEqual(page.consoleErrors, []);
});

// 2. Structure ------------------------------------------------------------------------------------

test('an admin builds, edits, deletes and restores cities and institutions', async (t) => {
  const { backend, app, cleanup } = await startStack(t);
  const page = await signedIn(app, cleanup, 'admin@punctaj.test');
  let dialogs = 0;
  page.on('dialog', (dialog) => {
    dialogs += 1;
    dialog.dismiss();
  });

  // A city, then an institution in it with its ladder and columns.
  await toast(page, 'success', () => nameDialog(page, 'city-add', 'Tumbleweed'));
  await page.locator('[data-testid="city-tab"][data-name="Tumbleweed"][aria-current="page"]').waitFor();
  const [{ id: cityId }] = await rows(backend, "select id from cities where name = 'Tumbleweed' and deleted_at is null");

  await byTestId(page, 'institution-add').click();
  await byTestId(page, 'institution-name-input').fill('Șerifi');
  await byTestId(page, 'rank-input').nth(0).fill('Recrut');
  await byTestId(page, 'rank-input').nth(1).fill('Ajutor');
  await byTestId(page, 'rank-add').click();
  await byTestId(page, 'rank-input').nth(2).fill('Șerif "Mare"');
  await (await editorColumnRow(page, 'SERIE DE BULETIN')).locator('[data-testid="column-remove"]').click();
  await byTestId(page, 'column-new').fill('TELEFON');
  await byTestId(page, 'column-add').click();
  assert.match(await toast(page, 'success', () => byTestId(page, 'institution-save').click()), /Șerifi/);
  await page.locator('[data-testid="institution-tab"][data-name="Șerifi"][aria-current="page"]').waitFor();
  let [institution] = await rows(backend, `select id, ranks, columns from institutions where city_id = ${cityId} and name = 'Șerifi'`);
  assert.deepEqual(institution.ranks, ['Recrut', 'Ajutor', 'Șerif "Mare"']);
  assert.deepEqual(institution.columns, ['DISCORD', 'NUME IC', 'RANK', 'ROLE', 'PUNCTAJ', 'ULTIMA_MOD', 'TELEFON']);
  assert.deepEqual(await headers(page), institution.columns);

  // A member, so that column renames have values to carry.
  await byTestId(page, 'employee-add').click();
  await fillEmployeeForm(page, { fields: { DISCORD: 'deputy', TELEFON: '555-0199' }, rank: 3 });
  await toast(page, 'success', () => byTestId(page, 'employee-save').click());
  const deputy = rowWhere(page, 'DISCORD', 'deputy');
  await deputy.waitFor();
  assert.equal((await cellsOf(deputy)).ROLE, 'Șerif "Mare"');

  // Rename both; names with quotes, diacritics and markup are only text.
  const cityName = `Țara "Nouă" <script>alert(1)</script>`;
  await toast(page, 'success', () => nameDialog(page, 'city-rename', cityName));
  await page.locator('[data-testid="city-tab"][aria-current="page"]').getByText(cityName, { exact: true }).waitFor();
  await toast(page, 'success', () => nameDialog(page, 'institution-rename', `Șerifii lui O'Neil`));
  await page.locator('[data-testid="institution-tab"][aria-current="page"]').getByText(`Șerifii lui O'Neil`, { exact: true }).waitFor();
  assert.deepEqual(await rows(backend, `select name from cities where id = ${cityId}`), [{ name: cityName }]);
  assert.deepEqual(await rows(backend, `select name from institutions where id = ${institution.id}`), [{ name: `Șerifii lui O'Neil` }]);

  // Ranks and columns after creation: rename a rank and a custom column, add, remove and move.
  await byTestId(page, 'institution-structure').click();
  await byTestId(page, 'rank-input').nth(2).fill('Șerif Șef');
  await (await editorColumnRow(page, 'TELEFON')).locator('[data-testid="column-input"]').fill('TELEFON IC');
  await (await editorColumnRow(page, 'NUME IC')).locator('[data-testid="column-remove"]').click();
  await byTestId(page, 'column-new').fill('NOTE');
  await byTestId(page, 'column-new').press('Enter');
  await (await editorColumnRow(page, 'TELEFON IC')).locator('[data-testid="column-up"]').click();
  await (await editorColumnRow(page, 'PUNCTAJ')).locator('[data-testid="column-down"]').click();
  assert.deepEqual(await editorColumns(page), ['DISCORD', 'RANK', 'ROLE', 'TELEFON IC', 'PUNCTAJ', 'ULTIMA_MOD', 'NOTE']);
  await toast(page, 'success', () => byTestId(page, 'institution-save').click());
  await byTestId(page, 'institution-editor').waitFor({ state: 'detached' });
  [institution] = await rows(backend, `select id, ranks, columns from institutions where id = ${institution.id}`);
  assert.deepEqual(institution.ranks, ['Recrut', 'Ajutor', 'Șerif Șef']);
  assert.deepEqual(institution.columns, ['DISCORD', 'RANK', 'ROLE', 'TELEFON IC', 'PUNCTAJ', 'ULTIMA_MOD', 'NOTE']);
  assert.deepEqual(await rows(backend, `select fields from employees where institution_id = ${institution.id}`), [
    { fields: { DISCORD: 'deputy', 'TELEFON IC': '555-0199' } },
  ]);
  await waitFor(async () => JSON.stringify(await headers(page)) === JSON.stringify(institution.columns), { what: 'the new column order' });
  assert.equal((await cellsOf(deputy))['TELEFON IC'], '555-0199', 'the values follow the renamed column');
  assert.equal((await cellsOf(deputy)).ROLE, 'Șerif Șef', 'ROLE follows the renamed rank');

  // Duplicates, also through the archive folder they would share, are refused with the reason.
  assert.match(await toast(page, 'error', () => nameDialog(page, 'city-add', 'blackwater')), /există deja/i);
  assert.ok(await byTestId(page, 'name-dialog').isVisible(), 'the dialog stays open to correct the name');
  await page.keyboard.press('Escape');
  await openCity(page, 'BlackWater');
  await byTestId(page, 'institution-add').click();
  await byTestId(page, 'institution-name-input').fill('Poliție');
  assert.match(await toast(page, 'error', () => byTestId(page, 'institution-save').click()), /Poliție.*există deja|există deja.*Poliție/is);
  await page.keyboard.press('Escape');
  assert.equal(await backend.sql("select count(*) from institutions where name = 'Poliție'"), '0');

  // Delete the institution, then its city; both disappear but stay in the database.
  await page.locator('[data-testid="city-tab"]').getByText(cityName, { exact: true }).click();
  await page.locator('[data-testid="institution-tab"][aria-current="page"]').getByText(`Șerifii lui O'Neil`).waitFor();
  await byTestId(page, 'institution-delete').click();
  await toast(page, 'success', () => byTestId(page, 'institution-delete-confirm').click());
  await byTestId(page, 'institution-tab').first().waitFor({ state: 'detached' });
  await byTestId(page, 'city-delete').click();
  await toast(page, 'success', () => byTestId(page, 'city-delete-confirm').click());
  await page.locator('[data-testid="city-tab"]').getByText(cityName).waitFor({ state: 'detached' });
  assert.deepEqual(await rows(backend, `select deleted_at is not null as deleted from cities where id = ${cityId}`), [{ deleted: true }]);
  assert.deepEqual(await rows(backend, `select deleted_at is not null as deleted from institutions where id = ${institution.id}`), [{ deleted: true }]);

  // Restore both from "Șterse": the city first (its institution was deleted before it).
  await byTestId(page, 'deleted-items').click();
  const deletedDialog = byTestId(page, 'deleted-items-dialog');
  assert.match(await toast(page, 'error', () => deletedDialog.locator(`[data-testid="restore-institution"]`).first().click()), /restore the city first|restaurează întâi orașul/i);
  await toast(page, 'success', () => deletedDialog.locator(`[data-testid="restore-city"][data-name="${cityName.replace(/"/g, '\\"')}"]`).click());
  await deletedDialog.locator('[data-testid="restore-city"]').waitFor({ state: 'detached' });
  await toast(page, 'success', () => deletedDialog.locator(`[data-testid="restore-institution"][data-name="Șerifii lui O'Neil"]`).click());
  await deletedDialog.getByText(/Nimic șters/).waitFor();
  await page.keyboard.press('Escape');
  await page.locator('[data-testid="city-tab"]').getByText(cityName, { exact: true }).click();
  await page.locator('[data-testid="institution-tab"]').getByText(`Șerifii lui O'Neil`).waitFor();
  await rowWhere(page, 'DISCORD', 'deputy').waitFor();
  assert.deepEqual(await rows(backend, `select deleted_at from cities where id = ${cityId}`), [{ deleted_at: null }]);
  assert.deepEqual(await rows(backend, `select deleted_at from institutions where id = ${institution.id}`), [{ deleted_at: null }]);
  assert.equal(await page.locator('script:not([src])').filter({ hasText: 'alert(1)' }).count(), 0);
  assert.equal(dialogs, 0, 'no script ran');
  assert.deepEqual(page.consoleErrors, []);
});

// 3. Points ---------------------------------------------------------------------------------------

test('subtracting more than a member has stops at 0, and the dialog starts from the ticked rows', async (t) => {
  const { backend, app, cleanup } = await startStack(t);
  const page = await signedIn(app, cleanup, 'leader@punctaj.test');
  await openInstitution(page, 'Politie');
  const low = rowWhere(page, 'DISCORD', 'Josef'); // 3 points
  const high = rowWhere(page, 'DISCORD', 'Sintact'); // 44 points
  const [lowId, highId] = [await low.getAttribute('data-employee-id'), await high.getAttribute('data-employee-id')];
  await tick(page, low);
  await tick(page, high);

  await byTestId(page, 'points-subtract').click();
  const checked = await byTestId(page, 'points-member').evaluateAll((boxes) =>
    boxes.filter((box) => box.checked).map((box) => box.dataset.employeeId),
  );
  assert.deepEqual(checked.sort(), [lowId, highId].sort(), 'exactly the ticked rows are pre-ticked');
  await byTestId(page, 'points-amount').fill('10');
  const preview = page.locator(`label:has([data-testid="points-member"][data-employee-id="${lowId}"]) [data-testid="points-preview"]`);
  assert.equal((await preview.textContent()).trim(), '3 → 0', 'the preview stops at 0');
  await toast(page, 'success', () => byTestId(page, 'points-confirm').click());
  await waitFor(async () => (await cellsOf(low)).PUNCTAJ === '0' && (await cellsOf(high)).PUNCTAJ === '34', { what: 'the clamped points in the table' });
  assert.deepEqual(await rows(backend, `select punctaj from employees where id in ('${lowId}', '${highId}') order by punctaj`), [{ punctaj: 0 }, { punctaj: 34 }]);

  // "Select all" in the table ticks every row, and the dialog starts from all of them.
  await byTestId(page, 'employee-select-all').check();
  await byTestId(page, 'points-add').click();
  const all = await byTestId(page, 'points-member').count();
  assert.equal(await page.locator('[data-testid="points-member"]:checked').count(), all);
  assert.ok(await byTestId(page, 'points-select-all').isChecked());
  await page.keyboard.press('Escape');
  await byTestId(page, 'points-dialog').waitFor({ state: 'detached' });
  assert.deepEqual(page.consoleErrors, []);
});

test('a refused points change is reported with the server’s reason, never as a success', async (t) => {
  const { backend, app, cleanup } = await startStack(t);
  const page = await signedIn(app, cleanup, 'member@punctaj.test');
  await openInstitution(page, 'Politie');
  const row = rowWhere(page, 'DISCORD', 'Sintact');
  const before = (await cellsOf(row)).PUNCTAJ;
  const [target] = await rows(backend, 'select id, punctaj from employees where institution_id = 3 and deleted_at is null order by id limit 1');

  // The member forges the request: Saint Denis/Politie instead of their own institution.
  await page.route('**/rest/v1/rpc/change_points', (route) =>
    route.continue({ postData: JSON.stringify({ p_institution_id: 3, p_employee_ids: [target.id], p_delta: -5 }) }),
  );
  await byTestId(page, 'points-subtract').click();
  await byTestId(page, 'points-amount').fill('5');
  await page.locator(`[data-testid="points-member"][data-employee-id="${await row.getAttribute('data-employee-id')}"]`).check();
  const message = await toast(page, 'error', () => byTestId(page, 'points-confirm').click());
  assert.match(message, /permisiunea/);
  assert.match(message, /permission denied/, 'the server’s own reason is shown');
  assert.equal(await page.locator('[data-testid="toast"][data-kind="success"]').count(), 0);
  assert.ok(await byTestId(page, 'points-dialog').isVisible(), 'the dialog stays open');
  assert.equal((await cellsOf(row)).PUNCTAJ, before);
  assert.deepEqual(await rows(backend, `select punctaj from employees where id = '${target.id}'`), [{ punctaj: target.punctaj }]);
  assert.equal(await backend.sql("select count(*) from audit_log where action = 'change_points'"), '0');
  assert.deepEqual(page.consoleErrors, []);
});

// 4. Audit log ------------------------------------------------------------------------------------

test('the audit log shows who changed what, filters, pages, and is not offered to members', async (t) => {
  const { backend, app, cleanup } = await startStack(t);
  // 66 entries by the leader (6 × 11 members of BlackWater/Politie), 3 by the owner elsewhere.
  const leader = (await backend.signIn('leader@punctaj.test')).access_token;
  const owner = (await backend.signIn('owner@punctaj.test')).access_token;
  const politie = (await rows(backend, 'select id from employees where institution_id = 1 and deleted_at is null')).map((row) => row.id);
  for (let i = 0; i < 6; i += 1) {
    const { status } = await backend.rpc('change_points', { p_institution_id: 1, p_employee_ids: politie, p_delta: 1 }, leader);
    assert.equal(status, 200);
  }
  const josef = (await rows(backend, "select id, rank, row_version from employees where fields->>'DISCORD' = 'Josef'"))[0];
  assert.equal((await backend.rpc('update_employee', { p_employee_id: josef.id, p_rank: 2, p_fields: null, p_expected_version: Number(josef.row_version) }, leader)).status, 200);
  const valentine = (await rows(backend, 'select row_version from cities where id = 3'))[0];
  assert.equal((await backend.rpc('rename_city', { p_city_id: 3, p_name: 'Valentine Nouă', p_expected_version: Number(valentine.row_version) }, owner)).status, 200);
  const medici = (await rows(backend, 'select id from employees where institution_id = 4 and deleted_at is null limit 2')).map((row) => row.id);
  assert.equal((await backend.rpc('change_points', { p_institution_id: 4, p_employee_ids: medici, p_delta: 3 }, owner)).status, 200);

  // The leader: their institution's entries only, 50 per page.
  const page = await signedIn(app, cleanup, 'leader@punctaj.test');
  await byTestId(page, 'nav-audit').click();
  await byTestId(page, 'audit-row').first().waitFor();
  assert.equal(await byTestId(page, 'audit-row').count(), 50);
  assert.match(await byTestId(page, 'audit-page').textContent(), /1 din 2/);
  const newest = byTestId(page, 'audit-row').first();
  assert.equal(await newest.getAttribute('data-action'), 'update_employee');
  const newestText = await newest.textContent();
  assert.match(newestText, /Demo Leader/);
  assert.match(newestText, /Josef/);
  assert.match(newestText, /RANK: 1 → RANK: 2|1 → 2/);
  await byTestId(page, 'audit-next').click();
  await waitFor(async () => (await byTestId(page, 'audit-row').count()) === 17, { what: 'the second page' });
  assert.match(await byTestId(page, 'audit-page').textContent(), /2 din 2/);
  assert.ok(await byTestId(page, 'audit-next').isDisabled());
  const pointsEntry = await byTestId(page, 'audit-row').last().textContent();
  assert.match(pointsEntry, /(\d+) → (\d+)/, 'old → new points');
  assert.doesNotMatch(await page.locator('table.audit-table').textContent(), /Demo Owner/, 'nothing from other institutions');
  await byTestId(page, 'audit-action').selectOption('update_employee');
  await waitFor(async () => (await byTestId(page, 'audit-row').count()) === 1, { what: 'the action filter' });
  assert.match(await byTestId(page, 'audit-page').textContent(), /1 din 1/);

  // The owner: everything, narrowed by city, institution, user and action.
  const ownerPage = await signedIn(app, cleanup, 'owner@punctaj.test');
  await byTestId(ownerPage, 'nav-audit').click();
  await byTestId(ownerPage, 'audit-row').first().waitFor();
  assert.match(await byTestId(ownerPage, 'audit-page').textContent(), /1 din 2/);
  const count = () => byTestId(ownerPage, 'audit-row').count();
  await byTestId(ownerPage, 'audit-user').selectOption({ label: 'Demo Owner' });
  await waitFor(async () => (await count()) === 3, { what: 'the user filter' });
  const rename = ownerPage.locator('[data-testid="audit-row"][data-action="rename_city"]');
  assert.match(await rename.textContent(), /Valentine → Valentine Nouă/);
  await byTestId(ownerPage, 'audit-city').selectOption({ label: 'Saint Denis' });
  await waitFor(async () => (await count()) === 2, { what: 'the city filter' });
  await byTestId(ownerPage, 'audit-institution').selectOption({ label: 'Politie' });
  await waitFor(async () => (await count()) === 0, { what: 'the institution filter' });
  await byTestId(ownerPage, 'audit-empty').waitFor();
  await byTestId(ownerPage, 'audit-institution').selectOption({ label: 'Medici' });
  await waitFor(async () => (await count()) === 2, { what: 'the institution filter' });
  await byTestId(ownerPage, 'audit-user').selectOption('');
  await byTestId(ownerPage, 'audit-city').selectOption('');
  await byTestId(ownerPage, 'audit-action').selectOption('rename_city');
  await waitFor(async () => (await count()) === 1, { what: 'the action filter' });

  // A member is not offered the audit log.
  const memberPage = await signedIn(app, cleanup, 'member@punctaj.test');
  assert.equal(await byTestId(memberPage, 'nav-audit').count(), 0);
  assert.deepEqual([...page.consoleErrors, ...ownerPage.consoleErrors], []);
});

// 5. Members and permissions ----------------------------------------------------------------------

test('the owner grants a pending account, which opens the app by itself, then revokes it', async (t) => {
  const { backend, app, cleanup } = await startStack(t);
  const { context: waitingContext, page: waiting } = await openApp(browser, app.url);
  cleanup.add(() => waitingContext.close());
  await byTestId(waiting, 'login-email').fill('pending@punctaj.test');
  await byTestId(waiting, 'login-password').fill('punctaj-demo');
  await byTestId(waiting, 'login-submit').click();
  await byTestId(waiting, 'pending-access').waitFor();

  const page = await signedIn(app, cleanup, 'owner@punctaj.test');
  await byTestId(page, 'nav-members').click();
  const pendingRow = byTestId(page, 'members-pending').locator('[data-testid="member-row"][data-email="pending@punctaj.test"]');
  await pendingRow.waitFor();
  await pendingRow.locator('[data-testid="member-institution"]').selectOption({ label: 'BlackWater / Politie' });
  await pendingRow.locator('[data-testid="member-institution-role"]').selectOption('member');
  await toast(page, 'success', () => pendingRow.locator('[data-testid="member-grant"]').click());
  const grantedRow = byTestId(page, 'members-granted').locator('[data-testid="member-row"][data-email="pending@punctaj.test"]');
  await grantedRow.waitFor();
  assert.match(await grantedRow.textContent(), /BlackWater \/ Politie/);
  assert.deepEqual(await rows(backend, `select institution_id, role from institution_roles where user_id = ${userId('pending')}`), [
    { institution_id: 1, role: 'member' },
  ]);

  // The waiting page re-checks every 10 s: it turns into the app by itself.
  await byTestId(waiting, 'city-tab').first().waitFor({ timeout: 25_000 });
  await waiting.waitForFunction(() => !document.querySelector('[data-testid="lock-overlay"]'), null, { timeout: 30_000 });
  await openInstitution(waiting, 'Politie');
  await byTestId(waiting, 'points-add').waitFor();

  await toast(page, 'success', () => grantedRow.locator('[data-testid="member-revoke"]').click());
  await byTestId(page, 'members-pending').locator('[data-testid="member-row"][data-email="pending@punctaj.test"]').waitFor();
  assert.equal(await backend.sql(`select count(*) from institution_roles where user_id = ${userId('pending')}`), '0');
  const [entry] = await rows(backend, "select old_value, new_value from audit_log where action = 'permission_change' order by id desc limit 1");
  assert.deepEqual(entry, { old_value: { institution_role: 'member' }, new_value: { institution_role: null } });
  assert.deepEqual([...page.consoleErrors, ...waiting.consoleErrors], []);
});

test('an admin cannot grant admin or owner, not even by a forged request; leaders get no members page', async (t) => {
  const { backend, app, cleanup } = await startStack(t);
  const page = await signedIn(app, cleanup, 'admin@punctaj.test');
  await byTestId(page, 'nav-members').click();
  const viewerRow = page.locator('[data-testid="member-row"][data-email="viewer@punctaj.test"]');
  const role = viewerRow.locator('[data-testid="member-global-role"]');
  await role.waitFor();
  for (const forbidden of ['admin', 'owner']) {
    assert.ok(await role.locator(`option[value="${forbidden}"]`).isDisabled(), `${forbidden} cannot be chosen by an admin`);
  }
  assert.ok(await role.locator('option[value="viewer"]').isEnabled());
  const ownerRole = page.locator('[data-testid="member-row"][data-email="owner@punctaj.test"] [data-testid="member-global-role"]');
  assert.ok(await ownerRole.isDisabled(), "an admin cannot change an owner's role at all");

  const token = await accessToken(page);
  const forged = await backend.rpc('grant_global_role', { p_user_id: (await rows(backend, `select ${userId('viewer')} as id`))[0].id, p_role: 'admin' }, token);
  assert.equal(forged.status, 403);
  assert.equal(forged.body.code, '42501');
  assert.deepEqual(await rows(backend, `select role from global_roles where user_id = ${userId('viewer')}`), [{ role: 'viewer' }]);

  const leader = await signedIn(app, cleanup, 'leader@punctaj.test');
  assert.equal(await byTestId(leader, 'nav-members').count(), 0);
  assert.deepEqual(page.consoleErrors, []);
});

// 6. Settings -------------------------------------------------------------------------------------

test('settings: language, sync log, forgetting the local copy, and the connection', async (t) => {
  const { backend, app, cleanup } = await startStack(t);
  const page = await signedIn(app, cleanup, 'viewer@punctaj.test');
  await byTestId(page, 'nav-settings').click();

  // The sync log lists this browser's first download.
  await byTestId(page, 'sync-log-row').first().waitFor();
  const downloads = page.locator('[data-testid="sync-log-row"][data-type="download"]');
  assert.ok((await downloads.count()) >= 1);
  assert.match(await downloads.first().textContent(), /Demo Viewer/);

  // English, and back.
  const heading = page.locator('.settings-page h1');
  assert.match(await heading.textContent(), /Setări/);
  await byTestId(page, 'settings-language').selectOption('en');
  await page.locator('.settings-page h1', { hasText: 'Settings' }).waitFor();
  assert.match(await byTestId(page, 'nav-home').textContent(), /Cities/);
  assert.match(await page.locator('table.sync-log thead').textContent(), /When/);
  assert.match(await downloads.first().textContent(), /download/i);
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'en');
  await byTestId(page, 'settings-language').selectOption('ro');
  await page.locator('.settings-page h1', { hasText: 'Setări' }).waitFor();
  assert.match(await byTestId(page, 'nav-home').textContent(), /Orașe/);

  // The configuration in use.
  assert.equal(await byTestId(page, 'config-url').inputValue(), backend.url);

  // Forgetting the local copy: the app downloads everything again by itself.
  const downloadsBefore = Number(await backend.sql("select count(*) from sync_log where sync_type = 'download' and status = 'success'"));
  let employeeRequests = 0;
  page.on('request', (request) => {
    if (/\/rest\/v1\/employees/.test(request.url())) employeeRequests += 1;
  });
  await toast(page, 'info', () => byTestId(page, 'clear-local-copy').click());
  await page.waitForFunction(() => !document.querySelector('[data-testid="lock-overlay"]'), null, { timeout: 30_000 });
  await waitFor(async () => Number(await backend.sql("select count(*) from sync_log where sync_type = 'download' and status = 'success'")) === downloadsBefore + 1, {
    what: 'the new download in sync_log',
  });
  assert.ok(employeeRequests >= 1, 'the data was downloaded again');
  await waitFor(async () => (await downloads.count()) === downloadsBefore + 1, { what: 'the new download in the sync log' });
  assert.equal(await byTestId(page, 'version-local').textContent(), String((await backend.cloudMeta()).version));
  assert.match(await byTestId(page, 'local-copy-summary').textContent(), /61 membri/);
  assert.deepEqual(page.consoleErrors, []);
});

// 7. Archive --------------------------------------------------------------------------------------

test('the owner backs up now, downloads the backup, and restores it: every browser locks once and shows the restored scores', async (t) => {
  const { backend, app, cleanup } = await startStack(t);
  const admin = await signedIn(app, cleanup, 'admin@punctaj.test');
  await byTestId(admin, 'nav-settings').click();
  await byTestId(admin, 'local-copy-summary').waitFor();
  assert.equal(await byTestId(admin, 'backups').count(), 0, 'backups are the owner\'s alone');

  const page = await signedIn(app, cleanup, 'owner@punctaj.test');
  await byTestId(page, 'nav-settings').click();
  await byTestId(page, 'backup-list').waitFor();
  await toast(page, 'success', () => byTestId(page, 'backup-now').click());
  const manual = page.locator('[data-testid="backup-item"][data-kind="manual"]');
  await manual.first().waitFor();
  assert.equal(await manual.count(), 1);
  assert.match(await manual.textContent(), /3 orașe, 6 instituții/);
  const day = await manual.getAttribute('data-local-date');
  const scores = () => rows(backend, 'select id, punctaj from employees order by id');
  const before = await scores();

  // The file is the snapshot, plain JSON.
  const [download] = await Promise.all([page.waitForEvent('download'), manual.locator('[data-testid="backup-download"]').click()]);
  const document = JSON.parse(await readFile(await download.path(), 'utf8'));
  assert.equal(document.format, 'punctaj-backup');
  assert.equal(document.employees.length, before.length);

  // Someone adds points; the owner's browser locks and downloads them.
  const leader = (await backend.signIn('leader@punctaj.test')).access_token;
  const ids = (await rows(backend, 'select id from employees where institution_id = 1 and deleted_at is null order by id limit 3')).map((r) => r.id);
  assert.equal((await backend.rpc('change_points', { p_institution_id: 1, p_employee_ids: ids, p_delta: 7 }, leader)).status, 200);
  await byTestId(page, 'lock-overlay').waitFor({ timeout: 5_000 });
  await byTestId(page, 'download-sync').click();
  await byTestId(page, 'lock-overlay').waitFor({ state: 'detached', timeout: 30_000 });
  assert.notDeepEqual(await scores(), before);

  // Restoring asks for the backup's day; then the scores are the backup's again.
  const viewer = await signedIn(app, cleanup, 'viewer@punctaj.test');
  await openInstitution(viewer, 'Politie');
  await manual.locator('[data-testid="backup-restore"]').click();
  const confirm = byTestId(page, 'backup-restore-confirm');
  assert.ok(await confirm.isDisabled(), 'nothing to confirm before the day is typed');
  await byTestId(page, 'backup-restore-input').fill('2000-01-01');
  assert.ok(await confirm.isDisabled());
  await byTestId(page, 'backup-restore-input').fill(day);
  await toast(page, 'success', () => confirm.click(), { timeout: 30_000 });
  assert.deepEqual(await scores(), before);
  assert.equal(await byTestId(page, 'lock-overlay').count(), 0, 'the owner adopts their own restore');
  // The state before the restore is a backup of its own, and the restored one says so.
  await page.locator('[data-testid="backup-item"][data-kind="pre_restore"]').waitFor();
  await manual.locator('[data-testid="backup-restored"]').waitFor();
  // Another browser locks and downloads the restored data.
  await byTestId(viewer, 'lock-overlay').waitFor({ timeout: 5_000 });
  await byTestId(viewer, 'download-sync').click();
  await byTestId(viewer, 'lock-overlay').waitFor({ state: 'detached', timeout: 30_000 });
  const [audit] = await rows(backend, "select count(*)::int as n from audit_log where action = 'restore_backup'");
  assert.equal(audit.n, 1);
  assert.deepEqual(page.consoleErrors, []);
});

test('the archive lists resets newest first, opens one with search, and saves its JSON', async (t) => {
  const { backend, app, cleanup } = await startStack(t);
  const page = await signedIn(app, cleanup, 'viewer@punctaj.test');
  await byTestId(page, 'nav-archive').click();
  await byTestId(page, 'archive-item').first().waitFor();
  const paths = () => byTestId(page, 'archive-item').evaluateAll((items) => items.map((item) => item.dataset.path));
  assert.deepEqual(await paths(), ['Saint_Denis/Medici_2026-03-01_20-00-00.json', 'BlackWater/Politie_2026-02-18_18-13-47.json']);
  await byTestId(page, 'archive-show-after-reset').check();
  await waitFor(async () => (await paths()).length === 3, { what: 'the AFTER_RESET snapshot' });
  assert.ok((await paths()).includes('BlackWater/Politie_2026-02-18_18-13-47_AFTER_RESET.json'));
  await byTestId(page, 'archive-show-after-reset').uncheck();
  await waitFor(async () => (await paths()).length === 2, { what: 'the AFTER_RESET snapshot to hide' });
  await byTestId(page, 'archive-city').selectOption('Saint Denis');
  await waitFor(async () => JSON.stringify(await paths()) === JSON.stringify(['Saint_Denis/Medici_2026-03-01_20-00-00.json']), { what: 'the city filter' });
  await byTestId(page, 'archive-city').selectOption('');
  await waitFor(async () => (await paths()).length === 2, { what: 'all cities again' });

  const key = 'BlackWater/Politie_2026-02-18_18-13-47.json';
  await page.locator(`[data-testid="archive-item"][data-path="${key}"] [data-testid="archive-open"]`).click();
  await byTestId(page, 'archive-row').first().waitFor();
  const stored = await (await fetch(`${backend.url}/storage/v1/object/arhiva/${key}`, {
    headers: { apikey: backend.anonKey, authorization: `Bearer ${backend.serviceKey}` },
  })).text();
  assert.equal(await byTestId(page, 'archive-row').count(), JSON.parse(stored).rows.length);
  await byTestId(page, 'archive-search').fill('gustavo');
  await waitFor(async () => (await byTestId(page, 'archive-row').count()) === 1, { what: 'the search' });
  assert.match(await byTestId(page, 'archive-row').textContent(), /Acord Bandaj/);
  await byTestId(page, 'archive-search').fill('');
  await waitFor(async () => (await byTestId(page, 'archive-row').count()) === JSON.parse(stored).rows.length, { what: 'the search to clear' });

  const [download] = await Promise.all([page.waitForEvent('download'), byTestId(page, 'archive-download').click()]);
  assert.match(download.suggestedFilename(), /Politie_2026-02-18_18-13-47\.json$/);
  assert.equal(await readFile(await download.path(), 'utf8'), stored, 'the file is the object in Storage');
  await byTestId(page, 'archive-back').click();
  await byTestId(page, 'archive-item').first().waitFor();
  assert.deepEqual(page.consoleErrors, []);
});

// 8. Offline --------------------------------------------------------------------------------------

test('offline, a reload shows the local copy read-only; back online, everything works again', async (t) => {
  const { backend, app, cleanup } = await startStack(t);
  const page = await signedIn(app, cleanup, 'leader@punctaj.test');
  await openInstitution(page, 'Politie');
  const shownBefore = await byTestId(page, 'employee-points').allTextContents();

  await backend.stop();
  await page.reload();
  await byTestId(page, 'employee-row').first().waitFor();
  await page.locator('[data-testid="institution-tab"][data-name="Politie"][aria-current="page"]').waitFor();
  assert.deepEqual(await byTestId(page, 'employee-points').allTextContents(), shownBefore, 'the data comes from this browser');
  await page.locator('[data-testid="sync-status"][data-state="offline"]').waitFor();
  assert.match(await byTestId(page, 'sync-status').textContent(), /Fără conexiune/);
  for (const control of ['points-add', 'points-subtract', 'employee-add', 'reset-punctaj']) {
    assert.ok(await byTestId(page, control).isDisabled(), `${control} is disabled offline`);
  }
  await byTestId(page, 'read-only-offline').waitFor();
  assert.equal(await byTestId(page, 'lock-overlay').count(), 0, 'offline is not locked');
  await byTestId(page, 'nav-settings').click();
  assert.ok(await byTestId(page, 'clear-local-copy').isDisabled(), 'the only copy cannot be forgotten offline');
  await byTestId(page, 'nav-home').click();
  await openInstitution(page, 'Politie');

  await backend.restart();
  await page.locator('[data-testid="sync-status"][data-state="ok"]').waitFor({ timeout: 15_000 });
  await waitFor(() => byTestId(page, 'points-add').isEnabled(), { what: 'points to be enabled again' });
  await byTestId(page, 'read-only-offline').waitFor({ state: 'detached' });
  await byTestId(page, 'points-add').click();
  await byTestId(page, 'points-amount').fill('2');
  await byTestId(page, 'points-member').first().check();
  await toast(page, 'success', () => byTestId(page, 'points-confirm').click());
  assert.deepEqual(page.consoleErrors, []);
});
