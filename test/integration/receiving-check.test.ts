/**
 * POST /api/products/:productId/serials/check: where each serial of an enforced product stands before a
 * receipt (new, returned, in stock, held, sold, invalid), by the product's case rule, read-only; bad input,
 * other roles and other modes are refused with typed errors; 10,000 serials answer quickly.
 */
import { randomUUID } from 'node:crypto';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { storeKeys } from '../../server/store/keys.js';
import { createStore, newSaleId, productWithStock, startTestHub, type TestStore } from '../helpers/hub.js';

type Ctx = { hub: Awaited<ReturnType<typeof startTestHub>>; store: TestStore };
const test = suite<Ctx>('receiving check');

test.before(async (ctx) => {
  ctx.hub = await startTestHub();
  ctx.store = await createStore(ctx.hub);
});
test.after(async (ctx) => {
  await ctx.hub.close();
});

const check = (store: TestStore, productId: number | string, body: unknown, who = store.clerk) =>
  who.post(`/api/products/${productId}/serials/check`, body);

/** Sells one enforced serial on register 1; returns the sale id. */
async function sell(store: TestStore, productId: number, serial: string) {
  const saleId = newSaleId();
  const hold = await store.cashier.post('/api/holds', { productId, serial, saleId });
  assert.is(hold.status, 201, JSON.stringify(hold.body));
  const sale = await store.cashier.post('/api/sales', {
    saleId, lines: [{ productId, quantity: 1, serials: [{ serial, token: hold.body.hold.token }] }],
    payments: [{ method: 'cash', amountCents: 100_000 }],
  });
  assert.is(sale.status, 200, JSON.stringify(sale.body));
  return saleId;
}

test('each serial gets its state, in the order sent, cleaned up; counts add up', async ({ store }) => {
  const p = await productWithStock(store, { serialMode: 'enforced' }, ['CK-IN', 'CK-HELD', 'CK-SOLD', 'CK-BACK']);
  const held = await store.cashier.post('/api/holds', { productId: p.id, serial: 'CK-HELD', saleId: newSaleId() });
  assert.is(held.status, 201);
  await sell(store, p.id, 'CK-SOLD');
  const saleId = await sell(store, p.id, 'CK-BACK');
  const ret = await store.cashier.post('/api/returns', { returnId: `ret-${randomUUID()}`, saleId, lines: [{ line: 0, quantity: 1, serials: ['CK-BACK'] }] });
  assert.is(ret.status, 200, JSON.stringify(ret.body));

  const r = await check(store, p.id, { serials: [' ck-new ', 'ck-in', 'CK-HELD', '(01)09506000134352(21)ck-sold', 'CK-BACK', 'two words', 'CK-NEW'] });
  assert.is(r.status, 200, JSON.stringify(r.body));
  assert.is(r.body.productId, p.id);
  assert.equal(r.body.items, [
    { serial: 'CK-NEW', state: 'new' },
    { serial: 'CK-IN', state: 'in_stock' },
    { serial: 'CK-HELD', state: 'held' },
    { serial: 'CK-SOLD', state: 'sold' },
    { serial: 'CK-BACK', state: 'in_stock' }, // an enforced return goes back into stock
    { serial: 'two words', state: 'invalid' },
    { serial: 'CK-NEW', state: 'new' }, // listed twice: the state twice (repeats are the receipt's own check)
  ]);
  assert.equal(r.body.counts, { new: 2, returned: 0, in_stock: 2, held: 1, sold: 1, invalid: 1 });
});

test('a serial returned while the product counted quantities, then made enforced again, is `returned` and receivable', async ({ store }) => {
  const p = await productWithStock(store, { serialMode: 'solicit' }, 2);
  const saleId = newSaleId();
  const sale = await store.cashier.post('/api/sales', {
    saleId, lines: [{ productId: p.id, quantity: 1, serials: [{ serial: 'SOL-RT-1' }] }], payments: [{ method: 'cash', amountCents: 100_000 }],
  });
  assert.is(sale.status, 200, JSON.stringify(sale.body));
  const ret = await store.cashier.post('/api/returns', { returnId: `ret-${randomUUID()}`, saleId, lines: [{ line: 0, quantity: 1, serials: ['SOL-RT-1'] }] });
  assert.is(ret.status, 200, JSON.stringify(ret.body));
  const mode = await store.supervisor.patch(`/api/products/${p.id}`, { serialMode: 'enforced', serials: ['SOL-U-1', 'SOL-U-2'] });
  assert.is(mode.status, 200, JSON.stringify(mode.body));

  const r = await check(store, p.id, { serials: ['SOL-RT-1', 'SOL-U-1'] });
  assert.equal(r.body.items.map((i: { state: string }) => i.state), ['returned', 'in_stock']);
  const received = await store.clerk.post('/api/receipts', { lines: [{ productId: p.id, quantity: 1, serials: ['SOL-RT-1'] }] });
  assert.is(received.status, 201, 'a `returned` serial is receivable');
});

