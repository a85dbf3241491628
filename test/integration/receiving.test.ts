import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startEmbeddedRedis } from '../../server/redis/embedded.js';
import { createStore, newSaleId, productWithStock, startTestHub, type Client, type TestStore } from '../helpers/hub.js';

type Ctx = { hub: Awaited<ReturnType<typeof startTestHub>>; store: TestStore };
const test = suite<Ctx>('receiving');

test.before(async (ctx) => {
  ctx.hub = await startTestHub();
  ctx.store = await createStore(ctx.hub);
});
test.after(async (ctx) => {
  await ctx.hub.close();
});

type Mode = 'none' | 'solicit' | 'enforced';
let seq = 0;
/** A serial unique to this test run (so tests sharing a store never collide). */
const uniq = (tag: string) => `${tag}-${process.pid}-${++seq}`.toUpperCase();

async function newProduct(store: TestStore, serialMode: Mode, extra: Record<string, unknown> = {}) {
  const r = await store.supervisor.post('/api/products', {
    partNumber: `R-${randomUUID().slice(0, 8)}`, name: `Receiving ${serialMode}`, priceCents: 1500, serialMode, ...extra,
  });
  assert.is(r.status, 201, JSON.stringify(r.body));
  return r.body.product as { id: number; partNumber: string; serialMode: Mode; priceCents: number };
}

async function stockOf(c: Client, productId: number): Promise<number> {
  const r = await c.get(`/api/products/${productId}`);
  assert.is(r.status, 200, JSON.stringify(r.body));
  return r.body.product.stock as number;
}

async function available(c: Client, productId: number, query = ''): Promise<string[]> {
  const r = await c.get(`/api/products/${productId}/serials?limit=500${query}`);
  assert.is(r.status, 200, JSON.stringify(r.body));
  return r.body.items.map((i: { serial: string }) => i.serial);
}

/** Holds a serial on register 1 and completes the sale; returns the sale id. */
async function sell(store: TestStore, product: { id: number; priceCents: number }, serial: string) {
  const saleId = newSaleId();
  const hold = await store.cashier.post('/api/holds', { productId: product.id, serial, saleId });
  assert.is(hold.status, 201, JSON.stringify(hold.body));
  const sale = await store.cashier.post('/api/sales', {
    saleId,
    lines: [{ productId: product.id, quantity: 1, serials: [{ serial, token: hold.body.hold.token }] }],
    payments: [{ method: 'cash', amountCents: product.priceCents }],
  });
  assert.is(sale.status, 200, JSON.stringify(sale.body));
  return saleId;
}

function assertRejected(r: { status: number; body: any }, expected: { line: number; serial?: string; reason: string }[]) {
  assert.is(r.status, 422, JSON.stringify(r.body));
  assert.is(r.body.code, 'RECEIPT_REJECTED');
  const got = (r.body.details.rejections as { line: number; serial?: string; reason: string }[]).map((x) => ({
    line: x.line, ...(x.serial !== undefined ? { serial: x.serial } : {}), reason: x.reason,
  }));
  const key = (x: { line: number; serial?: string; reason: string }) => `${x.line}|${x.serial ?? ''}|${x.reason}`;
  assert.equal(got.map(key).sort(), expected.map(key).sort(), JSON.stringify(r.body.details));
  assert.is(r.body.details.total, expected.length);
}

// ---- serial count

test('enforced line with fewer or more serials than the quantity is rejected (serial_count), nothing written', async ({ store }) => {
  const p = await newProduct(store, 'enforced');
  const a = uniq('CNT-A');
  const b = uniq('CNT-B');
  const fewer = await store.clerk.post('/api/receipts', { lines: [{ productId: p.id, quantity: 3, serials: [a, b] }] });
  assertRejected(fewer, [{ line: 0, reason: 'serial_count' }]);
  const more = await store.clerk.post('/api/receipts', { lines: [{ productId: p.id, quantity: 1, serials: [a, b] }] });
  assertRejected(more, [{ line: 0, reason: 'serial_count' }]);
  const none = await store.clerk.post('/api/receipts', { lines: [{ productId: p.id, quantity: 2 }] });
  assertRejected(none, [{ line: 0, reason: 'serial_count' }]);
  assert.is(await stockOf(store.supervisor, p.id), 0);
  assert.equal(await available(store.supervisor, p.id), []);
  assert.is((await store.supervisor.get(`/api/serials/${a}`)).status, 404);

  const exact = await store.clerk.post('/api/receipts', { lines: [{ productId: p.id, quantity: 2, serials: [a, b] }] });
  assert.is(exact.status, 201, JSON.stringify(exact.body));
  assert.is(exact.body.replayed, false);
  assert.is(await stockOf(store.supervisor, p.id), 2);
  assert.equal(await available(store.supervisor, p.id), [a, b].sort());
});

test('the rejection names the line: a bad second line is reported as line 1', async ({ store }) => {
  const ok = await newProduct(store, 'enforced');
  const bad = await newProduct(store, 'enforced');
  const r = await store.clerk.post('/api/receipts', {
    lines: [
      { productId: ok.id, quantity: 1, serials: [uniq('L0')] },
      { productId: bad.id, quantity: 2, serials: [uniq('L1')] },
    ],
  });
  assertRejected(r, [{ line: 1, reason: 'serial_count' }]);
  assert.is(await stockOf(store.supervisor, ok.id), 0);
});

