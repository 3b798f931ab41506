// What leaders, members and viewers do every evening, end to end in Chromium against the local
// backend (each test on its own copy of the demo database).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  byTestId,
  launchBrowser,
  openApp,
  signInThroughForm,
  startStack,
  waitFor,
} from '../lib/harness.mjs';

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

async function openInstitution(page, name) {
  await page.locator(`[data-testid="institution-tab"][data-name="${name}"]`).click();
  await page.locator(`[data-testid="institution-tab"][data-name="${name}"][aria-current="page"]`).waitFor();
  await byTestId(page, 'employee-row').first().waitFor();
}

/** employee id → points, as the table shows them. */
async function pointsShown(page) {
  return page.evaluate(() =>
    Object.fromEntries(
      [...document.querySelectorAll('[data-testid="employee-row"]')].map((row) => [
        row.dataset.employeeId,
        Number(row.querySelector('[data-testid="employee-points"]').textContent),
      ]),
    ),
  );
}

async function pointsInDatabase(backend, ids) {
  const rows = await backend.sql(`select id || '=' || punctaj from employees where id in (${ids.map((id) => `'${id}'`).join(',')})`);
  return Object.fromEntries(rows.split('\n').map((line) => line.split('=')).map(([id, p]) => [id, Number(p)]));
}

test('a leader adds 5 points to 3 members, reloads, and still sees them', async (t) => {
  const { backend, app, cleanup } = await startStack(t);
  const { context, page } = await openApp(browser, app.url);
  cleanup.add(() => context.close());
  await signInThroughForm(page, 'leader@punctaj.test');
  await openInstitution(page, 'Politie');

  const before = await pointsShown(page);
  const chosen = Object.keys(before).slice(0, 3);
  await byTestId(page, 'points-add').click();
  await byTestId(page, 'points-amount').fill('5');
  for (const id of chosen) {
    await page.locator(`[data-testid="points-member"][data-employee-id="${id}"]`).check();
  }
  await byTestId(page, 'points-confirm').click();
  await page.locator('[data-testid="toast"][data-kind="success"]').first().waitFor();

  await waitFor(async () => {
    const shown = await pointsShown(page);
    return chosen.every((id) => shown[id] === before[id] + 5);
  }, { what: 'the table to show the new points' });
  assert.deepEqual(await pointsInDatabase(backend, chosen), Object.fromEntries(chosen.map((id) => [id, before[id] + 5])));
  const unchanged = Object.keys(before).filter((id) => !chosen.includes(id));
  const shown = await pointsShown(page);
  for (const id of unchanged) assert.equal(shown[id], before[id], 'members not ticked keep their points');
  const state = `local v${await byTestId(page, 'version-local').textContent()}, cloud v${await byTestId(page, 'version-cloud').textContent()}`;
  assert.equal(await byTestId(page, 'lock-overlay').count(), 0, `the leader never locked on its own change (${state})`);

  await page.reload();
  await byTestId(page, 'employee-row').first().waitFor();
  const reloaded = await pointsShown(page);
  for (const id of chosen) assert.equal(reloaded[id], before[id] + 5, 'the points survive a reload');
  assert.deepEqual(page.consoleErrors, []);
});

test('a viewer can change nothing: no controls, and a forced request is refused by the server', async (t) => {
  const { backend, app, cleanup } = await startStack(t);
  const { context, page } = await openApp(browser, app.url);
  cleanup.add(() => context.close());
  await signInThroughForm(page, 'viewer@punctaj.test');
  await openInstitution(page, 'Politie');

  for (const control of ['points-add', 'points-subtract', 'employee-add', 'employee-delete', 'reset-punctaj', 'city-add']) {
    assert.equal(await byTestId(page, control).count(), 0, `${control} is not offered to a viewer`);
  }
  const before = await pointsShown(page);
  const id = Object.keys(before)[0];
  // The viewer's own session, used to try the change anyway.
  const token = await page.evaluate(() => JSON.parse(localStorage.getItem('punctaj.auth.session')).access_token);
  const { status, body } = await backend.rpc('change_points', { p_institution_id: 1, p_employee_ids: [id], p_delta: 5 }, token);
  assert.equal(status, 403);
  assert.equal(body.code, '42501');
  assert.deepEqual(await pointsInDatabase(backend, [id]), { [id]: before[id] }, 'the points did not move');
});

