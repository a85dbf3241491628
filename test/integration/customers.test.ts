import { randomUUID } from 'node:crypto';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createStore, newSaleId, productWithStock, startTestHub, type Client, type TestStore } from '../helpers/hub.js';

type Ctx = { hub: Awaited<ReturnType<typeof startTestHub>>; store: TestStore };
const test = suite<Ctx>('customers and serial lookup');

test.before(async (ctx) => {
  ctx.hub = await startTestHub();
  ctx.store = await createStore(ctx.hub);
});
test.after(async (ctx) => {
  await ctx.hub.close();
});

let seq = 0;
const uniq = (tag: string) => `${tag}-${process.pid}-${++seq}`.toUpperCase();

async function newCustomer(c: Client, body: Record<string, unknown>) {
  const r = await c.post('/api/customers', body);
  assert.is(r.status, 201, JSON.stringify(r.body));
  return r.body.customer as { id: number; name: string; phone?: string; email?: string; createdAt: number };
}

async function search(c: Client, q: string): Promise<number[]> {
  const r = await c.get(`/api/customers?q=${encodeURIComponent(q)}`);
  assert.is(r.status, 200, JSON.stringify(r.body));
  return r.body.items.map((x: { id: number }) => x.id);
}

/** Holds (if enforced) and sells one serial on register 1; returns the invoice. */
async function sell(
  store: TestStore,
  product: { id: number; priceCents: number; serialMode: string },
  serial: string,
  customerId?: number,
) {
  const saleId = newSaleId();
  let token: number | undefined;
  if (product.serialMode === 'enforced') {
    const hold = await store.cashier.post('/api/holds', { productId: product.id, serial, saleId });
    assert.is(hold.status, 201, JSON.stringify(hold.body));
    token = hold.body.hold.token;
  }
  const sale = await store.cashier.post('/api/sales', {
    saleId,
    ...(customerId ? { customerId } : {}),
    lines: [{ productId: product.id, quantity: 1, serials: [{ serial, ...(token ? { token } : {}) }] }],
    payments: [{ method: 'cash', amountCents: product.priceCents }],
  });
  assert.is(sale.status, 200, JSON.stringify(sale.body));
  return sale.body.invoice as { saleId: string; number: number; completedAt: number; lines: { warrantyEndsAt?: number }[] };
}

async function lookup(c: Client, raw: string) {
  const r = await c.get(`/api/serials/${encodeURIComponent(raw)}`);
  assert.is(r.status, 200, `${raw}: ${JSON.stringify(r.body)}`);
  return r.body as { query: string; matches: any[] };
}

/** The same calendar arithmetic as the hub (UTC, the 31st clamps to the month's last day). */
function addMonthsUtc(ms: number, months: number): number {
  const d = new Date(ms);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth() + months;
  const last = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  return Date.UTC(y, m, Math.min(d.getUTCDate(), last)) + (ms % 86_400_000);
}

// ---- customers

test('create a customer and read it back; unknown ids are CUSTOMER_NOT_FOUND', async ({ store }) => {
  const c = await newCustomer(store.cashier, { name: '  Ada Lovelace ', phone: ' 555-0100 ', email: 'ada@example.com' });
  assert.type(c.id, 'number');
  assert.is(c.name, 'Ada Lovelace');
  assert.is(c.phone, '555-0100');
  assert.is(c.email, 'ada@example.com');
  assert.ok(c.createdAt > 0);
  const got = await store.supervisor.get(`/api/customers/${c.id}`);
  assert.is(got.status, 200);
  assert.equal(got.body.customer, c);
  const minimal = await newCustomer(store.supervisor, { name: 'Just A Name' });
  assert.is(minimal.phone, undefined);
  assert.ok(minimal.id > c.id);

  const missing = await store.supervisor.get('/api/customers/987654');
  assert.is(missing.status, 404);
  assert.is(missing.body.code, 'CUSTOMER_NOT_FOUND');
  assert.is((await store.supervisor.get('/api/customers/abc')).status, 400);
});

