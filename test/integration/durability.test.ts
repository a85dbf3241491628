/**
 * Hard rule 4: an acknowledged write survives a crash of Redis. A redis-server of this test's own
 * (AOF, appendfsync always, as the hub runs it) is killed with SIGKILL in the middle of sales and
 * restarted from its AOF; every sale the hub acknowledged is there, with its serials sold.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../server/redis/embedded.js';
import { createStore, newSaleId, productWithStock, startTestHub } from '../helpers/hub.js';

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

test.run();