test('Login with Discord completes the (simulated) Discord sign-in after a click and clears the URL', async (t) => {
  const { backend, app, cleanup } = await startStack(t);
  // The simulated sign-in redirects only to the app's origin: the backend learns it from serveApp.
  await backend.restart();
  const { context, page } = await openApp(browser, app.url);
  cleanup.add(() => context.close());
  const sessions = "select count(*) from auth.sessions s join auth.users u on u.id = s.user_id where u.email = 'discord-demo@punctaj.test'";
  const sessionsBefore = Number(await backend.sql(sessions));
  await byTestId(page, 'login-discord').click();
  // The stand-in for Discord's consent screen: nothing happens until its button is clicked.
  const authorize = byTestId(page, 'simulated-discord-authorize');
  await authorize.waitFor();
  assert.equal(new URL(page.url()).origin, backend.url, 'on the backend\'s page');
  assert.match(await page.textContent('body'), /SIMULATED/);
  assert.equal(Number(await backend.sql(sessions)), sessionsBefore, 'not signed in before the click');
  await authorize.click();
  await byTestId(page, 'city-tab').first().waitFor({ timeout: 30_000 });
  assert.equal(new URL(page.url()).origin, new URL(app.url).origin, 'back on the app');
  assert.equal(Number(await backend.sql(sessions)), sessionsBefore + 1, 'one session, after the click');
  assert.match(await byTestId(page, 'signed-in-as').textContent(), /Demo Discord|demo\.discord/);
  const url = new URL(page.url());
  assert.equal(url.search, '', 'no code left in the URL');
  assert.equal(url.hash, '', 'no token left in the URL');
});

test('a wrong password is explained and a pending account waits for access', async (t) => {
  const { app, cleanup } = await startStack(t);
  const { context, page } = await openApp(browser, app.url);
  cleanup.add(() => context.close());
  await byTestId(page, 'login-email').fill('leader@punctaj.test');
  await byTestId(page, 'login-password').fill('wrong password');
  await byTestId(page, 'login-submit').click();
  assert.ok((await byTestId(page, 'login-error').textContent()).length > 0);

  await byTestId(page, 'login-email').fill('pending@punctaj.test');
  await byTestId(page, 'login-password').fill('punctaj-demo');
  await byTestId(page, 'login-submit').click();
  await byTestId(page, 'pending-access').waitFor();
  assert.equal(await byTestId(page, 'employee-row').count(), 0, 'no data for a pending account');
});

test('an expired session is refreshed without losing the page', async (t) => {
  const { backend, app, cleanup } = await startStack(t, { jwtExpirySecs: 4 });
  const { context, page } = await openApp(browser, app.url);
  cleanup.add(() => context.close());
  await signInThroughForm(page, 'leader@punctaj.test');
  await openInstitution(page, 'Politie');
  const firstToken = await page.evaluate(() => JSON.parse(localStorage.getItem('punctaj.auth.session')).access_token);

  // Half-typed work in a dialog, then the access token expires.
  const before = await pointsShown(page);
  const id = Object.keys(before)[0];
  await byTestId(page, 'points-add').click();
  await byTestId(page, 'points-amount').fill('3');
  await page.locator(`[data-testid="points-member"][data-employee-id="${id}"]`).check();
  await page.waitForTimeout(6_000);

  await byTestId(page, 'points-confirm').click();
  await page.locator('[data-testid="toast"][data-kind="success"]').first().waitFor();
  assert.equal(await byTestId(page, 'login-submit').count(), 0, 'still signed in');
  assert.deepEqual(await pointsInDatabase(backend, [id]), { [id]: before[id] + 3 });
  const renewedToken = await page.evaluate(() => JSON.parse(localStorage.getItem('punctaj.auth.session')).access_token);
  assert.notEqual(renewedToken, firstToken, 'the session was renewed');
});

test('names with quotes, diacritics and <script> display as text', async (t) => {
  const { app, cleanup } = await startStack(t);
  const { context, page } = await openApp(browser, app.url);
  cleanup.add(() => context.close());
  let dialogs = 0;
  page.on('dialog', (dialog) => {
    dialogs += 1;
    dialog.dismiss();
  });
  await signInThroughForm(page, 'viewer@punctaj.test');
  await page.locator('[data-testid="city-tab"][data-name="Valentine"]').click();
  await openInstitution(page, 'Medici');
  const text = await page.locator('table.employee-table').textContent();
  assert.ok(text.includes('<script>alert("x")</script>'));
  assert.ok(text.includes(`O'Brien "Bugsy"`));
  assert.ok(text.includes('Ștefan Țăranu-Îonescu'));
  assert.equal(await page.locator('table script').count(), 0);
  assert.equal(dialogs, 0, 'no script ran');
});
