// Realtime conformance: the OFFICIAL client (@supabase/realtime-js 2.119.0, protocol 2.0.0 with its
// binary broadcast frames) against the local backend's /realtime/v1/websocket. No browser needed.
// Node 20 has no global WebSocket: the `ws` package is the transport. Every wait is bounded.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { RealtimeClient } from '@supabase/realtime-js';
import { WebSocket } from 'ws';
import { Backend, Cleanup, waitFor } from '../lib/harness.mjs';

const SYNC = 'punctaj:sync';

/** A realtime-js client as supabase-js builds one (apikey in the URL), plus its teardown. */
function newClient(backend, cleanup, options = {}) {
  const client = new RealtimeClient(backend.realtimeUrl, {
    params: { apikey: backend.anonKey },
    transport: WebSocket,
    timeout: 5_000,
    ...options,
  });
  cleanup.add(() => disconnectQuietly(client));
  return client;
}

/**
 * `client.disconnect()` (also called by `removeChannel` for the last channel) arms a 10 s fallback
 * timer it never clears, which would keep this test process alive 10 s after the last test: the
 * timers it creates synchronously are unref'd. Disconnecting also stops every channel's timers.
 */
async function disconnectQuietly(client) {
  const setTimeoutOriginal = globalThis.setTimeout;
  globalThis.setTimeout = (...args) => {
    const timer = setTimeoutOriginal(...args);
    timer.unref?.();
    return timer;
  };
  let done;
  try {
    done = client.disconnect();
  } finally {
    globalThis.setTimeout = setTimeoutOriginal;
  }
  await done;
}

/** Subscribes and records every status the subscribe callback reports. */
function subscribe(channel) {
  const statuses = [];
  const errors = [];
  channel.subscribe((status, error) => {
    statuses.push(status);
    if (error) errors.push(error);
  });
  const count = (status) => statuses.filter((s) => s === status).length;
  return {
    statuses,
    errors,
    until: (status, times = 1, timeout = 10_000) =>
      waitFor(() => count(status) >= times, { timeout, interval: 20, what: `${channel.topic} ${status} ×${times} (seen ${statuses})` }),
  };
}

