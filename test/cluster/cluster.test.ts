/**
 * Scale-out on a real Redis Cluster (issue 8): three masters started from `redis-server --cluster-enabled yes`
 * and joined with `redis-cli --cluster create`, three hub processes on it (REDIS_CLUSTER_NODES), registers of
 * 20 stores spread over the hubs and over the masters. Holds propagate across hubs, races have one winner,
 * sales complete, a register hears only its own store, kill -9 of a hub loses no acknowledged sale; the
 * shipped deploy/nginx.conf puts the hubs behind one TLS address (WebSocket only, no sticky sessions) and
 * registers of a killed hub come back through it on the others. Start-up refuses layouts that would break
 * single-slot scripts. Everything runs on loopback and is stopped at the end; port 6379 is never used.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { StoreSync } from '../../client/sync/store-sync.js';
import { holdKey } from '../../client/sync/store-state.js';
import type { StoreEvent } from '../../protocol/events.js';
import { freePort } from '../../server/redis/embedded.js';
import { sampleStoreKeyNames } from '../../server/redis/cluster.js';
import { GLOBAL_STORES_KEY, storeKeys } from '../../server/store/keys.js';
import { SCRIPT_NAMES } from '../../server/store/scripts.js';
import { Client, createStore, login, PINS, productWithStock, type TestStore } from '../helpers/hub.js';
import { connectRegister, spawnHub, until, type HubProcess } from '../helpers/live.js';
import { startRedisCluster, type TestRedisCluster } from '../helpers/redis-cluster.js';

const STORES = 20;
const SERIALS_PER_STORE = 10;
const PASSWORD = 'cluster-test-password';

interface StoreRig {
  store: TestStore;
  /** Unique in every serial of the store: an event naming another store's tag is a leak. */
  tag: string;
  productId: number;
  /** Register A on hub i % 3, register B on hub (i + 1) % 3. */
  regs: [StoreSync, StoreSync];
  hubOf: [number, number];
  /** Every socket message each register received, for the isolation check. */
  heard: [string[], string[]];
  /** sale id -> serials of each sale the hub acknowledged. */
  acknowledged: Map<string, string[]>;
}

interface Ctx {
  cluster: TestRedisCluster;
  hubs: HubProcess[];
  rigs: StoreRig[];
  open: StoreSync[];
  nginx: ChildProcess | null;
  dirs: string[];
}

const test = suite<Ctx>('redis-cluster');

function hubEnv(cluster: TestRedisCluster): Record<string, string> {
  return {
    REDIS_URL: '', // unset: the cluster instead
    REDIS_CLUSTER_NODES: cluster.seeds,
    REDIS_CLUSTER_PASSWORD: PASSWORD,
    TRUST_PROXY: 'loopback',
    HOLD_LEASE_MS: '30000',
  };
}

/** slot -> port of its master, from CLUSTER NODES. */
function slotOwners(cluster: TestRedisCluster): (slot: number) => number {
  const ranges: { from: number; to: number; port: number }[] = [];
  for (const line of cluster.cli(cluster.nodes[0]!.port, 'CLUSTER', 'NODES').trim().split('\n')) {
    const parts = line.split(' ');
    if (!parts[2]?.includes('master')) continue;
    const port = Number(parts[1]!.split('@')[0]!.split(':')[1]);
    for (const r of parts.slice(8)) {
      const [from, to] = r.split('-').map(Number);
      ranges.push({ from: from!, to: to ?? from!, port });
    }
  }
  return (slot) => ranges.find((r) => slot >= r.from && slot <= r.to)!.port;
}

function keyslot(cluster: TestRedisCluster, key: string): number {
  return Number(cluster.cli(cluster.nodes[0]!.port, 'CLUSTER', 'KEYSLOT', key).trim());
}

async function metricsOf(url: string): Promise<string> {
  return (await fetch(`${url}/metrics`)).text();
}
function metric(text: string, name: string): number {
  const m = new RegExp(`^${name} ([0-9.e+-]+)$`, 'm').exec(text);
  return m ? Number(m[1]) : NaN;
}

test.before(async (ctx) => {
  ctx.open = [];
  ctx.dirs = [];
  ctx.nginx = null;
  ctx.cluster = await startRedisCluster({ masters: 3, password: PASSWORD });
  ctx.hubs = await Promise.all([0, 1, 2].map(() => spawnHub(hubEnv(ctx.cluster))));
});

