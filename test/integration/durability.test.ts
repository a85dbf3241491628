/**
 * Hard rule 4: an acknowledged write survives a crash of Redis. A redis-server of this test's own
 * (AOF, appendfsync always, as the hub runs it) is killed with SIGKILL in the middle of sales, receipts and
 * returns, right after some of them were acknowledged, and restarted from its AOF; every sale, receipt and
 * return the hub acknowledged is there, with its serials where they should be.
 * Also: with REDIS_URL (a Redis the hub did not start) the hub warns when that Redis is not set up so.
 * And a write torn by the crash is dropped whole: none of its transaction comes back later.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { loadConfig } from '../../server/config.js';
import { startHub } from '../../server/hub.js';
import { AOF_DIR_NAME, AOF_FILE_NAME, parseAof } from '../../server/redis/aof.js';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../server/redis/embedded.js';
import { ADMIN_TOKEN, createStore, newSaleId, productWithStock, startTestHub, type Reply, type TestStore } from '../helpers/hub.js';

const test = suite('durability');
const SERIALS = 40;

/** The writes of the crash test, each recorded once the hub acknowledged it. */
function writer(store: TestStore, productId: number, received: { id: number }) {
  const acked = { sales: [] as { saleId: string; serial: string }[], receipts: [] as { receiptId: string; serial: string }[], returns: [] as { returnId: string; saleId: string; serial: string }[] };
  const tried = { receipts: [] as { receiptId: string; serial: string }[] };
  return {
    acked,
    tried,
    async sell(serial: string) {
      const saleId = newSaleId();
      const hold = await store.cashier.post('/api/holds', { productId, serial, saleId });
      if (hold.status !== 201) return;
      const sale = await store.cashier.post('/api/sales', {
        saleId, lines: [{ productId, quantity: 1, serials: [{ serial, token: hold.body.hold.token }] }],
        payments: [{ method: 'cash', amountCents: 500 }],
      });
      if (sale.status === 200) acked.sales.push({ saleId, serial });
    },
    async receive(serial: string) {
      const receiptId = randomUUID();
      tried.receipts.push({ receiptId, serial });
      const r = await store.clerk.post('/api/receipts', { receiptId, lines: [{ productId: received.id, quantity: 1, serials: [serial] }] });
      if (r.status === 201) acked.receipts.push({ receiptId, serial });
    },
    async giveBack(sale: { saleId: string; serial: string }) {
      const returnId = `ret-${randomUUID()}`;
      const r = await store.cashier.post('/api/returns', { returnId, saleId: sale.saleId, lines: [{ line: 0, quantity: 1, serials: [sale.serial] }] });
      if (r.status === 200) acked.returns.push({ returnId, ...sale });
    },
  };
}