// ---- duplicates

test('a serial twice in the receipt is rejected as duplicate (also after case normalisation and across lines)', async ({ store }) => {
  const p = await newProduct(store, 'enforced');
  const a = uniq('DUP-A');
  const b = uniq('DUP-B');
  const same = await store.clerk.post('/api/receipts', { lines: [{ productId: p.id, quantity: 3, serials: [a, b, a] }] });
  assertRejected(same, [{ line: 0, serial: a, reason: 'duplicate' }]);

  const cased = await store.clerk.post('/api/receipts', {
    lines: [{ productId: p.id, quantity: 2, serials: [a.toLowerCase(), ` ${a} `] }],
  });
  assertRejected(cased, [{ line: 0, serial: a, reason: 'duplicate' }]);

  const lines = await store.clerk.post('/api/receipts', {
    lines: [
      { productId: p.id, quantity: 1, serials: [a] },
      { productId: p.id, quantity: 2, serials: [b, a] },
    ],
  });
  assertRejected(lines, [{ line: 1, serial: a, reason: 'duplicate' }]);
  assert.is(await stockOf(store.supervisor, p.id), 0);
});

test('the same serial on two different products in one receipt is fine', async ({ store }) => {
  const p1 = await newProduct(store, 'enforced');
  const p2 = await newProduct(store, 'enforced');
  const s = uniq('TWIN');
  const r = await store.clerk.post('/api/receipts', {
    lines: [
      { productId: p1.id, quantity: 1, serials: [s] },
      { productId: p2.id, quantity: 1, serials: [s] },
    ],
  });
  assert.is(r.status, 201, JSON.stringify(r.body));
  assert.equal(await available(store.supervisor, p1.id), [s]);
  assert.equal(await available(store.supervisor, p2.id), [s]);
});

// ---- serials already known

test('a serial already in stock is rejected (in_stock)', async ({ store }) => {
  const s = uniq('INS');
  const p = await productWithStock(store, { serialMode: 'enforced' }, [s]);
  const fresh = uniq('INS-NEW');
  const r = await store.clerk.post('/api/receipts', { lines: [{ productId: p.id, quantity: 2, serials: [fresh, s.toLowerCase()] }] });
  assertRejected(r, [{ line: 0, serial: s, reason: 'in_stock' }]);
  assert.equal(await available(store.supervisor, p.id), [s]);
  assert.is((await store.supervisor.get(`/api/serials/${fresh}`)).status, 404);
});

test('a receipt refused for a serial conflict leaves an alert for the supervisors; other refusals do not', async ({ store }) => {
  const s = uniq('ALR');
  const p = await productWithStock(store, { serialMode: 'enforced' }, [s]);
  const since = Date.now() - 1;
  const before = (await store.supervisor.get(`/api/dashboard?since=${since}`)).body.alerts.length;
  assertRejected(await store.clerk.post('/api/receipts', { lines: [{ productId: p.id, quantity: 1, serials: [s] }] }), [{ line: 0, serial: s, reason: 'in_stock' }]);
  // a wrong count is the clerk's typo, not a conflict: no alert
  assert.is((await store.clerk.post('/api/receipts', { lines: [{ productId: p.id, quantity: 2, serials: [uniq('ALR-X')] }] })).status, 422);
  const { alerts } = (await store.supervisor.get(`/api/dashboard?since=${since}`)).body;
  assert.is(alerts.length, before + 1);
  assert.is(alerts[0].kind, 'serial_conflict');
  assert.match(alerts[0].message, /1 serial conflict\(s\) \(in_stock\)/);
  assert.ok(alerts[0].at >= since);
  assert.is((await store.supervisor.get(`/api/dashboard?since=${Date.now() + 60_000}`)).body.alerts.length, 0);
});

test('a held serial is rejected (held)', async ({ store }) => {
  const s = uniq('HLD');
  const p = await productWithStock(store, { serialMode: 'enforced' }, [s]);
  const hold = await store.cashier.post('/api/holds', { productId: p.id, serial: s, saleId: newSaleId() });
  assert.is(hold.status, 201, JSON.stringify(hold.body));
  const r = await store.clerk.post('/api/receipts', { lines: [{ productId: p.id, quantity: 1, serials: [s] }] });
  assertRejected(r, [{ line: 0, serial: s, reason: 'held' }]);
  assert.is(await stockOf(store.supervisor, p.id), 1);
  const released = await store.cashier.post('/api/holds/release', { productId: p.id, serial: s });
  assert.is(released.status, 200, JSON.stringify(released.body));
});

