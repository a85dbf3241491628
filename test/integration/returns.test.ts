/**
 * Returns against invoice lines over HTTP: enforced serials back in stock (and sellable again), solicit
 * serials recorded as returned, quantities back on the shelf; only the line's serials, each once; idempotent
 * on the return id; refunds.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { storeKeys } from '../../server/store/keys.js';
import { Client, createStore, newSaleId, productWithStock, startTestHub } from '../helpers/hub.js';

type Hub = Awaited<ReturnType<typeof startTestHub>>;
type Store = Awaited<ReturnType<typeof createStore>>;
const test = suite<{ hub: Hub }>('returns');

test.before(async (ctx) => {
  ctx.hub = await startTestHub();
});
test.after(async (ctx) => {
  await ctx.hub.close();
});

const newReturnId = () => `ret-${newSaleId()}`;
const cash = (amountCents: number) => [{ method: 'cash', amountCents }];

async function hold(c: Client, productId: number, serial: string, saleId: string): Promise<number> {
  const r = await c.post('/api/holds', { productId, serial, saleId });
  assert.is(r.status, 201, JSON.stringify(r.body));
  return r.body.hold.token as number;
}

interface LineSpec { productId: number; quantity: number; serials?: string[]; enforced?: boolean }

/** Holds what needs holding and completes a sale on `c`'s register; returns the invoice. */
async function sell(c: Client, lines: LineSpec[], extra: Record<string, unknown> = {}) {
  const saleId = newSaleId();
  const body = [];
  for (const l of lines) {
    const serials = [];
    for (const s of l.serials ?? []) serials.push(l.enforced ? { serial: s, token: await hold(c, l.productId, s, saleId) } : { serial: s });
    body.push({ productId: l.productId, quantity: l.quantity, ...(l.serials ? { serials } : {}) });
  }
  const r = await c.post('/api/sales', { saleId, lines: body, payments: cash(10_000_000), ...extra });
  assert.is(r.status, 200, JSON.stringify(r.body));
  return r.body.invoice as { saleId: string; number: number; lines: { quantity: number; serials: string[]; returnedQuantity: number; returnedSerials: string[] }[]; returns: string[] };
}

async function stockOf(store: Store, productId: number): Promise<number> {
  const r = await store.supervisor.get(`/api/products/${productId}`);
  assert.is(r.status, 200, JSON.stringify(r.body));
  return r.body.product.stock;
}

async function serials(store: Store, productId: number, status: 'available' | 'held' | 'sold'): Promise<string[]> {
  const r = await store.supervisor.get(`/api/products/${productId}/serials?status=${status}`);
  assert.is(r.status, 200, JSON.stringify(r.body));
  return r.body.items.map((i: { serial: string }) => i.serial).sort();
}

async function lookup(store: Store, serial: string) {
  const r = await store.supervisor.get(`/api/serials/${encodeURIComponent(serial)}`);
  assert.is(r.status, 200, JSON.stringify(r.body));
  return r.body.matches[0] as { state: string; sale: { saleId: string } | null; timeline: { type: string; ref?: string; reason?: string; staffId: string }[] };
}

async function invoice(store: Store, saleId: string) {
  const r = await store.supervisor.get(`/api/invoices/${saleId}`);
  assert.is(r.status, 200, JSON.stringify(r.body));
  return r.body.invoice;
}