test('kill -9 of redis-server during sales, receipts and returns: every acknowledged write survives the restart from AOF', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'serialhub-aof-'));
  let redis: EmbeddedRedis = await startEmbeddedRedis({ dir, port: 0, appendfsync: 'always' });
  const hub = await startTestHub({}, redis.url);
  try {
    const store = await createStore(hub);
    const serials = Array.from({ length: SERIALS }, (_, i) => `DUR-${i}`);
    const product = await productWithStock(store, { serialMode: 'enforced', priceCents: 500 }, serials);
    const received = await productWithStock(store, { serialMode: 'enforced', priceCents: 500 }, []);
    const w = writer(store, product.id, received);

    // Sell one at a time, receive and return a few.
    for (const serial of serials.slice(0, 12)) await w.sell(serial);
    for (let i = 0; i < 3; i++) await w.receive(`REC-${i}`);
    for (const sale of w.acked.sales.slice(0, 3)) await w.giveBack(sale);
    assert.is(w.acked.returns.length, 3);
    // One of each acknowledged just before the kill, while more of each are in flight.
    const before = { sales: w.acked.sales.length, receipts: w.acked.receipts.length, returns: w.acked.returns.length };
    await Promise.all([w.sell(serials[12]!), w.receive('REC-LAST'), w.giveBack(w.acked.sales[3]!)]);
    assert.equal([w.acked.sales.length, w.acked.receipts.length, w.acked.returns.length], [before.sales + 1, before.receipts + 1, before.returns + 1]);
    const inFlight = [
      ...serials.slice(13, 20).map((s) => w.sell(s)),
      ...[3, 4, 5, 6].map((i) => w.receive(`REC-${i}`)),
      ...w.acked.sales.slice(4, 7).map((s) => w.giveBack(s)),
    ].map((p) => p.catch(() => undefined));
    redis.process.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 200));
    redis = await startEmbeddedRedis({ dir, port: redis.port!, appendfsync: 'always' });
    await Promise.all(inFlight);
    // The hub's connection reconnects by itself; a few more after the restart.
    for (const serial of serials.slice(20, 25)) await w.sell(serial);
    await w.receive('REC-AFTER');
    await w.giveBack(w.acked.sales[w.acked.sales.length - 1]!);

    const { sales, receipts, returns } = w.acked;
    assert.ok(sales.length >= 18, `only ${sales.length} sales acknowledged`);
    const returned = new Set(returns.map((r) => r.saleId));
    for (const { saleId, serial } of sales) {
      const inv = await store.supervisor.get(`/api/invoices/${saleId}`);
      assert.is(inv.status, 200, `acknowledged sale ${saleId} lost`);
      assert.equal(inv.body.invoice.lines[0].serials, [serial]);
      const lookup = await store.supervisor.get(`/api/serials/${serial}`);
      assert.is(lookup.body.matches[0].state, returned.has(saleId) ? 'in_stock' : 'sold', serial);
    }
    for (const { returnId, saleId, serial } of returns) {
      const ret = await store.supervisor.get(`/api/returns/${returnId}`);
      assert.is(ret.status, 200, `acknowledged return ${returnId} lost`);
      assert.is(ret.body.return.saleId, saleId);
      assert.equal((await store.supervisor.get(`/api/invoices/${saleId}`)).body.invoice.lines[0].returnedSerials, [serial]);
    }
    for (const { receiptId, serial } of receipts) {
      const rec = await store.supervisor.get(`/api/receipts/${receiptId}`);
      assert.is(rec.status, 200, `acknowledged receipt ${receiptId} lost`);
      assert.equal(rec.body.receipt.lines[0].serials, [serial]);
    }
    // Whatever was not acknowledged is all there or not at all: the received stock is the stored receipts.
    const stored = (await Promise.all(w.tried.receipts.map((r) => store.supervisor.get(`/api/receipts/${r.receiptId}`)))).filter((r) => r.status === 200);
    assert.is((await store.supervisor.get(`/api/products/${received.id}`)).body.product.stock, stored.length);
    // No serial is sold twice and the counts add up.
    const sold = await store.supervisor.get(`/api/products/${product.id}/serials?status=sold&limit=500`);
    const soldSerials = sold.body.items.map((i: { serial: string }) => i.serial);
    assert.is(new Set(soldSerials).size, soldSerials.length);
    const p = await store.supervisor.get(`/api/products/${product.id}`);
    assert.is(p.body.product.stock + soldSerials.length, SERIALS);
  } finally {
    await hub.close();
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A hub on `url` with REDIS_URL set (a Redis it did not start), logging warnings into `lines`. */
async function hubWithRedisUrl(url: string, lines: { msg: string; differs?: unknown }[]) {
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', ADMIN_TOKEN, SEED_DEMO: '0', LOG_LEVEL: 'warn', REDIS_URL: url });
  return startHub(config, pino({ level: 'warn' }, sink), url);
}

test('with REDIS_URL the hub checks the Redis persistence settings at start-up and warns (not refuses) when they differ', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'serialhub-persist-'));
  const redis = await startEmbeddedRedis({ dir, port: 0, appendfsync: 'always' });
  const admin = new Redis(redis.url);
  try {
    const check = async (url: string) => {
      const lines: { msg: string; differs?: unknown }[] = [];
      const hub = await hubWithRedisUrl(url, lines);
      try {
        const ready = await fetch(`http://127.0.0.1:${hub.port}/readyz`);
        assert.is(ready.status, 200, 'the hub starts and serves whatever it found');
      } finally {
        await hub.close();
      }
      return lines.filter((l) => /persistence|keep every acknowledged write/.test(l.msg));
    };
    // as recommended (AOF, fsync always, noeviction): no warning
    assert.equal(await check(redis.url), []);
    // fsync once a second, and an eviction policy that may drop keys: one warning naming both
    await admin.config('SET', 'appendfsync', 'everysec');
    await admin.config('SET', 'maxmemory-policy', 'allkeys-lru');
    const differs = await check(redis.url);
    assert.is(differs.length, 1, JSON.stringify(differs));
    assert.match(differs[0]!.msg, 'appendfsync is everysec (recommended: always); maxmemory-policy is allkeys-lru (recommended: noeviction)');
    assert.equal(differs[0]!.differs, [
      { setting: 'appendfsync', value: 'everysec', recommended: 'always' },
      { setting: 'maxmemory-policy', value: 'allkeys-lru', recommended: 'noeviction' },
    ]);
    await admin.config('SET', 'appendfsync', 'always');
    await admin.config('SET', 'maxmemory-policy', 'noeviction');
    // a managed Redis that forbids CONFIG: the hub says it could not check, and starts
    await admin.call('ACL', 'SETUSER', 'hubonly', 'on', '>hub-secret', '~*', '&*', '+@all', '-config');
    const refused = await check(redis.url.replace('redis://', 'redis://hubonly:hub-secret@'));
    assert.is(refused.length, 1, JSON.stringify(refused));
    assert.match(refused[0]!.msg, 'could not read the Redis persistence settings');
  } finally {
    admin.disconnect();
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

/** The last incremental AOF file, from the manifest (`file <name> seq <n> type i`). */
function incrAofFile(dir: string): string {
  const manifest = readFileSync(join(dir, AOF_DIR_NAME, `${AOF_FILE_NAME}.manifest`), 'utf8');
  const names = [...manifest.matchAll(/^file (\S+) seq \d+ type i$/gm)].map((m) => m[1]!);
  assert.ok(names.length > 0, `no incr file in the manifest:\n${manifest}`);
  return join(dir, AOF_DIR_NAME, names.at(-1)!);
}

/** Asks until the hub answers something other than a 5xx (it reconnects to the restarted Redis by itself). */
async function untilAnswered(call: () => Promise<Reply>): Promise<Reply> {
  for (let attempt = 0; ; attempt++) {
    const r: Reply = await call().catch(() => ({ status: 0, body: null }));
    if ((r.status >= 200 && r.status < 500) || attempt === 50) return r;
    await new Promise((res) => setTimeout(res, 100));
  }
}

test('a torn AOF tail inside a return\'s MULTI is cut back whole', async () => {
  const RECEIVED = 10;
  const dir = mkdtempSync(join(tmpdir(), 'serialhub-aof-torn-'));
  let redis: EmbeddedRedis = await startEmbeddedRedis({ dir, port: 0, appendfsync: 'always' });
  const hub = await startTestHub({}, redis.url);
  try {
    const store = await createStore(hub);
    const product = await productWithStock(store, { serialMode: 'solicit', priceCents: 500 }, RECEIVED);
    const sell = async (serial: string) => {
      const saleId = newSaleId();
      const r = await untilAnswered(() => store.cashier.post('/api/sales', {
        saleId, lines: [{ productId: product.id, quantity: 1, serials: [{ serial }] }], payments: [{ method: 'cash', amountCents: 500 }],
      }));
      assert.is(r.status, 200, JSON.stringify(r.body));
      return saleId;
    };
    const saleId = await sell('TORN-1');
    const returnBody = { returnId: `ret-${newSaleId()}`, saleId, reason: 'torn', lines: [{ line: 0, quantity: 1, serials: ['TORN-1'] }] };
    const returned = await store.cashier.post('/api/returns', returnBody);
    assert.is(returned.status, 200, JSON.stringify(returned.body));
    redis.process.kill('SIGKILL');
    await new Promise((r) => redis.process.once('exit', r));

    // As if the crash had torn the return's write: cut the file a few bytes past its HINCRBY ... qty 1,
    // inside its MULTI...EXEC block (the last block with that command; the sweeper may have written after it).
    const file = incrAofFile(dir);
    const { commands } = parseAof(readFileSync(file));
    let multiAt = -1;
    let torn: { hincrby: number; exec: number } | null = null;
    for (let i = 0; i < commands.length; i++) {
      const [name, key, field, by] = commands[i]!.args.map((a, j) => (j === 0 ? a.toLowerCase() : a));
      if (name === 'multi') multiAt = i;
      if (name === 'hincrby' && key!.endsWith(`:product:${product.id}`) && field === 'qty' && by === '1') torn = { hincrby: i, exec: -1 };
      if (name === 'exec' && torn && torn.exec === -1 && multiAt < torn.hincrby) torn.exec = i;
    }
    assert.ok(torn && torn.exec > torn.hincrby + 1, 'no MULTI block with the return\'s HINCRBY qty 1 and commands after it');
    truncateSync(file, commands[torn.hincrby]!.end + 5);

    redis = await startEmbeddedRedis({ dir, port: redis.port!, appendfsync: 'always' });
    const repair = redis.aofRepair;
    // The register never got its answer to the torn return, so it sends the same return again.
    const retried = await untilAnswered(() => store.cashier.post('/api/returns', returnBody));
    assert.is(retried.status, 200, JSON.stringify(retried.body));
    const afterRestart = await sell('TORN-2');
    redis.process.kill('SIGKILL');
    await new Promise((r) => redis.process.once('exit', r));
    redis = await startEmbeddedRedis({ dir, port: redis.port!, appendfsync: 'always' });

    const p = await untilAnswered(() => store.supervisor.get(`/api/products/${product.id}`));
    const sold = 2;
    const returnedUnits = 1;
    assert.is(p.body.product.stock, RECEIVED - sold + returnedUnits, 'stock after the torn return, its retry and a sale');
    const inv = await untilAnswered(() => store.supervisor.get(`/api/invoices/${afterRestart}`));
    assert.is(inv.status, 200, 'the sale acknowledged after the first restart was lost');
    assert.equal(inv.body.invoice.returns ?? [], []);
    const first = await untilAnswered(() => store.supervisor.get(`/api/invoices/${saleId}`));
    assert.equal(first.body.invoice.returns, [returnBody.returnId]);
    assert.match(repair ?? '', /cut a torn AOF tail .* from offset \d+: MULTI .*HINCRBY.* and a torn command/);
    assert.is(redis.aofRepair, null, 'the second restart found a torn tail too');
  } finally {
    await hub.close();
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