test('a sold serial is rejected (sold) until it is returned; then it is in stock again', async ({ store }) => {
  const s = uniq('SLD');
  const p = await productWithStock(store, { serialMode: 'enforced', priceCents: 700 }, [s]);
  const saleId = await sell(store, p, s);
  assert.is(await stockOf(store.supervisor, p.id), 0);

  const r = await store.clerk.post('/api/receipts', { lines: [{ productId: p.id, quantity: 1, serials: [s] }] });
  assertRejected(r, [{ line: 0, serial: s, reason: 'sold' }]);
  assert.is(await stockOf(store.supervisor, p.id), 0);

  const ret = await store.cashier.post('/api/returns', {
    returnId: randomUUID(), saleId, lines: [{ line: 0, quantity: 1, serials: [s] }],
  });
  assert.is(ret.status, 200, JSON.stringify(ret.body));
  // returned to stock: receiving it again is now "in_stock", not "sold"
  const again = await store.clerk.post('/api/receipts', { lines: [{ productId: p.id, quantity: 1, serials: [s] }] });
  assertRejected(again, [{ line: 0, serial: s, reason: 'in_stock' }]);
  assert.equal(await available(store.supervisor, p.id), [s]);
});

test('one receipt reports every problem, each with its line and serial', async ({ store }) => {
  const inStock = uniq('MIX-IN');
  const p = await productWithStock(store, { serialMode: 'enforced' }, [inStock]);
  const q = await newProduct(store, 'none');
  const d = uniq('MIX-D');
  const r = await store.clerk.post('/api/receipts', {
    lines: [
      { productId: p.id, quantity: 3, serials: [d, inStock, d] },
      { productId: q.id, quantity: 1, serials: [uniq('MIX-X')] },
      { productId: p.id, quantity: 2, serials: [uniq('MIX-E')] },
    ],
  });
  assertRejected(r, [
    { line: 0, serial: inStock, reason: 'in_stock' },
    { line: 0, serial: d, reason: 'duplicate' },
    { line: 1, reason: 'serials_not_expected' },
    { line: 2, reason: 'serial_count' },
  ]);
});

test('invalid serials are reported in the same answer as duplicates, in_stock, held and count problems', async ({ store }) => {
  const inStock = uniq('ALL-IN');
  const held = uniq('ALL-HELD');
  const p = await productWithStock(store, { serialMode: 'enforced' }, [inStock, held]);
  const q = await newProduct(store, 'none');
  const hold = await store.cashier.post('/api/holds', { productId: p.id, serial: held, saleId: newSaleId() });
  assert.is(hold.status, 201, JSON.stringify(hold.body));
  const d = uniq('ALL-D');
  const r = await store.clerk.post('/api/receipts', {
    lines: [
      { productId: p.id, quantity: 5, serials: [d, 'bad serial', inStock, d, held] },
      { productId: q.id, quantity: 1, serials: ['\u0007'] },
      { productId: p.id, quantity: 3, serials: ['x y', uniq('ALL-E')] },
    ],
  });
  assertRejected(r, [
    { line: 0, serial: 'bad serial', reason: 'invalid' },
    { line: 0, serial: inStock, reason: 'in_stock' },
    { line: 0, serial: d, reason: 'duplicate' },
    { line: 0, serial: held, reason: 'held' },
    { line: 1, serial: '\u0007', reason: 'invalid' },
    { line: 1, reason: 'serials_not_expected' },
    { line: 2, serial: 'x y', reason: 'invalid' },
    { line: 2, reason: 'serial_count' },
  ]);
  // the line's invalid serials come first; an invalid serial counts as one given (line 0 has its 5)
  assert.equal(r.body.details.rejections[0], { line: 0, serial: 'bad serial', reason: 'invalid' });
  // a receipt refused for a conflict tells the supervisors even when it also had invalid serials
  const alerts = await store.supervisor.get(`/api/dashboard?since=${Date.now() - 60_000}`);
  assert.ok(alerts.body.alerts.some((a: { details: { rejections: { serial?: string }[] } }) =>
    a.details.rejections.some((x) => x.serial === held)), JSON.stringify(alerts.body.alerts).slice(0, 300));
  assert.is(await stockOf(store.supervisor, p.id), 2);
});

test('a line for an unknown product is rejected (product_not_found)', async ({ store }) => {
  const p = await newProduct(store, 'none');
  const r = await store.clerk.post('/api/receipts', {
    lines: [
      { productId: p.id, quantity: 4 },
      { productId: 999_999_999, quantity: 1 },
    ],
  });
  assertRejected(r, [{ line: 1, reason: 'product_not_found' }]);
  assert.is(await stockOf(store.supervisor, p.id), 0);
});

// ---- normalisation

test('serials are trimmed and upper-cased before they are stored', async ({ store }) => {
  const p = await newProduct(store, 'enforced');
  const base = uniq('norm');
  const r = await store.clerk.post('/api/receipts', {
    lines: [{ productId: p.id, quantity: 3, serials: [`  ${base.toLowerCase()}-a  `, `${base.toLowerCase()}-b\t`, `\r\n${base}-c\n`] }],
  });
  assert.is(r.status, 201, JSON.stringify(r.body));
  assert.equal(r.body.receipt.lines[0].serials, [`${base}-A`, `${base}-B`, `${base}-C`]);
  assert.equal(await available(store.supervisor, p.id), [`${base}-A`, `${base}-B`, `${base}-C`]);
  // lookup works whatever the case typed
  const look = await store.supervisor.get(`/api/serials/${encodeURIComponent(` ${base.toLowerCase()}-b `)}`);
  assert.is(look.status, 200, JSON.stringify(look.body));
  assert.is(look.body.matches[0].serial, `${base}-B`);
});