test('an enforced serial returns to stock and can be held and sold again', async ({ hub }) => {
  const store = await createStore(hub);
  const p = await productWithStock(store, { serialMode: 'enforced', priceCents: 49_900 }, ['RT-1', 'RT-2']);
  const inv = await sell(store.cashier, [{ productId: p.id, quantity: 2, serials: ['RT-1', 'RT-2'], enforced: true }]);
  assert.is(await stockOf(store, p.id), 0);

  const returnId = newReturnId();
  const r = await store.cashier2.post('/api/returns', {
    returnId, saleId: inv.saleId, reason: 'dead on arrival', lines: [{ line: 0, quantity: 1, serials: [' rt-1 '] }],
  });
  assert.is(r.status, 200, JSON.stringify(r.body));
  assert.is(r.body.replayed, false);
  assert.is(r.body.return.refundCents, 49_900);
  assert.is(r.body.return.saleId, inv.saleId);
  assert.is(r.body.return.terminalId, store.terminals[1]!.id);
  assert.is(r.body.return.staffId, '2002');
  assert.equal(r.body.return.lines, [{ line: 0, productId: p.id, quantity: 1, serials: ['RT-1'] }]);
  assert.is(r.body.invoice.lines[0].returnedQuantity, 1);
  assert.equal(r.body.invoice.lines[0].returnedSerials, ['RT-1']);
  assert.equal(r.body.invoice.returns, [returnId]);
  // the stored invoice and return say the same
  const stored = await invoice(store, inv.saleId);
  assert.equal(stored, r.body.invoice);
  assert.equal(stored.lines[0].serials, ['RT-1', 'RT-2'], 'the invoice still shows what was sold');
  const ret = await store.clerk.get(`/api/returns/${returnId}`);
  assert.is(ret.status, 200);
  assert.equal(ret.body.return, r.body.return);

  assert.is(await stockOf(store, p.id), 1);
  assert.equal(await serials(store, p.id, 'available'), ['RT-1']);
  assert.equal(await serials(store, p.id, 'sold'), ['RT-2']);
  const back = await lookup(store, 'RT-1');
  assert.is(back.state, 'in_stock');
  assert.is(back.sale, null);
  const returned = back.timeline[3]!;
  assert.equal([returned.type, returned.ref, returned.reason, returned.staffId], ['returned', returnId, 'dead on arrival', '2002']);

  // held and sold again, by the other register
  const inv2 = await sell(store.cashier2, [{ productId: p.id, quantity: 1, serials: ['RT-1'], enforced: true }]);
  assert.is(await stockOf(store, p.id), 0);
  const again = await lookup(store, 'RT-1');
  assert.is(again.state, 'sold');
  assert.is(again.sale!.saleId, inv2.saleId);
  assert.equal(again.timeline.map((e) => e.type), ['received', 'held', 'sold', 'returned', 'held', 'sold']);
  assert.equal(again.timeline.map((e) => e.ref), [again.timeline[0]!.ref, inv.saleId, inv.saleId, returnId, inv2.saleId, inv2.saleId]);
  // and it can come back on the new invoice, but not on the old one again
  const old = await store.cashier.post('/api/returns', { returnId: newReturnId(), saleId: inv.saleId, lines: [{ line: 0, quantity: 1, serials: ['RT-1'] }] });
  assert.is(old.status, 422);
  assert.is(old.body.details.reason, 'already_returned');
  const fresh = await store.cashier.post('/api/returns', { returnId: newReturnId(), saleId: inv2.saleId, lines: [{ line: 0, quantity: 1, serials: ['RT-1'] }] });
  assert.is(fresh.status, 200, JSON.stringify(fresh.body));
  assert.equal(await serials(store, p.id, 'available'), ['RT-1']);
});

test('a solicit serial is recorded as returned and its unit goes back on the shelf', async ({ hub }) => {
  const store = await createStore(hub);
  const p = await productWithStock(store, { serialMode: 'solicit', priceCents: 1_500 }, 4);
  const inv = await sell(store.cashier, [{ productId: p.id, quantity: 2, serials: ['imei-1', 'IMEI-2'] }]);
  assert.is(await stockOf(store, p.id), 2);
  const r = await store.cashier.post('/api/returns', { returnId: newReturnId(), saleId: inv.saleId, lines: [{ line: 0, quantity: 1, serials: ['Imei-1'] }] });
  assert.is(r.status, 200, JSON.stringify(r.body));
  assert.is(r.body.return.refundCents, 1_500);
  assert.equal(r.body.invoice.lines[0].returnedSerials, ['IMEI-1']);
  assert.is(await stockOf(store, p.id), 3);
  assert.equal(await serials(store, p.id, 'sold'), ['IMEI-2']);
  const l = await lookup(store, 'IMEI-1');
  assert.is(l.state, 'returned');
  assert.equal(l.timeline.map((e) => e.type), ['sold', 'returned']);
  assert.is((await lookup(store, 'IMEI-2')).state, 'sold');
});

