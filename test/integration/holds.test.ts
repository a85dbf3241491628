import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { storeKeys } from '../../server/store/keys.js';
import { Client, createStore, login, newSaleId, PINS, productWithStock, startTestHub } from '../helpers/hub.js';

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

// ---------------------------------------------------------------------------------------------------------
// The hold API on a hub with the default (long) lease: nothing here expires on its own during a test.

type Hub = Awaited<ReturnType<typeof startTestHub>>;
type Store = Awaited<ReturnType<typeof createStore>>;
const api = suite<{ hub: Hub }>('holds api');

api.before(async (ctx) => {
  ctx.hub = await startTestHub();
});
api.after(async (ctx) => {
  await ctx.hub.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function holdOk(c: Client, productId: number, serial: string, saleId: string) {
  const r = await c.post('/api/holds', { productId, serial, saleId });
  assert.is(r.status, 201, JSON.stringify(r.body));
  return r.body as { hold: { token: number; expiresAt: number; serial: string; terminalId: string; saleId: string }; renewed: boolean };
}

async function available(store: Store, productId: number): Promise<string[]> {
  const r = await store.supervisor.get(`/api/products/${productId}/serials?status=available`);
  assert.is(r.status, 200, JSON.stringify(r.body));
  return r.body.items.map((i: { serial: string }) => i.serial);
}

async function heldSerials(store: Store, productId: number): Promise<string[]> {
  const r = await store.supervisor.get(`/api/products/${productId}/serials?status=held`);
  assert.is(r.status, 200, JSON.stringify(r.body));
  return r.body.items.map((i: { serial: string }) => i.serial).sort();
}

async function product(store: Store, productId: number): Promise<{ stock: number; held: number }> {
  const r = await store.supervisor.get(`/api/products/${productId}`);
  assert.is(r.status, 200, JSON.stringify(r.body));
  return r.body.product;
}

async function timeline(store: Store, serial: string) {
  const r = await store.supervisor.get(`/api/serials/${encodeURIComponent(serial)}`);
  assert.is(r.status, 200, JSON.stringify(r.body));
  return r.body.matches[0] as { state: string; timeline: { type: string; reason?: string; staffId: string; terminalId: string; ref?: string }[] };
}

api('a hold needs a register session: back office gets TERMINAL_REQUIRED, a clerk FORBIDDEN', async ({ hub }) => {
  const store = await createStore(hub);
  const p = await productWithStock(store, { serialMode: 'enforced' }, ['T-1']);
  const backOffice = await store.supervisor.post('/api/holds', { productId: p.id, serial: 'T-1', saleId: newSaleId() });
  assert.is(backOffice.status, 403);
  assert.is(backOffice.body.code, 'TERMINAL_REQUIRED');
  const clerk = await store.clerk.post('/api/holds', { productId: p.id, serial: 'T-1', saleId: newSaleId() });
  assert.is(clerk.status, 403);
  assert.is(clerk.body.code, 'FORBIDDEN');
  for (const path of ['/api/holds/renew', '/api/holds/release-sale']) {
    const r = await store.supervisor.post(path, path.endsWith('renew') ? {} : { saleId: newSaleId() });
    assert.is(r.status, 403, path);
    assert.is(r.body.code, 'TERMINAL_REQUIRED', path);
  }
  // nothing was held by the refused calls
  assert.equal(await available(store, p.id), ['T-1']);
  // the same supervisor logged in on a register may hold (store.supervisorAtRegister was replaced on
  // register 1 by the cashier's login: one person per register)
  const atRegister = await login(hub.url, store.storeId, '1001', PINS.supervisor, store.terminals[0]!.deviceToken);
  const ok = await holdOk(atRegister, p.id, 'T-1', newSaleId());
  assert.is(ok.hold.terminalId, store.terminals[0]!.id);
  assert.is(ok.renewed, false);
  assert.equal(await available(store, p.id), []);
  assert.equal(await product(store, p.id), { ...(await product(store, p.id)), stock: 1, held: 1 });
});

api('only enforced serials are held: NOT_ENFORCED for solicit and none, PRODUCT_NOT_FOUND for no product', async ({ hub }) => {
  const store = await createStore(hub);
  const solicit = await productWithStock(store, { serialMode: 'solicit' }, 3);
  const none = await productWithStock(store, { serialMode: 'none' }, 3);
  for (const p of [solicit, none]) {
    const r = await store.cashier.post('/api/holds', { productId: p.id, serial: 'ANY-1', saleId: newSaleId() });
    assert.is(r.status, 409);
    assert.is(r.body.code, 'NOT_ENFORCED');
    assert.is((await product(store, p.id)).stock, 3);
  }
  const missing = await store.cashier.post('/api/holds', { productId: 999999, serial: 'ANY-1', saleId: newSaleId() });
  assert.is(missing.status, 404);
  assert.is(missing.body.code, 'PRODUCT_NOT_FOUND');
  const list = await store.supervisor.get('/api/holds');
  assert.equal(list.body.items, []);
});

api('bad hold input is refused with VALIDATION_FAILED', async ({ hub }) => {
  const store = await createStore(hub);
  const p = await productWithStock(store, { serialMode: 'enforced' }, ['V-1']);
  for (const body of [
    { productId: p.id, serial: '   ', saleId: newSaleId() },
    { productId: p.id, serial: 'has space', saleId: newSaleId() },
    { productId: p.id, serial: 'V-1', saleId: 'short' },
    { productId: p.id, serial: 'V-1' },
    { productId: p.id, serial: 'V-1', saleId: newSaleId(), extra: 1 },
  ]) {
    const r = await store.cashier.post('/api/holds', body);
    assert.is(r.status, 400, JSON.stringify(body));
    assert.is(r.body.code, 'VALIDATION_FAILED');
  }
  assert.equal(await available(store, p.id), ['V-1']);
});

api('SERIAL_NOT_IN_STOCK for an unknown serial and for a sold one', async ({ hub }) => {
  const store = await createStore(hub);
  const p = await productWithStock(store, { serialMode: 'enforced', priceCents: 500 }, ['S-1', 'S-2']);
  const unknown = await store.cashier.post('/api/holds', { productId: p.id, serial: 'NOPE-9', saleId: newSaleId() });
  assert.is(unknown.status, 409);
  assert.is(unknown.body.code, 'SERIAL_NOT_IN_STOCK');
  assert.is(unknown.body.details.state, 'unknown');

  const saleId = newSaleId();
  const { hold } = await holdOk(store.cashier, p.id, 'S-1', saleId);
  const sold = await store.cashier.post('/api/sales', {
    saleId, lines: [{ productId: p.id, quantity: 1, serials: [{ serial: 'S-1', token: hold.token }] }],
    payments: [{ method: 'cash', amountCents: 500 }],
  });
  assert.is(sold.status, 200, JSON.stringify(sold.body));
  for (const c of [store.cashier, store.cashier2]) {
    const again = await c.post('/api/holds', { productId: p.id, serial: 's-1', saleId: newSaleId() });
    assert.is(again.status, 409);
    assert.is(again.body.code, 'SERIAL_NOT_IN_STOCK');
    assert.is(again.body.details.state, 'sold');
  }
  // the serial of another product is not in this product's stock
  const other = await productWithStock(store, { serialMode: 'enforced' }, ['O-1']);
  const cross = await store.cashier.post('/api/holds', { productId: p.id, serial: 'O-1', saleId: newSaleId() });
  assert.is(cross.body.code, 'SERIAL_NOT_IN_STOCK');
  assert.equal(await available(store, other.id), ['O-1']);
  assert.equal(await available(store, p.id), ['S-2']);
});

api('holding again from the same register and sale renews the lease: same token, later expiry', async ({ hub }) => {
  const store = await createStore(hub);
  const p = await productWithStock(store, { serialMode: 'enforced' }, ['R-1']);
  const saleId = newSaleId();
  const first = await holdOk(store.cashier, p.id, 'R-1', saleId);
  await sleep(30);
  const second = await holdOk(store.cashier, p.id, 'r-1', saleId);
  assert.is(second.renewed, true);
  assert.is(second.hold.token, first.hold.token);
  assert.ok(second.hold.expiresAt > first.hold.expiresAt, `${second.hold.expiresAt} > ${first.hold.expiresAt}`);
  // still one hold, one unit, one "held" in the timeline
  assert.equal(await product(store, p.id), { ...(await product(store, p.id)), stock: 1, held: 1 });
  const holds = await store.supervisor.get('/api/holds');
  assert.is(holds.body.items.length, 1);
  assert.is(holds.body.items[0].expiresAt, second.hold.expiresAt);
  assert.equal((await timeline(store, 'R-1')).timeline.map((e) => e.type), ['received', 'held']);

  // the same register with another sale, or another register, is refused and learns who holds it
  for (const c of [store.cashier, store.cashier2]) {
    const r = await c.post('/api/holds', { productId: p.id, serial: 'R-1', saleId: newSaleId() });
    assert.is(r.status, 409);
    assert.is(r.body.code, 'SERIAL_HELD');
    assert.is(r.body.details.terminalId, store.terminals[0]!.id);
    assert.is(r.body.details.expiresAt, second.hold.expiresAt);
  }
  // another register using the same sale id is still another register
  const sameSaleOtherRegister = await store.cashier2.post('/api/holds', { productId: p.id, serial: 'R-1', saleId });
  assert.is(sameSaleOtherRegister.body.code, 'SERIAL_HELD');
});

api('renew renews the live holds of this register (all, or one sale) and leaves others alone', async ({ hub }) => {
  const store = await createStore(hub);
  const p = await productWithStock(store, { serialMode: 'enforced' }, ['N-1', 'N-2', 'N-3', 'N-4']);
  const saleA = newSaleId();
  const saleB = newSaleId();
  const a1 = await holdOk(store.cashier, p.id, 'N-1', saleA);
  const a2 = await holdOk(store.cashier, p.id, 'N-2', saleA);
  const b1 = await holdOk(store.cashier, p.id, 'N-3', saleB);
  const other = await holdOk(store.cashier2, p.id, 'N-4', newSaleId());
  await sleep(30);

  const onlyA = await store.cashier.post('/api/holds/renew', { saleId: saleA });
  assert.is(onlyA.status, 200, JSON.stringify(onlyA.body));
  assert.equal(onlyA.body.renewed.map((h: { serial: string }) => h.serial).sort(), ['N-1', 'N-2']);
  assert.equal(onlyA.body.lost, []);
  for (const h of onlyA.body.renewed) {
    const before = h.serial === 'N-1' ? a1 : a2;
    assert.is(h.token, before.hold.token);
    assert.ok(h.expiresAt > before.hold.expiresAt);
  }
  const list = new Map<string, { expiresAt: number }>(
    (await store.supervisor.get('/api/holds')).body.items.map((h: { serial: string }) => [h.serial, h]),
  );
  assert.is(list.get('N-3')!.expiresAt, b1.hold.expiresAt, 'sale B not renewed');
  assert.is(list.get('N-4')!.expiresAt, other.hold.expiresAt, 'the other register not renewed');

  await sleep(30);
  const all = await store.cashier.post('/api/holds/renew', {});
  assert.equal(all.body.renewed.map((h: { serial: string }) => h.serial).sort(), ['N-1', 'N-2', 'N-3']);
  assert.equal(all.body.lost, []);
  const otherRegister = await store.cashier2.post('/api/holds/renew', {});
  assert.equal(otherRegister.body.renewed.map((h: { serial: string }) => h.serial), ['N-4']);
  // a register with no holds renews nothing
  const nothing = await store.cashier2.post('/api/holds/renew', { saleId: newSaleId() });
  assert.equal(nothing.body, { renewed: [], lost: [] });
});

api('renew reports a hold whose lease ran out (not swept yet) as lost and puts the serial back', async ({ hub }) => {
  const store = await createStore(hub);
  const p = await productWithStock(store, { serialMode: 'enforced' }, ['L-1', 'L-2']);
  const saleId = newSaleId();
  const lost = await holdOk(store.cashier, p.id, 'L-1', saleId);
  await holdOk(store.cashier, p.id, 'L-2', saleId);
  // Let L-1's lease run out without the sweeper seeing it (its expiry index still says later): this is
  // the window between a lease's end and the next sweep, made wide and deterministic.
  const k = storeKeys(store.storeId);
  const raw = await hub.redis.hget(k.holds, `${p.id}:L-1`);
  await hub.redis.hset(k.holds, `${p.id}:L-1`, JSON.stringify({ ...JSON.parse(raw!), expiresAt: 1 }));

  const r = await store.cashier.post('/api/holds/renew', { saleId });
  assert.is(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.renewed.map((h: { serial: string }) => h.serial), ['L-2']);
  assert.equal(r.body.lost.map((h: { serial: string; token: number }) => [h.serial, h.token]), [['L-1', lost.hold.token]]);
  assert.equal(await available(store, p.id), ['L-1']);
  assert.equal(await heldSerials(store, p.id), ['L-2']);
  assert.equal((await timeline(store, 'L-1')).timeline.map((e) => e.type), ['received', 'held', 'expired']);
  // a lapsed lease is not revived: renewing again does not bring it back
  const again = await store.cashier.post('/api/holds/renew', { saleId });
  assert.equal(again.body.lost, []);
  assert.equal(again.body.renewed.map((h: { serial: string }) => h.serial), ['L-2']);
  // and holding it again gives a new token
  const fresh = await holdOk(store.cashier, p.id, 'L-1', saleId);
  assert.is(fresh.renewed, false);
  assert.ok(fresh.hold.token > lost.hold.token);
});

api('release by the holder returns the serial to stock; releasing again is HOLD_NOT_FOUND', async ({ hub }) => {
  const store = await createStore(hub);
  const p = await productWithStock(store, { serialMode: 'enforced' }, ['X-1', 'X-2']);
  const saleId = newSaleId();
  const { hold } = await holdOk(store.cashier, p.id, 'X-1', saleId);
  assert.equal(await product(store, p.id), { ...(await product(store, p.id)), stock: 2, held: 1 });
  const r = await store.cashier.post('/api/holds/release', { productId: p.id, serial: ' x-1 ' });
  assert.is(r.status, 200, JSON.stringify(r.body));
  assert.is(r.body.released.length, 1);
  assert.is(r.body.released[0].serial, 'X-1');
  assert.is(r.body.released[0].token, hold.token);
  assert.equal(await available(store, p.id), ['X-1', 'X-2']);
  assert.equal(await product(store, p.id), { ...(await product(store, p.id)), stock: 2, held: 0 });
  assert.equal((await store.supervisor.get('/api/holds')).body.items, []);
  const tl = await timeline(store, 'X-1');
  assert.is(tl.state, 'in_stock');
  assert.equal(tl.timeline.map((e) => e.type), ['received', 'held', 'released']);
  assert.is(tl.timeline[2]!.staffId, '2001');
  assert.is(tl.timeline[2]!.terminalId, store.terminals[0]!.id);

  const again = await store.cashier.post('/api/holds/release', { productId: p.id, serial: 'X-1' });
  assert.is(again.status, 404);
  assert.is(again.body.code, 'HOLD_NOT_FOUND');
  // another register can hold it now
  await holdOk(store.cashier2, p.id, 'X-1', newSaleId());
});

api('another register cannot release a hold it does not own (HOLD_NOT_FOUND)', async ({ hub }) => {
  const store = await createStore(hub);
  const p = await productWithStock(store, { serialMode: 'enforced' }, ['Y-1']);
  const { hold } = await holdOk(store.cashier, p.id, 'Y-1', newSaleId());
  const r = await store.cashier2.post('/api/holds/release', { productId: p.id, serial: 'Y-1' });
  assert.is(r.status, 404);
  assert.is(r.body.code, 'HOLD_NOT_FOUND');
  const sale = await store.cashier2.post('/api/holds/release-sale', { saleId: hold.saleId });
  assert.is(sale.status, 200);
  assert.equal(sale.body.released, []);
  assert.equal(await heldSerials(store, p.id), ['Y-1']);
  const holds = await store.supervisor.get('/api/holds');
  assert.is(holds.body.items[0].token, hold.token);
  assert.equal((await timeline(store, 'Y-1')).timeline.map((e) => e.type), ['received', 'held']);
});

api('release-sale releases every hold of that sale of this register, and only those', async ({ hub }) => {
  const store = await createStore(hub);
  const p = await productWithStock(store, { serialMode: 'enforced' }, ['Z-1', 'Z-2', 'Z-3', 'Z-4']);
  const q = await productWithStock(store, { serialMode: 'enforced' }, ['Q-1']);
  const saleA = newSaleId();
  const saleB = newSaleId();
  await holdOk(store.cashier, p.id, 'Z-1', saleA);
  await holdOk(store.cashier, q.id, 'Q-1', saleA);
  await holdOk(store.cashier, p.id, 'Z-2', saleB);
  await holdOk(store.cashier2, p.id, 'Z-3', saleA); // another register, same sale id
  const r = await store.cashier.post('/api/holds/release-sale', { saleId: saleA });
  assert.is(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.released.map((h: { serial: string }) => h.serial).sort(), ['Q-1', 'Z-1']);
  assert.equal(await available(store, p.id), ['Z-1', 'Z-4']);
  assert.equal(await available(store, q.id), ['Q-1']);
  assert.equal(await heldSerials(store, p.id), ['Z-2', 'Z-3']);
  // voiding again is harmless
  const again = await store.cashier.post('/api/holds/release-sale', { saleId: saleA });
  assert.equal(again.body.released, []);
});

api('a supervisor force-releases any hold with a reason, shown in the serial timeline', async ({ hub }) => {
  const store = await createStore(hub);
  const p = await productWithStock(store, { serialMode: 'enforced' }, ['F-1', 'F-2']);
  const saleId = newSaleId();
  const { hold } = await holdOk(store.cashier2, p.id, 'F-1', saleId);
  const reason = 'register 2 crashed, customer waiting';
  const r = await store.supervisor.post('/api/holds/force-release', { productId: p.id, serial: 'f-1', reason });
  assert.is(r.status, 200, JSON.stringify(r.body));
  assert.is(r.body.released[0].token, hold.token);
  assert.is(r.body.released[0].terminalId, store.terminals[1]!.id);
  assert.equal(await available(store, p.id), ['F-1', 'F-2']);
  const tl = await timeline(store, 'F-1');
  assert.is(tl.state, 'in_stock');
  assert.equal(tl.timeline.map((e) => e.type), ['received', 'held', 'force_released']);
  const entry = tl.timeline[2]!;
  assert.is(entry.reason, reason);
  assert.is(entry.staffId, '1001');
  assert.is(entry.ref, saleId);
  // the register that held it learns on renew that it no longer has it, and cannot sell it
  const renew = await store.cashier2.post('/api/holds/renew', { saleId });
  assert.equal(renew.body.renewed, []);
  const sale = await store.cashier2.post('/api/sales', {
    saleId, lines: [{ productId: p.id, quantity: 1, serials: [{ serial: 'F-1', token: hold.token }] }],
    payments: [{ method: 'cash', amountCents: 1000 }],
  });
  assert.is(sale.status, 409);
  assert.is(sale.body.code, 'HOLD_LOST');
  // force-releasing a serial nobody holds, or without a reason, is refused
  const notHeld = await store.supervisor.post('/api/holds/force-release', { productId: p.id, serial: 'F-2', reason: 'x' });
  assert.is(notHeld.status, 404);
  assert.is(notHeld.body.code, 'HOLD_NOT_FOUND');
  const noReason = await store.supervisor.post('/api/holds/force-release', { productId: p.id, serial: 'F-1', reason: '  ' });
  assert.is(noReason.status, 400);
  assert.is(noReason.body.code, 'VALIDATION_FAILED');
});

api('a cashier cannot force-release (403 FORBIDDEN) and the hold stays', async ({ hub }) => {
  const store = await createStore(hub);
  const p = await productWithStock(store, { serialMode: 'enforced' }, ['G-1']);
  const { hold } = await holdOk(store.cashier2, p.id, 'G-1', newSaleId());
  for (const c of [store.cashier, store.cashier2, store.clerk]) {
    const r = await c.post('/api/holds/force-release', { productId: p.id, serial: 'G-1', reason: 'please' });
    assert.is(r.status, 403);
    assert.is(r.body.code, 'FORBIDDEN');
  }
  const holds = await store.supervisor.get('/api/holds');
  assert.equal(holds.body.items.map((h: { serial: string; token: number }) => [h.serial, h.token]), [['G-1', hold.token]]);
  assert.equal((await timeline(store, 'G-1')).timeline.map((e) => e.type), ['received', 'held']);
});

api('serials are normalised: typed lower-case holds the upper-case serial, a case-sensitive product keeps case', async ({ hub }) => {
  const store = await createStore(hub);
  const plain = await productWithStock(store, { serialMode: 'enforced' }, ['abc-100', 'GS1-SER']);
  assert.equal(await available(store, plain.id), ['ABC-100', 'GS1-SER'], 'received upper-cased');
  const h = await holdOk(store.cashier, plain.id, '  abc-100\r\n', newSaleId());
  assert.is(h.hold.serial, 'ABC-100');
  const gs1 = await holdOk(store.cashier, plain.id, '(01)09506000134352(21)gs1-ser', newSaleId());
  assert.is(gs1.hold.serial, 'GS1-SER');
  assert.equal(await heldSerials(store, plain.id), ['ABC-100', 'GS1-SER']);

  const cs = await productWithStock(store, { serialMode: 'enforced', serialCaseSensitive: true }, ['abC-1', 'ABC-1']);
  assert.equal(await available(store, cs.id), ['ABC-1', 'abC-1']);
  const wrongCase = await store.cashier.post('/api/holds', { productId: cs.id, serial: 'abc-1', saleId: newSaleId() });
  assert.is(wrongCase.status, 409);
  assert.is(wrongCase.body.code, 'SERIAL_NOT_IN_STOCK');
  const exact = await holdOk(store.cashier, cs.id, ' abC-1 ', newSaleId());
  assert.is(exact.hold.serial, 'abC-1');
  assert.equal(await available(store, cs.id), ['ABC-1']);
  // release with the case as typed for the plain product, exact case for the case-sensitive one
  const rel = await store.cashier.post('/api/holds/release', { productId: plain.id, serial: 'abc-100' });
  assert.is(rel.status, 200);
  const relWrong = await store.cashier.post('/api/holds/release', { productId: cs.id, serial: 'ABC-1' });
  assert.is(relWrong.body.code, 'HOLD_NOT_FOUND');
  const relCs = await store.cashier.post('/api/holds/release', { productId: cs.id, serial: 'abC-1' });
  assert.is(relCs.status, 200);
  assert.equal(await available(store, cs.id), ['ABC-1', 'abC-1']);
});

api('GET /api/holds lists the live holds of the store, or of one register', async ({ hub }) => {
  const store = await createStore(hub);
  const p = await productWithStock(store, { serialMode: 'enforced' }, ['H-1', 'H-2', 'H-3']);
  const empty = await store.cashier.get('/api/holds');
  assert.is(empty.status, 200);
  assert.equal(empty.body.items, []);
  const saleA = newSaleId();
  const saleB = newSaleId();
  const h1 = await holdOk(store.cashier, p.id, 'H-1', saleA);
  await sleep(5);
  const h2 = await holdOk(store.cashier2, p.id, 'H-2', saleB);
  for (const c of [store.supervisor, store.cashier, store.clerk]) {
    const all = await c.get('/api/holds');
    assert.is(all.status, 200);
    assert.equal(all.body.items.map((h: { serial: string }) => h.serial), ['H-1', 'H-2'], 'ordered by expiry');
  }
  const all = (await store.supervisor.get('/api/holds')).body.items;
  assert.equal(all[0], { ...all[0], productId: p.id, serial: 'H-1', terminalId: store.terminals[0]!.id, saleId: saleA,
    staffId: '2001', token: h1.hold.token, expiresAt: h1.hold.expiresAt });
  assert.equal(all[1], { ...all[1], productId: p.id, serial: 'H-2', terminalId: store.terminals[1]!.id, saleId: saleB,
    staffId: '2002', token: h2.hold.token });
  const reg2 = await store.supervisor.get(`/api/holds?terminalId=${store.terminals[1]!.id}`);
  assert.equal(reg2.body.items.map((h: { serial: string }) => h.serial), ['H-2']);
  const none = await store.supervisor.get('/api/holds?terminalId=nobody');
  assert.equal(none.body.items, []);
  // another store sees none of them
  const other = await createStore(hub);
  assert.equal((await other.supervisor.get('/api/holds')).body.items, []);
});

api.run();