test('a GS1 scan received on an enforced line stores its AI 21 serial', async ({ store }) => {
  const p = await newProduct(store, 'enforced');
  const s = uniq('GS');
  const r = await store.clerk.post('/api/receipts', {
    lines: [{ productId: p.id, quantity: 2, serials: [`(01)09506000134352(21)${s}-1`, `]C10109506000134352${'21'}${s}-2\x1d10LOT`] }],
  });
  assert.is(r.status, 201, JSON.stringify(r.body));
  assert.equal(await available(store.supervisor, p.id), [`${s}-1`, `${s}-2`]);
});

test('a case-sensitive product keeps the case: "abc" and "ABC" are two serials', async ({ store }) => {
  const p = await newProduct(store, 'enforced', { serialCaseSensitive: true });
  const base = `cs-${process.pid}-x`;
  const r = await store.clerk.post('/api/receipts', {
    lines: [{ productId: p.id, quantity: 3, serials: [` ${base}`, base.toUpperCase(), `${base}Y`] }],
  });
  assert.is(r.status, 201, JSON.stringify(r.body));
  assert.equal(await available(store.supervisor, p.id), [base.toUpperCase(), base, `${base}Y`]);
  // the same case again is in stock; another case of a stored one is a new serial
  const again = await store.clerk.post('/api/receipts', { lines: [{ productId: p.id, quantity: 1, serials: [base] }] });
  assertRejected(again, [{ line: 0, serial: base, reason: 'in_stock' }]);
  const other = await store.clerk.post('/api/receipts', { lines: [{ productId: p.id, quantity: 1, serials: [`${base}y`.toUpperCase()] }] });
  assert.is(other.status, 201, JSON.stringify(other.body));
  assert.is(await stockOf(store.supervisor, p.id), 4);
});

test('invalid serials (space inside, over 64 characters, blank, control characters) are rejected as invalid', async ({ store }) => {
  const p = await newProduct(store, 'enforced');
  const good = uniq('VALID');
  const long = 'X'.repeat(70);
  const r = await store.clerk.post('/api/receipts', {
    lines: [{ productId: p.id, quantity: 5, serials: [good, 'a b', long, '   ', 'AB\x07C'] }],
  });
  assertRejected(r, [
    { line: 0, serial: 'a b', reason: 'invalid' },
    { line: 0, serial: long, reason: 'invalid' },
    { line: 0, serial: '   ', reason: 'invalid' },
    { line: 0, serial: 'AB\x07C', reason: 'invalid' },
  ]);
  assert.is(await stockOf(store.supervisor, p.id), 0);
  assert.is((await store.supervisor.get(`/api/serials/${good}`)).status, 404);
  // exactly 64 characters is fine
  const max = `${'Y'.repeat(50)}${String(Date.now()).padStart(14, '0')}`;
  assert.is(max.length, 64);
  const ok = await store.clerk.post('/api/receipts', { lines: [{ productId: p.id, quantity: 1, serials: [max] }] });
  assert.is(ok.status, 201, JSON.stringify(ok.body));
});

// ---- all or nothing