test('invalid customers are VALIDATION_FAILED and nothing is written', async ({ hub }) => {
  const store = await createStore(hub);
  for (const body of [
    {},
    { name: '' },
    { name: '   ' },
    { name: 'x'.repeat(121) },
    { name: 'Ok', phone: 5551234 },
    { name: 'Ok', phone: '1'.repeat(41) },
    { name: 'Ok', extra: true },
    { name: 'Ok', id: 5 },
  ]) {
    const r = await store.cashier.post('/api/customers', body);
    assert.is(r.status, 400, `${JSON.stringify(body)} -> ${JSON.stringify(r.body)}`);
    assert.is(r.body.code, 'VALIDATION_FAILED');
  }
  const list = await store.cashier.get('/api/customers');
  assert.equal(list.body, { items: [], nextCursor: null });
});

test('customers list in id order, paged with a cursor', async ({ hub }) => {
  const store = await createStore(hub);
  const ids: number[] = [];
  for (let i = 0; i < 5; i++) ids.push((await newCustomer(store.cashier, { name: `Person ${i}` })).id);
  const sizes: number[] = [];
  const seen: number[] = [];
  let cursor: string | null = null;
  do {
    const r: { status: number; body: any } = await store.cashier.get(`/api/customers?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
    assert.is(r.status, 200);
    sizes.push(r.body.items.length);
    seen.push(...r.body.items.map((x: { id: number }) => x.id));
    cursor = r.body.nextCursor;
  } while (cursor);
  assert.equal(sizes, [2, 2, 1]);
  assert.equal(seen, ids);
});

test('search customers by name words: prefixes, several words in any order, any case, paged', async ({ hub }) => {
  const store = await createStore(hub);
  const anna = await newCustomer(store.cashier, { name: 'Anna Maria Schmidt' });
  const annaB = await newCustomer(store.cashier, { name: 'Anna Berg' });
  const bernd = await newCustomer(store.cashier, { name: 'Bernd Schmidt-Öztürk', email: 'bernd@shop.example' });
  const zoe = await newCustomer(store.cashier, { name: 'Zoë Ångström' });

  assert.equal(await search(store.cashier, 'anna'), [anna.id, annaB.id]);
  assert.equal(await search(store.cashier, 'ANN'), [anna.id, annaB.id]);
  assert.equal(await search(store.cashier, 'schm'), [anna.id, bernd.id]);
  assert.equal(await search(store.cashier, 'anna schmidt'), [anna.id]);
  assert.equal(await search(store.cashier, 'Schmidt Anna'), [anna.id]);
  assert.equal(await search(store.cashier, 'maria'), [anna.id]);
  assert.equal(await search(store.cashier, 'öztü'), [bernd.id]);
  assert.equal(await search(store.cashier, 'zoë'), [zoe.id]);
  assert.equal(await search(store.cashier, 'ångs'), [zoe.id]);
  assert.equal(await search(store.cashier, 'bernd@shop'), [bernd.id]);
  assert.equal(await search(store.cashier, 'anna berg schmidt'), []);
  assert.equal(await search(store.cashier, 'nobody'), []);

  const p1 = await store.cashier.get('/api/customers?q=a&limit=1');
  assert.equal(p1.body.items.map((x: { id: number }) => x.id), [anna.id]);
  const p2 = await store.cashier.get(`/api/customers?q=a&limit=1&cursor=${p1.body.nextCursor}`);
  assert.equal(p2.body.items.map((x: { id: number }) => x.id), [annaB.id]);
  assert.is(p2.body.nextCursor, null);
});

test('search is not cut off by a popular word: 6,001 "Alex" customers, "alex zimmerman" is found, "alex" pages them all', async ({ hub }) => {
  const store = await createStore(hub);
  // written through the service (as POST /api/customers does), many at a time, to keep the test quick
  const caller = { storeId: store.storeId } as Parameters<typeof hub.services.catalog.createCustomer>[0];
  const made: number[] = [];
  for (let i = 0; i < 6_001; i += 200) {
    const batch = Array.from({ length: Math.min(200, 6_001 - i) }, (_, j) => hub.services.catalog.createCustomer(caller, { name: `Alex Person${i + j}` }));
    made.push(...(await Promise.all(batch)).map((c) => c.id));
  }
  const zim = await newCustomer(store.cashier, { name: 'Alex Zimmerman' });
  const alexandra = await newCustomer(store.cashier, { name: 'Alexandra Zimmer' });
  assert.equal(await search(store.cashier, 'alex zimmerman'), [zim.id]);
  assert.equal(await search(store.cashier, 'zimmerman alex'), [zim.id]);
  assert.equal(await search(store.cashier, 'alex zim'), [zim.id, alexandra.id]);
  assert.equal(await search(store.cashier, 'alexandra'), [alexandra.id]);
  assert.equal(await search(store.cashier, 'alex person6000'), [made[6_000]!]);
  // one word matching 6,003 customers pages through every one of them, in id order
  const seen: number[] = [];
  let cursor: string | null = null;
  do {
    const r: { status: number; body: any } = await store.cashier.get(`/api/customers?q=alex&limit=500${cursor ? `&cursor=${cursor}` : ''}`);
    assert.is(r.status, 200, JSON.stringify(r.body));
    seen.push(...r.body.items.map((x: { id: number }) => x.id));
    cursor = r.body.nextCursor;
  } while (cursor);
  assert.is(seen.length, 6_003);
  assert.equal(seen, [...made, zim.id, alexandra.id].sort((a, b) => a - b));
  // several words, paged: every "alex person1..." customer once
  const ones = made.filter((_, i) => String(i).startsWith('1'));
  const paged: number[] = [];
  cursor = null;
  do {
    const r: { status: number; body: any } = await store.cashier.get(`/api/customers?q=${encodeURIComponent('person1 alex')}&limit=300${cursor ? `&cursor=${cursor}` : ''}`);
    paged.push(...r.body.items.map((x: { id: number }) => x.id));
    cursor = r.body.nextCursor;
  } while (cursor);
  assert.equal(paged, ones);
});

test('search customers by phone: digits, or the number as typed with spaces and dashes', async ({ hub }) => {
  const store = await createStore(hub);
  const a = await newCustomer(store.cashier, { name: 'Phone One', phone: '+49 170 1234567' });
  const b = await newCustomer(store.cashier, { name: 'Phone Two', phone: '555-0101' });
  const c = await newCustomer(store.cashier, { name: 'Phone Three', phone: '(555) 010-9999' });

  assert.equal(await search(store.cashier, '491701234567'), [a.id]);
  assert.equal(await search(store.cashier, '4917012'), [a.id]);
  assert.equal(await search(store.cashier, '5550101'), [b.id]);
  assert.equal(await search(store.cashier, '555010'), [b.id, c.id]);
  assert.equal(await search(store.cashier, '5550109999'), [c.id]);
  // as typed: separators are ignored
  assert.equal(await search(store.cashier, '555-0101'), [b.id]);
  assert.equal(await search(store.cashier, '+49 170 1234567'), [a.id]);
  assert.equal(await search(store.cashier, '(555) 010-9'), [c.id]);
  assert.equal(await search(store.cashier, '555 01'), [b.id, c.id]);
  assert.equal(await search(store.cashier, '999'), []);
  // a name with digits in it is still searched by words
  assert.equal(await search(store.cashier, 'phone two'), [b.id]);
});

test('a stock clerk may not read or create customers; cashiers and supervisors may', async ({ store }) => {
  const c = await newCustomer(store.supervisor, { name: 'Role Check' });
  for (const [path, method] of [['/api/customers', 'GET'], [`/api/customers/${c.id}`, 'GET'], [`/api/customers/${c.id}/history`, 'GET']] as const) {
    const r = await store.clerk.call(method, path);
    assert.is(r.status, 403, path);
    assert.is(r.body.code, 'FORBIDDEN');
  }
  const made = await store.clerk.post('/api/customers', { name: 'Nope' });
  assert.is(made.status, 403);
  assert.is(made.body.code, 'FORBIDDEN');
  assert.is((await store.cashier2.get(`/api/customers/${c.id}`)).status, 200);
});

// ---- serial lookup

test('an unknown serial is SERIAL_NOT_FOUND (404); blank or over-long input is refused cleanly', async ({ store }) => {
  const r = await store.supervisor.get('/api/serials/NO-SUCH-SERIAL-XYZ');
  assert.is(r.status, 404);
  assert.is(r.body.code, 'SERIAL_NOT_FOUND');
  const gs1 = await store.supervisor.get(`/api/serials/${encodeURIComponent('(01)09506000134352(21)NOPE-NOPE')}`);
  assert.is(gs1.status, 404);
  assert.is(gs1.body.code, 'SERIAL_NOT_FOUND');
  const long = await store.supervisor.get(`/api/serials/${'X'.repeat(201)}`);
  assert.is(long.status, 400);
  assert.is(long.body.code, 'VALIDATION_FAILED');
  const blank = await store.supervisor.get(`/api/serials/${encodeURIComponent('   ')}`);
  assert.ok(blank.status === 404 || blank.status === 400, JSON.stringify(blank.body));
});

test('every role can look up a serial', async ({ store }) => {
  const s = uniq('ROLE');
  await productWithStock(store, { serialMode: 'enforced' }, [s]);
  for (const c of [store.cashier, store.clerk, store.supervisor]) {
    assert.is((await lookup(c, s)).matches.length, 1);
  }
});

test('the same serial on two products returns two matches', async ({ store }) => {
  const s = uniq('SHARED');
  const p1 = await productWithStock(store, { serialMode: 'enforced', name: 'Router' }, [s]);
  const p2 = await productWithStock(store, { serialMode: 'enforced', name: 'Modem' }, [s]);
  const other = uniq('OTHER');
  await productWithStock(store, { serialMode: 'enforced' }, [other]);
  const res = await lookup(store.cashier, s.toLowerCase());
  assert.is(res.matches.length, 2);
  assert.equal(res.matches.map((m) => m.product.id).sort((a: number, b: number) => a - b), [p1.id, p2.id].sort((a, b) => a - b));
  for (const m of res.matches) {
    assert.is(m.serial, s);
    assert.is(m.state, 'in_stock');
    assert.is(m.hold, null);
    assert.is(m.sale, null);
    assert.is(m.timeline.length, 1);
    assert.is(m.timeline[0].productId, m.product.id, 'each match has only its own product timeline');
  }
  // sell it on one product: the other is still in stock
  await sell(store, { ...p1, serialMode: 'enforced' }, s);
  const after = await lookup(store.cashier, s);
  const byProduct = new Map(after.matches.map((m) => [m.product.id, m]));
  assert.is(byProduct.get(p1.id).state, 'sold');
  assert.is(byProduct.get(p2.id).state, 'in_stock');
});

test('a case-sensitive and a case-insensitive product sharing a serial are both found', async ({ store }) => {
  const lower = `mixed-${process.pid}-${++seq}`;
  const cs = await productWithStock(store, { serialMode: 'enforced', serialCaseSensitive: true }, [lower]);
  const ci = await productWithStock(store, { serialMode: 'enforced' }, [lower]);
  const res = await lookup(store.supervisor, lower);
  assert.equal(
    res.matches.map((m) => [m.product.id, m.serial]).sort((a, b) => a[0] - b[0]),
    [[cs.id, lower], [ci.id, lower.toUpperCase()]].sort((a, b) => (a[0] as number) - (b[0] as number)),
  );
  // upper case finds only the case-insensitive product's serial
  const upper = await lookup(store.supervisor, lower.toUpperCase());
  assert.equal(upper.matches.map((m) => m.product.id), [ci.id]);
});

test('an enforced serial through its life: in_stock, held, sold, returned (back in stock), with a full timeline', async ({ store }) => {
  const s = uniq('LIFE');
  const product = await store.supervisor.post('/api/products', {
    partNumber: uniq('LIFE-PN'), name: 'Tablet', priceCents: 30_000, serialMode: 'enforced',
  });
  const p = product.body.product;
  const receiptId = randomUUID();
  const rec = await store.clerk.post('/api/receipts', { receiptId, lines: [{ productId: p.id, quantity: 1, serials: [s] }] });
  assert.is(rec.status, 201, JSON.stringify(rec.body));
  const customer = await newCustomer(store.cashier, { name: 'Life Cycle' });
  const terminal = store.terminals[0]!.id;

  let m = (await lookup(store.cashier, s)).matches[0];
  assert.is(m.state, 'in_stock');
  assert.is(m.product.id, p.id);
  assert.is(m.product.partNumber, p.partNumber);

  const saleId = newSaleId();
  const hold = await store.cashier.post('/api/holds', { productId: p.id, serial: s, saleId });
  assert.is(hold.status, 201, JSON.stringify(hold.body));
  m = (await lookup(store.cashier2, s)).matches[0];
  assert.is(m.state, 'held');
  assert.is(m.hold.terminalId, terminal);
  assert.is(m.hold.saleId, saleId);
  assert.is(m.hold.staffId, '2001');
  assert.is(m.hold.token, hold.body.hold.token);
  assert.ok(m.hold.expiresAt > Date.now() - 60_000);

  const sale = await store.cashier.post('/api/sales', {
    saleId, customerId: customer.id,
    lines: [{ productId: p.id, quantity: 1, serials: [{ serial: s, token: hold.body.hold.token }] }],
    payments: [{ method: 'card', amountCents: 30_000 }],
  });
  assert.is(sale.status, 200, JSON.stringify(sale.body));
  m = (await lookup(store.supervisor, s)).matches[0];
  assert.is(m.state, 'sold');
  assert.is(m.hold, null);
  assert.is(m.sale.saleId, saleId);
  assert.is(m.sale.customerId, customer.id);
  assert.is(m.sale.soldAt, sale.body.invoice.completedAt);
  assert.is(m.sale.warrantyEndsAt, null);
  assert.is(m.sale.underWarranty, false);

  const returnId = randomUUID();
  const ret = await store.cashier.post('/api/returns', {
    returnId, saleId, reason: 'dead pixel', lines: [{ line: 0, quantity: 1, serials: [s.toLowerCase()] }],
  });
  assert.is(ret.status, 200, JSON.stringify(ret.body));
  m = (await lookup(store.supervisor, s)).matches[0];
  assert.is(m.state, 'in_stock', 'a returned enforced serial is back in stock');
  assert.is(m.sale, null);

  const tl = m.timeline as any[];
  assert.equal(tl.map((e) => e.type), ['received', 'held', 'sold', 'returned']);
  assert.ok(tl.every((e) => e.productId === p.id && typeof e.at === 'number' && e.at > 0));
  assert.ok(tl.every((e, i) => i === 0 || e.at >= tl[i - 1].at), 'oldest first');
  assert.equal(
    tl.map((e) => [e.staffId, e.terminalId, e.ref]),
    [
      ['3001', '', receiptId],
      ['2001', terminal, saleId],
      ['2001', terminal, saleId],
      ['2001', terminal, returnId],
    ],
  );
  assert.is(tl[2].customerId, customer.id);
  assert.is(tl[3].reason, 'dead pixel');
  assert.is(tl[0].customerId, undefined);
});

test('a released hold and a force-release show in the timeline with who and why', async ({ store }) => {
  const s = uniq('REL');
  const p = await productWithStock(store, { serialMode: 'enforced' }, [s]);
  const saleId = newSaleId();
  assert.is((await store.cashier.post('/api/holds', { productId: p.id, serial: s, saleId })).status, 201);
  assert.is((await store.cashier.post('/api/holds/release', { productId: p.id, serial: s })).status, 200);
  const sale2 = newSaleId();
  assert.is((await store.cashier2.post('/api/holds', { productId: p.id, serial: s, saleId: sale2 })).status, 201);
  const force = await store.supervisor.post('/api/holds/force-release', { productId: p.id, serial: s, reason: 'register frozen' });
  assert.is(force.status, 200, JSON.stringify(force.body));
  const m = (await lookup(store.supervisor, s)).matches[0];
  assert.is(m.state, 'in_stock');
  const tl = m.timeline as any[];
  assert.equal(tl.map((e) => e.type), ['received', 'held', 'released', 'held', 'force_released']);
  assert.equal([tl[2].staffId, tl[2].terminalId, tl[2].ref], ['2001', store.terminals[0]!.id, saleId]);
  assert.equal([tl[3].staffId, tl[3].terminalId, tl[3].ref], ['2002', store.terminals[1]!.id, sale2]);
  assert.equal([tl[4].staffId, tl[4].terminalId, tl[4].reason], ['1001', '', 'register frozen']);
});

test('a solicit serial: sold, then returned (state returned)', async ({ store }) => {
  const p = await productWithStock(store, { serialMode: 'solicit', priceCents: 1200 }, 2);
  const s = uniq('SOL');
  const inv = await sell(store, { ...p, serialMode: 'solicit' }, ` ${s.toLowerCase()} `);
  let m = (await lookup(store.cashier, s)).matches[0];
  assert.is(m.serial, s);
  assert.is(m.state, 'sold');
  assert.is(m.sale.saleId, inv.saleId);
  assert.is(m.sale.customerId, null);
  assert.equal(m.timeline.map((e: { type: string }) => e.type), ['sold']);

  const ret = await store.cashier.post('/api/returns', { returnId: randomUUID(), saleId: inv.saleId, lines: [{ line: 0, quantity: 1, serials: [s] }] });
  assert.is(ret.status, 200, JSON.stringify(ret.body));
  m = (await lookup(store.cashier, s)).matches[0];
  assert.is(m.state, 'returned');
  assert.is(m.sale, null);
  assert.equal(m.timeline.map((e: { type: string }) => e.type), ['sold', 'returned']);
});

test('warranty: a sold serial of a warranty product is under warranty, with its end date and a service record', async ({ store }) => {
  const s = uniq('WAR');
  const created = await store.supervisor.post('/api/products', {
    partNumber: uniq('WAR-PN'), name: 'Laptop Pro', priceCents: 99_900, serialMode: 'enforced', warrantyReminder: true, warrantyMonths: 24,
  });
  assert.is(created.status, 201, JSON.stringify(created.body));
  const p = created.body.product;
  const rec = await store.clerk.post('/api/receipts', { lines: [{ productId: p.id, quantity: 1, serials: [s] }] });
  assert.is(rec.status, 201);
  const customer = await newCustomer(store.cashier, { name: 'Warranty Holder', phone: '555 7788' });
  const inv = await sell(store, p, s, customer.id);
  const expectedEnd = addMonthsUtc(inv.completedAt, 24);
  assert.is(inv.lines[0]!.warrantyEndsAt, expectedEnd);

  const res = await lookup(store.cashier, s);
  assert.is(res.matches.length, 1);
  const m = res.matches[0];
  assert.is(m.state, 'sold');
  assert.is(m.product.warrantyReminder, true);
  assert.equal(m.sale, {
    saleId: inv.saleId, invoiceNumber: inv.number, customerId: customer.id, soldAt: inv.completedAt, warrantyEndsAt: expectedEnd, underWarranty: true,
  });
  assert.ok(m.sale.warrantyEndsAt > Date.now() + 700 * 86_400_000);

  const records = await store.cashier.get(`/api/customers/${customer.id}/service-records`);
  assert.is(records.status, 200);
  assert.equal(records.body.items, [{
    productId: p.id, partNumber: p.partNumber, name: 'Laptop Pro', serial: s, saleId: inv.saleId, soldAt: inv.completedAt, warrantyEndsAt: expectedEnd,
  }]);
  const history = await store.cashier.get(`/api/customers/${customer.id}/history`);
  assert.is(history.status, 200);
  assert.equal(history.body.items.map((i: { saleId: string }) => i.saleId), [inv.saleId]);
  assert.equal(history.body.items[0].lines[0].serials, [s]);
});

test('a product with warranty months but no warranty flag is not under warranty (the flag with 0 months is refused)', async ({ store }) => {
  for (const extra of [{ warrantyReminder: false, warrantyMonths: 12 }]) {
    const s = uniq('NOWAR');
    const p = await productWithStock(store, { serialMode: 'enforced', ...extra }, [s]);
    const customer = await newCustomer(store.cashier, { name: 'No Warranty' });
    await sell(store, { ...p, serialMode: 'enforced' }, s, customer.id);
    const m = (await lookup(store.cashier, s)).matches[0];
    assert.is(m.state, 'sold');
    assert.is(m.sale.warrantyEndsAt, null);
    assert.is(m.sale.underWarranty, false);
    const records = await store.cashier.get(`/api/customers/${customer.id}/service-records`);
    assert.equal(records.body.items, []);
  }
});

test('lookup by a GS1 scan finds the serial in AI 21 (bracketed, raw with ]C1 and group separators, and plain)', async ({ store }) => {
  const s = uniq('ABC123');
  const p = await productWithStock(store, { serialMode: 'enforced' }, [s]);
  for (const raw of [
    `(01)09506000134352(21)${s}`,
    `(01)09506000134352(17)251231(10)LOT7(21)${s.toLowerCase()}`,
    `]C10109506000134352${'21'}${s}`,
    `]C1010950600013435217251231${'10'}LOT7\x1d21${s}\x1d`,
    `  ${s.toLowerCase()}  `,
    // plain, as most scanners send it (no markers): AI 01 with a valid check digit, then 21
    `0109506000134352${'21'}${s}`,
    `0109506000134352 21${s.toLowerCase()}`,
  ]) {
    const res = await lookup(store.cashier, raw);
    assert.is(res.matches.length, 1, raw);
    assert.is(res.matches[0].serial, s, raw);
    assert.is(res.matches[0].product.id, p.id, raw);
    assert.is(res.matches[0].state, 'in_stock');
  }
});

test.run();
