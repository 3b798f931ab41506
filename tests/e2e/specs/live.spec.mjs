// Live sync, end to end: push through Realtime locks other browsers at once, the 1-second check
// stays the backstop, presence shows who is on which version, and the chime follows the lock.
// Two independent browser sessions on one local backend each time.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  Backend,
  Cleanup,
  byTestId,
  launchBrowser,
  openApp,
  serveApp,
  signInThroughForm,
  waitFor,
} from '../lib/harness.mjs';

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

/** A backend and the app, whose config.json may add live-sync settings. */
async function stack(t, settings = {}) {
  const cleanup = new Cleanup();
  t.after(() => cleanup.run());
  const backend = await Backend.start();
  cleanup.add(() => backend.destroy());
  const app = await serveApp(backend, {
    config: JSON.stringify({ supabaseUrl: backend.url, supabaseAnonKey: backend.anonKey, ...settings }),
  });
  cleanup.add(() => app.close());
  return { backend, app, cleanup };
}

/**
 * Signs `email` in on a fresh browser context. The page records when the lock overlay appears
 * (`window.__lockedAt`, performance clock) and every version check it sends.
 */
async function client(app, cleanup, email, { beforeSignIn } = {}) {
  const context = await browser.newContext();
  context.setDefaultTimeout(15_000);
  cleanup.add(() => context.close());
  if (beforeSignIn) await beforeSignIn(context);
  const page = await context.newPage();
  page.consoleErrors = [];
  page.on('pageerror', (error) => page.consoleErrors.push(String(error)));
  page.checks = [];
  page.on('request', (request) => {
    if (/\/rest\/v1\/sync_metadata\?/.test(request.url())) page.checks.push(Date.now());
  });
  await page.goto(app.url);
  await signInThroughForm(page, email);
  await page.evaluate(() => {
    window.__lockedAt = null;
    new MutationObserver(() => {
      const locked = !!document.querySelector('[data-testid="lock-overlay"]');
      if (locked && window.__lockedAt === null) window.__lockedAt = Date.now();
      if (!locked) window.__lockedAt = null;
    }).observe(document.body, { childList: true, subtree: true });
  });
  return page;
}

const status = (page) => byTestId(page, 'sync-status');
const overlay = (page) => byTestId(page, 'lock-overlay');
const isLocked = async (page) => (await overlay(page).count()) > 0;

async function waitLive(page, live = 'true', timeout = 15_000) {
  await page.locator(`[data-testid="sync-status"][data-live="${live}"]`).waitFor({ timeout });
}

/** A points change made by another user, through the database's RPC: committed when it returns. */
async function changePoints(backend, delta = 1) {
  const token = (await backend.signIn('leader@punctaj.test')).access_token;
  const ids = (await backend.sql('select id from employees where institution_id = 1 and deleted_at is null order by id limit 1'))
    .split('\n')
    .filter(Boolean);
  const committedAt = Date.now();
  const { status: code } = await backend.rpc('change_points', { p_institution_id: 1, p_employee_ids: ids, p_delta: delta }, token);
  assert.equal(code, 200);
  return committedAt;
}

async function download(page) {
  await byTestId(page, 'download-sync').click();
  await overlay(page).waitFor({ state: 'detached', timeout: 30_000 });
}

/** The owner (A) and a viewer (B), both signed in with push connected. */
async function ownerAndViewerLive(t) {
  const { backend, app, cleanup } = await stack(t);
  const a = await client(app, cleanup, 'owner@punctaj.test');
  const b = await client(app, cleanup, 'viewer@punctaj.test');
  await waitLive(a);
  await waitLive(b);
  return { backend, a, b };
}

const marks = (page, name) => page.evaluate((name) => performance.getEntriesByName(name, 'mark').length, name);