test('ALL OR NOTHING: a multi-line receipt with one bad serial writes nothing at all', async ({ hub }) => {
  const store = await createStore(hub);
  const oldSerial = 'AON-OLD-1';
  const none = await productWithStock(store, { serialMode: 'none' }, 2);
  const solicit = await productWithStock(store, { serialMode: 'solicit' }, 3);
  const enfA = await newProduct(store, 'enforced');
  const enfB = await productWithStock(store, { serialMode: 'enforced' }, [oldSerial]);
  const before = await Promise.all([none, solicit, enfA, enfB].map((p) => stockOf(store.supervisor, p.id)));
  assert.equal(before, [2, 3, 0, 1]);
  const eventsBefore = await hub.redis.xlen(`sh:{s:${store.storeId}}:events`);

  const receiptId = `aon-${randomUUID()}`;
  const body = (bad: string) => ({
    receiptId,
    note: 'delivery 42',
    lines: [
      { productId: none.id, quantity: 5 },
      { productId: solicit.id, quantity: 4 },
      { productId: enfA.id, quantity: 2, serials: ['AON-GOOD-1', 'AON-GOOD-2'] },
      { productId: enfB.id, quantity: 2, serials: ['AON-NEW-1', bad] },
    ],
  });
  const inStock = await store.clerk.post('/api/receipts', body(oldSerial));
  assertRejected(inStock, [{ line: 3, serial: oldSerial, reason: 'in_stock' }]);
  const invalid = await store.clerk.post('/api/receipts', body('bad serial'));
  assertRejected(invalid, [{ line: 3, serial: 'bad serial', reason: 'invalid' }]);

  const after = await Promise.all([none, solicit, enfA, enfB].map((p) => stockOf(store.supervisor, p.id)));
  assert.equal(after, before);
  assert.equal(await available(store.supervisor, enfA.id), []);
  assert.equal(await available(store.supervisor, enfB.id), [oldSerial]);
  for (const s of ['AON-GOOD-1', 'AON-GOOD-2', 'AON-NEW-1']) {
    const look = await store.supervisor.get(`/api/serials/${s}`);
    assert.is(look.status, 404, `${s}: ${JSON.stringify(look.body)}`);
    assert.is(look.body.code, 'SERIAL_NOT_FOUND');
  }
  const old = await store.supervisor.get(`/api/serials/${oldSerial}`);
  assert.equal(old.body.matches[0].timeline.map((e: { type: string }) => e.type), ['received']);
  const receipt = await store.clerk.get(`/api/receipts/${receiptId}`);
  assert.is(receipt.status, 404);
  assert.is(receipt.body.code, 'RECEIPT_NOT_FOUND');
  assert.is(await hub.redis.xlen(`sh:{s:${store.storeId}}:events`), eventsBefore, 'no event for a rejected receipt');

  // the same receipt id is still free: the corrected receipt goes through in full
  const fixed = await store.clerk.post('/api/receipts', body('AON-NEW-2'));
  assert.is(fixed.status, 201, JSON.stringify(fixed.body));
  const final = await Promise.all([none, solicit, enfA, enfB].map((p) => stockOf(store.supervisor, p.id)));
  assert.equal(final, [7, 7, 2, 3]);
  const got = await store.clerk.get(`/api/receipts/${receiptId}`);
  assert.is(got.status, 200, JSON.stringify(got.body));
  assert.is(got.body.receipt.receiptId, receiptId);
  assert.is(got.body.receipt.note, 'delivery 42');
  assert.is(got.body.receipt.staffId, '3001');
  assert.is(got.body.receipt.lines.length, 4);
  assert.equal(got.body.receipt.lines[0].serials, []);
  assert.equal(got.body.receipt.lines[3].serials, ['AON-NEW-1', 'AON-NEW-2']);
});

// ---- quantity-only modes

test('solicit and none lines are quantity only; serials on them are rejected (serials_not_expected)', async ({ store }) => {
  const none = await newProduct(store, 'none');
  const solicit = await newProduct(store, 'solicit');
  const ok = await store.clerk.post('/api/receipts', {
    lines: [
      { productId: none.id, quantity: 4 },
      { productId: solicit.id, quantity: 6, serials: [] },
      { productId: none.id, quantity: 1 },
    ],
  });
  assert.is(ok.status, 201, JSON.stringify(ok.body));
  assert.is(await stockOf(store.supervisor, none.id), 5);
  assert.is(await stockOf(store.supervisor, solicit.id), 6);

  const bad = await store.clerk.post('/api/receipts', {
    lines: [
      { productId: none.id, quantity: 1, serials: [uniq('NX')] },
      { productId: solicit.id, quantity: 2, serials: [uniq('SX1'), uniq('SX2')] },
    ],
  });
  assertRejected(bad, [
    { line: 0, reason: 'serials_not_expected' },
    { line: 1, reason: 'serials_not_expected' },
  ]);
  assert.is(await stockOf(store.supervisor, none.id), 5);
  assert.is(await stockOf(store.supervisor, solicit.id), 6);
  // quantity-only products have no serial list
  assert.equal(await available(store.supervisor, solicit.id), []);
});

test('malformed receipts are VALIDATION_FAILED (400) and write nothing', async ({ store }) => {
  const p = await newProduct(store, 'none');
  for (const body of [
    { lines: [] },
    { lines: [{ productId: p.id, quantity: 0 }] },
    { lines: [{ productId: p.id, quantity: -1 }] },
    { lines: [{ productId: p.id, quantity: 1.5 }] },
    { lines: [{ productId: p.id, quantity: 1, extra: true }] },
    { lines: [{ productId: p.id, quantity: 1 }], extra: 1 },
    { receiptId: 'short', lines: [{ productId: p.id, quantity: 1 }] },
    { lines: [{ productId: 'abc', quantity: 1 }] },
    { lines: [{ productId: p.id, quantity: 1, serials: [''] }] },
    {},
  ]) {
    const r = await store.clerk.post('/api/receipts', body);
    assert.is(r.status, 400, `${JSON.stringify(body)} -> ${JSON.stringify(r.body)}`);
    assert.is(r.body.code, 'VALIDATION_FAILED');
  }
  assert.is(await stockOf(store.supervisor, p.id), 0);
});