test.after(async (ctx) => {
  for (const s of ctx.open.splice(0)) s.close();
  if (ctx.nginx && ctx.nginx.exitCode === null) {
    const exited = new Promise((r) => ctx.nginx!.once('exit', r));
    ctx.nginx.kill('SIGTERM');
    await exited;
  }
  await Promise.all((ctx.hubs ?? []).map((h) => h.kill()));
  await ctx.cluster?.stop();
  for (const d of ctx.dirs) rmSync(d, { recursive: true, force: true });
});

test('20 stores over 3 masters: each store in one slot, every master holds stores', async (ctx) => {
  const owner = slotOwners(ctx.cluster);
  // Store ids chosen so every master gets its share (the hash decides; we only pick among candidates).
  const perMaster = new Map<number, string[]>();
  for (let n = 0; [...perMaster.values()].reduce((a, l) => a + l.length, 0) < STORES; n++) {
    const id = `c-${n.toString(36)}-${process.pid.toString(36)}`;
    const port = owner(keyslot(ctx.cluster, storeKeys(id).meta));
    const list = perMaster.get(port) ?? [];
    if (list.length < Math.ceil(STORES / 3)) perMaster.set(port, [...list, id]);
  }
  assert.is(perMaster.size, 3, 'every master has stores');
  const ids = [...perMaster.values()].flat().slice(0, STORES);

  const tags = ids.map((_, i) => `Q${String(i).padStart(2, '0')}X`);
  const stores = await Promise.all(ids.map((id, i) => createStore(ctx.hubs[i % 3]!, id)));
  const products = await Promise.all(stores.map((s, i) =>
    productWithStock(s, { serialMode: 'enforced', priceCents: 100 }, Array.from({ length: SERIALS_PER_STORE }, (_, k) => `${tags[i]}-${k}`)),
  ));
  ctx.rigs = stores.map((store, i) => {
    const hubOf: [number, number] = [i % 3, (i + 1) % 3];
    const regs: [StoreSync, StoreSync] = [
      connectRegister(ctx.hubs[hubOf[0]]!.url, store.cashier.token!),
      connectRegister(ctx.hubs[hubOf[1]]!.url, store.cashier2.token!),
    ];
    const heard: [string[], string[]] = [[], []];
    regs.forEach((r, k) => r.socket.onAny((event: string, ...args: unknown[]) => heard[k]!.push(`${event} ${JSON.stringify(args)}`)));
    ctx.open.push(...regs);
    return { store, tag: tags[i]!, productId: products[i]!.id, regs, hubOf, heard, acknowledged: new Map() };
  });
  await Promise.all(ctx.rigs.flatMap((r) => r.regs.map((s) => s.ready(20_000))));

  // every key a store has written sits in its meta key's slot (as the start-up check promised)
  for (const rig of ctx.rigs.slice(0, 4)) {
    const meta = storeKeys(rig.store.storeId).meta;
    const port = owner(keyslot(ctx.cluster, meta));
    const keys = ctx.cluster.cli(port, '--scan', '--pattern', `sh:{s:${rig.store.storeId}}:*`).trim().split('\n').filter(Boolean);
    assert.ok(keys.length > 10, `${rig.store.storeId} has keys on its master`);
    const slots = new Set(keys.map((k) => keyslot(ctx.cluster, k)));
    assert.is(slots.size, 1, `${rig.store.storeId}: keys in ${slots.size} slots`);
  }
  for (const name of sampleStoreKeyNames(ctx.rigs[0]!.store.storeId)) {
    assert.is(keyslot(ctx.cluster, name), keyslot(ctx.cluster, storeKeys(ctx.rigs[0]!.store.storeId).meta), name);
  }
});