test('a solicit serial sold three times keeps one sold entry per sale; returns take back the right one, in any order', async ({ hub }) => {
  const store = await createStore(hub);
  const p = await productWithStock(store, { serialMode: 'solicit', priceCents: 100 }, 5);
  const cid = (await store.cashier.post('/api/customers', { name: 'Rita' })).body.customer.id as number;
  const a = await sell(store.cashier, [{ productId: p.id, quantity: 1, serials: ['TWICE-1'] }], { customerId: cid });
  const b = await sell(store.cashier, [{ productId: p.id, quantity: 1, serials: ['twice-1'] }]);
  const c = await sell(store.cashier2, [{ productId: p.id, quantity: 1, serials: ['TWICE-1'] }]);
  type SoldItem = { serial: string; saleId: string; line: number; at: number; customerId?: number };
  const soldItems = async (q = '') => {
    const r = await store.supervisor.get(`/api/products/${p.id}/serials?status=sold${q ? `&q=${q}` : ''}`);
    assert.is(r.status, 200, JSON.stringify(r.body));
    return r.body.items as SoldItem[];
  };
  const newestFirst = await soldItems();
  assert.equal(newestFirst.map((i) => [i.serial, i.saleId]), [['TWICE-1', c.saleId], ['TWICE-1', b.saleId], ['TWICE-1', a.saleId]]);
  assert.is(newestFirst[2]!.customerId, cid);
  assert.equal(Object.keys(newestFirst[0]!).sort(), ['at', 'invoiceNumber', 'line', 'saleId', 'serial']);
  assert.equal(newestFirst.map((i) => (i as SoldItem & { invoiceNumber: number }).invoiceNumber), [c.number, b.number, a.number]);
  assert.equal((await soldItems('twice')).map((i) => i.saleId).sort(), [a.saleId, b.saleId, c.saleId].sort());
  assert.is((await lookup(store, 'TWICE-1')).sale!.saleId, c.saleId);
  // the event of each repeat names the sale that sold the serial before (the supervisors' alert reads it)
  const events = await hub.redis.xrange(`sh:{s:${store.storeId}}:events`, '-', '+');
  const repeats = events.filter(([, f]) => f[1] === 'sale_completed').map(([, f]) => JSON.parse(f[3]!) as { saleId: string; repeatedSolicitSerials: unknown });
  assert.equal(repeats.map((e) => [e.saleId, e.repeatedSolicitSerials]), [
    [a.saleId, {}], [b.saleId, [{ productId: p.id, serial: 'TWICE-1', previousSaleId: a.saleId }]],
    [c.saleId, [{ productId: p.id, serial: 'TWICE-1', previousSaleId: b.saleId }]],
  ]);

  const giveBack = async (saleId: string) => {
    const r = await store.cashier.post('/api/returns', { returnId: newReturnId(), saleId, lines: [{ line: 0, quantity: 1, serials: ['TWICE-1'] }] });
    assert.is(r.status, 200, JSON.stringify(r.body));
  };
  await giveBack(a.saleId); // the oldest sale
  assert.equal((await soldItems()).map((i) => i.saleId), [c.saleId, b.saleId]);
  assert.is((await lookup(store, 'TWICE-1')).sale!.saleId, c.saleId);
  await giveBack(c.saleId); // the latest: the one before it is the serial's sale again
  assert.equal((await soldItems()).map((i) => [i.serial, i.saleId]), [['TWICE-1', b.saleId]]);
  const l = await lookup(store, 'TWICE-1');
  assert.is(l.state, 'sold');
  assert.is(l.sale!.saleId, b.saleId);
  await giveBack(b.saleId);
  assert.equal(await soldItems(), []);
  assert.is((await lookup(store, 'TWICE-1')).state, 'returned');
  assert.is(await stockOf(store, p.id), 5);
  // each sale takes it back once (its line has nothing left to return)
  const again = await store.cashier.post('/api/returns', { returnId: newReturnId(), saleId: a.saleId, lines: [{ line: 0, quantity: 1, serials: ['TWICE-1'] }] });
  assert.is(again.status, 422, JSON.stringify(again.body));
  assert.is(again.body.details.reason, 'quantity');
});

test('a none line: returned quantity goes back to stock, up to what is left on the line', async ({ hub }) => {
  const store = await createStore(hub);
  const p = await productWithStock(store, { serialMode: 'none', priceCents: 250 }, 10);
  const inv = await sell(store.cashier, [{ productId: p.id, quantity: 4 }]);
  assert.is(await stockOf(store, p.id), 6);
  const r = await store.cashier.post('/api/returns', { returnId: newReturnId(), saleId: inv.saleId, lines: [{ line: 0, quantity: 3 }] });
  assert.is(r.status, 200, JSON.stringify(r.body));
  assert.is(r.body.return.refundCents, 750);
  assert.is(r.body.invoice.lines[0].returnedQuantity, 3);
  assert.is(await stockOf(store, p.id), 9);
  const over = await store.cashier.post('/api/returns', { returnId: newReturnId(), saleId: inv.saleId, lines: [{ line: 0, quantity: 2 }] });
  assert.is(over.status, 422);
  assert.is(over.body.code, 'RETURN_REJECTED');
  assert.equal(over.body.details, { line: 0, reason: 'quantity' });
  const withSerial = await store.cashier.post('/api/returns', { returnId: newReturnId(), saleId: inv.saleId, lines: [{ line: 0, quantity: 1, serials: ['X-1'] }] });
  assert.is(withSerial.body.details.reason, 'serials_not_expected');
  assert.is(await stockOf(store, p.id), 9);
  const last = await store.cashier.post('/api/returns', { returnId: newReturnId(), saleId: inv.saleId, lines: [{ line: 0, quantity: 1 }] });
  assert.is(last.status, 200);
  assert.is(await stockOf(store, p.id), 10);
  const none = await store.cashier.post('/api/returns', { returnId: newReturnId(), saleId: inv.saleId, lines: [{ line: 0, quantity: 1 }] });
  assert.is(none.body.details.reason, 'quantity');
  const final = await invoice(store, inv.saleId);
  assert.is(final.lines[0].returnedQuantity, 4);
  assert.is(final.returns.length, 2);
});

