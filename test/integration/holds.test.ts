import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createStore, newSaleId, productWithStock, startTestHub } from '../helpers/hub.js';

type Ctx = { hub: Awaited<ReturnType<typeof startTestHub>> };
const test = suite<Ctx>('holds');

test.before(async (ctx) => {
  ctx.hub = await startTestHub({ HOLD_LEASE_MS: '1500' });
});
test.after(async (ctx) => {
  await ctx.hub.close();
});

test('20 concurrent holds on one serial: exactly one wins, the rest see SERIAL_HELD', async ({ hub }) => {
  const store = await createStore(hub);
  const product = await productWithStock(store, { serialMode: 'enforced' }, ['ONLY-1']);
  const clients = [store.cashier, store.cashier2];
  const results = await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      clients[i % 2]!.post('/api/holds', { productId: product.id, serial: 'only-1', saleId: newSaleId() }),
    ),
  );
  const wins = results.filter((r) => r.status === 201);
  assert.is(wins.length, 1, JSON.stringify(results.map((r) => r.body)));
  for (const r of results.filter((r) => r.status !== 201)) {
    assert.is(r.status, 409);
    assert.is(r.body.code, 'SERIAL_HELD');
  }
  const held = await store.supervisor.get(`/api/products/${product.id}/serials?status=held`);
  assert.is(held.body.items.length, 1);
  const available = await store.supervisor.get(`/api/products/${product.id}/serials?status=available`);
  assert.is(available.body.items.length, 0);
});

test('an expired hold is released by the sweeper and the serial is back in stock', async ({ hub }) => {
  const store = await createStore(hub);
  const product = await productWithStock(store, { serialMode: 'enforced' }, ['EXP-1']);
  const hold = await store.cashier.post('/api/holds', { productId: product.id, serial: 'EXP-1', saleId: newSaleId() });
  assert.is(hold.status, 201);
  await new Promise((r) => setTimeout(r, 2000));
  const available = await store.supervisor.get(`/api/products/${product.id}/serials`);
  assert.equal(available.body.items, [{ serial: 'EXP-1' }]);
  const lookup = await store.supervisor.get('/api/serials/EXP-1');
  assert.equal(
    lookup.body.matches[0].timeline.map((e: { type: string }) => e.type),
    ['received', 'held', 'expired'],
  );
});

test.run();