function broadcasts(channel, event) {
  const seen = [];
  channel.on('broadcast', { event }, (message) => seen.push(message));
  return seen;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

describe('realtime with the official client', () => {
  let backend;
  let tokens;
  const cleanup = new Cleanup();

  before(async () => {
    backend = await Backend.start();
    cleanup.add(() => backend.destroy());
    tokens = {};
    for (const who of ['member', 'owner', 'pending', 'viewer']) {
      tokens[who] = await backend.signIn(`${who}@punctaj.test`);
    }
  });
  after(() => cleanup.run());

  test('heartbeats are answered', async () => {
    const seen = [];
    const client = newClient(backend, cleanup, { heartbeatIntervalMs: 200, heartbeatCallback: (status) => seen.push(status) });
    client.connect();
    await waitFor(() => seen.includes('ok'), { timeout: 5_000, interval: 20, what: `heartbeat ok (seen ${seen})` });
    assert.ok(!seen.includes('timeout'), `${seen}`);
  });

  test('a member joins punctaj:sync and receives broadcasts from SQL and from force_sync', async () => {
    const client = newClient(backend, cleanup);
    await client.setAuth(tokens.member.access_token);
    const channel = client.channel(SYNC, { config: { private: true } });
    const versions = broadcasts(channel, 'version');
    const status = subscribe(channel);
    await status.until('SUBSCRIBED');

    await backend.sql(`select realtime.send('{"version":99}'::jsonb, 'version', '${SYNC}', true)`);
    await waitFor(() => versions.length >= 1, { timeout: 5_000, interval: 10, what: 'the SQL broadcast' });
    assert.equal(versions[0].type, 'broadcast');
    assert.equal(versions[0].event, 'version');
    assert.equal(versions[0].payload.version, 99);
    assert.equal(typeof versions[0].meta.id, 'string');

    const before = await backend.cloudMeta();
    const { status: rpcStatus, body } = await backend.rpc('force_sync', {}, tokens.owner.access_token);
    assert.ok(rpcStatus < 300, `force_sync: ${rpcStatus} ${JSON.stringify(body)}`);
    await waitFor(() => versions.length >= 2, { timeout: 5_000, interval: 10, what: 'the force_sync broadcast' });
    assert.equal(versions[1].payload.version, before.version + 1);
    assert.deepEqual(status.errors, []);
  });

  test('protocol 1.0.0 (JSON objects) works too', async () => {
    const client = newClient(backend, cleanup, { vsn: '1.0.0' });
    await client.setAuth(tokens.viewer.access_token);
    const channel = client.channel(SYNC, { config: { private: true } });
    const versions = broadcasts(channel, 'version');
    await subscribe(channel).until('SUBSCRIBED');
    await backend.sql(`select realtime.send('{"version":77}'::jsonb, 'version', '${SYNC}', true)`);
    await waitFor(() => versions.some((v) => v.payload.version === 77), { timeout: 5_000, interval: 10, what: 'a 1.0.0 broadcast' });
  });

  for (const [who, token, reason] of [
    ['anon (no token)', () => null, /^Unauthorized: You do not have permissions to read from this Channel topic: punctaj:sync/],
    ['a pending account', () => tokens.pending.access_token, /^Unauthorized: You do not have permissions to read/],
    [
      'an expired token',
      () => backend.signJwt({ role: 'authenticated', aud: 'authenticated', sub: tokens.member.user.id, exp: Math.floor(Date.now() / 1000) - 30 }),
      /Token has expired/,
    ],
    [
      'a forged token',
      () => backend.signJwt({ role: 'service_role', exp: Math.floor(Date.now() / 1000) + 600 }, 'a-secret-that-is-not-the-backend-one'),
      /JwtSignatureError/,
    ],
  ]) {
    test(`${who} is refused (CHANNEL_ERROR)`, async () => {
      const client = newClient(backend, cleanup);
      const t = token();
      if (t) await client.setAuth(t);
      const channel = client.channel(SYNC, { config: { private: true } });
      const status = subscribe(channel);
      await status.until('CHANNEL_ERROR');
      assert.ok(!status.statuses.includes('SUBSCRIBED'));
      assert.match(status.errors[0].message, reason);
    });
  }

  test('presence track and untrack are seen by a second client', async () => {
    const a = newClient(backend, cleanup);
    const b = newClient(backend, cleanup);
    await a.setAuth(tokens.member.access_token);
    await b.setAuth(tokens.owner.access_token);
    const channelA = a.channel(SYNC, { config: { private: true, presence: { key: 'member' } } });
    const channelB = b.channel(SYNC, { config: { private: true, presence: { key: 'owner' } } });
    const joins = [];
    const leaves = [];
    let syncs = 0;
    channelB
      .on('presence', { event: 'sync' }, () => syncs++)
      .on('presence', { event: 'join' }, (e) => joins.push(e))
      .on('presence', { event: 'leave' }, (e) => leaves.push(e));
    channelA.on('presence', { event: 'sync' }, () => {});
    const statusA = subscribe(channelA);
    const statusB = subscribe(channelB);
    await Promise.all([statusA.until('SUBSCRIBED'), statusB.until('SUBSCRIBED')]);
    await waitFor(() => syncs >= 1, { timeout: 5_000, interval: 10, what: 'presence_state on B' });

    assert.equal(await channelA.track({ page: 'home' }), 'ok');
    await waitFor(() => joins.some((j) => j.key === 'member'), { timeout: 5_000, interval: 10, what: 'the join on B' });
    const join = joins.find((j) => j.key === 'member');
    assert.equal(join.newPresences[0].page, 'home');
    assert.equal(typeof join.newPresences[0].presence_ref, 'string');
    assert.deepEqual(Object.keys(channelB.presenceState()), ['member']);

    assert.equal(await channelA.untrack(), 'ok');
    await waitFor(() => leaves.some((l) => l.key === 'member'), { timeout: 5_000, interval: 10, what: 'the leave on B' });
    assert.deepEqual(channelB.presenceState(), {});
  });

  test('a client broadcast on punctaj:sync is not delivered (nobody may send there)', async () => {
    const a = newClient(backend, cleanup);
    const b = newClient(backend, cleanup);
    await a.setAuth(tokens.member.access_token);
    await b.setAuth(tokens.viewer.access_token);
    const sender = a.channel(SYNC, { config: { private: true, broadcast: { ack: true, self: true } } });
    const receiver = b.channel(SYNC, { config: { private: true } });
    const seenB = broadcasts(receiver, 'version');
    const seenA = broadcasts(sender, 'version');
    const statusA = subscribe(sender);
    const statusB = subscribe(receiver);
    await Promise.all([statusA.until('SUBSCRIBED'), statusB.until('SUBSCRIBED')]);
    const result = await sender.send({ type: 'broadcast', event: 'version', payload: { version: 123456 } });
    assert.equal(result, 'error');
    await sleep(700);
    assert.deepEqual(seenB, []);
    assert.deepEqual(seenA, []);
  });

  test('on a public channel client broadcasts (binary frames) reach the others', async () => {
    const a = newClient(backend, cleanup);
    const b = newClient(backend, cleanup);
    const sender = a.channel('room:e2e', { config: { broadcast: { ack: true } } });
    const receiver = b.channel('room:e2e');
    const seen = broadcasts(receiver, 'cursor');
    const mine = broadcasts(sender, 'cursor');
    await Promise.all([subscribe(sender).until('SUBSCRIBED'), subscribe(receiver).until('SUBSCRIBED')]);
    assert.equal(await sender.send({ type: 'broadcast', event: 'cursor', payload: { x: 1, name: 'Ștefan' } }), 'ok');
    await waitFor(() => seen.length >= 1, { timeout: 5_000, interval: 10, what: 'the public broadcast' });
    assert.deepEqual(seen[0], { type: 'broadcast', event: 'cursor', payload: { x: 1, name: 'Ștefan' } });
    await sleep(300);
    assert.deepEqual(mine, [], 'not to itself without broadcast.self');
  });

  test('a channel whose token expires gets a system error and is closed', async () => {
    const client = newClient(backend, cleanup);
    const exp = Math.floor(Date.now() / 1000) + 2;
    await client.setAuth(backend.signJwt({ role: 'authenticated', aud: 'authenticated', sub: tokens.member.user.id, exp }));
    const channel = client.channel(SYNC, { config: { private: true } });
    const system = [];
    channel.on('system', {}, (message) => system.push(message));
    const status = subscribe(channel);
    await status.until('SUBSCRIBED');
    await status.until('CLOSED', 1, 8_000);
    const error = system.find((m) => m.status === 'error');
    assert.ok(error, JSON.stringify(system));
    assert.match(error.message, /^Token has expired/);
    assert.equal(error.extension, 'system');
  });
});

test('after the backend restarts the channel is SUBSCRIBED again and receives new broadcasts', async (t) => {
  const cleanup = new Cleanup();
  t.after(() => cleanup.run());
  const backend = await Backend.start();
  cleanup.add(() => backend.destroy());
  const session = await backend.signIn('member@punctaj.test');
  const client = newClient(backend, cleanup);
  await client.setAuth(session.access_token);
  const channel = client.channel(SYNC, { config: { private: true } });
  const versions = broadcasts(channel, 'version');
  const status = subscribe(channel);
  await status.until('SUBSCRIBED');

  await backend.restart();
  await status.until('SUBSCRIBED', 2, 25_000);
  await backend.sql(`select realtime.send('{"version":1001}'::jsonb, 'version', '${SYNC}', true)`);
  await waitFor(() => versions.some((v) => v.payload.version === 1001), { timeout: 5_000, interval: 10, what: 'a broadcast after the restart' });
});