test('holds propagate across hubs, races have one winner, sales complete: in all 20 stores at once', async (ctx) => {
  await Promise.all(ctx.rigs.map(async (rig) => {
    const [a, b] = rig.regs;
    const p = rig.productId;
    const saleA = (await a.request('sale:open', {})).sale.saleId;
    const saleB = (await b.request('sale:open', {})).sale.saleId;
    // A (on one hub) holds a serial: B (on another hub) sees it locked
    const first = `${rig.tag}-0`;
    await a.request('sale:addLine', { saleId: saleA, productId: p, serial: first });
    await until(() => b.state.holds.get(holdKey(p, first))?.terminalId === rig.store.terminals[0]!.id, 5000, `${rig.tag}: hold seen across hubs`);
    // both race for the next one: exactly one wins, the other is told it is held
    const contested = `${rig.tag}-1`;
    const race = await Promise.allSettled([
      a.request('sale:addLine', { saleId: saleA, productId: p, serial: contested }),
      b.request('sale:addLine', { saleId: saleB, productId: p, serial: contested }),
    ]);
    const winners = race.filter((r) => r.status === 'fulfilled');
    assert.is(winners.length, 1, `${rig.tag}: ${winners.length} winners`);
    for (const r of race) if (r.status === 'rejected') assert.is((r.reason as { code: string }).code, 'SERIAL_HELD');
    const bWon = race[1]!.status === 'fulfilled';
    await until(() => a.state.holds.has(holdKey(p, contested)) && b.state.holds.has(holdKey(p, contested)), 5000, `${rig.tag}: race result seen`);
    // sales complete, each with what its register holds
    for (const [reg, saleId, serials] of [
      [a, saleA, bWon ? [first] : [first, contested]],
      ...(bWon ? [[b, saleB, [contested]] as const] : []),
    ] as [StoreSync, string, string[]][]) {
      const done = await reg.request('sale:complete', { saleId, payments: [{ method: 'cash', amountCents: 100 * serials.length }] });
      rig.acknowledged.set(done.invoice.saleId, serials);
    }
    await until(() => rig.regs.every((r) => r.state.products.get(p)?.stock === SERIALS_PER_STORE - 2 && r.state.holds.size === 0), 5000, `${rig.tag}: sold on both`);
  }));
  // the hold and sale histograms counted on the hubs
  const texts = await Promise.all(ctx.hubs.map((h) => metricsOf(h.url)));
  const holds = texts.reduce((n, t) => n + metric(t, 'serialhub_hold_duration_seconds_count\\{outcome="ok"\\}'), 0);
  const sales = texts.reduce((n, t) => n + metric(t, 'serialhub_sale_duration_seconds_count\\{outcome="ok"\\}'), 0);
  assert.ok(holds >= STORES * 2, `hold histogram: ${holds}`);
  assert.ok(sales >= STORES, `sale histogram: ${sales}`);
});

/** No register heard a word of another store (every serial carries its store's tag). */
function assertIsolated(ctx: Ctx, opts: { noDuplicates: boolean }) {
  const tags = ctx.rigs.map((r) => r.tag);
  for (const rig of ctx.rigs) {
    for (const [k, messages] of rig.heard.entries()) {
      assert.ok(messages.some((m) => m.includes(rig.tag)), `${rig.tag}/${k} heard its own store`);
      for (const m of messages) {
        const foreign = tags.find((t) => t !== rig.tag && m.includes(t));
        assert.not.ok(foreign, `register ${k} of ${rig.tag} heard ${foreign}: ${m.slice(0, 200)}`);
      }
      if (!opts.noDuplicates) continue;
      // while no hub died, every event came exactly once
      const seqs = messages.filter((m) => m.startsWith('event ')).map((m) => (JSON.parse(m.slice(6)) as StoreEvent[])[0]!.seq);
      assert.equal(seqs, [...new Set(seqs)], `${rig.tag}/${k}: an event arrived twice`);
    }
  }
}

test('a register hears only its own store', (ctx) => {
  assertIsolated(ctx, { noDuplicates: true });
});