test('only serials of that invoice line come back (RETURN_REJECTED not_on_line), nothing written', async ({ hub }) => {
  const store = await createStore(hub);
  const p = await productWithStock(store, { serialMode: 'enforced', priceCents: 100 }, ['OL-1', 'OL-2', 'OL-3', 'OL-4']);
  const q = await productWithStock(store, { serialMode: 'enforced', priceCents: 100 }, ['OQ-1']);
  const inv = await sell(store.cashier, [
    { productId: p.id, quantity: 1, serials: ['OL-1'], enforced: true },
    { productId: q.id, quantity: 1, serials: ['OQ-1'], enforced: true },
  ]);
  const other = await sell(store.cashier, [{ productId: p.id, quantity: 1, serials: ['OL-2'], enforced: true }]);
  const cases: [unknown[], string][] = [
    [[{ line: 0, quantity: 1, serials: ['OL-2'] }], 'OL-2'], // sold on another invoice
    [[{ line: 0, quantity: 1, serials: ['OL-3'] }], 'OL-3'], // in stock, never sold
    [[{ line: 0, quantity: 1, serials: ['OQ-1'] }], 'OQ-1'], // on the invoice, but another line
    [[{ line: 1, quantity: 1, serials: ['OQ-1'] }, { line: 0, quantity: 1, serials: ['NOPE'] }], 'NOPE'],
  ];
  for (const [lines, serial] of cases) {
    const r = await store.cashier.post('/api/returns', { returnId: newReturnId(), saleId: inv.saleId, lines });
    assert.is(r.status, 422, JSON.stringify(r.body));
    assert.is(r.body.code, 'RETURN_REJECTED');
    assert.is(r.body.details.reason, 'not_on_line');
    assert.is(r.body.details.serial, serial);
  }
  // nothing came back: not even OQ-1 of the valid first line of the last attempt
  assert.equal(await serials(store, p.id, 'available'), ['OL-3', 'OL-4']);
  assert.equal(await serials(store, q.id, 'available'), []);
  assert.equal(await serials(store, q.id, 'sold'), ['OQ-1']);
  const stored = await invoice(store, inv.saleId);
  assert.equal(stored.returns, []);
  assert.equal(stored.lines.map((l: { returnedQuantity: number }) => l.returnedQuantity), [0, 0]);
  assert.equal((await invoice(store, other.saleId)).returns, []);
  assert.equal((await lookup(store, 'OL-2')).timeline.map((e) => e.type), ['received', 'held', 'sold']);
});

