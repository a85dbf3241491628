/**
 * Completing sales over HTTP: enforced lines with hold tokens, solicit lines with typed serials, none lines
 * by quantity; idempotent retries, fencing tokens, all-or-nothing writes, payments, customer history,
 * service records, and two registers racing for one serial.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { storeKeys } from '../../server/store/keys.js';
import { Client, createStore, newSaleId, productWithStock, startTestHub } from '../helpers/hub.js';
import { connectRegister, until } from '../helpers/live.js';

type Hub = Awaited<ReturnType<typeof startTestHub>>;
type Store = Awaited<ReturnType<typeof createStore>>;
/** hub: default (long) lease. short: 1 s leases, for tests where a lease must run out. */
const test = suite<{ hub: Hub; short: Hub }>('sales');

test.before(async (ctx) => {
  [ctx.hub, ctx.short] = await Promise.all([startTestHub(), startTestHub({ HOLD_LEASE_MS: '1000' })]);
});
test.after(async (ctx) => {
  await Promise.all([ctx.hub.close(), ctx.short.close()]);
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function hold(c: Client, productId: number, serial: string, saleId: string): Promise<number> {
  const r = await c.post('/api/holds', { productId, serial, saleId });
  assert.is(r.status, 201, JSON.stringify(r.body));
  return r.body.hold.token as number;
}

async function stockOf(store: Store, productId: number): Promise<{ stock: number; held: number }> {
  const r = await store.supervisor.get(`/api/products/${productId}`);
  assert.is(r.status, 200, JSON.stringify(r.body));
  return { stock: r.body.product.stock, held: r.body.product.held };
}

async function serials(store: Store, productId: number, status: 'available' | 'held' | 'sold') {
  const r = await store.supervisor.get(`/api/products/${productId}/serials?status=${status}`);
  assert.is(r.status, 200, JSON.stringify(r.body));
  return r.body.items as { serial: string; saleId?: string; customerId?: number; line?: number; token?: number }[];
}

async function lookup(store: Store, serial: string) {
  return store.supervisor.get(`/api/serials/${encodeURIComponent(serial)}`);
}

async function timelineTypes(store: Store, serial: string): Promise<string[]> {
  const r = await lookup(store, serial);
  assert.is(r.status, 200, JSON.stringify(r.body));
  return r.body.matches[0].timeline.map((e: { type: string }) => e.type);
}

async function invoiceCount(store: Store): Promise<number> {
  const r = await store.supervisor.get('/api/invoices');
  assert.is(r.status, 200);
  return r.body.items.length;
}

/** Waits until the store has no holds left (the sweeper released expired ones). */
async function untilNoHolds(store: Store, timeoutMs = 5000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const r = await store.supervisor.get('/api/holds');
    if (r.body.items.length === 0) return;
    if (Date.now() > end) throw new Error(`holds still there: ${JSON.stringify(r.body.items)}`);
    await sleep(100);
  }
}

const cash = (amountCents: number) => [{ method: 'cash', amountCents }];

/** The same wall-clock time n calendar months later in UTC, the 31st clamped to the month's last day. */
function addMonthsUtc(ms: number, n: number): number {
  const d = new Date(ms);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth() + n;
  const last = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  return Date.UTC(y, m, Math.min(d.getUTCDate(), last), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCMilliseconds());
}

test('a sale with enforced, solicit and none lines: invoice stored, stock down, serials sold', async ({ hub }) => {
  const store = await createStore(hub);
  const enforced = await productWithStock(store, { serialMode: 'enforced', priceCents: 49_900, name: 'Laptop' }, ['LAP-1', 'LAP-2', 'LAP-3']);
  const solicit = await productWithStock(store, { serialMode: 'solicit', priceCents: 1_999 }, 5);
  const none = await productWithStock(store, { serialMode: 'none', priceCents: 250 }, 10);
  const saleId = newSaleId();
  const t1 = await hold(store.cashier, enforced.id, 'LAP-1', saleId);
  const t3 = await hold(store.cashier, enforced.id, 'lap-3', saleId);
  const total = 2 * 49_900 + 1_999 + 3 * 250;
  const r = await store.cashier.post('/api/sales', {
    saleId,
    lines: [
      { productId: enforced.id, quantity: 2, serials: [{ serial: 'lap-1', token: t1 }, { serial: 'LAP-3', token: t3 }] },
      { productId: solicit.id, quantity: 1, serials: [{ serial: ' sol-abc ' }] },
      { productId: none.id, quantity: 3 },
    ],
    payments: cash(total),
  });
  assert.is(r.status, 200, JSON.stringify(r.body));
  assert.is(r.body.replayed, false);
  const inv = r.body.invoice;
  assert.is(inv.saleId, saleId);
  assert.is(inv.number, 1);
  assert.is(inv.storeId, store.storeId);
  assert.is(inv.terminalId, store.terminals[0]!.id);
  assert.is(inv.staffId, '2001');
  assert.is(inv.customerId, null);
  assert.is(inv.totalCents, total);
  assert.is(inv.changeCents, 0);
  assert.equal(inv.payments, cash(total));
  assert.equal(inv.returns, []);
  assert.equal(inv.lines.map((l: { productId: number; quantity: number; unitPriceCents: number; totalCents: number; serials: string[]; serialMode: string }) =>
    [l.productId, l.serialMode, l.quantity, l.unitPriceCents, l.totalCents, l.serials]), [
    [enforced.id, 'enforced', 2, 49_900, 99_800, ['LAP-1', 'LAP-3']],
    [solicit.id, 'solicit', 1, 1_999, 1_999, ['SOL-ABC']],
    [none.id, 'none', 3, 250, 750, []],
  ]);
  assert.is(inv.lines[0].name, 'Laptop');
  for (const l of inv.lines) {
    assert.is(l.returnedQuantity, 0);
    assert.equal(l.returnedSerials, []);
  }

  // the stored invoice is the one answered
  const stored = await store.cashier2.get(`/api/invoices/${saleId}`);
  assert.is(stored.status, 200);
  assert.equal(stored.body.invoice, inv);
  const list = await store.clerk.get('/api/invoices');
  assert.equal(list.body.items.map((i: { saleId: string }) => i.saleId), [saleId]);

  // stock went down
  assert.equal(await stockOf(store, enforced.id), { stock: 1, held: 0 });
  assert.equal(await stockOf(store, solicit.id), { stock: 4, held: 0 });
  assert.equal(await stockOf(store, none.id), { stock: 7, held: 0 });
  assert.equal((await serials(store, enforced.id, 'available')).map((s) => s.serial), ['LAP-2']);

  // the serials are sold, with their sale; no holds are left
  const sold = await serials(store, enforced.id, 'sold');
  assert.equal(sold.map((s) => s.serial).sort(), ['LAP-1', 'LAP-3']);
  for (const s of sold) assert.is(s.saleId, saleId);
  assert.equal((await serials(store, solicit.id, 'sold')).map((s) => [s.serial, s.saleId, s.line]), [['SOL-ABC', saleId, 1]]);
  assert.equal((await store.supervisor.get('/api/holds')).body.items, []);
  const l1 = await lookup(store, 'lap-1');
  assert.is(l1.body.matches[0].state, 'sold');
  assert.is(l1.body.matches[0].sale.saleId, saleId);
  assert.equal(await timelineTypes(store, 'LAP-1'), ['received', 'held', 'sold']);
  assert.equal(await timelineTypes(store, 'SOL-ABC'), ['sold']);
  const soldEntry = l1.body.matches[0].timeline[2];
  assert.is(soldEntry.ref, saleId);
  assert.is(soldEntry.staffId, '2001');
  assert.is(soldEntry.terminalId, store.terminals[0]!.id);

  // invoice numbers count up per store
  const next = await store.cashier2.post('/api/sales', { saleId: newSaleId(), lines: [{ productId: none.id, quantity: 1 }], payments: cash(250) });
  assert.is(next.status, 200);
  assert.is(next.body.invoice.number, 2);
});

test('a customer sale: the sold list shows invoice and customer, the customer history gets the invoice', async ({ hub }) => {
  const store = await createStore(hub);
  const p = await productWithStock(store, { serialMode: 'enforced', priceCents: 1000 }, ['C-1', 'C-2']);
  const customer = await store.cashier.post('/api/customers', { name: 'Ada Lovelace', phone: '555 0100' });
  assert.is(customer.status, 201);
  const cid = customer.body.customer.id as number;
  const empty = await store.cashier.get(`/api/customers/${cid}/history`);
  assert.equal(empty.body.items, []);

  const saleId = newSaleId();
  const token = await hold(store.cashier, p.id, 'C-2', saleId);
  const r = await store.cashier.post('/api/sales', {
    saleId, customerId: cid, lines: [{ productId: p.id, quantity: 1, serials: [{ serial: 'C-2', token }] }], payments: cash(1000),
  });
  assert.is(r.status, 200, JSON.stringify(r.body));
  assert.is(r.body.invoice.customerId, cid);
  const sold = await serials(store, p.id, 'sold');
  assert.is(sold.length, 1);
  assert.equal(sold[0], { ...sold[0], serial: 'C-2', saleId, customerId: cid, line: 0 });
  const history = await store.cashier.get(`/api/customers/${cid}/history`);
  assert.is(history.status, 200);
  assert.equal(history.body.items, [r.body.invoice]);
  const l = await lookup(store, 'C-2');
  assert.is(l.body.matches[0].sale.customerId, cid);
  assert.is(l.body.matches[0].timeline[2].customerId, cid);

  // an unknown customer writes nothing
  const saleId2 = newSaleId();
  const t2 = await hold(store.cashier, p.id, 'C-1', saleId2);
  const bad = await store.cashier.post('/api/sales', {
    saleId: saleId2, customerId: 987654, lines: [{ productId: p.id, quantity: 1, serials: [{ serial: 'C-1', token: t2 }] }], payments: cash(1000),
  });
  assert.is(bad.status, 404);
  assert.is(bad.body.code, 'CUSTOMER_NOT_FOUND');
  assert.equal(await stockOf(store, p.id), { stock: 1, held: 1 });
  assert.is(await invoiceCount(store), 1);
});

test('retrying a completed sale answers the same invoice and sells nothing twice', async ({ hub }) => {
  const store = await createStore(hub);
  const p = await productWithStock(store, { serialMode: 'enforced', priceCents: 700 }, ['I-1', 'I-2']);
  const none = await productWithStock(store, { serialMode: 'none', priceCents: 100 }, 10);
  const saleId = newSaleId();
  const token = await hold(store.cashier, p.id, 'I-1', saleId);
  const body = {
    saleId, lines: [{ productId: p.id, quantity: 1, serials: [{ serial: 'I-1', token }] }, { productId: none.id, quantity: 4 }],
    payments: cash(1500),
  };
  const first = await store.cashier.post('/api/sales', body);
  assert.is(first.status, 200, JSON.stringify(first.body));
  assert.is(first.body.replayed, false);
  assert.is(first.body.invoice.changeCents, 400);
  // the register retries (lost answer), several times, some at once
  const retries = await Promise.all([1, 2, 3, 4].map(() => store.cashier.post('/api/sales', body)));
  retries.push(await store.cashier.post('/api/sales', body));
  for (const r of retries) {
    assert.is(r.status, 200, JSON.stringify(r.body));
    assert.is(r.body.replayed, true);
    assert.equal(r.body.invoice, first.body.invoice);
  }
  assert.equal(await stockOf(store, p.id), { stock: 1, held: 0 });
  assert.equal(await stockOf(store, none.id), { stock: 6, held: 0 });
  assert.is(await invoiceCount(store), 1);
  assert.equal(await timelineTypes(store, 'I-1'), ['received', 'held', 'sold']);
  // a later sale takes the next number
  const next = await store.cashier.post('/api/sales', { saleId: newSaleId(), lines: [{ productId: none.id, quantity: 1 }], payments: cash(100) });
  assert.is(next.body.invoice.number, first.body.invoice.number + 1);
});

test('a sale of more than 10,000 serials in all is VALIDATION_FAILED, and writes nothing', async ({ hub }) => {
  const store = await createStore(hub);
  const p = await productWithStock(store, { serialMode: 'solicit', priceCents: 1 }, 10_001);
  const line = (from: number, n: number) =>
    ({ productId: p.id, quantity: n, serials: Array.from({ length: n }, (_, i) => ({ serial: `CAP-${from + i}` })) });
  const r = await store.cashier.post('/api/sales', { saleId: newSaleId(), lines: [line(0, 5_000), line(5_000, 5_001)], payments: cash(10_001) });
  assert.is(r.status, 400, JSON.stringify(r.body).slice(0, 300));
  assert.is(r.body.code, 'VALIDATION_FAILED');
  assert.equal(r.body.details.issues, [{ path: 'lines', message: 'at most 10,000 serials per sale (this one has 10001)' }]);
  assert.equal(await stockOf(store, p.id), { stock: 10_001, held: 0 });
  assert.is(await invoiceCount(store), 0);
});

test('the same saleId with other lines, customer or payments is SALE_ID_CONFLICT different_request; an invoice stored before fingerprints replays', async ({ hub }) => {
  const store = await createStore(hub);
  const p = await productWithStock(store, { serialMode: 'enforced', priceCents: 700 }, ['FP-1', 'FP-2']);
  const none = await productWithStock(store, { serialMode: 'none', priceCents: 100 }, 10);
  const cid = (await store.cashier.post('/api/customers', { name: 'Finn' })).body.customer.id as number;
  const saleId = newSaleId();
  const token = await hold(store.cashier, p.id, 'FP-1', saleId);
  const body = {
    saleId, customerId: cid,
    lines: [{ productId: p.id, quantity: 1, serials: [{ serial: 'FP-1', token }] }, { productId: none.id, quantity: 4 }],
    payments: cash(1100),
  };
  const first = await store.cashier.post('/api/sales', body);
  assert.is(first.status, 200, JSON.stringify(first.body));
  assert.is(first.body.invoice.requestHash, undefined);
  for (const other of [
    { ...body, lines: [body.lines[0], { productId: none.id, quantity: 5 }] },
    { ...body, lines: [body.lines[0]] },
    { ...body, customerId: undefined },
    { ...body, payments: [{ method: 'card', amountCents: 1100 }] },
  ]) {
    const r = await store.cashier.post('/api/sales', other);
    assert.is(r.status, 409, JSON.stringify(r.body));
    assert.is(r.body.code, 'SALE_ID_CONFLICT');
    assert.equal(r.body.details, { reason: 'different_request' });
  }
  // the same sale, serial typed in another case and without its token (spent): the same invoice
  const same = await store.cashier.post('/api/sales', { ...body, lines: [{ productId: p.id, quantity: 1, serials: [{ serial: 'fp-1' }] }, body.lines[1]] });
  assert.is(same.status, 200, JSON.stringify(same.body));
  assert.is(same.body.replayed, true);
  assert.equal(same.body.invoice, first.body.invoice);
  assert.equal(await stockOf(store, none.id), { stock: 6, held: 0 });
  assert.is(await invoiceCount(store), 1);
  // an invoice written before fingerprints (no requestHash) is answered to any retry from its register
  const k = storeKeys(store.storeId);
  const { requestHash, ...old } = JSON.parse((await hub.redis.get(k.invoice(saleId)))!);
  assert.match(requestHash, /^[0-9a-f]{40}$/);
  await hub.redis.set(k.invoice(saleId), JSON.stringify(old));
  const legacy = await store.cashier.post('/api/sales', { ...body, lines: [body.lines[0], { productId: none.id, quantity: 5 }] });
  assert.is(legacy.status, 200, JSON.stringify(legacy.body));
  assert.is(legacy.body.replayed, true);
  assert.equal(await stockOf(store, none.id), { stock: 6, held: 0 });
});

test('live sale:complete retried after it completed: the same payments replay, other payments are SALE_ID_CONFLICT; REST compares the open sale\'s lines', async ({ hub }) => {
  const store = await createStore(hub);
  const none = await productWithStock(store, { serialMode: 'none', priceCents: 250 }, 10);
  const reg = connectRegister(hub.url, store.cashier.token!);
  try {
    await reg.ready();
    const { sale } = await reg.request('sale:open', {});
    await reg.request('sale:addLine', { saleId: sale.saleId, productId: none.id, quantity: 2 });
    const pay = [{ method: 'cash' as const, amountCents: 1000 }];
    const done = await reg.request('sale:complete', { saleId: sale.saleId, payments: pay });
    assert.is(done.replayed, false);
    const again = await reg.request('sale:complete', { saleId: sale.saleId, payments: pay });
    assert.equal(again, { ...done, replayed: true });
    const other = await reg.request('sale:complete', { saleId: sale.saleId, payments: [{ method: 'card', amountCents: 500 }] })
      .then(() => null, (err: { code: string; details: unknown }) => err);
    assert.is(other?.code, 'SALE_ID_CONFLICT');
    assert.equal(other?.details, { reason: 'different_request' });
    // over REST, the sale the open sale became is the same request only with its lines and payments
    const restSame = await store.cashier.post('/api/sales', { saleId: sale.saleId, lines: [{ productId: none.id, quantity: 2 }], payments: pay });
    assert.is(restSame.status, 200, JSON.stringify(restSame.body));
    assert.is(restSame.body.replayed, true);
    const restOther = await store.cashier.post('/api/sales', { saleId: sale.saleId, lines: [{ productId: none.id, quantity: 3 }], payments: pay });
    assert.is(restOther.status, 409, JSON.stringify(restOther.body));
    assert.equal(restOther.body.details, { reason: 'different_request' });
    assert.equal(await stockOf(store, none.id), { stock: 8, held: 0 });
  } finally {
    reg.close();
  }
});

test('concurrent first attempts of one sale complete it once', async ({ hub }) => {
  const store = await createStore(hub);
  const none = await productWithStock(store, { serialMode: 'none', priceCents: 100 }, 10);
  const body = { saleId: newSaleId(), lines: [{ productId: none.id, quantity: 3 }], payments: cash(300) };
  const all = await Promise.all([1, 2, 3, 4, 5, 6].map(() => store.cashier.post('/api/sales', body)));
  for (const r of all) assert.is(r.status, 200, JSON.stringify(r.body));
  assert.is(all.filter((r) => r.body.replayed === false).length, 1);
  assert.is(new Set(all.map((r) => r.body.invoice.number)).size, 1);
  assert.equal(await stockOf(store, none.id), { stock: 7, held: 0 });
  assert.is(await invoiceCount(store), 1);
});

test('the same sale id from another register is SALE_ID_CONFLICT', async ({ hub }) => {
  const store = await createStore(hub);
  const none = await productWithStock(store, { serialMode: 'none', priceCents: 100 }, 10);
  const body = { saleId: newSaleId(), lines: [{ productId: none.id, quantity: 2 }], payments: cash(200) };
  const first = await store.cashier.post('/api/sales', body);
  assert.is(first.status, 200);
  const other = await store.cashier2.post('/api/sales', body);
  assert.is(other.status, 409);
  assert.is(other.body.code, 'SALE_ID_CONFLICT');
  const inv = await store.supervisor.get(`/api/invoices/${body.saleId}`);
  assert.is(inv.body.invoice.terminalId, store.terminals[0]!.id);
  assert.equal(await stockOf(store, none.id), { stock: 8, held: 0 });
  // a back-office supervisor cannot complete sales at all
  const backOffice = await store.supervisor.post('/api/sales', { ...body, saleId: newSaleId() });
  assert.is(backOffice.status, 403);
  assert.is(backOffice.body.code, 'TERMINAL_REQUIRED');
  const clerk = await store.clerk.post('/api/sales', { ...body, saleId: newSaleId() });
  assert.is(clerk.status, 403);
  assert.is(clerk.body.code, 'FORBIDDEN');
  assert.is(await invoiceCount(store), 1);
});

test('prices: an open sale completes at the prices its lines showed, a REST sale (even on that open sale\'s id) at today\'s; a body cannot set either', async ({ hub }) => {
  const store = await createStore(hub);
  const none = await productWithStock(store, { serialMode: 'none', priceCents: 1000 }, 10);
  const setPrice = async (priceCents: number) => assert.is((await store.supervisor.patch(`/api/products/${none.id}`, { priceCents })).status, 200);
  const reg = connectRegister(hub.url, store.cashier.token!);
  try {
    await reg.ready();
    const { sale } = await reg.request('sale:open', {});
    await reg.request('sale:addLine', { saleId: sale.saleId, productId: none.id, quantity: 1 });
    await setPrice(1200);
    for (const body of [
      { saleId: sale.saleId, fromOpenSale: true, payments: cash(1000) },
      { saleId: sale.saleId, lines: [{ productId: none.id, quantity: 1, unitPriceCents: 1 }], payments: cash(1000) },
    ]) {
      const refused = await store.cashier.post('/api/sales', body);
      assert.is(refused.status, 400, JSON.stringify(refused.body));
      assert.is(refused.body.code, 'VALIDATION_FAILED');
    }
    // REST on the register's own open sale id: the lines sent, at today's price, and the open sale is closed
    const rest = await store.cashier.post('/api/sales', { saleId: sale.saleId, lines: [{ productId: none.id, quantity: 2 }], payments: cash(2400) });
    assert.is(rest.status, 200, JSON.stringify(rest.body));
    assert.equal(rest.body.invoice.lines.map((l: { quantity: number; unitPriceCents: number }) => [l.quantity, l.unitPriceCents]), [[2, 1200]]);
    const next = await reg.request('sale:open', {});
    assert.is(next.created, true);
    assert.is.not(next.sale.saleId, sale.saleId);
    // live: the price the line showed when it was added
    await reg.request('sale:addLine', { saleId: next.sale.saleId, productId: none.id, quantity: 1 });
    await setPrice(1500);
    const live = await reg.request('sale:complete', { saleId: next.sale.saleId, payments: cash(1200) as { method: 'cash'; amountCents: number }[] });
    assert.equal(live.invoice.lines.map((l) => [l.quantity, l.unitPriceCents]), [[1, 1200]]);
    assert.equal(await stockOf(store, none.id), { stock: 7, held: 0 });
  } finally {
    reg.close();
  }
});

test('a stale token (lease ran out, serial re-held by another register) cannot sell: HOLD_LOST, nothing written', async ({ short }) => {
  const store = await createStore(short);
  const p = await productWithStock(store, { serialMode: 'enforced', priceCents: 900 }, ['ST-1', 'ST-2']);
  const none = await productWithStock(store, { serialMode: 'none', priceCents: 100 }, 5);
  const saleX = newSaleId();
  const stale = await hold(store.cashier, p.id, 'ST-1', saleX);
  await untilNoHolds(store); // register 1 went quiet; its lease ran out and the sweeper released it
  const saleY = newSaleId();
  const fresh = await hold(store.cashier2, p.id, 'ST-1', saleY);
  assert.ok(fresh > stale, 'a new hold has a newer fencing token');

  const before = {
    p: await stockOf(store, p.id), none: await stockOf(store, none.id),
    holds: (await store.supervisor.get('/api/holds')).body.items, tl: await timelineTypes(store, 'ST-1'),
  };
  const r = await store.cashier.post('/api/sales', {
    saleId: saleX,
    lines: [{ productId: none.id, quantity: 2 }, { productId: p.id, quantity: 1, serials: [{ serial: 'ST-1', token: stale }] }],
    payments: cash(1100),
  });
  assert.is(r.status, 409, JSON.stringify(r.body));
  assert.is(r.body.code, 'HOLD_LOST');
  assert.is(r.body.details.line, 1);
  assert.is(r.body.details.serial, 'ST-1');
  assert.is(r.body.details.reason, 'held_elsewhere');
  // nothing written
  assert.equal(await stockOf(store, p.id), before.p);
  assert.equal(await stockOf(store, none.id), before.none);
  assert.equal((await store.supervisor.get('/api/holds')).body.items, before.holds);
  assert.equal(await timelineTypes(store, 'ST-1'), before.tl);
  const inv = await store.supervisor.get(`/api/invoices/${saleX}`);
  assert.is(inv.status, 404);
  assert.is(inv.body.code, 'INVOICE_NOT_FOUND');
  assert.is(await invoiceCount(store), 0);
  assert.equal(await serials(store, p.id, 'sold'), []);

  // the register that holds it now sells it
  const ok = await store.cashier2.post('/api/sales', {
    saleId: saleY, lines: [{ productId: p.id, quantity: 1, serials: [{ serial: 'ST-1', token: fresh }] }], payments: cash(900),
  });
  assert.is(ok.status, 200, JSON.stringify(ok.body));
  assert.is(ok.body.invoice.number, 1);
});

test('after its own lease ran out a register re-holds with a new token; the old token is refused', async ({ short }) => {
  const store = await createStore(short);
  const p = await productWithStock(store, { serialMode: 'enforced', priceCents: 900 }, ['OWN-1']);
  const saleId = newSaleId();
  const old = await hold(store.cashier, p.id, 'OWN-1', saleId);
  await untilNoHolds(store);
  const renewed = await store.cashier.post('/api/holds/renew', { saleId });
  assert.equal(renewed.body.renewed, []);
  const again = await hold(store.cashier, p.id, 'OWN-1', saleId);
  assert.ok(again > old);
  const line = (token: number) => ({ saleId, lines: [{ productId: p.id, quantity: 1, serials: [{ serial: 'OWN-1', token }] }], payments: cash(900) });
  const refused = await store.cashier.post('/api/sales', line(old));
  assert.is(refused.status, 409);
  assert.is(refused.body.code, 'HOLD_LOST');
  assert.is(refused.body.details.reason, 'token_mismatch');
  assert.equal(await stockOf(store, p.id), { stock: 1, held: 1 });
  const ok = await store.cashier.post('/api/sales', line(again));
  assert.is(ok.status, 200, JSON.stringify(ok.body));
  assert.equal(await timelineTypes(store, 'OWN-1'), ['received', 'held', 'expired', 'held', 'sold']);
});

test('a hold whose lease ran out but is not swept yet cannot sell (HOLD_LOST expired)', async ({ hub }) => {
  const store = await createStore(hub);
  const p = await productWithStock(store, { serialMode: 'enforced', priceCents: 900 }, ['EX-1']);
  const saleId = newSaleId();
  const token = await hold(store.cashier, p.id, 'EX-1', saleId);
  // the lease ends now; the sweeper's expiry index still says later (the window before the next sweep)
  const k = storeKeys(store.storeId);
  const raw = await hub.redis.hget(k.holds, `${p.id}:EX-1`);
  await hub.redis.hset(k.holds, `${p.id}:EX-1`, JSON.stringify({ ...JSON.parse(raw!), expiresAt: 1 }));
  const r = await store.cashier.post('/api/sales', {
    saleId, lines: [{ productId: p.id, quantity: 1, serials: [{ serial: 'EX-1', token }] }], payments: cash(900),
  });
  assert.is(r.status, 409);
  assert.is(r.body.code, 'HOLD_LOST');
  assert.is(r.body.details.reason, 'expired');
  assert.is(await invoiceCount(store), 0);
  assert.equal(await serials(store, p.id, 'sold'), []);
});

test('a wrong, missing or foreign token is HOLD_LOST and nothing is written', async ({ hub }) => {
  const store = await createStore(hub);
  const p = await productWithStock(store, { serialMode: 'enforced', priceCents: 500 }, ['W-1', 'W-2', 'W-3']);
  const saleId = newSaleId();
  const token = await hold(store.cashier, p.id, 'W-1', saleId);
  const otherToken = await hold(store.cashier2, p.id, 'W-2', newSaleId());
  const cases: [unknown, string, string][] = [
    [[{ serial: 'W-1', token: token + 1000 }], 'W-1', 'token_mismatch'],
    [[{ serial: 'W-1' }], 'W-1', 'token_mismatch'],
    [[{ serial: 'W-2', token: otherToken }], 'W-2', 'held_elsewhere'],
    [[{ serial: 'W-3', token }], 'W-3', 'not_held'],
    [[{ serial: 'NEVER-1', token }], 'NEVER-1', 'not_held'],
  ];
  for (const [lineSerials, serial, reason] of cases) {
    const r = await store.cashier.post('/api/sales', {
      saleId, lines: [{ productId: p.id, quantity: 1, serials: lineSerials }], payments: cash(500),
    });
    assert.is(r.status, 409, JSON.stringify(r.body));
    assert.is(r.body.code, 'HOLD_LOST');
    assert.is(r.body.details.serial, serial);
    assert.is(r.body.details.reason, reason);
  }
  // the other sale of this register cannot use this sale's hold either
  const otherSale = await store.cashier.post('/api/sales', {
    saleId: newSaleId(), lines: [{ productId: p.id, quantity: 1, serials: [{ serial: 'W-1', token }] }], payments: cash(500),
  });
  assert.is(otherSale.body.code, 'HOLD_LOST');
  assert.is(otherSale.body.details.reason, 'held_elsewhere');
  assert.equal(await stockOf(store, p.id), { stock: 3, held: 2 });
  assert.equal((await serials(store, p.id, 'held')).map((h) => [h.serial, h.token]).sort(), [['W-1', token], ['W-2', otherToken]]);
  assert.is(await invoiceCount(store), 0);
  assert.equal(await serials(store, p.id, 'sold'), []);
  // the right token still sells
  const ok = await store.cashier.post('/api/sales', {
    saleId, lines: [{ productId: p.id, quantity: 1, serials: [{ serial: 'W-1', token }] }], payments: cash(500),
  });
  assert.is(ok.status, 200, JSON.stringify(ok.body));
});

test('a failure on the last line writes nothing from the earlier lines', async ({ hub }) => {
  const store = await createStore(hub);
  const enforced = await productWithStock(store, { serialMode: 'enforced', priceCents: 3000, warrantyReminder: true, warrantyMonths: 12 }, ['A-1', 'A-2']);
  const solicit = await productWithStock(store, { serialMode: 'solicit', priceCents: 200 }, 3);
  const none = await productWithStock(store, { serialMode: 'none', priceCents: 100 }, 2);
  const customer = (await store.cashier.post('/api/customers', { name: 'Bob' })).body.customer.id as number;
  const saleId = newSaleId();
  const token = await hold(store.cashier, enforced.id, 'A-1', saleId);
  const foreign = await hold(store.cashier2, enforced.id, 'A-2', newSaleId());
  const good = [
    { productId: enforced.id, quantity: 1, serials: [{ serial: 'A-1', token }] },
    { productId: solicit.id, quantity: 2, serials: [{ serial: 'SOL-1' }, { serial: 'SOL-2' }] },
    { productId: none.id, quantity: 1 },
  ];
  const lastLines = [
    [{ productId: none.id, quantity: 2 }, 'OUT_OF_STOCK'], // 1 + 2 > 2 in stock
    [{ productId: enforced.id, quantity: 1, serials: [{ serial: 'A-2', token: foreign }] }, 'HOLD_LOST'],
    [{ productId: solicit.id, quantity: 1 }, 'SALE_REJECTED'],
    [{ productId: 424242, quantity: 1 }, 'PRODUCT_NOT_FOUND'],
  ] as const;
  for (const [last, code] of lastLines) {
    const r = await store.cashier.post('/api/sales', { saleId, customerId: customer, lines: [...good, last], payments: cash(100_000) });
    assert.is(r.body.code, code, JSON.stringify(r.body));
    assert.is(r.body.details.line, 3);
  }
  // nothing of lines 0-2 was written
  assert.equal(await stockOf(store, enforced.id), { stock: 2, held: 2 });
  assert.equal(await stockOf(store, solicit.id), { stock: 3, held: 0 });
  assert.equal(await stockOf(store, none.id), { stock: 2, held: 0 });
  assert.equal(await serials(store, enforced.id, 'sold'), []);
  assert.equal(await serials(store, solicit.id, 'sold'), []);
  assert.equal((await serials(store, enforced.id, 'held')).map((h) => h.serial), ['A-1', 'A-2']);
  assert.equal(await timelineTypes(store, 'A-1'), ['received', 'held']);
  assert.is((await lookup(store, 'SOL-1')).body.code, 'SERIAL_NOT_FOUND');
  assert.is((await store.supervisor.get(`/api/invoices/${saleId}`)).status, 404);
  assert.is(await invoiceCount(store), 0);
  assert.equal((await store.cashier.get(`/api/customers/${customer}/history`)).body.items, []);
  assert.equal((await store.cashier.get(`/api/customers/${customer}/service-records`)).body.items, []);
  // the same sale, fixed, goes through as invoice 1 (no number was used up by the failures)
  const ok = await store.cashier.post('/api/sales', { saleId, customerId: customer, lines: good, payments: cash(3500) });
  assert.is(ok.status, 200, JSON.stringify(ok.body));
  assert.is(ok.body.invoice.number, 1);
  assert.equal(await stockOf(store, none.id), { stock: 1, held: 0 });
});

test('serial rules of lines: SALE_REJECTED for missing, extra, surplus or repeated serials', async ({ hub }) => {
  const store = await createStore(hub);
  const solicit = await productWithStock(store, { serialMode: 'solicit', priceCents: 100 }, 5);
  const none = await productWithStock(store, { serialMode: 'none', priceCents: 100 }, 5);
  const enforced = await productWithStock(store, { serialMode: 'enforced', priceCents: 100 }, ['E-1', 'E-2']);
  const saleId = newSaleId();
  const token = await hold(store.cashier, enforced.id, 'E-1', saleId);
  const cases: [unknown, string][] = [
    [{ productId: solicit.id, quantity: 1 }, 'serial_count'],
    [{ productId: solicit.id, quantity: 2, serials: [{ serial: 'S-1' }] }, 'serial_count'],
    [{ productId: solicit.id, quantity: 1, serials: [{ serial: 'S-1' }, { serial: 'S-2' }] }, 'serial_count'],
    [{ productId: solicit.id, quantity: 2, serials: [{ serial: 'S-1' }, { serial: 's-1' }] }, 'duplicate'],
    [{ productId: none.id, quantity: 1, serials: [{ serial: 'N-1' }] }, 'serials_not_expected'],
    [{ productId: enforced.id, quantity: 1 }, 'serial_count'],
    [{ productId: enforced.id, quantity: 2, serials: [{ serial: 'E-1', token }, { serial: 'e-1', token }] }, 'duplicate'],
  ];
  for (const [line, reason] of cases) {
    const r = await store.cashier.post('/api/sales', { saleId, lines: [line], payments: cash(10_000) });
    assert.is(r.status, 422, JSON.stringify(r.body));
    assert.is(r.body.code, 'SALE_REJECTED');
    assert.is(r.body.details.reason, reason, JSON.stringify(line));
    assert.is(r.body.details.line, 0);
  }
  // a serial that is not a serial is a validation error
  const invalid = await store.cashier.post('/api/sales', {
    saleId, lines: [{ productId: solicit.id, quantity: 1, serials: [{ serial: 'two words' }] }], payments: cash(100),
  });
  assert.is(invalid.status, 400);
  assert.is(invalid.body.code, 'VALIDATION_FAILED');
  assert.equal(await stockOf(store, solicit.id), { stock: 5, held: 0 });
  assert.equal(await stockOf(store, none.id), { stock: 5, held: 0 });
  assert.is(await invoiceCount(store), 0);
});

test('OUT_OF_STOCK for none and solicit lines beyond stock (lines of one product add up)', async ({ hub }) => {
  const store = await createStore(hub);
  const none = await productWithStock(store, { serialMode: 'none', priceCents: 100 }, 3);
  const solicit = await productWithStock(store, { serialMode: 'solicit', priceCents: 100 }, 1);
  const empty = await productWithStock(store, { serialMode: 'none', priceCents: 100 }, 0);
  const attempts: [unknown[], number, number][] = [
    [[{ productId: none.id, quantity: 4 }], 0, 3],
    [[{ productId: none.id, quantity: 2 }, { productId: none.id, quantity: 2 }], 1, 3],
    [[{ productId: solicit.id, quantity: 2, serials: [{ serial: 'A' }, { serial: 'B' }] }], 0, 1],
    [[{ productId: empty.id, quantity: 1 }], 0, 0],
  ];
  for (const [lines, line, stock] of attempts) {
    const r = await store.cashier.post('/api/sales', { saleId: newSaleId(), lines, payments: cash(100_000) });
    assert.is(r.status, 409, JSON.stringify(r.body));
    assert.is(r.body.code, 'OUT_OF_STOCK');
    assert.is(r.body.details.line, line);
    assert.is(r.body.details.stock, stock);
  }
  assert.equal(await stockOf(store, none.id), { stock: 3, held: 0 });
  assert.equal(await stockOf(store, solicit.id), { stock: 1, held: 0 });
  // exactly the stock is fine
  const ok = await store.cashier.post('/api/sales', { saleId: newSaleId(), lines: [{ productId: none.id, quantity: 3 }], payments: cash(300) });
  assert.is(ok.status, 200, JSON.stringify(ok.body));
  assert.equal(await stockOf(store, none.id), { stock: 0, held: 0 });
  assert.is(await invoiceCount(store), 1);
});

test('payments: underpaid refused, cash change computed, card overpay refused', async ({ hub }) => {
  const store = await createStore(hub);
  const none = await productWithStock(store, { serialMode: 'none', priceCents: 1250 }, 20);
  const lines = [{ productId: none.id, quantity: 2 }]; // 2500
  const under = await store.cashier.post('/api/sales', { saleId: newSaleId(), lines, payments: [{ method: 'cash', amountCents: 2000 }, { method: 'card', amountCents: 499 }] });
  assert.is(under.status, 422);
  assert.is(under.body.code, 'SALE_REJECTED');
  assert.equal(under.body.details, { reason: 'underpaid', totalCents: 2500, paidCents: 2499 });

  const cardOver = await store.cashier.post('/api/sales', { saleId: newSaleId(), lines, payments: [{ method: 'card', amountCents: 3000 }] });
  assert.is(cardOver.status, 422);
  assert.is(cardOver.body.code, 'SALE_REJECTED');
  assert.is(cardOver.body.details.reason, 'card_overpaid');
  // change larger than the cash given is card overpay too
  const mixedOver = await store.cashier.post('/api/sales', { saleId: newSaleId(), lines, payments: [{ method: 'cash', amountCents: 100 }, { method: 'card', amountCents: 2600 }] });
  assert.is(mixedOver.body.code, 'SALE_REJECTED');
  assert.is(mixedOver.body.details.reason, 'card_overpaid');
  assert.equal(await stockOf(store, none.id), { stock: 20, held: 0 });
  assert.is(await invoiceCount(store), 0);

  const change = await store.cashier.post('/api/sales', { saleId: newSaleId(), lines, payments: cash(5000) });
  assert.is(change.status, 200, JSON.stringify(change.body));
  assert.is(change.body.invoice.totalCents, 2500);
  assert.is(change.body.invoice.changeCents, 2500);
  const mixed = await store.cashier.post('/api/sales', { saleId: newSaleId(), lines, payments: [{ method: 'card', amountCents: 2000 }, { method: 'cash', amountCents: 1000 }] });
  assert.is(mixed.status, 200);
  assert.is(mixed.body.invoice.changeCents, 500);
  assert.equal(mixed.body.invoice.payments, [{ method: 'card', amountCents: 2000 }, { method: 'cash', amountCents: 1000 }]);
  const card = await store.cashier.post('/api/sales', { saleId: newSaleId(), lines, payments: [{ method: 'card', amountCents: 2500 }] });
  assert.is(card.status, 200);
  assert.is(card.body.invoice.changeCents, 0);
  // negative or fractional money is a validation error
  for (const amountCents of [-1, 10.5]) {
    const r = await store.cashier.post('/api/sales', { saleId: newSaleId(), lines, payments: cash(amountCents) });
    assert.is(r.status, 400);
    assert.is(r.body.code, 'VALIDATION_FAILED');
  }
  assert.equal(await stockOf(store, none.id), { stock: 14, held: 0 });
});

test('a warranty product sold to a customer adds a service record ending N calendar months later', async ({ hub }) => {
  const store = await createStore(hub);
  const tv = await productWithStock(store, { serialMode: 'enforced', priceCents: 80_000, name: 'TV', warrantyReminder: true, warrantyMonths: 24 }, ['TV-1']);
  const phone = await productWithStock(store, { serialMode: 'solicit', priceCents: 30_000, name: 'Phone', warrantyReminder: true, warrantyMonths: 1 }, 2);
  const cable = await productWithStock(store, { serialMode: 'enforced', priceCents: 500, name: 'Cable' }, ['CB-1']);
  const cid = (await store.cashier.post('/api/customers', { name: 'Grace' })).body.customer.id as number;
  const saleId = newSaleId();
  const tTv = await hold(store.cashier, tv.id, 'TV-1', saleId);
  const tCb = await hold(store.cashier, cable.id, 'CB-1', saleId);
  const r = await store.cashier.post('/api/sales', {
    saleId, customerId: cid,
    lines: [
      { productId: tv.id, quantity: 1, serials: [{ serial: 'tv-1', token: tTv }] },
      { productId: cable.id, quantity: 1, serials: [{ serial: 'CB-1', token: tCb }] },
      { productId: phone.id, quantity: 1, serials: [{ serial: 'IMEI-77' }] },
    ],
    payments: cash(110_500),
  });
  assert.is(r.status, 200, JSON.stringify(r.body));
  const inv = r.body.invoice;
  const soldAt = inv.completedAt as number;
  const tvEnd = addMonthsUtc(soldAt, 24);
  const phoneEnd = addMonthsUtc(soldAt, 1);
  assert.is(inv.lines[0].warrantyEndsAt, tvEnd);
  assert.is(inv.lines[1].warrantyEndsAt, undefined);
  assert.is(inv.lines[2].warrantyEndsAt, phoneEnd);
  const recs = await store.cashier.get(`/api/customers/${cid}/service-records`);
  assert.is(recs.status, 200);
  assert.equal(recs.body.items, [
    { productId: tv.id, partNumber: tv.partNumber, name: 'TV', serial: 'TV-1', saleId, soldAt, warrantyEndsAt: tvEnd },
    { productId: phone.id, partNumber: phone.partNumber, name: 'Phone', serial: 'IMEI-77', saleId, soldAt, warrantyEndsAt: phoneEnd },
  ]);
  // scanning the serial answers the warranty
  const l = await lookup(store, 'TV-1');
  assert.is(l.body.matches[0].sale.warrantyEndsAt, tvEnd);
  assert.is(l.body.matches[0].sale.underWarranty, true);
  const c = await lookup(store, 'CB-1');
  assert.is(c.body.matches[0].sale.warrantyEndsAt, null);
  assert.is(c.body.matches[0].sale.underWarranty, false);
  // without a customer there is nobody to keep a record for
  const anon = await store.cashier.post('/api/sales', {
    saleId: newSaleId(), lines: [{ productId: phone.id, quantity: 1, serials: [{ serial: 'IMEI-78' }] }], payments: cash(30_000),
  });
  assert.is(anon.status, 200);
  assert.is(anon.body.invoice.lines[0].warrantyEndsAt, addMonthsUtc(anon.body.invoice.completedAt, 1));
  assert.is((await store.cashier.get(`/api/customers/${cid}/service-records`)).body.items.length, 2);
});

test('a non-warranty product adds no service record', async ({ hub }) => {
  const store = await createStore(hub);
  const p = await productWithStock(store, { serialMode: 'enforced', priceCents: 100 }, ['NW-1']);
  // warranty months without the reminder flag add none either (the flag without months is refused: products test)
  const months = await productWithStock(store, { serialMode: 'solicit', priceCents: 100, warrantyMonths: 12 }, 1);
  const cid = (await store.cashier.post('/api/customers', { name: 'Linus' })).body.customer.id as number;
  const saleId = newSaleId();
  const token = await hold(store.cashier, p.id, 'NW-1', saleId);
  const r = await store.cashier.post('/api/sales', {
    saleId, customerId: cid,
    lines: [
      { productId: p.id, quantity: 1, serials: [{ serial: 'NW-1', token }] },
      { productId: months.id, quantity: 1, serials: [{ serial: 'M-1' }] },
    ],
    payments: cash(200),
  });
  assert.is(r.status, 200, JSON.stringify(r.body));
  for (const l of r.body.invoice.lines) assert.is(l.warrantyEndsAt, undefined);
  assert.equal((await store.cashier.get(`/api/customers/${cid}/service-records`)).body.items, []);
  assert.is((await store.cashier.get(`/api/customers/${cid}/history`)).body.items.length, 1);
});

test('a serial timeline past 200 entries drops the oldest hold entries first, then the oldest sales, and keeps its receipt', async ({ hub }) => {
  const store = await createStore(hub);
  const enforced = await productWithStock(store, { serialMode: 'enforced', priceCents: 100 }, ['TL-1']);
  // a held and a released entry, then 210 sales of the same serial typed on solicit products (no holds there)
  const saleId = newSaleId();
  await hold(store.cashier, enforced.id, 'TL-1', saleId);
  assert.is((await store.cashier.post('/api/holds/release-sale', { saleId })).status, 200);
  const solicit = await Promise.all(Array.from({ length: 10 }, () => productWithStock(store, { serialMode: 'solicit', priceCents: 1 }, 21)));
  const sales: string[] = [];
  for (let i = 0; i < 21; i++) {
    const r = await store.cashier.post('/api/sales', {
      saleId: newSaleId(), lines: solicit.map((p) => ({ productId: p.id, quantity: 1, serials: [{ serial: 'TL-1' }] })), payments: cash(10),
    });
    assert.is(r.status, 200, JSON.stringify(r.body));
    sales.push(r.body.invoice.saleId);
  }
  const raw = await hub.redis.hget(storeKeys(store.storeId).timeline, 'TL-1');
  // a serial's "received" entry is stored short, "@<receipt number>:<product id>" (its receipt's stamp is kept once)
  assert.match(raw!.split('\n')[0]!, /^@\d+:\d+$/);
  const kinds = raw!.split('\n').map((l) => (l.startsWith('@') ? { k: 'received' } : (JSON.parse(l) as { k: string; r?: string })));
  // 1 received + 2 hold entries + 210 sold, bounded to 200: both hold entries went first, then the 11 oldest sales
  assert.is(kinds.length, 200);
  assert.is(kinds[0]!.k, 'received');
  assert.equal(kinds.filter((e) => e.k === 'held' || e.k === 'released'), []);
  assert.is(kinds.filter((e) => e.k === 'sold').length, 199);
  assert.is(kinds[1]!.r, sales[1], 'the first sale\'s 10 entries and the second sale\'s first went');
  assert.is(kinds[199]!.r, sales[20]);
  // the lookup of the enforced product still starts at its receipt
  const lookup = await store.supervisor.get('/api/serials/TL-1');
  const m = lookup.body.matches.find((x: { product: { id: number } }) => x.product.id === enforced.id);
  assert.equal(m.timeline.map((e: { type: string }) => e.type), ['received']);
  assert.is(m.state, 'in_stock');
});

test('holds of the sale that the invoice does not use are released on completion', async ({ hub }) => {
  const store = await createStore(hub);
  const p = await productWithStock(store, { serialMode: 'enforced', priceCents: 100 }, ['U-1', 'U-2', 'U-3', 'U-4', 'U-5']);
  const saleId = newSaleId();
  const otherSale = newSaleId();
  const t1 = await hold(store.cashier, p.id, 'U-1', saleId);
  await hold(store.cashier, p.id, 'U-2', saleId);
  await hold(store.cashier, p.id, 'U-3', saleId);
  await hold(store.cashier, p.id, 'U-4', otherSale); // same register, another open sale
  await hold(store.cashier2, p.id, 'U-5', saleId); // another register (same sale id)
  const r = await store.cashier.post('/api/sales', {
    saleId, lines: [{ productId: p.id, quantity: 1, serials: [{ serial: 'U-1', token: t1 }] }], payments: cash(100),
  });
  assert.is(r.status, 200, JSON.stringify(r.body));
  assert.equal((await serials(store, p.id, 'available')).map((s) => s.serial), ['U-2', 'U-3']);
  assert.equal((await serials(store, p.id, 'held')).map((s) => s.serial).sort(), ['U-4', 'U-5']);
  assert.equal((await serials(store, p.id, 'sold')).map((s) => s.serial), ['U-1']);
  assert.equal(await stockOf(store, p.id), { stock: 4, held: 2 });
  assert.equal(await timelineTypes(store, 'U-2'), ['received', 'held', 'released']);
  assert.equal(await timelineTypes(store, 'U-4'), ['received', 'held']);
});

test('two registers race to complete with the same serial (held at different times): it sells once', async ({ short }) => {
  const store = await createStore(short);
  const p = await productWithStock(store, { serialMode: 'enforced', priceCents: 1000 }, ['RACE-1']);
  const none = await productWithStock(store, { serialMode: 'none', priceCents: 10 }, 10);
  const saleA = newSaleId();
  const tokenA = await hold(store.cashier, p.id, 'RACE-1', saleA);
  await untilNoHolds(store);
  const saleB = newSaleId();
  const tokenB = await hold(store.cashier2, p.id, 'RACE-1', saleB);
  const body = (saleId: string, token: number) => ({
    saleId, lines: [{ productId: none.id, quantity: 1 }, { productId: p.id, quantity: 1, serials: [{ serial: 'RACE-1', token }] }],
    payments: cash(1010),
  });
  const [a, b] = await Promise.all([
    store.cashier.post('/api/sales', body(saleA, tokenA)),
    store.cashier2.post('/api/sales', body(saleB, tokenB)),
  ]);
  assert.is(b.status, 200, JSON.stringify(b.body));
  assert.is(a.status, 409, JSON.stringify(a.body));
  assert.is(a.body.code, 'HOLD_LOST');
  // the loser retries (e.g. after a reconnect) and still loses; holding it again says it is sold
  const retry = await store.cashier.post('/api/sales', body(saleA, tokenA));
  assert.is(retry.body.code, 'HOLD_LOST');
  const rehold = await store.cashier.post('/api/holds', { productId: p.id, serial: 'RACE-1', saleId: saleA });
  assert.is(rehold.body.code, 'SERIAL_NOT_IN_STOCK');
  assert.equal((await serials(store, p.id, 'sold')).map((s) => [s.serial, s.saleId]), [['RACE-1', saleB]]);
  assert.is(await invoiceCount(store), 1);
  assert.equal(await stockOf(store, p.id), { stock: 0, held: 0 });
  assert.equal(await stockOf(store, none.id), { stock: 9, held: 0 });
  assert.equal(await timelineTypes(store, 'RACE-1'), ['received', 'held', 'expired', 'held', 'sold']);
});

test('many registers racing for one serial: one hold, one sale', async ({ hub }) => {
  const store = await createStore(hub);
  const p = await productWithStock(store, { serialMode: 'enforced', priceCents: 1000 }, ['ONE-1']);
  const attempts = await Promise.all(
    [store.cashier, store.cashier2, store.cashier, store.cashier2].map(async (c) => {
      const saleId = newSaleId();
      const h = await c.post('/api/holds', { productId: p.id, serial: 'ONE-1', saleId });
      const token = h.status === 201 ? (h.body.hold.token as number) : 1;
      return c.post('/api/sales', {
        saleId, lines: [{ productId: p.id, quantity: 1, serials: [{ serial: 'ONE-1', token }] }], payments: cash(1000),
      });
    }),
  );
  assert.is(attempts.filter((r) => r.status === 200).length, 1, JSON.stringify(attempts.map((r) => r.body)));
  for (const r of attempts.filter((r) => r.status !== 200)) assert.is(r.body.code, 'HOLD_LOST');
  assert.is((await serials(store, p.id, 'sold')).length, 1);
  assert.is(await invoiceCount(store), 1);
});

test('a solicit serial sold again raises a supervisor alert, kept with the sale and sent live; a return clears the way', async ({ hub }) => {
  const store = await createStore(hub);
  const saw = await productWithStock(store, { partNumber: 'SAW-R', name: 'Saw R', serialMode: 'solicit', priceCents: 500 }, 5);
  const since = Date.now() - 1000;
  const sup = connectRegister(hub.url, store.supervisor.token!);
  const heard: { kind: string; message: string; details?: any }[] = [];
  sup.socket.on('alert', (a) => heard.push(a));
  const events: any[] = [];
  sup.subscribe((why, ev) => why === 'event' && ev?.type === 'sale_completed' && events.push(ev.data));
  try {
    await sup.ready();
    const sell = (saleId: string, serial: string, c = store.cashier) =>
      c.post('/api/sales', { saleId, lines: [{ productId: saw.id, quantity: 1, serials: [{ serial }] }], payments: cash(500) });
    const first = await sell(newSaleId(), 'dup-1');
    assert.is(first.status, 200, JSON.stringify(first.body));
    const alertsNow = async () => (await store.supervisor.get(`/api/dashboard?since=${since}`)).body.alerts as typeof heard;
    assert.equal(await alertsNow(), [], 'a first sale alerts nobody');

    // the same serial again, on the other register: the sale goes through, and the supervisors hear of it
    const againId = newSaleId();
    const again = await sell(againId, 'DUP-1', store.cashier2);
    assert.is(again.status, 200, JSON.stringify(again.body));
    const stored = await alertsNow();
    assert.is(stored.length, 1);
    assert.is(stored[0]!.kind, 'solicit_repeat');
    assert.is(stored[0]!.message,
      `Serial DUP-1 of SAW-R (Saw R) was sold again on invoice #${again.body.invoice.number} at Register 2: `
      + `it was already sold on invoice #${first.body.invoice.number} and not returned. A typo, or fraud?`);
    assert.equal(stored[0]!.details, {
      productId: saw.id, serial: 'DUP-1', saleId: againId, number: again.body.invoice.number,
      previousSaleId: first.body.invoice.saleId, previousNumber: first.body.invoice.number,
    });
    assert.not.ok('alerts' in again.body, 'the sale answer is unchanged');
    await until(() => heard.length === 1, 2000, 'the live alert');
    assert.equal(heard[0], stored[0]);
    await until(() => events.length === 2, 2000, 'both sale events');
    assert.equal(events[1].repeatedSolicitSerials, [{ productId: saw.id, serial: 'DUP-1', previousSaleId: first.body.invoice.saleId }]);

    // a retry of that sale answers the same invoice and alerts nobody again
    assert.ok((await sell(againId, 'DUP-1', store.cashier2)).body.replayed);
    assert.is((await alertsNow()).length, 1);

    // returned, the serial may be sold again without an alert
    const ret = await store.cashier2.post('/api/returns', { returnId: newSaleId(), saleId: againId, lines: [{ line: 0, quantity: 1, serials: ['DUP-1'] }] });
    assert.is(ret.status, 200, JSON.stringify(ret.body));
    const ret1 = await store.cashier.post('/api/returns', { returnId: newSaleId(), saleId: first.body.invoice.saleId, lines: [{ line: 0, quantity: 1, serials: ['DUP-1'] }] });
    assert.is(ret1.status, 200, JSON.stringify(ret1.body));
    assert.is((await sell(newSaleId(), 'DUP-1')).status, 200);
    assert.is((await alertsNow()).length, 1);
    assert.is(heard.length, 1);
  } finally {
    sup.close();
  }
});

test('GET /api/dashboard: sold today per product and hour, the feed, the Redis clock and the hold lease', async ({ hub, short }) => {
  const store = await createStore(hub);
  const p = await productWithStock(store, { serialMode: 'none', priceCents: 250 }, 10);
  const since = Date.now() - 60_000;
  const sold = await store.cashier.post('/api/sales', { saleId: newSaleId(), lines: [{ productId: p.id, quantity: 3 }], payments: cash(750) });
  assert.is(sold.status, 200, JSON.stringify(sold.body));
  const before = Date.now();
  const r = await store.supervisor.get(`/api/dashboard?since=${since}`);
  assert.is(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.soldByProduct, { [p.id]: 3 });
  assert.equal(r.body.salesPerHour.map((h: { count: number; totalCents: number }) => [h.count, h.totalCents]), [[1, 750]]);
  assert.is(r.body.feed[0].type, 'sale_completed');
  // the clock holds and presence use (Redis, here on this machine), and the lease that is also the grace period
  assert.ok(Math.abs(r.body.now - before) < 5_000, `now ${r.body.now} vs ${before}`);
  assert.is(r.body.holdLeaseMs, 120_000);
  const other = await createStore(short);
  assert.is((await other.supervisor.get(`/api/dashboard?since=${since}`)).body.holdLeaseMs, 1_000);
});

test('the invoice number goes with a sold serial (sold list, lookup) and with a return on it', async ({ hub }) => {
  const store = await createStore(hub);
  const p = await productWithStock(store, { serialMode: 'solicit', priceCents: 100 }, 5);
  const sell = (serial: string) => store.cashier.post('/api/sales', {
    saleId: newSaleId(), lines: [{ productId: p.id, quantity: 1, serials: [{ serial }] }], payments: cash(100),
  });
  const one = (await sell('NUM-1')).body.invoice;
  const two = (await sell('NUM-2')).body.invoice;
  assert.equal((await serials(store, p.id, 'sold')).map((s) => [s.serial, (s as { invoiceNumber?: number }).invoiceNumber]), [
    ['NUM-2', two.number], ['NUM-1', one.number],
  ]);
  // a serial sold before the number was kept with it: read from its invoice
  const k = storeKeys(store.storeId);
  const info = JSON.parse((await hub.redis.hget(k.soldInfo, `${p.id}:NUM-1`))!);
  delete info.invoiceNumber;
  await hub.redis.hset(k.soldInfo, `${p.id}:NUM-1`, JSON.stringify(info));
  assert.is((await serials(store, p.id, 'sold') as { serial: string; invoiceNumber?: number }[]).find((s) => s.serial === 'NUM-1')!.invoiceNumber, one.number);
  assert.is((await lookup(store, 'NUM-2')).body.matches[0].sale.invoiceNumber, two.number);
  const ret = await store.cashier.post('/api/returns', { returnId: newSaleId(), saleId: two.saleId, lines: [{ line: 0, quantity: 1, serials: ['NUM-2'] }] });
  assert.is(ret.status, 200, JSON.stringify(ret.body));
  assert.is(ret.body.return.invoiceNumber, two.number);
});

test.run();