test('kill -9 of one hub under load: no acknowledged sale lost or doubled', async (ctx) => {
  const victim = 2;
  /** A register sells its serials one by one, retrying through the outage with the same sale id. */
  async function work(rig: StoreRig, reg: StoreSync, mine: string[]) {
    for (const serial of mine) {
      let completing: string | null = null;
      for (;;) {
        try {
          await reg.ready(20_000);
          if (!completing) {
            const { sale } = await reg.request('sale:open', {}, 3000);
            if (!sale.lines.some((l) => l.serial === serial)) {
              await reg.request('sale:addLine', { saleId: sale.saleId, productId: rig.productId, serial }, 3000);
            }
            completing = sale.saleId;
          }
          const done = await reg.request('sale:complete', { saleId: completing, payments: [{ method: 'cash', amountCents: 100 }] }, 3000);
          rig.acknowledged.set(done.invoice.saleId, [serial]);
          break;
        } catch (err) {
          const code = (err as { code?: string }).code;
          if (!['TIMEOUT', 'SERIAL_HELD', 'INTERNAL', 'UNAVAILABLE'].includes(code ?? '')) throw err;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    }
  }
  const acked = () => ctx.rigs.reduce((n, r) => n + r.acknowledged.size, 0);
  const before = acked();
  const running = ctx.rigs.flatMap((rig) => [
    work(rig, rig.regs[0], [2, 3, 4].map((k) => `${rig.tag}-${k}`)),
    work(rig, rig.regs[1], [5, 6, 7].map((k) => `${rig.tag}-${k}`)),
  ]);
  await until(() => acked() >= before + 20, 30_000, 'sales under way');
  const port = ctx.hubs[victim]!.port;
  await ctx.hubs[victim]!.kill('SIGKILL');
  ctx.hubs[victim] = await spawnHub(hubEnv(ctx.cluster), port);
  await Promise.all(running);

  // every acknowledged sale is in Redis, with its serials; nothing else was sold
  await Promise.all(ctx.rigs.map(async (rig) => {
    const supervisor = new Client(ctx.hubs[(rig.hubOf[1] + 1) % 3]!.url, rig.store.supervisor.token);
    for (const [saleId, serials] of rig.acknowledged) {
      const inv = await supervisor.get(`/api/invoices/${saleId}`);
      assert.is(inv.status, 200, `${rig.tag}: sale ${saleId} lost`);
      assert.equal(inv.body.invoice.lines.flatMap((l: { serials: string[] }) => l.serials).sort(), [...serials].sort());
    }
    const all = await supervisor.get('/api/invoices?limit=100');
    assert.is(all.body.items.length, rig.acknowledged.size, `${rig.tag}: invoices`);
    const sold = await supervisor.get(`/api/products/${rig.productId}/serials?status=sold&limit=100`);
    assert.is(sold.body.items.length, 8, `${rig.tag}: sold serials`);
    const product = (await supervisor.get(`/api/products/${rig.productId}`)).body.product;
    assert.is(product.stock, SERIALS_PER_STORE - 8);
    assert.is(product.held, 0);
  }));
  await until(
    () => ctx.rigs.every((rig) => rig.regs.every((r) => r.state.products.get(rig.productId)?.stock === SERIALS_PER_STORE - 8 && r.state.openSales.size === 0)),
    10_000, 'registers caught up',
  );
});

/** Pairs `n` registers (through `url`) and logs the store's cashier in on each; returns their session tokens. */
async function pairRegisters(url: string, store: TestStore, n: number): Promise<string[]> {
  const tokens: string[] = [];
  for (let i = 0; i < n; i++) {
    const code = await new Client(url, store.supervisor.token).post('/api/pairing-codes', { terminalName: `Front ${i + 1}` });
    const paired = await new Client(url).post('/api/terminals/pair', { storeId: store.storeId, code: code.body.code });
    tokens.push((await login(url, store.storeId, '2001', PINS.cashier, paired.body.deviceToken)).token!);
  }
  return tokens;
}

/** deploy/nginx.conf with the test's ports and a throwaway certificate, inside a minimal main config. */
function renderNginx(dir: string, hubPorts: number[], httpsPort: number, httpPort: number): string {
  const site = readFileSync('deploy/nginx.conf', 'utf8');
  const servers = site.match(/^\s*server 127\.0\.0\.1:\d+[^\n]*\n/gm) ?? [];
  assert.ok(servers.length >= 2, 'deploy/nginx.conf lists the hub processes');
  const template = servers[0]!;
  let rendered = site.replace(servers.join(''), hubPorts.map((p) => template.replace(/127\.0\.0\.1:\d+/, `127.0.0.1:${p}`)).join(''));
  rendered = rendered
    .replace(/listen 443 ssl;/, `listen 127.0.0.1:${httpsPort} ssl;`)
    .replace(/listen 80;/, `listen 127.0.0.1:${httpPort};`)
    .replace(/\/etc\/serialhub\/tls\/hub\.crt/, join(dir, 'hub.crt'))
    .replace(/\/etc\/serialhub\/tls\/hub\.key/, join(dir, 'hub.key'));
  writeFileSync(join(dir, 'serialhub.conf'), rendered);
  for (const t of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(dir, t));
  const main = `daemon off;
master_process off;
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'error.log')} warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${join(dir, 'body')};
  proxy_temp_path ${join(dir, 'proxy')};
  fastcgi_temp_path ${join(dir, 'fastcgi')};
  uwsgi_temp_path ${join(dir, 'uwsgi')};
  scgi_temp_path ${join(dir, 'scgi')};
  include ${join(dir, 'serialhub.conf')};
}
`;
  writeFileSync(join(dir, 'nginx.conf'), main);
  return join(dir, 'nginx.conf');
}

test('behind deploy/nginx.conf (TLS, WebSocket only): registers spread over the hubs and survive a kill -9 without sticky sessions', async (ctx) => {
  const nginxBin = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => spawnSync(p, ['-v']).status === 0);
  assert.ok(nginxBin, 'nginx was not found: install the Debian package nginx (apt-get install nginx)');
  const dir = mkdtempSync(join(tmpdir(), 'serialhub-nginx-'));
  ctx.dirs.push(dir);
  const cert = spawnSync('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
    '-keyout', join(dir, 'hub.key'), '-out', join(dir, 'hub.crt'),
  ], { encoding: 'utf8' });
  assert.is(cert.status, 0, cert.stderr);
  const [httpsPort, httpPort] = [await freePort(), await freePort()];
  const conf = renderNginx(dir, ctx.hubs.map((h) => h.port), httpsPort, httpPort);
  const check = spawnSync(nginxBin!, ['-t', '-p', dir, '-c', conf], { encoding: 'utf8' });
  assert.is(check.status, 0, `nginx -t: ${check.stderr}`);
  ctx.nginx = spawn(nginxBin!, ['-p', dir, '-c', conf], { stdio: 'ignore' });
  // our self-signed certificate: trust it in this process only
  process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
  const front = `https://127.0.0.1:${httpsPort}`;
  await until(async () => (await fetch(`${front}/readyz`).catch(() => null))?.ok === true, 10_000, 'nginx up');

  // REST through nginx: the hub got nginx's request id; /metrics stays inside
  const res = await fetch(`${front}/api/version`);
  assert.match(res.headers.get('x-request-id') ?? '', /^[0-9a-f]{32}$/);
  assert.is((await fetch(`${front}/metrics`)).status, 404);
  const redirect = await fetch(`http://127.0.0.1:${httpPort}/api/version`, { redirect: 'manual' });
  assert.is(redirect.status, 301);

  // six new registers of three stores (paired and logged in through nginx), all on the one address
  const rigs = ctx.rigs.slice(0, 3);
  const connectedBefore = await Promise.all(ctx.hubs.map(async (h) => metric(await metricsOf(h.url), 'serialhub_registers_connected')));
  const tokens = (await Promise.all(rigs.map((rig) => pairRegisters(front, rig.store, 2)))).flat();
  const viaNginx = tokens.map((t) => connectRegister(front, t, { rejectUnauthorized: false }));
  ctx.open.push(...viaNginx);
  await Promise.all(viaNginx.map((r) => r.ready(20_000)));
  assert.ok(viaNginx.every((r) => r.socket.io.engine.transport.name === 'websocket'), 'WebSocket transport');
  const connectedAfter = await Promise.all(ctx.hubs.map(async (h) => metric(await metricsOf(h.url), 'serialhub_registers_connected')));
  const gained = connectedAfter.map((n, i) => n - connectedBefore[i]!);
  assert.ok(gained.filter((g) => g > 0).length >= 2, `nginx spread the registers over the hubs: ${gained}`);

  // a hold through nginx reaches a register connected directly to a hub
  const rig = rigs[0]!;
  const reg = viaNginx[0]!;
  const { sale } = await reg.request('sale:open', {});
  const serial = `${rig.tag}-8`;
  await reg.request('sale:addLine', { saleId: sale.saleId, productId: rig.productId, serial });
  await until(() => rig.regs[1].state.holds.has(holdKey(rig.productId, serial)), 5000, 'hold via nginx seen directly');

  // kill -9 the hub with the most of them: they reconnect through nginx to the others and carry on,
  // with nothing restarted
  const victim = gained.indexOf(Math.max(...gained));
  let dropped = 0;
  for (const r of viaNginx) r.socket.once('disconnect', () => dropped++);
  const port = ctx.hubs[victim]!.port;
  await ctx.hubs[victim]!.kill('SIGKILL');
  await until(() => dropped >= gained[victim]!, 10_000, 'the dead hub\'s registers noticed');
  await until(() => viaNginx.every((r) => r.status === 'online'), 20_000, 'registers back through nginx');
  const done = await reg.request('sale:complete', { saleId: sale.saleId, payments: [{ method: 'cash', amountCents: 100 }] }, 10_000);
  rig.acknowledged.set(done.invoice.saleId, [serial]);
  await until(() => viaNginx.slice(0, 2).every((r) => r.state.products.get(rig.productId)?.stock === SERIALS_PER_STORE - 9), 10_000, 'sale seen through nginx');
  ctx.hubs[victim] = await spawnHub(hubEnv(ctx.cluster), port);
  assertIsolated(ctx, { noDuplicates: false });
});

