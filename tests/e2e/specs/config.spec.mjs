// A missing, malformed or unsafe configuration explains itself: never a blank page or a panic.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, openApp, serveApp, byTestId } from '../lib/harness.mjs';

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

async function configErrorFor(config) {
  const app = await serveApp(null, { config });
  const { context, page } = await openApp(browser, app.url);
  try {
    const error = byTestId(page, 'config-error');
    await error.waitFor();
    assert.deepEqual(page.consoleErrors, [], 'no panic');
    return await error.textContent();
  } finally {
    await context.close();
    await app.close();
  }
}

test('a missing config.json says which file is missing and how to fix it', async () => {
  const text = await configErrorFor(null);
  assert.match(text, /config\.json/);
});

test('a malformed config.json is reported as malformed', async () => {
  const text = await configErrorFor('{ "supabaseUrl": ');
  assert.match(text, /JSON/);
});

test('a config.json without the key names the missing field', async () => {
  const text = await configErrorFor(JSON.stringify({ supabaseUrl: 'http://127.0.0.1:9' }));
  assert.match(text, /supabaseAnonKey/);
});

test('a service_role key is refused before anything is sent', async () => {
  const payload = Buffer.from(JSON.stringify({ role: 'service_role', iss: 'supabase' })).toString('base64url');
  const key = `eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.${payload}.c2lnbmF0dXJl`;
  const text = await configErrorFor(JSON.stringify({ supabaseUrl: 'http://127.0.0.1:9', supabaseAnonKey: key }));
  assert.match(text, /service_role/);
});

test('the configuration can be entered in the browser when the file is missing', async () => {
  const app = await serveApp(null, { config: null });
  const { context, page } = await openApp(browser, app.url);
  try {
    await byTestId(page, 'config-url').fill('not a url');
    await byTestId(page, 'config-key').fill('x');
    await byTestId(page, 'config-save').click();
    const error = await byTestId(page, 'config-form-error').textContent();
    assert.ok(error.length > 0, 'an invalid override is refused with a message');
  } finally {
    await context.close();
    await app.close();
  }
});
