// Accessibility, checked by a tool: axe-core runs on every page and dialog, unlocked and locked
// (the lock overlay after a change from another client), in Romanian and in English. Any violation
// fails, whatever its impact (critical, serious, moderate, minor). No emoji either: icons are SVG.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { byTestId, launchBrowser, openApp, serveApp, signInThroughForm, startStack } from '../lib/harness.mjs';

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const FAILING = new Set(['critical', 'serious', 'moderate', 'minor']);

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

/** Every violation seen, `{ lang, where, id, impact, help, targets }`, for the summary. */
const seen = [];
/** The failing ones, as text. */
const failures = [];

/**
 * Runs axe on the whole document as it is now and records what it finds under `where`. A page
 * navigated in the app keeps the injected script (one document); a reload needs it again.
 */
async function check(page, lang, where) {
  // Let transitions and the last render settle: axe reads computed colours.
  await page.waitForTimeout(150);
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.addScriptTag({ path: AXE });
  const violations = await page.evaluate(async () => {
    const results = await window.axe.run(document, { resultTypes: ['violations'] });
    return results.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      targets: v.nodes.map((node) => `${node.target.join(' ')}${node.failureSummary ? ` (${node.failureSummary.split('\n').slice(1).join(' ').trim()})` : ''}`),
    }));
  });
  for (const violation of violations) {
    seen.push({ lang, where, ...violation });
    if (!FAILING.has(violation.impact)) {
      console.log(`[a11y ${lang}] ${where}: ${violation.impact} ${violation.id}: ${violation.help}\n    ${violation.targets.slice(0, 5).join('\n    ')}`);
    }
  }
  // Icons are inline SVGs (components/icon), never emoji, which need an emoji font to show.
  const emoji = await page.evaluate(() => {
    const pictographic = /\p{Extended_Pictographic}/u;
    const labels = [...document.querySelectorAll('[aria-label], [title], [placeholder]')].flatMap((el) =>
      ['aria-label', 'title', 'placeholder'].map((name) => el.getAttribute(name) ?? ''),
    );
    return [document.body.innerText, document.title, ...labels].filter((text) => pictographic.test(text)).map((text) => text.slice(0, 80));
  });
  for (const text of emoji) failures.push(`${lang} ${where}: an emoji in the UI: ${JSON.stringify(text)}`);
  // Recorded, not thrown: one run lists every page's failures; the test asserts at its end.
  for (const v of violations.filter((v) => FAILING.has(v.impact))) {
    failures.push(`${lang} ${where}: ${v.impact} ${v.id}: ${v.help}\n    ${v.targets.join('\n    ')}`);
  }
}

/** Opens a dialog with `opener`, checks it, and closes it with Escape. */
async function checkDialog(page, lang, where, opener, dialog) {
  await byTestId(page, opener).click();
  await byTestId(page, dialog).waitFor();
  await check(page, lang, where);
  await page.keyboard.press('Escape');
  await byTestId(page, dialog).waitFor({ state: 'detached' });
}

/** A fresh browser session on the sign-in page, in `lang` (chosen with the language picker). */
async function signInPage(app, cleanup, lang) {
  const { context, page } = await openApp(browser, app.url);
  cleanup.add(() => context.close());
  await byTestId(page, 'login-email').waitFor();
  if (lang !== 'ro') {
    await byTestId(page, 'language').selectOption(lang);
    await page.waitForFunction((code) => document.documentElement.lang === code, lang);
  }
  return page;
}

async function open(page, kind, name) {
  await page.locator(`[data-testid="${kind}-tab"][data-name="${name}"]`).click();
  await page.locator(`[data-testid="${kind}-tab"][data-name="${name}"][aria-current="page"]`).waitFor();
}

/** A change by another account: this client locks at its next check. */
async function changeFromElsewhere(backend, page) {
  const leader = (await backend.signIn('leader@punctaj.test')).access_token;
  const id = await backend.sql('select id from employees where institution_id = 1 and deleted_at is null order by id limit 1');
  const { status } = await backend.rpc('change_points', { p_institution_id: 1, p_employee_ids: [id], p_delta: 1 }, leader);
  assert.equal(status, 200);
  await byTestId(page, 'lock-overlay').waitFor({ timeout: 10_000 });
}

async function unlock(page) {
  await byTestId(page, 'download-sync').click();
  await byTestId(page, 'lock-overlay').waitFor({ state: 'detached', timeout: 30_000 });
}