test('each serial comes back once (already_returned), also within one request', async ({ hub }) => {
  const store = await createStore(hub);
  const p = await productWithStock(store, { serialMode: 'enforced', priceCents: 100 }, ['AR-1', 'AR-2']);
  const s = await productWithStock(store, { serialMode: 'solicit', priceCents: 100 }, 2);
  const inv = await sell(store.cashier, [
    { productId: p.id, quantity: 2, serials: ['AR-1', 'AR-2'], enforced: true },
    { productId: s.id, quantity: 2, serials: ['SR-1', 'SR-2'] },
  ]);
  // the same serial twice in one request (2 units are still returnable)
  const twice = await store.cashier.post('/api/returns', {
    returnId: newReturnId(), saleId: inv.saleId, lines: [{ line: 0, quantity: 2, serials: ['AR-2', 'ar-2'] }],
  });
  assert.is(twice.status, 422);
  assert.equal(twice.body.details, { line: 0, serial: 'AR-2', reason: 'already_returned' });
  const split = await store.cashier.post('/api/returns', {
    returnId: newReturnId(), saleId: inv.saleId, lines: [{ line: 0, quantity: 1, serials: ['AR-2'] }, { line: 0, quantity: 1, serials: ['AR-2'] }],
  });
  assert.is(split.status, 422);
  assert.equal(split.body.details, { line: 0, serial: 'AR-2', reason: 'already_returned' });
  assert.equal(await serials(store, p.id, 'available'), []);
  const first = await store.cashier.post('/api/returns', {
    returnId: newReturnId(), saleId: inv.saleId, lines: [{ line: 0, quantity: 1, serials: ['AR-1'] }, { line: 1, quantity: 1, serials: ['SR-1'] }],
  });
  assert.is(first.status, 200, JSON.stringify(first.body));
  for (const [line, serial] of [[0, 'AR-1'], [1, 'SR-1']] as const) {
    const again = await store.cashier.post('/api/returns', { returnId: newReturnId(), saleId: inv.saleId, lines: [{ line, quantity: 1, serials: [serial] }] });
    assert.is(again.status, 422);
    assert.is(again.body.code, 'RETURN_REJECTED');
    assert.equal(again.body.details, { line, serial, reason: 'already_returned' });
  }
  assert.equal(await serials(store, p.id, 'available'), ['AR-1']);
  assert.is(await stockOf(store, s.id), 1);
  assert.equal((await lookup(store, 'AR-1')).timeline.map((e) => e.type), ['received', 'held', 'sold', 'returned']);
});

test('over-quantity, wrong serial count and missing lines are refused, nothing written', async ({ hub }) => {
  const store = await createStore(hub);
  const p = await productWithStock(store, { serialMode: 'enforced', priceCents: 100 }, ['OQ-1', 'OQ-2']);
  const n = await productWithStock(store, { serialMode: 'none', priceCents: 100 }, 5);
  const inv = await sell(store.cashier, [
    { productId: n.id, quantity: 2 },
    { productId: p.id, quantity: 2, serials: ['OQ-1', 'OQ-2'], enforced: true },
  ]);
  const cases: [unknown[], string][] = [
    [[{ line: 0, quantity: 3 }], 'quantity'],
    [[{ line: 0, quantity: 2 }, { line: 0, quantity: 1 }], 'quantity'],
    [[{ line: 1, quantity: 3, serials: ['OQ-1', 'OQ-2', 'OQ-3'] }], 'quantity'],
    [[{ line: 1, quantity: 2, serials: ['OQ-1'] }], 'serial_count'],
    [[{ line: 1, quantity: 1 }], 'serial_count'],
    [[{ line: 0, quantity: 1 }, { line: 2, quantity: 1 }], 'no_line'],
  ];
  for (const [lines, reason] of cases) {
    const r = await store.cashier.post('/api/returns', { returnId: newReturnId(), saleId: inv.saleId, lines });
    assert.is(r.status, 422, JSON.stringify(r.body));
    assert.is(r.body.code, 'RETURN_REJECTED');
    assert.is(r.body.details.reason, reason, JSON.stringify(lines));
  }
  assert.is(await stockOf(store, n.id), 3);
  assert.is(await stockOf(store, p.id), 0);
  assert.equal((await invoice(store, inv.saleId)).returns, []);
  // who may return: cashiers and supervisors (no register needed), not a stock clerk
  const clerk = await store.clerk.post('/api/returns', { returnId: newReturnId(), saleId: inv.saleId, lines: [{ line: 0, quantity: 1 }] });
  assert.is(clerk.status, 403);
  assert.is(clerk.body.code, 'FORBIDDEN');
  const backOffice = await store.supervisor.post('/api/returns', { returnId: newReturnId(), saleId: inv.saleId, lines: [{ line: 0, quantity: 2 }] });
  assert.is(backOffice.status, 200, JSON.stringify(backOffice.body));
  assert.is(backOffice.body.return.terminalId, '');
  assert.is(await stockOf(store, n.id), 5);
});