test('/readyz and /metrics on the cluster: scripts on every master, Redis round trips, registers, holds', async (ctx) => {
  // a SCRIPT FLUSH on every master: /readyz loads the scripts on each again
  for (const n of ctx.cluster.nodes) assert.match(ctx.cluster.cli(n.port, 'SCRIPT', 'FLUSH'), /OK/);
  const ready = await fetch(`${ctx.hubs[1]!.url}/readyz`);
  assert.is(ready.status, 200);
  // (counted, not compared by sha: the Lua files may be edited while the hubs run)
  for (const n of ctx.cluster.nodes) {
    const cached = Number(/number_of_cached_scripts:(\d+)/.exec(ctx.cluster.cli(n.port, 'INFO', 'memory'))?.[1]);
    assert.ok(cached >= SCRIPT_NAMES.length, `master ${n.port} has ${cached} of ${SCRIPT_NAMES.length} scripts`);
  }

  // a hold left open on purpose, to be counted
  const rig = ctx.rigs[1]!;
  const { sale } = await rig.regs[0].request('sale:open', {});
  await rig.regs[0].request('sale:addLine', { saleId: sale.saleId, productId: rig.productId, serial: `${rig.tag}-9` });
  // chain-wide figures are read from Redis at most every 5 s
  let text = '';
  await until(async () => {
    text = await metricsOf(ctx.hubs[rig.hubOf[0]]!.url);
    return metric(text, 'serialhub_holds_live') >= 1;
  }, 8000, 'serialhub_holds_live counts the open hold');
  assert.ok(metric(text, 'serialhub_registers_connected') >= 1, 'registers_connected');
  assert.ok(metric(text, 'serialhub_stores') >= STORES, 'stores');
  assert.ok(metric(text, 'nodejs_eventloop_lag_seconds') >= 0, 'event-loop lag');
  assert.ok(metric(text, 'serialhub_sweeper_released_total') >= 0, 'sweeper releases');
  const rtts = [...text.matchAll(/^serialhub_redis_rtt_seconds\{node="([^"]+)"\} ([0-9.e-]+)$/gm)];
  assert.is(rtts.length, 3, 'one round-trip figure per master');
  assert.match(text, /serialhub_hold_duration_seconds_bucket\{le="0.005",outcome="ok"\}/);
  assert.match(text, /serialhub_sale_duration_seconds_count/);
  assert.match(text, /serialhub_http_request_duration_seconds_count\{method="[A-Z]+",route="\/api\/[^"]+",status="\d+"\}/);
  assert.match(text, /serialhub_socket_request_duration_seconds_count\{event="sale:addLine",outcome="ok"\}/);
  assert.match(text, /serialhub_hub_info\{hub_id="[^"]+",redis="cluster"\} 1/);
});

test('one master down: a hub still starts, the other masters\' stores sell and sweep, its stores answer 503, and they come back from its AOF', async (ctx) => {
  const owner = slotOwners(ctx.cluster);
  const masterOf = (rig: StoreRig) => owner(keyslot(ctx.cluster, storeKeys(rig.store.storeId).meta));
  // the master of the store registry: the sweeper's store list goes down with it
  const deadPort = owner(keyslot(ctx.cluster, GLOBAL_STORES_KEY));
  const spare = ctx.rigs.slice(3); // rigs 0-2 have sales open from the tests above
  const gone = spare.find((r) => masterOf(r) === deadPort)!;
  const kept = spare.find((r) => masterOf(r) !== deadPort)!;
  assert.ok(gone && kept, 'stores on the master to kill and on the others');
  const keptProduct = await productWithStock(kept.store, { serialMode: 'enforced', priceCents: 100 }, [0, 1, 2].map((k) => `${kept.tag}-M${k}`));
  const goneProduct = await productWithStock(gone.store, { serialMode: 'enforced', priceCents: 100 }, [`${gone.tag}-M0`]);
  // a register of the kept store with no socket: no hub's heartbeat renews its holds, so they run out
  const [quietToken] = await pairRegisters(ctx.hubs[0]!.url, kept.store, 1);
  const goneInvoices = (await gone.store.supervisor.get('/api/invoices?limit=100')).body.items.length as number;

  await ctx.cluster.kill(deadPort, 'SIGKILL');
  let fresh: HubProcess | null = null;
  try {
    // a hub started now starts, says which master it could not reach, and is ready (degraded)
    fresh = await spawnHub({ ...hubEnv(ctx.cluster), HOLD_LEASE_MS: '1500' });
    assert.match(fresh.output(), new RegExp(`master 127\\.0\\.0\\.1:${deadPort} is unreachable`));
    const ready = await fetch(`${fresh.url}/readyz`);
    assert.is(ready.status, 200);
    assert.equal(await ready.json(), { ok: true, redis: 'degraded', scripts: SCRIPT_NAMES.length, unreachable: [`127.0.0.1:${deadPort}`] });

    // the kept store: a hold and a sale through the fresh hub (REST), a sale on a register of an old hub
    const quiet = new Client(fresh.url, quietToken);
    const saleId = randomUUID();
    const held = await quiet.post('/api/holds', { productId: keptProduct.id, serial: `${kept.tag}-M0`, saleId });
    assert.is(held.status, 201, JSON.stringify(held.body));
    const sold = await quiet.post('/api/sales', {
      saleId, lines: [{ productId: keptProduct.id, quantity: 1, serials: [{ serial: `${kept.tag}-M0`, token: held.body.hold.token }] }],
      payments: [{ method: 'cash', amountCents: 100 }],
    });
    assert.is(sold.status, 200, JSON.stringify(sold.body));
    const reg = kept.regs[0];
    const { sale } = await reg.request('sale:open', {}, 10_000);
    await reg.request('sale:addLine', { saleId: sale.saleId, productId: keptProduct.id, serial: `${kept.tag}-M1` }, 10_000);
    const done = await reg.request('sale:complete', { saleId: sale.saleId, payments: [{ method: 'cash', amountCents: 100 }] }, 10_000);
    kept.acknowledged.set(done.invoice.saleId, [`${kept.tag}-M1`]);

    // a hold left to run out (1.5 s lease): the hubs that read the store list before the outage still sweep it
    const left = await quiet.post('/api/holds', { productId: keptProduct.id, serial: `${kept.tag}-M2`, saleId: randomUUID() });
    assert.is(left.status, 201, JSON.stringify(left.body));
    await until(async () => (await kept.store.supervisor.get(`/api/products/${keptProduct.id}`)).body.product?.held === 0, 10_000, 'the hold expired and was swept');
    const available = await kept.store.supervisor.get(`/api/products/${keptProduct.id}/serials?status=available&limit=10`);
    assert.equal(available.body.items.map((i: { serial: string }) => i.serial), [`${kept.tag}-M2`]);
    for (const h of ctx.hubs) assert.match(h.output(), /store list unreachable: sweeping the stores last read/);
    // the fresh hub never read the list: it found the stores of the masters that answer by their keys
    const reachableStores = ctx.rigs.filter((r) => masterOf(r) !== deadPort).length;
    await until(() => fresh!.output().includes('sweeping the stores found on the masters that answer'), 5000, 'the fresh hub sweeps');
    assert.match(fresh.output(), new RegExp(`"knownStores":${reachableStores},"msg":"store list unreachable: sweeping the stores found`));

    // the store on the dead master: 503 UNAVAILABLE on REST and on the socket, from old and new hubs alike
    for (const url of [fresh.url, ctx.hubs[0]!.url]) {
      const t = Date.now();
      const r = await new Client(url, gone.store.supervisor.token).get(`/api/products/${goneProduct.id}`);
      assert.is(r.status, 503, `${url}: ${JSON.stringify(r.body)}`);
      assert.is(r.body.code, 'UNAVAILABLE');
      assert.ok(Date.now() - t < 6000, `503 after ${Date.now() - t} ms`);
    }
    const refused = await gone.regs[0].request('sale:open', {}, 10_000).then(() => null, (err: { code?: string }) => err.code);
    assert.is(refused, 'UNAVAILABLE');
    for (const h of [...ctx.hubs, fresh]) assert.is(h.proc.exitCode, null, 'no hub crashed');
  } finally {
    await ctx.cluster.restart(deadPort);
  }
  try {
    // back from its AOF: the store serves again with everything it had, and the master has every script
    // again without anyone asking /readyz (the hubs load them when they reconnect to it)
    const supervisor = new Client(fresh!.url, gone.store.supervisor.token);
    await until(async () => (await supervisor.get(`/api/products/${goneProduct.id}`)).status === 200, 20_000, 'the store on the restarted master serves');
    await until(() => Number(/number_of_cached_scripts:(\d+)/.exec(ctx.cluster.cli(deadPort, 'INFO', 'memory'))?.[1]) >= SCRIPT_NAMES.length, 10_000, 'scripts on the restarted master');
    assert.is((await supervisor.get('/api/invoices?limit=100')).body.items.length, goneInvoices, 'every invoice is back');
    for (const [saleId] of gone.acknowledged) assert.is((await supervisor.get(`/api/invoices/${saleId}`)).status, 200, `sale ${saleId}`);
    const reg = gone.regs[0];
    const { sale } = await reg.request('sale:open', {}, 10_000);
    await reg.request('sale:addLine', { saleId: sale.saleId, productId: goneProduct.id, serial: `${gone.tag}-M0` }, 10_000);
    const done = await reg.request('sale:complete', { saleId: sale.saleId, payments: [{ method: 'cash', amountCents: 100 }] }, 10_000);
    gone.acknowledged.set(done.invoice.saleId, [`${gone.tag}-M0`]);
    const ready = await (await fetch(`${fresh!.url}/readyz`)).json();
    assert.is(ready.redis, 'up');
  } finally {
    await fresh?.kill();
  }
});

test('start-up refuses: a cluster node as REDIS_URL, slots no master serves, masters that disagree, mixed clusters, a plain Redis as a cluster', async (ctx) => {
  const expectRefusal = async (env: Record<string, string>, pattern: RegExp) => {
    try {
      const hub = await spawnHub(env);
      await hub.kill();
      assert.unreachable(`started with ${JSON.stringify(env)}`);
    } catch (err) {
      const message = (err as Error).message;
      assert.match(message, pattern);
      assert.not.match(message, /at .*\.ts:\d+/, 'a message, not a stack trace');
      assert.not.ok(message.includes(PASSWORD), 'the password is not printed');
    }
  };
  const node = ctx.cluster.nodes[0]!;
  await expectRefusal({ REDIS_URL: `redis://:${PASSWORD}@127.0.0.1:${node.port}` }, /REDIS_URL .* is a Redis Cluster node: set REDIS_CLUSTER_NODES/);
  await expectRefusal({ ...hubEnv(ctx.cluster), REDIS_URL: `redis://127.0.0.1:${node.port}` }, /REDIS_CLUSTER_NODES: set either REDIS_URL .* or REDIS_CLUSTER_NODES .*not both/);
  // With cluster-require-full-coverage no (as shipped) a missing slot leaves cluster_state:ok: the hub reads
  // the slot map itself. One slot dropped by its master only: the others still say that master serves it.
  const slot = keyslot(ctx.cluster, 'sh:unused-probe-key');
  const owner = slotOwners(ctx.cluster)(slot);
  const allOk = () => ctx.cluster.nodes.every((n) => /cluster_state:ok/.test(ctx.cluster.cli(n.port, 'CLUSTER', 'INFO')));
  const assigned = (port: number) => Number(/cluster_slots_assigned:(\d+)/.exec(ctx.cluster.cli(port, 'CLUSTER', 'INFO'))?.[1]);
  assert.match(ctx.cluster.cli(owner, 'CLUSTER', 'DELSLOTS', String(slot)), /OK/);
  try {
    assert.ok(allOk(), 'cluster_state stays ok');
    await expectRefusal(hubEnv(ctx.cluster), /masters of the Redis Cluster at .* disagree about which master serves which slot \(.*serves 16383/);
    // dropped everywhere: no master serves it
    for (const n of ctx.cluster.nodes) if (n.port !== owner) assert.match(ctx.cluster.cli(n.port, 'CLUSTER', 'DELSLOTS', String(slot)), /OK/);
    await until(() => ctx.cluster.nodes.every((n) => assigned(n.port) === 16383), 5000, 'the slot unassigned everywhere');
    assert.ok(allOk(), 'cluster_state stays ok');
    await expectRefusal(hubEnv(ctx.cluster), new RegExp(`1 of 16384 slots of the Redis Cluster at .* are served by no master \\(${slot}\\)`));
  } finally {
    ctx.cluster.cli(owner, 'CLUSTER', 'ADDSLOTS', String(slot));
  }
  await until(() => allOk() && ctx.cluster.nodes.every((n) => assigned(n.port) === 16384), 10_000, 'every slot served again');
  // the test run's plain redis-server given as a cluster seed, alone and beside the cluster's nodes
  const plain = new URL(process.env.TEST_REDIS_URL!);
  await expectRefusal({ REDIS_URL: '', REDIS_CLUSTER_NODES: `127.0.0.1:${plain.port}` }, /is a Redis without cluster mode: set REDIS_URL/);
  await expectRefusal({ ...hubEnv(ctx.cluster), REDIS_CLUSTER_NODES: `${ctx.cluster.seeds},127.0.0.1:${plain.port}` }, /lists 127\.0\.0\.1:\d+, a Redis without cluster mode, beside nodes of a Redis Cluster/);
  // a node of another cluster among the seeds
  const other = await startRedisCluster({ masters: 1, password: PASSWORD });
  try {
    await expectRefusal({ ...hubEnv(ctx.cluster), REDIS_CLUSTER_NODES: `${ctx.cluster.seeds},${other.seeds}` }, /REDIS_CLUSTER_NODES mixes clusters: 127\.0\.0\.1:\d+ is not a node of the cluster/);
  } finally {
    await other.stop();
  }
});

test.run();