test('a case-sensitive product is checked by exact case', async ({ store }) => {
  const p = await productWithStock(store, { serialMode: 'enforced', serialCaseSensitive: true }, ['cs-a']);
  const r = await check(store, p.id, { serials: ['cs-a', 'CS-A'] });
  assert.equal(r.body.items, [{ serial: 'cs-a', state: 'in_stock' }, { serial: 'CS-A', state: 'new' }]);
});

test('the check writes nothing: serials, timeline and the store event sequence are unchanged', async ({ hub, store }) => {
  const p = await productWithStock(store, { serialMode: 'enforced' }, ['RO-1']);
  const k = storeKeys(store.storeId);
  const before = await hub.redis.hgetall(k.meta);
  const r = await check(store, p.id, { serials: ['RO-1', 'RO-2'] });
  assert.is(r.status, 200);
  assert.equal(await hub.redis.hgetall(k.meta), before);
  assert.is(await hub.redis.hget(k.timeline, 'RO-2'), null);
  assert.is((await store.clerk.get(`/api/products/${p.id}`)).body.product.stock, 1);
});

test('bad input is 400 VALIDATION_FAILED; unknown product 404; not enforced 409; cashier 403', async ({ store }) => {
  const p = await productWithStock(store, { serialMode: 'enforced' }, ['BAD-1']);
  for (const body of [{}, { serials: [] }, { serials: 'BAD-1' }, { serials: [1] }, { serials: [''] }, { serials: ['x'.repeat(201)] },
    { serials: ['BAD-1'], extra: true }, { serials: Array.from({ length: 100_001 }, (_, i) => `S${i}`) }, { serials: ['\ud800'] }]) {
    const r = await check(store, p.id, body);
    assert.is(r.status, 400, JSON.stringify(body).slice(0, 80));
    assert.is(r.body.code, 'VALIDATION_FAILED');
    assert.ok(Array.isArray(r.body.details.issues));
  }
  for (const id of ['abc', '0', '1e3']) {
    const r = await check(store, id, { serials: ['BAD-1'] });
    assert.is(r.status, 400, id);
    assert.is(r.body.code, 'VALIDATION_FAILED');
  }
  const missing = await check(store, 999_999, { serials: ['BAD-1'] });
  assert.is(missing.status, 404);
  assert.is(missing.body.code, 'PRODUCT_NOT_FOUND');
  const counted = await productWithStock(store, { serialMode: 'none' }, 1);
  const notEnforced = await check(store, counted.id, { serials: ['BAD-1'] });
  assert.is(notEnforced.status, 409);
  assert.is(notEnforced.body.code, 'NOT_ENFORCED');

  const cashier = await check(store, p.id, { serials: ['BAD-1'] }, store.cashier);
  assert.is(cashier.status, 403);
  assert.is(cashier.body.code, 'FORBIDDEN');
  assert.is((await check(store, p.id, { serials: ['BAD-1'] }, store.supervisor)).status, 200, 'a supervisor may check');
  // another store's product is unknown here
  const other = await createStore({ url: store.clerk.baseUrl });
  assert.is((await check(other, p.id, { serials: ['BAD-1'] })).body.code, 'PRODUCT_NOT_FOUND');
});

test('10,000 serials are checked in one call, quickly', async ({ store }) => {
  const p = await productWithStock(store, { serialMode: 'enforced' }, Array.from({ length: 5_000 }, (_, i) => `BIG-${String(i).padStart(5, '0')}`));
  const serials = Array.from({ length: 10_000 }, (_, i) => `big-${String(i).padStart(5, '0')}`);
  const started = performance.now();
  const r = await check(store, p.id, { serials });
  const ms = performance.now() - started;
  console.log(`10,000-serial check took ${ms.toFixed(0)} ms`);
  assert.is(r.status, 200);
  assert.ok(ms < 1500, `took ${ms.toFixed(0)} ms`);
  assert.is(r.body.items.length, 10_000);
  assert.equal(r.body.counts, { new: 5_000, returned: 0, in_stock: 5_000, held: 0, sold: 0, invalid: 0 });
  assert.is(r.body.items[4_999].state, 'in_stock');
  assert.is(r.body.items[5_000].serial, 'BIG-05000');
  assert.is(r.body.items[5_000].state, 'new');
});

test.run();