test('retrying a return id is idempotent: same refund, stock not doubled', async ({ hub }) => {
  const store = await createStore(hub);
  const p = await productWithStock(store, { serialMode: 'enforced', priceCents: 2_000 }, ['ID-1', 'ID-2']);
  const n = await productWithStock(store, { serialMode: 'none', priceCents: 300 }, 5);
  const inv = await sell(store.cashier, [
    { productId: p.id, quantity: 2, serials: ['ID-1', 'ID-2'], enforced: true },
    { productId: n.id, quantity: 5 },
  ]);
  const body = { returnId: newReturnId(), saleId: inv.saleId, lines: [{ line: 0, quantity: 1, serials: ['ID-2'] }, { line: 1, quantity: 2 }] };
  const first = await store.cashier.post('/api/returns', body);
  assert.is(first.status, 200, JSON.stringify(first.body));
  assert.is(first.body.return.refundCents, 2_600);
  const retries = await Promise.all([1, 2, 3].map(() => store.cashier.post('/api/returns', body)));
  retries.push(await store.cashier2.post('/api/returns', body));
  for (const r of retries) {
    assert.is(r.status, 200, JSON.stringify(r.body));
    assert.is(r.body.replayed, true);
    assert.equal(r.body.return, first.body.return);
    assert.equal(r.body.invoice, first.body.invoice);
  }
  assert.is(await stockOf(store, p.id), 1);
  assert.is(await stockOf(store, n.id), 2);
  const stored = await invoice(store, inv.saleId);
  assert.equal(stored.returns, [body.returnId]);
  assert.equal(stored.lines.map((l: { returnedQuantity: number }) => l.returnedQuantity), [1, 2]);
  assert.equal((await lookup(store, 'ID-2')).timeline.filter((e) => e.type === 'returned').length, 1);
  // the return id used against another invoice is a conflict
  const other = await sell(store.cashier, [{ productId: p.id, quantity: 1, serials: ['ID-2'], enforced: true }]);
  const conflict = await store.cashier.post('/api/returns', { ...body, saleId: other.saleId, lines: [{ line: 0, quantity: 1, serials: ['ID-2'] }] });
  assert.is(conflict.status, 409);
  assert.is(conflict.body.code, 'RETURN_ID_CONFLICT');
  assert.equal(await serials(store, p.id, 'sold'), ['ID-1', 'ID-2']);
});

test('the same returnId with other lines or reason is RETURN_ID_CONFLICT different_request; nothing more comes back', async ({ hub }) => {
  const store = await createStore(hub);
  const p = await productWithStock(store, { serialMode: 'enforced', priceCents: 1_000 }, ['RF-1', 'RF-2']);
  const inv = await sell(store.cashier, [{ productId: p.id, quantity: 2, serials: ['RF-1', 'RF-2'], enforced: true }]);
  const body = { returnId: newReturnId(), saleId: inv.saleId, reason: 'faulty', lines: [{ line: 0, quantity: 1, serials: ['RF-1'] }] };
  const first = await store.cashier.post('/api/returns', body);
  assert.is(first.status, 200, JSON.stringify(first.body));
  assert.is(first.body.return.requestHash, undefined);
  for (const other of [
    { ...body, lines: [{ line: 0, quantity: 1, serials: ['RF-2'] }] },
    { ...body, lines: [{ line: 0, quantity: 2, serials: ['RF-1', 'RF-2'] }] },
    { ...body, reason: 'changed mind' },
  ]) {
    const r = await store.cashier.post('/api/returns', other);
    assert.is(r.status, 409, JSON.stringify(r.body));
    assert.is(r.body.code, 'RETURN_ID_CONFLICT');
    assert.equal(r.body.details, { reason: 'different_request' });
  }
  const same = await store.cashier.post('/api/returns', { ...body, lines: [{ line: 0, quantity: 1, serials: ['rf-1'] }] });
  assert.is(same.status, 200, JSON.stringify(same.body));
  assert.is(same.body.replayed, true);
  assert.equal(same.body.return, first.body.return);
  assert.is((await store.cashier.get(`/api/returns/${body.returnId}`)).body.return.requestHash, undefined);
  assert.is(await stockOf(store, p.id), 1);
  assert.equal(await serials(store, p.id, 'sold'), ['RF-2']);
});

test('a return against an unknown invoice is INVOICE_NOT_FOUND; an unknown return is NOT_FOUND', async ({ hub }) => {
  const store = await createStore(hub);
  const r = await store.cashier.post('/api/returns', { returnId: newReturnId(), saleId: newSaleId(), lines: [{ line: 0, quantity: 1 }] });
  assert.is(r.status, 404);
  assert.is(r.body.code, 'INVOICE_NOT_FOUND');
  // an invoice of another store is unknown here
  const p = await productWithStock(store, { serialMode: 'none', priceCents: 100 }, 2);
  const inv = await sell(store.cashier, [{ productId: p.id, quantity: 1 }]);
  const other = await createStore(hub);
  const cross = await other.cashier.post('/api/returns', { returnId: newReturnId(), saleId: inv.saleId, lines: [{ line: 0, quantity: 1 }] });
  assert.is(cross.body.code, 'INVOICE_NOT_FOUND');
  assert.is(await stockOf(store, p.id), 1);
  const missing = await store.cashier.get(`/api/returns/${newReturnId()}`);
  assert.is(missing.status, 404);
  assert.is(missing.body.code, 'RETURN_NOT_FOUND');
  const bad = await store.cashier.post('/api/returns', { returnId: 'x', saleId: inv.saleId, lines: [{ line: 0, quantity: 1 }] });
  assert.is(bad.status, 400);
  assert.is(bad.body.code, 'VALIDATION_FAILED');
});