test('with checks slowed to 30 s, a change locks B within 1 s through push alone', async (t) => {
  const { backend, app, cleanup } = await stack(t, { liveCheckIntervalMs: 30_000 });
  const b = await client(app, cleanup, 'viewer@punctaj.test');
  await waitLive(b);
  // Once live, B checks only every 30 s: let the check that followed the join pass.
  await waitFor(async () => b.checks.length > 0 && Date.now() - b.checks.at(-1) > 1_500, { what: 'a quiet second' });
  const checksBefore = b.checks.length;

  const started = await changePoints(backend);
  await overlay(b).waitFor({ timeout: 5_000 });
  const lockedAt = await b.evaluate(() => window.__lockedAt);
  const latency = lockedAt - started;
  assert.ok(latency <= 1_000, `B locked ${latency} ms after the change`);
  assert.equal(b.checks.length - checksBefore, 1, 'exactly one check: the one the broadcast asked for');
  assert.equal(await status(b).getAttribute('data-state'), 'locked');
  assert.deepEqual(b.consoleErrors, []);
});

test('with the WebSocket blocked, the 1-second check still locks B within 2 s', async (t) => {
  const { backend, app, cleanup } = await stack(t, { liveCheckIntervalMs: 30_000 });
  const b = await client(app, cleanup, 'viewer@punctaj.test', {
    beforeSignIn: (context) => context.routeWebSocket(/\/realtime\/v1\/websocket/, (socket) => socket.close()),
  });
  await waitLive(b, 'false');
  await b.waitForTimeout(1_500);
  assert.equal(await status(b).getAttribute('data-live'), 'false', 'the indicator says: checks only');
  const recent = b.checks.filter((at) => at > Date.now() - 3_000).length;
  assert.ok(recent >= 2, `without push B keeps checking every second (${recent} checks in 3 s)`);

  const started = await changePoints(backend);
  await overlay(b).waitFor({ timeout: 5_000 });
  const latency = (await b.evaluate(() => window.__lockedAt)) - started;
  assert.ok(latency <= 2_000, `B locked ${latency} ms after the change, by its check`);
});

test('the backend restarts: B reconnects, checks again and locks for what changed meanwhile', async (t) => {
  const { backend, app, cleanup } = await stack(t, { liveCheckIntervalMs: 30_000 });
  const b = await client(app, cleanup, 'viewer@punctaj.test');
  await waitLive(b);

  await backend.stop();
  await waitLive(b, 'false', 30_000);
  // Changed while the server was away (the database stayed up): no broadcast reached B.
  await backend.sql("update employees set punctaj = punctaj + 3 where institution_id = 1 and deleted_at is null");
  await backend.spawn();
  await waitLive(b, 'true', 45_000);
  await overlay(b).waitFor({ timeout: 5_000 });
  await download(b);
  assert.equal(await status(b).getAttribute('data-state'), 'ok');
  assert.equal(await status(b).getAttribute('data-live'), 'true');
});

test('a broadcast crafted by a client, or replayed with an old version, locks and unlocks nobody', async (t) => {
  const { backend, app, cleanup } = await stack(t, { liveCheckIntervalMs: 30_000 });
  const b = await client(app, cleanup, 'viewer@punctaj.test');
  await waitLive(b);
  await waitFor(async () => b.checks.length > 0 && Date.now() - b.checks.at(-1) > 1_500, { what: 'a quiet second' });

  // A member's own client tries to broadcast a new version: the channel refuses it, so B does
  // not even check.
  const member = await client(app, cleanup, 'member@punctaj.test');
  await waitLive(member);
  const checksBefore = b.checks.length;
  await member.evaluate(async () => {
    const session = JSON.parse(localStorage.getItem('punctaj.auth.session'));
    const config = await (await fetch('config.json')).json();
    const url = `${config.supabaseUrl.replace(/^http/, 'ws')}/realtime/v1/websocket?apikey=${config.supabaseAnonKey}&vsn=2.0.0`;
    const socket = new WebSocket(url);
    await new Promise((resolve) => (socket.onopen = resolve));
    const topic = 'realtime:punctaj:sync';
    socket.send(JSON.stringify(['1', '1', topic, 'phx_join', { config: { broadcast: { self: false, ack: true }, presence: { enabled: false }, private: true }, access_token: session.access_token }]));
    await new Promise((resolve) => setTimeout(resolve, 500));
    socket.send(JSON.stringify(['1', '2', topic, 'broadcast', { type: 'broadcast', event: 'version', payload: { version: 999999, data_hash: '0'.repeat(64) } }]));
    await new Promise((resolve) => setTimeout(resolve, 500));
    socket.close();
  });
  await b.waitForTimeout(1_000);
  assert.equal(await isLocked(b), false, 'a client cannot lock anyone');
  assert.equal(b.checks.length, checksBefore, 'the forged message never reached B');

  // A message that does reach B (sent from the database) with a version from the future: B
  // checks at once, finds the cloud unchanged, and stays unlocked.
  await backend.sql(`select realtime.send('{"version": 999999, "data_hash": "${'0'.repeat(64)}"}'::jsonb, 'version', 'punctaj:sync', true)`);
  await waitFor(async () => b.checks.length > checksBefore, { timeout: 3_000, what: 'the check the broadcast asks for' });
  await b.waitForTimeout(700);
  assert.equal(await isLocked(b), false, 'the message is not the truth: the check is');

  // B is locked by a real change; an old version replayed does not unlock it.
  await changePoints(backend);
  await overlay(b).waitFor({ timeout: 5_000 });
  const { version } = await backend.cloudMeta();
  await backend.sql(`select realtime.send('{"version": ${version - 1}, "data_hash": "${'1'.repeat(64)}"}'::jsonb, 'version', 'punctaj:sync', true)`);
  await b.waitForTimeout(1_500);
  assert.equal(await isLocked(b), true, 'still locked until B downloads');
});