test('a receipt of more than 100,000 serials in all is VALIDATION_FAILED at once, and writes nothing', async ({ store }) => {
  const p = await newProduct(store, 'enforced');
  const q = await newProduct(store, 'enforced');
  // each line is within its own cap (100,000); together they are over the receipt's
  const line = (productId: number, n: number, tag: string) =>
    ({ productId, quantity: n, serials: Array.from({ length: n }, (_, i) => `${tag}-${i}`) });
  const started = performance.now();
  const r = await store.clerk.post('/api/receipts', { lines: [line(p.id, 60_000, 'CAPA'), line(q.id, 40_001, 'CAPB')] });
  const ms = performance.now() - started;
  assert.is(r.status, 400, JSON.stringify(r.body).slice(0, 300));
  assert.is(r.body.code, 'VALIDATION_FAILED');
  assert.equal(r.body.details.issues, [{ path: 'lines', message: 'at most 100,000 serials per receipt (this one has 100001)' }]);
  assert.ok(ms < 3000, `refused in ${ms.toFixed(0)} ms`);
  assert.is(await stockOf(store.supervisor, p.id), 0);
  assert.is(await stockOf(store.supervisor, q.id), 0);
  // exactly the cap is fine
  const ok = await store.clerk.post('/api/receipts', { lines: [line(p.id, 60_000, 'CAPA'), line(q.id, 40_000, 'CAPB')] });
  assert.is(ok.status, 201, JSON.stringify(ok.body).slice(0, 300));
  assert.is(await stockOf(store.supervisor, q.id), 40_000);
});

