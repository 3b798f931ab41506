// The end-to-end harness: for each test, a fresh database cloned from the template (demo data),
// its own local backend process, the built app served under a sub-path, and Chromium.
// Everything binds 127.0.0.1; every wait is bounded.
import { spawn, execFile } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { createHmac, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';
import { startServer } from '../../../scripts/serve-dist.mjs';

const run = promisify(execFile);
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const DIST = process.env.PUNCTAJ_E2E_DIST ?? resolve(ROOT, 'target/e2e-dist');
export const BASE_PATH = process.env.PUNCTAJ_E2E_BASE ?? '/punctaj/';
const BACKEND_BIN = process.env.PUNCTAJ_BACKEND_BIN ?? resolve(ROOT, 'target/debug/punctaj-local-backend');
const PG = process.env.PUNCTAJ_TEST_PG ?? 'postgres://postgres@127.0.0.1:54322';
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const PASSWORD = 'punctaj-demo';

export async function freePort() {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  server.close();
  await once(server, 'close');
  return port;
}

async function psql(database, sql) {
  const { stdout } = await run('psql', ['-X', '-q', '-tA', '-v', 'ON_ERROR_STOP=1', `${PG}/${database}`, '-c', sql], {
    env: { ...process.env, PGCONNECT_TIMEOUT: '5' },
  });
  return stdout.trim();
}

async function waitFor(check, { timeout = 15_000, interval = 100, what = 'condition' } = {}) {
  const deadline = Date.now() + timeout;
  let lastError;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((r) => setTimeout(r, interval));
  }
  throw new Error(`timed out waiting for ${what}${lastError ? `: ${lastError.message}` : ''}`);
}

/** A local backend on a fresh copy of the demo database. */
export class Backend {
  static async start({ jwtExpirySecs } = {}) {
    if (!existsSync(BACKEND_BIN)) throw new Error(`missing ${BACKEND_BIN}: run cargo build -p punctaj-local-backend`);
    const backend = new Backend();
    backend.database = `e2e_${randomBytes(6).toString('hex')}`;
    await psql('postgres', `create database "${backend.database}" template punctaj_template`);
    backend.secret = randomBytes(32).toString('hex');
    backend.port = await freePort();
    backend.jwtExpirySecs = jwtExpirySecs;
    const { stdout } = await run(BACKEND_BIN, ['keys'], { env: { ...process.env, PUNCTAJ_JWT_SECRET: backend.secret } });
    for (const line of stdout.split('\n')) {
      const [name, ...value] = line.split('=');
      if (name === 'SUPABASE_ANON_KEY') backend.anonKey = value.join('=');
      if (name === 'SUPABASE_SERVICE_ROLE_KEY') backend.serviceKey = value.join('=');
    }
    await backend.spawn();
    return backend;
  }

  get url() {
    return `http://127.0.0.1:${this.port}`;
  }