for (const lang of ['ro', 'en']) {
  test(`axe finds no violation on any page or dialog (${lang})`, async (t) => {
    const { backend, app, cleanup } = await startStack(t);

    // Signed out: the sign-in form, and the sign-up form behind its toggle.
    const page = await signInPage(app, cleanup, lang);
    await check(page, lang, 'sign-in');
    await byTestId(page, 'login-toggle-signup').click();
    await check(page, lang, 'sign-up');
    await byTestId(page, 'login-toggle-signup').click();

    // The owner sees every page and every control.
    await signInThroughForm(page, 'owner@punctaj.test');
    await check(page, lang, 'home (cities)');
    await open(page, 'city', 'Saint Denis');
    await check(page, lang, 'home (a city)');
    await open(page, 'city', 'BlackWater');
    await open(page, 'institution', 'Politie');
    await byTestId(page, 'employee-row').first().waitFor();
    await check(page, lang, 'home (an institution table)');

    // The dialogs of the home page.
    await byTestId(page, 'employee-select').first().check();
    await checkDialog(page, lang, 'points dialog (add)', 'points-add', 'points-dialog');
    await checkDialog(page, lang, 'points dialog (subtract)', 'points-subtract', 'points-dialog');
    await checkDialog(page, lang, 'employee form (add)', 'employee-add', 'employee-form');
    await checkDialog(page, lang, 'employee form (edit)', 'employee-edit', 'employee-form');
    await checkDialog(page, lang, 'confirm dialog (delete members)', 'employee-delete', 'confirm-dialog');
    await checkDialog(page, lang, 'reset dialog', 'reset-punctaj', 'reset-dialog');
    await checkDialog(page, lang, 'name dialog (new city)', 'city-add', 'name-dialog');
    await checkDialog(page, lang, 'name dialog (rename city)', 'city-rename', 'name-dialog');
    await checkDialog(page, lang, 'institution editor (new institution)', 'institution-add', 'institution-editor');
    await checkDialog(page, lang, 'institution editor (ranks and columns)', 'institution-structure', 'institution-editor');
    await checkDialog(page, lang, 'confirm dialog (delete city)', 'city-delete', 'confirm-dialog');
    await checkDialog(page, lang, 'deleted items', 'deleted-items', 'deleted-items-dialog');

    // Locked: the overlay above the table, then above an open dialog.
    await changeFromElsewhere(backend, page);
    await check(page, lang, 'lock overlay (home)');
    await unlock(page);
    await byTestId(page, 'points-add').click();
    await byTestId(page, 'points-dialog').waitFor();
    await changeFromElsewhere(backend, page);
    await check(page, lang, 'lock overlay (above the points dialog)');
    await unlock(page);
    await page.keyboard.press('Escape');
    await byTestId(page, 'points-dialog').waitFor({ state: 'detached' });

    // The other pages.
    await byTestId(page, 'nav-archive').click();
    await byTestId(page, 'archive-item').first().waitFor();
    await check(page, lang, 'archive (list)');
    await byTestId(page, 'archive-show-after-reset').check();
    await page.locator('[data-testid="archive-item"][data-path="BlackWater/Politie_2026-02-18_18-13-47.json"] [data-testid="archive-open"]').click();
    await byTestId(page, 'archive-row').first().waitFor();
    await check(page, lang, 'archive (one open)');

    await byTestId(page, 'nav-audit').click();
    await byTestId(page, 'audit-page').waitFor();
    await byTestId(page, 'audit-row').first().waitFor();
    await check(page, lang, 'audit log');

    await byTestId(page, 'nav-settings').click();
    await byTestId(page, 'sync-log-row').first().waitFor();
    await check(page, lang, 'settings');
    await checkDialog(page, lang, 'confirm dialog (force sync)', 'force-sync', 'confirm-dialog');
    await changeFromElsewhere(backend, page);
    await check(page, lang, 'lock overlay (settings)');
    await unlock(page);

    await byTestId(page, 'nav-members').click();
    await byTestId(page, 'member-row').first().waitFor();
    await check(page, lang, 'members');

    await byTestId(page, 'nav-import').click();
    await byTestId(page, 'import-drop').waitFor();
    await check(page, lang, 'import');

    // An account without access yet.
    const pending = await signInPage(app, cleanup, lang);
    await byTestId(pending, 'login-email').fill('pending@punctaj.test');
    await byTestId(pending, 'login-password').fill('punctaj-demo');
    await byTestId(pending, 'login-submit').click();
    await byTestId(pending, 'pending-access').waitFor();
    await check(pending, lang, 'pending access');

    // No configuration: the page that says so.
    const unconfigured = await serveApp(null, { config: null });
    cleanup.add(() => unconfigured.close());
    const { context, page: problem } = await openApp(browser, unconfigured.url);
    cleanup.add(() => context.close());
    await byTestId(problem, 'config-problem').waitFor();
    if (lang !== 'ro') {
      await byTestId(problem, 'language').selectOption(lang);
      await problem.waitForFunction((code) => document.documentElement.lang === code, lang);
    }
    await check(problem, lang, 'configuration problem');

    assert.deepEqual(failures.filter((failure) => failure.startsWith(`${lang} `)), [], 'no serious or critical accessibility violation');
    assert.deepEqual([...page.consoleErrors, ...pending.consoleErrors], []);
  });
}

after(() => {
  const counts = {};
  for (const { impact } of seen) counts[impact] = (counts[impact] ?? 0) + 1;
  console.log(`[a11y] violations (rule × page): ${JSON.stringify(counts)}`);
  const rules = {};
  for (const { id, impact } of seen) rules[`${impact} ${id}`] = (rules[`${impact} ${id}`] ?? 0) + 1;
  console.log(`[a11y] by rule: ${JSON.stringify(rules)}`);
});