test('a Redis busy running a long script (BUSY) answers 503 UNAVAILABLE, not 500', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'serialhub-busy-'));
  const redis = await startEmbeddedRedis({ dir, port: 0, appendfsync: 'everysec' });
  const hub = await startTestHub({}, redis.url);
  const side = new Redis(redis.url);
  try {
    const store = await createStore(hub);
    await side.config('SET', 'busy-reply-threshold', '50');
    // a read-only script that spins for 1.5 s: past 50 ms every other client is answered BUSY
    const spin = side.eval("local t = redis.call('TIME') local s = tonumber(t[1]) + tonumber(t[2]) / 1e6 " +
      "repeat t = redis.call('TIME') until tonumber(t[1]) + tonumber(t[2]) / 1e6 > s + 1.5 return 1", 0);
    await new Promise((res) => setTimeout(res, 300));
    const r = await store.clerk.get('/api/products');
    assert.is(r.status, 503, JSON.stringify(r.body));
    assert.is(r.body.code, 'UNAVAILABLE');
    await spin;
    assert.is((await store.clerk.get('/api/products')).status, 200);
  } finally {
    side.disconnect();
    await hub.close();
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

// ---- idempotency

test('retrying a receipt with the same receiptId is idempotent: stock is not doubled', async ({ store }) => {
  const none = await newProduct(store, 'none');
  const enf = await newProduct(store, 'enforced');
  const s1 = uniq('RTY-1');
  const s2 = uniq('RTY-2');
  const body = {
    receiptId: randomUUID(),
    lines: [
      { productId: none.id, quantity: 5 },
      { productId: enf.id, quantity: 2, serials: [s1, s2] },
    ],
  };
  const first = await store.clerk.post('/api/receipts', body);
  assert.is(first.status, 201, JSON.stringify(first.body));
  assert.is(first.body.replayed, false);
  const second = await store.clerk.post('/api/receipts', body);
  assert.is(second.status, 201, JSON.stringify(second.body));
  assert.is(second.body.replayed, true);
  assert.is(second.body.receipt.receiptId, body.receiptId);
  assert.is(second.body.receipt.receivedAt, first.body.receipt.receivedAt);
  // concurrent retries too
  const burst = await Promise.all(Array.from({ length: 8 }, () => store.clerk.post('/api/receipts', body)));
  for (const r of burst) {
    assert.is(r.status, 201, JSON.stringify(r.body));
    assert.is(r.body.replayed, true);
  }
  assert.is(await stockOf(store.supervisor, none.id), 5);
  assert.is(await stockOf(store.supervisor, enf.id), 2);
  const look = await store.supervisor.get(`/api/serials/${s1}`);
  assert.is(look.body.matches[0].timeline.length, 1, 'one received entry, not one per retry');
});

test('the same receiptId with another request is RECEIPT_ID_CONFLICT different_request; the same one (serials in another case) replays', async ({ store }) => {
  const none = await newProduct(store, 'none');
  const enf = await newProduct(store, 'enforced');
  const s1 = uniq('FP-1');
  const body = { receiptId: randomUUID(), note: 'crate 7', lines: [{ productId: none.id, quantity: 2 }, { productId: enf.id, quantity: 1, serials: [s1] }] };
  assert.is((await store.clerk.post('/api/receipts', body)).status, 201);
  for (const other of [
    { ...body, lines: [{ productId: none.id, quantity: 3 }, body.lines[1]] },
    { ...body, lines: [body.lines[0]] },
    { ...body, lines: [body.lines[0], { productId: enf.id, quantity: 1, serials: [uniq('FP-2')] }] },
    { ...body, note: 'crate 8' },
  ]) {
    const r = await store.clerk.post('/api/receipts', other);
    assert.is(r.status, 409, JSON.stringify(r.body));
    assert.is(r.body.code, 'RECEIPT_ID_CONFLICT');
    assert.equal(r.body.details, { reason: 'different_request' });
  }
  const same = await store.clerk.post('/api/receipts', { ...body, lines: [body.lines[0], { ...body.lines[1], serials: [` ${s1.toLowerCase()} `] }] });
  assert.is(same.status, 201, JSON.stringify(same.body));
  assert.is(same.body.replayed, true);
  assert.is(same.body.receipt.requestHash, undefined);
  assert.is((await store.clerk.get(`/api/receipts/${body.receiptId}`)).body.receipt.requestHash, undefined);
  assert.is(await stockOf(store.supervisor, none.id), 2);
  assert.is(await stockOf(store.supervisor, enf.id), 1);
});

test('concurrent first attempts of one receipt id write it once', async ({ store }) => {
  const none = await newProduct(store, 'none');
  const body = { receiptId: randomUUID(), lines: [{ productId: none.id, quantity: 3 }] };
  const all = await Promise.all(Array.from({ length: 10 }, () => store.clerk.post('/api/receipts', body)));
  assert.ok(all.every((r) => r.status === 201), JSON.stringify(all.map((r) => r.body)));
  assert.is(all.filter((r) => r.body.replayed === false).length, 1);
  assert.is(await stockOf(store.supervisor, none.id), 3);
});

test('a receipt id used by another staff member is RECEIPT_ID_CONFLICT', async ({ store }) => {
  const none = await newProduct(store, 'none');
  const body = { receiptId: randomUUID(), lines: [{ productId: none.id, quantity: 2 }] };
  assert.is((await store.clerk.post('/api/receipts', body)).status, 201);
  const other = await store.supervisor.post('/api/receipts', body);
  assert.is(other.status, 409, JSON.stringify(other.body));
  assert.is(other.body.code, 'RECEIPT_ID_CONFLICT');
  assert.is(await stockOf(store.supervisor, none.id), 2);
});

// ---- bulk

test('a 10,000-serial receipt is received in one go, quickly, and pages by cursor', async ({ store }) => {
  const p = await newProduct(store, 'enforced');
  const serials = Array.from({ length: 10_000 }, (_, i) => `bulk-${String(i).padStart(5, '0')}`);
  const started = performance.now();
  const r = await store.clerk.post('/api/receipts', { lines: [{ productId: p.id, quantity: serials.length, serials }] });
  const ms = performance.now() - started;
  console.log(`10,000-serial receipt took ${ms.toFixed(0)} ms`);
  assert.is(r.status, 201, JSON.stringify(r.body).slice(0, 500));
  assert.ok(ms < 3000, `took ${ms.toFixed(0)} ms`);
  assert.is(await stockOf(store.supervisor, p.id), 10_000);

  // walk the whole available list with the cursor
  const seen: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const page: { status: number; body: any } = await store.supervisor.get(
      `/api/products/${p.id}/serials?limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    assert.is(page.status, 200, JSON.stringify(page.body));
    assert.ok(page.body.items.length <= 500);
    seen.push(...page.body.items.map((i: { serial: string }) => i.serial));
    cursor = page.body.nextCursor;
    pages++;
  } while (cursor);
  assert.is(pages, 20);
  assert.is(seen.length, 10_000);
  assert.is(new Set(seen).size, 10_000);
  assert.equal(seen, serials.map((s) => s.toUpperCase()));

  // prefix search inside the big list
  const hits = await available(store.supervisor, p.id, '&q=bulk-0999');
  assert.equal(hits, Array.from({ length: 10 }, (_, i) => `BULK-0999${i}`));
  // a second time the same serials are all rejected in one answer (capped list, full total)
  const again = await store.clerk.post('/api/receipts', { lines: [{ productId: p.id, quantity: serials.length, serials }] });
  assert.is(again.status, 422);
  assert.is(again.body.details.total, 10_000);
  assert.ok(again.body.details.rejections.length <= 1000);
  assert.ok(again.body.details.rejections.every((x: { reason: string }) => x.reason === 'in_stock'));
});

// ---- the available list

test('available serials page with a cursor and search by prefix (case-insensitive product)', async ({ store }) => {
  const p = await newProduct(store, 'enforced');
  const serials = [
    ...Array.from({ length: 12 }, (_, i) => `AB-${String(i).padStart(2, '0')}`),
    ...Array.from({ length: 5 }, (_, i) => `ABC-${i}`),
    ...Array.from({ length: 4 }, (_, i) => `ZZ-${i}`),
  ];
  const r = await store.clerk.post('/api/receipts', { lines: [{ productId: p.id, quantity: serials.length, serials }] });
  assert.is(r.status, 201, JSON.stringify(r.body));

  const all: string[] = [];
  let cursor: string | null = null;
  const sizes: number[] = [];
  do {
    const page: { status: number; body: any } = await store.supervisor.get(
      `/api/products/${p.id}/serials?limit=5${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    assert.is(page.status, 200);
    sizes.push(page.body.items.length);
    all.push(...page.body.items.map((i: { serial: string }) => i.serial));
    cursor = page.body.nextCursor;
  } while (cursor);
  assert.equal(sizes, [5, 5, 5, 5, 1]);
  assert.equal(all, [...serials].sort());

  // exactly one full page: no next cursor
  const exact = await store.supervisor.get(`/api/products/${p.id}/serials?limit=${serials.length}`);
  assert.is(exact.body.items.length, serials.length);
  assert.is(exact.body.nextCursor, null);

  assert.equal(await available(store.supervisor, p.id, '&q=abc'), ['ABC-0', 'ABC-1', 'ABC-2', 'ABC-3', 'ABC-4']);
  assert.equal(await available(store.supervisor, p.id, '&q=zz-'), ['ZZ-0', 'ZZ-1', 'ZZ-2', 'ZZ-3']);
  assert.equal(await available(store.supervisor, p.id, '&q=nope'), []);
  assert.is((await available(store.supervisor, p.id, '&q=AB')).length, 17);

  // prefix search pages too
  const p1 = await store.supervisor.get(`/api/products/${p.id}/serials?q=AB-&limit=8`);
  assert.equal(p1.body.items.map((i: { serial: string }) => i.serial), serials.slice(0, 8));
  assert.is(typeof p1.body.nextCursor, 'string');
  const p2 = await store.supervisor.get(`/api/products/${p.id}/serials?q=AB-&limit=8&cursor=${encodeURIComponent(p1.body.nextCursor)}`);
  assert.equal(p2.body.items.map((i: { serial: string }) => i.serial), serials.slice(8, 12));
  assert.is(p2.body.nextCursor, null);

  // a held serial leaves the available list and shows in the held list
  const hold = await store.cashier.post('/api/holds', { productId: p.id, serial: 'zz-0', saleId: newSaleId() });
  assert.is(hold.status, 201, JSON.stringify(hold.body));
  assert.equal(await available(store.supervisor, p.id, '&q=ZZ'), ['ZZ-1', 'ZZ-2', 'ZZ-3']);
  const held = await store.supervisor.get(`/api/products/${p.id}/serials?status=held`);
  assert.equal(held.body.items.map((h: { serial: string }) => h.serial), ['ZZ-0']);
  await store.cashier.post('/api/holds/release', { productId: p.id, serial: 'ZZ-0' });
});

test('prefix search on a case-sensitive product matches case exactly', async ({ store }) => {
  const p = await newProduct(store, 'enforced', { serialCaseSensitive: true });
  const r = await store.clerk.post('/api/receipts', {
    lines: [{ productId: p.id, quantity: 4, serials: ['abc-1', 'ABC-2', 'abc-3', 'Abc-4'] }],
  });
  assert.is(r.status, 201, JSON.stringify(r.body));
  assert.equal(await available(store.supervisor, p.id, '&q=abc'), ['abc-1', 'abc-3']);
  assert.equal(await available(store.supervisor, p.id, '&q=ABC'), ['ABC-2']);
  assert.equal(await available(store.supervisor, p.id, '&q=A'), ['ABC-2', 'Abc-4']);
});

// ---- who may receive

test('a cashier cannot receive (403 FORBIDDEN) nor read receipts; a stock clerk and a supervisor can', async ({ store }) => {
  const p = await newProduct(store, 'none');
  const receiptId = randomUUID();
  const body = { receiptId, lines: [{ productId: p.id, quantity: 2 }] };
  for (const c of [store.cashier, store.cashier2]) {
    const r = await c.post('/api/receipts', body);
    assert.is(r.status, 403, JSON.stringify(r.body));
    assert.is(r.body.code, 'FORBIDDEN');
  }
  assert.is(await stockOf(store.supervisor, p.id), 0);
  assert.is((await store.clerk.get(`/api/receipts/${receiptId}`)).status, 404);

  const clerk = await store.clerk.post('/api/receipts', body);
  assert.is(clerk.status, 201, JSON.stringify(clerk.body));
  assert.is(clerk.body.receipt.staffId, '3001');
  assert.is(clerk.body.receipt.terminalId, '');
  const sup = await store.supervisor.post('/api/receipts', { lines: [{ productId: p.id, quantity: 1 }] });
  assert.is(sup.status, 201, JSON.stringify(sup.body));
  assert.is(await stockOf(store.supervisor, p.id), 3);

  const read = await store.cashier.get(`/api/receipts/${receiptId}`);
  assert.is(read.status, 403);
  assert.is(read.body.code, 'FORBIDDEN');
  assert.is((await store.clerk.get(`/api/receipts/${receiptId}`)).status, 200);
  assert.is((await store.supervisor.get(`/api/receipts/${receiptId}`)).status, 200);

  const anon = await store.clerk.call('POST', '/api/receipts', body, { authorization: 'Bearer nope' });
  assert.is(anon.status, 401);
});

test('received serials carry a timeline entry with who, where and the receipt id', async ({ store }) => {
  const p = await newProduct(store, 'enforced');
  const s = uniq('TL');
  const receiptId = randomUUID();
  const r = await store.clerk.post('/api/receipts', { receiptId, lines: [{ productId: p.id, quantity: 1, serials: [s] }] });
  assert.is(r.status, 201, JSON.stringify(r.body));
  const look = await store.supervisor.get(`/api/serials/${s}`);
  assert.is(look.status, 200);
  const [m] = look.body.matches;
  assert.is(m.state, 'in_stock');
  assert.is(m.product.id, p.id);
  assert.is(m.timeline.length, 1);
  const [e] = m.timeline;
  assert.is(e.type, 'received');
  assert.is(e.productId, p.id);
  assert.is(e.staffId, '3001');
  assert.is(e.terminalId, '');
  assert.is(e.ref, receiptId);
  assert.is(e.at, r.body.receipt.receivedAt);
});

test.run();
