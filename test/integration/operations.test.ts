/**
 * Operations (issue 8) on one Redis: GET /metrics in Prometheus' text format, log lines that carry request,
 * store, register and staff ids (and never a secret), and TRUST_PROXY for hubs behind nginx.
 */
import { randomInt } from 'node:crypto';
import { pino } from 'pino';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { StoreSync } from '../../client/sync/store-sync.js';
import { loadConfig } from '../../server/config.js';
import { startHub, type Hub } from '../../server/hub.js';
import { REDACT_PATHS } from '../../server/logger.js';
import { ADMIN_TOKEN, Client, createStore, PINS, redisUrl, startTestHub, type TestStore } from '../helpers/hub.js';
import { connectRegister, until } from '../helpers/live.js';

interface Ctx {
  hub: Hub & { url: string };
  lines: Record<string, unknown>[];
  raw: string[];
  store: TestStore;
  open: StoreSync[];
}

const test = suite<Ctx>('operations');

test.before(async (ctx) => {
  ctx.lines = [];
  ctx.raw = [];
  ctx.open = [];
  const config = loadConfig({
    PORT: '0', HOST: '127.0.0.1', ADMIN_TOKEN, SEED_DEMO: '0', LOG_LEVEL: 'debug', LOGIN_ATTEMPTS: '1000', TRUST_PROXY: 'loopback',
  });
  const log = pino({ level: 'debug', redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, {
    write: (s: string) => {
      ctx.raw.push(s);
      ctx.lines.push(JSON.parse(s) as Record<string, unknown>);
    },
  });
  const hub = await startHub(config, log, redisUrl());
  ctx.hub = Object.assign(hub, { url: `http://127.0.0.1:${hub.port}` });
  ctx.store = await createStore(ctx.hub);
});

test.after(async (ctx) => {
  for (const s of ctx.open) s.close();
  await ctx.hub.close();
});

test('GET /metrics: Prometheus text with the operator figures', async (ctx) => {
  await ctx.store.cashier.get('/api/products');
  const res = await fetch(`${ctx.hub.url}/metrics`);
  assert.is(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  const text = await res.text();
  for (const name of [
    'nodejs_eventloop_lag_seconds', 'process_cpu_seconds_total', 'serialhub_registers_connected', 'serialhub_sockets_connected',
    'serialhub_holds_live', 'serialhub_stores', 'serialhub_sweeper_released_total', 'serialhub_redis_rtt_seconds',
    'serialhub_redis_up', 'serialhub_hold_duration_seconds', 'serialhub_sale_duration_seconds', 'serialhub_script_duration_seconds',
    'serialhub_http_request_duration_seconds', 'serialhub_socket_request_duration_seconds', 'serialhub_hub_info',
  ]) {
    assert.match(text, new RegExp(`^# TYPE ${name} `, 'm'), name);
  }
  assert.match(text, /^serialhub_hub_info\{hub_id="[^"]+",redis="single"\} 1$/m);
  assert.match(text, /^serialhub_redis_up\{node="redis"\} 1$/m);
  assert.match(text, /^serialhub_http_request_duration_seconds_count\{method="GET",route="\/api\/products",status="200"\} \d+$/m);
  // no secret or personal data in labels
  assert.not.ok(text.includes(ctx.store.cashier.token!));
});

test('an API request logs one line with request, store, register and staff ids; secrets stay out', async (ctx) => {
  const res = await fetch(`${ctx.hub.url}/api/session`, {
    headers: { authorization: `Bearer ${ctx.store.cashier.token}`, 'x-request-id': 'edge-4f1c2a' },
  });
  assert.is(res.status, 200);
  assert.is(res.headers.get('x-request-id'), 'edge-4f1c2a', 'the proxy\'s request id is kept');
  await until(() => ctx.lines.some((l) => l.reqId === 'edge-4f1c2a' && l.msg === 'request'), 2000, 'request line');
  const line = ctx.lines.find((l) => l.reqId === 'edge-4f1c2a' && l.msg === 'request')!;
  assert.is(line.storeId, ctx.store.storeId);
  assert.is(line.terminalId, ctx.store.terminals[0]!.id);
  assert.is(line.staffId, '2001');
  assert.is(line.route, '/api/session');
  assert.is(line.status, 200);
  const rawLine = ctx.raw.find((s) => s.includes('"edge-4f1c2a"') && s.includes('"msg":"request"'))!;
  assert.is(rawLine.split('"storeId"').length, 2, 'storeId once in the line');

  // a line logged during the request (not only the closing one) carries the caller once it is known
  const refused = await fetch(`${ctx.hub.url}/api/staff`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ctx.store.cashier.token}`, 'content-type': 'application/json', 'x-request-id': 'edge-refused-7' },
    body: JSON.stringify({ code: '2999', name: 'No', role: 'cashier', pin: '9090' }),
  });
  assert.is(refused.status, 403);
  await until(() => ctx.lines.some((l) => l.reqId === 'edge-refused-7' && l.msg === 'request refused'), 2000, 'refused line');
  const refusedLine = ctx.lines.find((l) => l.reqId === 'edge-refused-7' && l.msg === 'request refused')!;
  assert.is(refusedLine.storeId, ctx.store.storeId);
  assert.is(refusedLine.terminalId, ctx.store.terminals[0]!.id);
  assert.is(refusedLine.staffId, '2001');

  // an unusable incoming id is replaced by our own
  const odd = await fetch(`${ctx.hub.url}/api/version`, { headers: { 'x-request-id': 'no spaces allowed in here' } });
  assert.match(odd.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);

  // a failed login names the store it was for, and no PIN or token reaches any line
  const bad = await new Client(ctx.hub.url).post('/api/sessions', { storeId: ctx.store.storeId, staffCode: '2001', pin: '9999' });
  assert.is(bad.status, 401);
  await until(() => ctx.lines.some((l) => l.route === '/api/sessions' && l.status === 401), 2000, 'login line');
  assert.is(ctx.lines.find((l) => l.route === '/api/sessions' && l.status === 401)!.storeId, ctx.store.storeId);
  const all = ctx.raw.join('');
  for (const secret of [ctx.store.cashier.token!, ctx.store.supervisor.token!, ctx.store.terminals[0]!.deviceToken, PINS.cashier, '9999']) {
    assert.not.ok(all.includes(`"${secret}"`) || all.includes(secret.length > 8 ? secret : `pin":"${secret}`), `a secret reached the log: ${secret.slice(0, 6)}`);
  }
});

test('socket lines carry store, register and staff ids', async (ctx) => {
  const reg = connectRegister(ctx.hub.url, ctx.store.cashier2.token!);
  ctx.open.push(reg);
  await reg.ready();
  await reg.request('sale:open', {});
  await until(() => ctx.lines.some((l) => l.msg === 'socket connected' && l.terminalId === ctx.store.terminals[1]!.id), 2000, 'connect line');
  const connected = ctx.lines.find((l) => l.msg === 'socket connected' && l.terminalId === ctx.store.terminals[1]!.id)!;
  assert.is(connected.storeId, ctx.store.storeId);
  assert.is(connected.staffId, '2002');
  assert.is(connected.transport, 'websocket');
  await until(() => ctx.lines.some((l) => l.msg === 'socket request' && l.event === 'sale:open' && l.socketId === connected.socketId), 2000, 'request line');
  const text = await (await fetch(`${ctx.hub.url}/metrics`)).text();
  assert.match(text, /^serialhub_registers_connected [1-9]\d*$/m);
  assert.match(text, /^serialhub_socket_request_duration_seconds_count\{event="sale:open",outcome="ok"\} [1-9]\d*$/m);
});

test('TRUST_PROXY: behind a proxy the login throttle counts each register address, not the proxy\'s', async (ctx) => {
  // LOGIN_ATTEMPTS=1: four wrong PINs per address (4 x the per-staff budget), spread over staff codes
  const trusting = await startTestHub({ LOGIN_ATTEMPTS: '1', TRUST_PROXY: 'loopback' });
  const naive = await startTestHub({ LOGIN_ATTEMPTS: '1' });
  try {
    const a = `198.51.100.${randomInt(1, 254)}`;
    let b = `198.51.100.${randomInt(1, 254)}`;
    while (b === a) b = `198.51.100.${randomInt(1, 254)}`;
    const attempt = (url: string, from: string, code: string) =>
      new Client(url).call('POST', '/api/sessions', { storeId: ctx.store.storeId, staffCode: code, pin: '0000' }, { 'x-forwarded-for': from });
    const codes = ['7001', '7002', '7003', '7004', '7005'];
    const fromA = [];
    for (const code of codes) fromA.push((await attempt(trusting.url, a, code)).status);
    assert.equal(fromA, [401, 401, 401, 401, 429], `from ${a}`);
    assert.is((await attempt(trusting.url, b, '7006')).status, 401, 'another register address has its own budget');
    // without TRUST_PROXY the header is ignored: every caller is the proxy's address
    for (const code of ['7101', '7102', '7103', '7104', '7105']) await attempt(naive.url, a, code);
    assert.is((await attempt(naive.url, b, '7106')).status, 429, 'X-Forwarded-For is not believed by default');
  } finally {
    await trusting.close();
    await naive.close();
  }
});

test.run();