test('a return of more than 10,000 serials in all is VALIDATION_FAILED before anything is looked up', async ({ hub }) => {
  const store = await createStore(hub);
  const line = (n: number, from: number) => ({ line: n, quantity: 5_001, serials: Array.from({ length: 5_001 }, (_, i) => `RC-${from + i}`) });
  const r = await store.cashier.post('/api/returns', { returnId: newReturnId(), saleId: newSaleId(), lines: [line(0, 0), line(1, 5_001)] });
  assert.is(r.status, 400, JSON.stringify(r.body).slice(0, 300));
  assert.is(r.body.code, 'VALIDATION_FAILED');
  assert.equal(r.body.details.issues, [{ path: 'lines', message: 'at most 10,000 serials per return (this one has 10002)' }]);
});

test('an invoice is found by the number on its receipt (a return starts there); unknown or bad numbers are refused', async ({ hub }) => {
  const store = await createStore(hub);
  const p = await productWithStock(store, { serialMode: 'none', priceCents: 100 }, 5);
  const first = await sell(store.cashier, [{ productId: p.id, quantity: 1 }]);
  const second = await sell(store.cashier2, [{ productId: p.id, quantity: 2 }]);
  assert.equal([first.number, second.number], [1, 2]);
  for (const c of [store.cashier, store.clerk, store.supervisor]) {
    const r = await c.get('/api/invoices/number/2');
    assert.is(r.status, 200, JSON.stringify(r.body));
    assert.is(r.body.invoice.saleId, second.saleId);
  }
  const unknown = await store.cashier.get('/api/invoices/number/3');
  assert.is(unknown.status, 404);
  assert.is(unknown.body.code, 'INVOICE_NOT_FOUND');
  for (const bad of ['0', 'abc', '-1', '1.5', '1e3']) {
    const r = await store.cashier.get(`/api/invoices/number/${bad}`);
    assert.is(r.status, 400, bad);
    assert.is(r.body.code, 'VALIDATION_FAILED');
  }
  const other = await createStore(hub);
  assert.is((await other.cashier.get('/api/invoices/number/1')).body.code, 'INVOICE_NOT_FOUND', 'numbers are per store');
  // Invoices completed before the number index existed are found by their place in completion order.
  await hub.redis.del(storeKeys(store.storeId).invoiceNumbers);
  assert.is((await store.cashier.get('/api/invoices/number/1')).body.invoice.saleId, first.saleId);
  assert.is((await store.cashier.get('/api/invoices/number/2')).body.invoice.saleId, second.saleId);
  assert.is((await store.cashier.get('/api/invoices/number/3')).body.code, 'INVOICE_NOT_FOUND');
});

test('refunds: unit price times returned quantity, summed over lines, at the price sold', async ({ hub }) => {
  const store = await createStore(hub);
  const laptop = await productWithStock(store, { serialMode: 'enforced', priceCents: 129_999 }, ['RF-1', 'RF-2']);
  const phone = await productWithStock(store, { serialMode: 'solicit', priceCents: 45_050 }, 3);
  const cable = await productWithStock(store, { serialMode: 'none', priceCents: 1_299 }, 10);
  const inv = await sell(store.cashier, [
    { productId: laptop.id, quantity: 2, serials: ['RF-1', 'RF-2'], enforced: true },
    { productId: phone.id, quantity: 1, serials: ['PH-1'] },
    { productId: cable.id, quantity: 4 },
  ]);
  // the price changes after the sale; the refund is at the price paid
  const patched = await store.supervisor.patch(`/api/products/${cable.id}`, { priceCents: 9_999 });
  assert.is(patched.status, 200, JSON.stringify(patched.body));
  const r = await store.cashier.post('/api/returns', {
    returnId: newReturnId(), saleId: inv.saleId,
    lines: [{ line: 2, quantity: 3 }, { line: 0, quantity: 2, serials: ['RF-2', 'RF-1'] }, { line: 1, quantity: 1, serials: ['PH-1'] }],
  });
  assert.is(r.status, 200, JSON.stringify(r.body));
  assert.is(r.body.return.refundCents, 3 * 1_299 + 2 * 129_999 + 45_050);
  const r2 = await store.cashier.post('/api/returns', { returnId: newReturnId(), saleId: inv.saleId, lines: [{ line: 2, quantity: 1 }] });
  assert.is(r2.body.return.refundCents, 1_299);
  assert.is(await stockOf(store, laptop.id), 2);
  assert.is(await stockOf(store, phone.id), 3);
  assert.is(await stockOf(store, cable.id), 10);
});