test('presence: both clients and their versions, converging after a force sync', async (t) => {
  const { backend, a, b } = await ownerAndViewerLive(t);
  await byTestId(a, 'nav-settings').click();
  const items = a.locator('[data-testid="presence-item"]');
  await waitFor(async () => (await items.count()) === 2, { what: 'two clients in the presence list' });
  const before = await backend.cloudMeta();
  assert.deepEqual(await items.evaluateAll((nodes) => nodes.map((n) => Number(n.dataset.version))), [before.version, before.version]);
  assert.match(await byTestId(a, 'presence-synced').textContent(), new RegExp(`2 din 2 .*${before.version}`));

  await byTestId(a, 'force-sync').click();
  await byTestId(a, 'force-sync-confirm').click();
  await overlay(b).waitFor({ timeout: 5_000 });
  const after = await backend.cloudMeta();
  // A adopted its own change; B is locked on the old version.
  await waitFor(async () => (await byTestId(a, 'presence-synced').textContent()).startsWith('1 din 2'), { what: '1 of 2 on the new version' });
  assert.match(await byTestId(a, 'presence-synced').textContent(), new RegExp(`${after.version}`));
  await download(b);
  await waitFor(async () => (await byTestId(a, 'presence-synced').textContent()).startsWith('2 din 2'), { what: '2 of 2 after the download' });
  assert.deepEqual(await items.evaluateAll((nodes) => nodes.map((n) => Number(n.dataset.version))), [after.version, after.version]);
});

test('the chime plays on a lock, never for the own change, and not when muted', async (t) => {
  const { backend, a, b } = await ownerAndViewerLive(t);

  // A forces a sync from its settings: B locks and chimes; A, whose own change it is, neither.
  await byTestId(a, 'nav-settings').click();
  await byTestId(a, 'force-sync').click();
  await byTestId(a, 'force-sync-confirm').click();
  await overlay(b).waitFor({ timeout: 5_000 });
  await waitFor(async () => (await marks(b, 'punctaj:chime')) === 1, { timeout: 3_000, what: 'the chime' });
  await a.waitForTimeout(1_000);
  assert.equal(await isLocked(a), false);
  assert.equal((await marks(a, 'punctaj:chime')) + (await marks(a, 'punctaj:chime-muted')), 0, 'no alert for the own change');
  await download(b);

  // Muted in B's settings (kept across a reload): the next lock is silent.
  await byTestId(b, 'nav-settings').click();
  await byTestId(b, 'chime-toggle').uncheck();
  await b.reload();
  await byTestId(b, 'nav-settings').click();
  assert.equal(await byTestId(b, 'chime-toggle').isChecked(), false, 'the choice is kept');
  await waitLive(b);
  await changePoints(backend);
  await overlay(b).waitFor({ timeout: 5_000 });
  await waitFor(async () => (await marks(b, 'punctaj:chime-muted')) === 1, { timeout: 3_000, what: 'the muted lock' });
  assert.equal(await marks(b, 'punctaj:chime'), 0, 'nothing played while muted');
});
