/**
 * Hard rule 4: an acknowledged write survives a crash of Redis. A redis-server of this test's own
 * (AOF, appendfsync always, as the hub runs it) is killed with SIGKILL in the middle of sales and
 * restarted from its AOF; every sale the hub acknowledged is there, with its serials sold. And a write torn
 * by the crash is dropped whole: none of its transaction comes back later.
 */
import { mkdtempSync, readFileSync, rmSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { AOF_DIR_NAME, AOF_FILE_NAME, parseAof } from '../../server/redis/aof.js';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../server/redis/embedded.js';
import { createStore, newSaleId, productWithStock, startTestHub, type Reply } from '../helpers/hub.js';

const test = suite('durability');
const SERIALS = 40;

test('kill -9 of redis-server during sales: every acknowledged sale survives the restart from AOF', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'serialhub-aof-'));
  let redis: EmbeddedRedis = await startEmbeddedRedis({ dir, port: 0, appendfsync: 'always' });
  const hub = await startTestHub({}, redis.url);
  try {
    const store = await createStore(hub);
    const serials = Array.from({ length: SERIALS }, (_, i) => `DUR-${i}`);
    const product = await productWithStock(store, { serialMode: 'enforced', priceCents: 500 }, serials);

    const acknowledged: { saleId: string; serial: string }[] = [];
    let killed = false;
    const sell = async (serial: string) => {
      const saleId = newSaleId();
      const hold = await store.cashier.post('/api/holds', { productId: product.id, serial, saleId });
      if (hold.status !== 201) return;
      const sale = await store.cashier.post('/api/sales', {
        saleId, lines: [{ productId: product.id, quantity: 1, serials: [{ serial, token: hold.body.hold.token }] }],
        payments: [{ method: 'cash', amountCents: 500 }],
      });
      if (sale.status === 200) acknowledged.push({ saleId, serial });
    };
    // Sell one at a time; kill Redis with SIGKILL after the 15th acknowledged sale, while the next ones run.
    for (const serial of serials.slice(0, 15)) await sell(serial);
    const inFlight = serials.slice(15, 25).map((s) => sell(s).catch(() => undefined));
    redis.process.kill('SIGKILL');
    killed = true;
    await new Promise((r) => setTimeout(r, 200));
    redis = await startEmbeddedRedis({ dir, port: redis.port!, appendfsync: 'always' });
    await Promise.all(inFlight);
    // The hub's connection reconnects by itself; sell a few more after the restart.
    for (const serial of serials.slice(25, 30)) await sell(serial);

    assert.ok(killed);
    assert.ok(acknowledged.length >= 20, `only ${acknowledged.length} sales acknowledged`);
    for (const { saleId, serial } of acknowledged) {
      const inv = await store.supervisor.get(`/api/invoices/${saleId}`);
      assert.is(inv.status, 200, `acknowledged sale ${saleId} lost`);
      assert.equal(inv.body.invoice.lines[0].serials, [serial]);
      const lookup = await store.supervisor.get(`/api/serials/${serial}`);
      assert.is(lookup.body.matches[0].state, 'sold');
    }
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