test('two registers returning the same serial at once (different return ids): it comes back once', async ({ hub }) => {
  const store = await createStore(hub);
  const p = await productWithStock(store, { serialMode: 'enforced', priceCents: 1_000 }, ['CR-1', 'CR-2']);
  const n = await productWithStock(store, { serialMode: 'none', priceCents: 100 }, 3);
  const inv = await sell(store.cashier, [
    { productId: p.id, quantity: 2, serials: ['CR-1', 'CR-2'], enforced: true },
    { productId: n.id, quantity: 3 },
  ]);
  const attempts = await Promise.all(
    [store.cashier, store.cashier2, store.cashier, store.cashier2].map((c) =>
      c.post('/api/returns', { returnId: newReturnId(), saleId: inv.saleId, lines: [{ line: 0, quantity: 1, serials: ['CR-1'] }, { line: 1, quantity: 2 }] }),
    ),
  );
  assert.is(attempts.filter((r) => r.status === 200).length, 1, JSON.stringify(attempts.map((r) => r.body)));
  for (const r of attempts.filter((r) => r.status !== 200)) {
    assert.is(r.body.code, 'RETURN_REJECTED');
    assert.ok(['already_returned', 'quantity'].includes(r.body.details.reason));
  }
  assert.equal(await serials(store, p.id, 'available'), ['CR-1']);
  assert.is(await stockOf(store, n.id), 2);
  const stored = await invoice(store, inv.saleId);
  assert.is(stored.returns.length, 1);
  assert.equal(stored.lines.map((l: { returnedQuantity: number }) => l.returnedQuantity), [1, 2]);
});

test('a case-sensitive product sells and takes back serials in their exact case', async ({ hub }) => {
  const store = await createStore(hub);
  const p = await productWithStock(store, { serialMode: 'enforced', priceCents: 100, serialCaseSensitive: true }, ['cS-1', 'CS-1']);
  const inv = await sell(store.cashier, [{ productId: p.id, quantity: 1, serials: ['cS-1'], enforced: true }]);
  assert.equal(inv.lines[0]!.serials, ['cS-1']);
  assert.equal(await serials(store, p.id, 'available'), ['CS-1']);
  const wrongCase = await store.cashier.post('/api/returns', { returnId: newReturnId(), saleId: inv.saleId, lines: [{ line: 0, quantity: 1, serials: ['CS-1'] }] });
  assert.is(wrongCase.status, 422);
  assert.is(wrongCase.body.details.reason, 'not_on_line');
  const ok = await store.cashier.post('/api/returns', { returnId: newReturnId(), saleId: inv.saleId, lines: [{ line: 0, quantity: 1, serials: [' cS-1 '] }] });
  assert.is(ok.status, 200, JSON.stringify(ok.body));
  assert.equal(await serials(store, p.id, 'available'), ['CS-1', 'cS-1']);
  assert.equal(await serials(store, p.id, 'sold'), []);
});


test('a returned warranty serial stays in the service record, marked returned', async () => {
  const hub = await startTestHub();
  try {
    const store = await createStore(hub);
    const p = await productWithStock(store, { serialMode: 'enforced', warrantyReminder: true, warrantyMonths: 12, priceCents: 100 }, ['W-1', 'W-2']);
    const customer = (await store.cashier.post('/api/customers', { name: 'Wanda Warranty' })).body.customer.id;
    const inv = await sell(store.cashier, [{ productId: p.id, quantity: 2, serials: ['W-1', 'W-2'], enforced: true }], { customerId: customer });
    const r = await store.cashier.post('/api/returns', { returnId: newReturnId(), saleId: inv.saleId, lines: [{ line: 0, quantity: 1, serials: ['W-2'] }] });
    assert.is(r.status, 200, JSON.stringify(r.body));
    const recs = (await store.cashier.get(`/api/customers/${customer}/service-records`)).body.items;
    assert.is(recs.length, 2);
    assert.is(recs.find((x: { serial: string }) => x.serial === 'W-1').returnedAt, undefined);
    assert.type(recs.find((x: { serial: string }) => x.serial === 'W-2').returnedAt, 'number');
  } finally {
    await hub.close();
  }
});

test.run();