  async spawn() {
    const [host, rest] = PG.replace('postgres://', '').split('@');
    void host;
    const env = {
      ...process.env,
      PUNCTAJ_DATABASE_URL: `postgres://authenticator@${rest}/${this.database}`,
      PUNCTAJ_JWT_SECRET: this.secret,
      PUNCTAJ_LISTEN: `127.0.0.1:${this.port}`,
      PUNCTAJ_SITE_URL: this.siteUrl ?? 'http://127.0.0.1/',
    };
    if (this.jwtExpirySecs) env.PUNCTAJ_JWT_EXPIRY_SECS = String(this.jwtExpirySecs);
    this.process = spawn(BACKEND_BIN, ['serve'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    this.log = '';
    this.process.stderr.on('data', (chunk) => {
      this.log = (this.log + chunk).slice(-20_000);
    });
    await waitFor(async () => (await fetch(`${this.url}/health`)).ok, { what: `backend on ${this.url}` });
  }

  /** Stops the server (the database stays): clients see the backend "down". */
  async stop() {
    if (!this.process || this.process.exitCode !== null) return;
    this.process.kill('SIGTERM');
    let timer;
    await Promise.race([once(this.process, 'exit'), new Promise((r) => (timer = setTimeout(r, 5_000)))]);
    clearTimeout(timer); // a pending timer would keep the test process alive for nothing
    if (this.process.exitCode === null) this.process.kill('SIGKILL');
  }

  async restart() {
    await this.stop();
    await this.spawn();
  }

  async destroy() {
    await this.stop();
    await psql('postgres', `drop database if exists "${this.database}" with (force)`).catch(() => {});
  }

  /** SQL as the superuser on this test's database (setup and assertions only). */
  sql(statement) {
    return psql(this.database, statement);
  }

  /** The Realtime endpoint, as supabase-js derives it from the project URL. */
  get realtimeUrl() {
    return `${this.url}/realtime/v1`;
  }

  /** An HS256 token with `claims`, signed with this backend's secret unless `secret` is given. */
  signJwt(claims, secret = this.secret) {
    const part = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const input = `${part({ alg: 'HS256', typ: 'JWT' })}.${part(claims)}`;
    return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
  }

  async signIn(email) {
    const response = await fetch(`${this.url}/auth/v1/token?grant_type=password`, {
      method: 'POST',
      headers: { apikey: this.anonKey, 'content-type': 'application/json' },
      body: JSON.stringify({ email, password: PASSWORD }),
    });
    if (!response.ok) throw new Error(`sign-in ${email}: ${response.status} ${await response.text()}`);
    return response.json();
  }

  /** A REST call as `token` (or anonymous): { status, body }. */
  async rest(method, path, { token, body, headers = {} } = {}) {
    const response = await fetch(`${this.url}${path}`, {
      method,
      headers: {
        apikey: this.anonKey,
        authorization: `Bearer ${token ?? this.anonKey}`,
        'content-type': 'application/json',
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {}
    return { status: response.status, body: parsed, headers: response.headers };
  }

  rpc(name, args, token) {
    return this.rest('POST', `/rest/v1/rpc/${name}`, { token, body: args });
  }

  async cloudMeta() {
    const { body } = await this.rest('GET', '/rest/v1/sync_metadata?select=version,data_hash&sync_key=eq.global_version', {
      token: this.serviceKey,
    });
    return { version: Number(body[0].version), dataHash: body[0].data_hash.trim() };
  }
}

/**
 * The built app (target/e2e-dist) under BASE_PATH. Its config.json points at `backend`, unless
 * `config` gives the file's text, or is null (no config.json at all).
 */
export async function serveApp(backend, { config } = {}) {
  const configJson =
    config === undefined ? JSON.stringify({ supabaseUrl: backend.url, supabaseAnonKey: backend.anonKey }) : config;
  const server = await startServer({ dir: DIST, port: 0, base: BASE_PATH, configJson });
  const { port } = server.address();
  const url = `http://127.0.0.1:${port}${BASE_PATH}`;
  if (backend) backend.siteUrl = url;
  return { url, close: () => new Promise((r) => server.close(r)) };
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** A new browser context (its own storage: an independent client) on the app. */
export async function openApp(browser, appUrl) {
  const context = await browser.newContext();
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  page.consoleErrors = [];
  page.on('pageerror', (error) => page.consoleErrors.push(String(error)));
  await page.goto(appUrl);
  return { context, page };
}

export const byTestId = (page, id) => page.locator(`[data-testid="${id}"]`);

/** Signs in through the login form and waits until the app shows data. */
export async function signInThroughForm(page, email) {
  await byTestId(page, 'login-email').fill(email);
  await byTestId(page, 'login-password').fill(PASSWORD);
  await byTestId(page, 'login-submit').click();
  await byTestId(page, 'city-tab').first().waitFor();
  await page.waitForFunction(() => !document.querySelector('[data-testid="lock-overlay"]'), null, { timeout: 30_000 });
}

/** Everything a test started, torn down in reverse order whatever happens. */
export class Cleanup {
  constructor() {
    this.steps = [];
  }
  add(step) {
    this.steps.push(step);
    return step;
  }
  async run() {
    for (const step of this.steps.reverse()) {
      await Promise.resolve().then(step).catch(() => {});
    }
  }
}

/** For one test: a fresh backend, the app served for it, and their teardown after the test. */
export async function startStack(t, options) {
  const cleanup = new Cleanup();
  t.after(() => cleanup.run());
  const backend = await Backend.start(options);
  cleanup.add(() => backend.destroy());
  const app = await serveApp(backend);
  cleanup.add(() => app.close());
  return { backend, app, cleanup };
}

export { waitFor };
