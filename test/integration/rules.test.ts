/**
 * Rules fixed in the protocol review, end to end over HTTP: offset cursors validated, sold-serial prefix
 * search that fills its pages, returns restocked by the product's current serial mode, no hold on a completed
 * sale id, SERIAL_HELD naming this register, the last supervisor kept, unknown staff on session revocation,
 * idempotent unpairing, pairing codes throttled, RETURN_NOT_FOUND, CORS for ALLOWED_ORIGINS, 503 while Redis
 * is unreachable, and the cap on one sale's total.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startEmbeddedRedis } from '../../server/redis/embedded.js';
import {
  Client, createStore, login, newSaleId, productWithStock, startTestHub, type TestStore,
} from '../helpers/hub.js';
import { callFrom, rawRequest } from '../helpers/http.js';

type TestHub = Awaited<ReturnType<typeof startTestHub>>;
type Ctx = { hub: TestHub; throttled: TestHub; cors: TestHub };
const test = suite<Ctx>('rules');

const BACKOFFICE = 'http://backoffice.example';

test.before(async (ctx) => {
  ctx.hub = await startTestHub();
  ctx.throttled = await startTestHub({ LOGIN_ATTEMPTS: '2' });
  ctx.cors = await startTestHub({ ALLOWED_ORIGINS: BACKOFFICE });
});
test.after(async (ctx) => {
  await Promise.all([ctx.hub.close(), ctx.throttled.close(), ctx.cors.close()]);
});

/** A loopback address nobody else in the test run uses (the pairing throttle counts per address in Redis). */
let nextAddress = 0;
function ownAddress(): string {
  nextAddress += 1;
  return `127.58.${process.pid % 250}.${nextAddress}`;
}

function isError(r: { status: number; body: any }, status: number, code: string) {
  assert.is(r.status, status, JSON.stringify(r.body));
  assert.type(r.body, 'object', `error body ${JSON.stringify(r.body)}`);
  assert.is(r.body.code, code, JSON.stringify(r.body));
  assert.type(r.body.message, 'string');
  assert.ok(r.body.message.length > 0);
}

const cash = (amountCents: number) => [{ method: 'cash', amountCents }];
const newReturnId = () => `ret-${newSaleId()}`;

async function hold(c: Client, productId: number, serial: string, saleId: string): Promise<number> {
  const r = await c.post('/api/holds', { productId, serial, saleId });
  assert.is(r.status, 201, JSON.stringify(r.body));
  return r.body.hold.token as number;
}

async function sellEnforced(c: Client, productId: number, serials: string[], extra: Record<string, unknown> = {}) {
  const saleId = newSaleId();
  const lines = [];
  for (const s of serials) lines.push({ serial: s, token: await hold(c, productId, s, saleId) });
  const r = await c.post('/api/sales', { saleId, lines: [{ productId, quantity: serials.length, serials: lines }], payments: cash(1_000_000_000), ...extra });
  assert.is(r.status, 200, JSON.stringify(r.body));
  return r.body.invoice;
}

async function sell(c: Client, productId: number, quantity: number, serials?: string[], extra: Record<string, unknown> = {}) {
  const r = await c.post('/api/sales', {
    saleId: newSaleId(),
    lines: [{ productId, quantity, ...(serials ? { serials: serials.map((serial) => ({ serial })) } : {}) }],
    payments: cash(1_000_000_000),
    ...extra,
  });
  assert.is(r.status, 200, JSON.stringify(r.body));
  return r.body.invoice;
}

async function product(store: TestStore, id: number) {
  const r = await store.supervisor.get(`/api/products/${id}`);
  assert.is(r.status, 200, JSON.stringify(r.body));
  return r.body.product;
}

async function serialList(store: TestStore, id: number, status: 'available' | 'held' | 'sold'): Promise<string[]> {
  const r = await store.supervisor.get(`/api/products/${id}/serials?status=${status}&limit=500`);
  assert.is(r.status, 200, JSON.stringify(r.body));
  assert.is(r.body.nextCursor, null);
  return r.body.items.map((i: { serial: string }) => i.serial).sort();
}

async function setMode(store: TestStore, id: number, serialMode: string) {
  const r = await store.supervisor.patch(`/api/products/${id}`, { serialMode });
  assert.is(r.status, 200, JSON.stringify(r.body));
  assert.is(r.body.product.serialMode, serialMode);
  return r.body.product;
}

// ---------------------------------------------------------------- offset cursors

test('bad offset cursors on invoices, customer history and sold serials are VALIDATION_FAILED, never 500', async ({ hub }) => {
  const store = await createStore(hub);
  const customer = await store.cashier.post('/api/customers', { name: 'Cursor Carla' });
  assert.is(customer.status, 201, JSON.stringify(customer.body));
  const p = await productWithStock(store, { serialMode: 'solicit' }, 3);
  await sell(store.cashier, p.id, 1, ['CUR-1'], { customerId: customer.body.customer.id });
  const paths = [
    '/api/invoices',
    `/api/customers/${customer.body.customer.id}/history`,
    `/api/products/${p.id}/serials?status=sold`,
  ];
  for (const path of paths) {
    const good = await store.supervisor.get(`${path}${path.includes('?') ? '&' : '?'}cursor=0`);
    assert.is(good.status, 200, `${path}: ${JSON.stringify(good.body)}`);
    assert.is(good.body.items.length, 1, path);
    for (const cursor of ['1.5', '-1', '1e400', 'abc', '1e3', '0x10', ' 1', '9999999999999999999999']) {
      const r = await store.supervisor.get(`${path}${path.includes('?') ? '&' : '?'}cursor=${encodeURIComponent(cursor)}`);
      assert.is(r.status, 400, `${path} cursor=${cursor}: ${r.status} ${JSON.stringify(r.body)}`);
      isError(r, 400, 'VALIDATION_FAILED');
    }
  }
  // a cursor past the end is an empty last page, not an error
  const past = await store.supervisor.get('/api/invoices?cursor=1000');
  assert.is(past.status, 200);
  assert.equal(past.body, { items: [], nextCursor: null });
});

// ---------------------------------------------------------------- sold serial prefix search

/** Walks a prefix search of sold serials page by page, checking each page as it goes. */
async function walkSold(store: TestStore, productId: number, prefix: string, limit = 5) {
  const seen: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const r: { status: number; body: any } = await store.supervisor.get(
      `/api/products/${productId}/serials?status=sold&q=${encodeURIComponent(prefix)}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`,
    );
    assert.is(r.status, 200, JSON.stringify(r.body));
    pages += 1;
    const items: { serial: string; saleId: string }[] = r.body.items;
    cursor = r.body.nextCursor;
    if (cursor !== null) assert.ok(items.length > 0, `page ${pages} is empty but has a next cursor ${cursor}`);
    for (const i of items) {
      assert.ok(i.serial.startsWith(prefix.toUpperCase()), `${i.serial} does not start with ${prefix}`);
      assert.type(i.saleId, 'string', 'sold info is joined');
      assert.not.ok(seen.includes(i.serial), `${i.serial} repeated on page ${pages}`);
      seen.push(i.serial);
    }
    assert.ok(pages < 1000, 'the walk does not end');
  } while (cursor !== null);
  return { serials: seen.sort(), pages };
}

/** Sells `serials` of a solicit product in sales of at most 1,000 serials. */
async function sellMany(store: TestStore, productId: number, serials: string[]) {
  for (let i = 0; i < serials.length; i += 1000) {
    const chunk = serials.slice(i, i + 1000);
    await sell(store.cashier, productId, chunk.length, chunk);
  }
}

test('sold serial prefix search (~300 sold): pages never empty while there is a next one, each serial once', async ({ hub }) => {
  const store = await createStore(hub);
  const serials: string[] = [];
  for (let i = 0; i < 300; i++) {
    // every 25th is a "ZQ" serial, the rest "SN"; a few "SNX" nested under "SN"
    serials.push(i % 25 === 0 ? `ZQ-${String(i).padStart(4, '0')}` : i % 40 === 1 ? `SNX-${i}` : `SN-${String(i).padStart(4, '0')}`);
  }
  const p = await productWithStock(store, { serialMode: 'solicit', priceCents: 1 }, serials.length);
  await sellMany(store, p.id, serials);
  assert.is((await product(store, p.id)).stock, 0);
  for (const prefix of ['ZQ', 'zq-00', 'SN', 'SNX', 'SN-01', 'S', 'NOPE']) {
    const expected = serials.filter((s) => s.startsWith(prefix.toUpperCase())).sort();
    const { serials: got } = await walkSold(store, p.id, prefix);
    assert.equal(got, expected, `prefix ${prefix}`);
  }
});

test('sold serial prefix search over thousands of sold serials with sparse matches walks every match once', async ({ hub }) => {
  const store = await createStore(hub);
  const serials: string[] = [];
  for (let i = 0; i < 4000; i++) serials.push(i % 500 === 7 ? `RARE-${i}` : i % 97 === 3 ? `MID-${i}` : `BULK-${i}`);
  const p = await productWithStock(store, { serialMode: 'solicit', priceCents: 1 }, serials.length);
  await sellMany(store, p.id, serials);
  for (const [prefix, limit] of [['RARE', 5], ['MID', 5], ['MID', 1], ['BULK-1', 50], ['NONE', 5]] as const) {
    const expected = serials.filter((s) => s.startsWith(prefix)).sort();
    const { serials: got } = await walkSold(store, p.id, prefix, limit);
    assert.equal(got, expected, `prefix ${prefix} limit ${limit}`);
  }
});

// ---------------------------------------------------------------- returns by the current serial mode

test('a solicit unit sold, the product made enforced at stock 0: the return puts its serial in the available list', async ({ hub }) => {
  const store = await createStore(hub);
  const p = await productWithStock(store, { serialMode: 'solicit', priceCents: 2_000 }, 1);
  const inv = await sell(store.cashier, p.id, 1, ['sol-1']);
  assert.is((await product(store, p.id)).stock, 0);
  const enforced = await setMode(store, p.id, 'enforced');
  assert.is(enforced.stock, 0);

  const r = await store.cashier.post('/api/returns', {
    returnId: newReturnId(), saleId: inv.saleId, lines: [{ line: 0, quantity: 1, serials: ['SOL-1'] }],
  });
  assert.is(r.status, 200, JSON.stringify(r.body));
  assert.is(r.body.return.refundCents, 2_000);
  assert.equal(await serialList(store, p.id, 'available'), ['SOL-1']);
  assert.equal(await serialList(store, p.id, 'sold'), []);
  const after = await product(store, p.id);
  assert.is(after.stock, 1, 'stock counts the serial back');
  assert.is(after.held, 0);
  // it is a real enforced unit now: it can be held and sold again
  const again = await sellEnforced(store.cashier2, p.id, ['SOL-1']);
  assert.equal(again.lines[0].serials, ['SOL-1']);
  assert.is((await product(store, p.id)).stock, 0);
});

test('one solicit serial sold twice, the product made enforced: only its latest sale takes it back into stock', async ({ hub }) => {
  const store = await createStore(hub);
  const p = await productWithStock(store, { serialMode: 'solicit', priceCents: 700 }, 2);
  // solicit serials are not checked: the same one can be typed on two sales
  const a = await sell(store.cashier, p.id, 1, ['DUP-1']);
  const b = await sell(store.cashier2, p.id, 1, ['DUP-1']);
  await setMode(store, p.id, 'enforced');
  const before = await product(store, p.id);
  const older = await store.cashier.post('/api/returns', { returnId: newReturnId(), saleId: a.saleId, lines: [{ line: 0, quantity: 1, serials: ['DUP-1'] }] });
  isError(older, 422, 'RETURN_REJECTED');
  assert.is(older.body.details.reason, 'sold_elsewhere');
  assert.equal(await product(store, p.id), before);
  const latest = await store.cashier.post('/api/returns', { returnId: newReturnId(), saleId: b.saleId, lines: [{ line: 0, quantity: 1, serials: ['DUP-1'] }] });
  assert.is(latest.status, 200, JSON.stringify(latest.body));
  assert.equal(await serialList(store, p.id, 'available'), ['DUP-1']);
  const again = await store.cashier.post('/api/returns', { returnId: newReturnId(), saleId: a.saleId, lines: [{ line: 0, quantity: 1, serials: ['DUP-1'] }] });
  isError(again, 422, 'RETURN_REJECTED');
  assert.is(again.body.details.reason, 'in_stock');
  assert.equal((await store.supervisor.get(`/api/invoices/${a.saleId}`)).body.invoice.returns, []);
});

test('a none unit sold, the product made enforced: the return is RETURN_REJECTED mode_changed and writes nothing', async ({ hub }) => {
  const store = await createStore(hub);
  const p = await productWithStock(store, { serialMode: 'none', priceCents: 300 }, 2);
  const inv = await sell(store.cashier, p.id, 2);
  await setMode(store, p.id, 'enforced');
  const before = await product(store, p.id);
  const invoiceBefore = (await store.supervisor.get(`/api/invoices/${inv.saleId}`)).body.invoice;
  const returnId = newReturnId();
  const r = await store.cashier.post('/api/returns', { returnId, saleId: inv.saleId, lines: [{ line: 0, quantity: 1 }] });
  isError(r, 422, 'RETURN_REJECTED');
  assert.is(r.body.details.reason, 'mode_changed');
  assert.is(r.body.details.line, 0);
  assert.equal(await product(store, p.id), before);
  assert.is(before.stock, 0);
  assert.equal(await serialList(store, p.id, 'available'), []);
  const invoiceAfter = await store.supervisor.get(`/api/invoices/${inv.saleId}`);
  assert.equal(invoiceAfter.body.invoice, invoiceBefore);
  assert.is(invoiceAfter.body.invoice.lines[0].returnedQuantity, 0);
  assert.equal(invoiceAfter.body.invoice.returns, []);
  isError(await store.supervisor.get(`/api/returns/${returnId}`), 404, 'RETURN_NOT_FOUND');
});

test('an enforced unit sold, the product made solicit: the return adds quantity and no serial becomes available', async ({ hub }) => {
  const store = await createStore(hub);
  const p = await productWithStock(store, { serialMode: 'enforced', priceCents: 9_900 }, ['EN-1', 'EN-2']);
  const inv = await sellEnforced(store.cashier, p.id, ['EN-1', 'EN-2']);
  assert.is((await product(store, p.id)).stock, 0);
  const solicit = await setMode(store, p.id, 'solicit');
  assert.is(solicit.stock, 0);

  const r = await store.cashier.post('/api/returns', {
    returnId: newReturnId(), saleId: inv.saleId, lines: [{ line: 0, quantity: 1, serials: ['en-1'] }],
  });
  assert.is(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.invoice.lines[0].returnedSerials, ['EN-1']);
  const after = await product(store, p.id);
  assert.is(after.serialMode, 'solicit');
  assert.is(after.stock, 1, 'the unit is back on the shelf as a quantity');
  assert.equal(await serialList(store, p.id, 'available'), []);
  assert.equal(await serialList(store, p.id, 'sold'), ['EN-2']);
  const looked = await store.supervisor.get('/api/serials/EN-1');
  assert.is(looked.status, 200, JSON.stringify(looked.body));
  assert.is(looked.body.matches[0].state, 'returned');
  // the unit sells again as a solicit unit, with any serial
  await sell(store.cashier, p.id, 1, ['EN-1']);
  assert.is((await product(store, p.id)).stock, 0);
});

// ---------------------------------------------------------------- holds

test('a hold on the sale id of a completed invoice is SALE_ID_CONFLICT and holds nothing', async ({ hub }) => {
  const store = await createStore(hub);
  const p = await productWithStock(store, { serialMode: 'enforced' }, ['HC-1', 'HC-2']);
  const inv = await sellEnforced(store.cashier, p.id, ['HC-1']);
  for (const c of [store.cashier, store.cashier2]) {
    const r = await c.post('/api/holds', { productId: p.id, serial: 'HC-2', saleId: inv.saleId });
    isError(r, 409, 'SALE_ID_CONFLICT');
  }
  const holds = await store.supervisor.get('/api/holds');
  assert.is(holds.status, 200);
  assert.equal(holds.body.items, []);
  assert.equal(await serialList(store, p.id, 'available'), ['HC-2']);
  assert.equal(await serialList(store, p.id, 'held'), []);
  const prod = await product(store, p.id);
  assert.is(prod.stock, 1);
  assert.is(prod.held, 0);
  const timeline = await store.supervisor.get('/api/serials/HC-2');
  assert.equal(timeline.body.matches[0].timeline.map((e: { type: string }) => e.type), ['received']);
  // a new sale id holds it
  await hold(store.cashier, p.id, 'HC-2', newSaleId());
});

test('SERIAL_HELD for a serial this register holds for another sale says "this register"', async ({ hub }) => {
  const store = await createStore(hub);
  const p = await productWithStock(store, { serialMode: 'enforced' }, ['SH-1']);
  const first = newSaleId();
  await hold(store.cashier, p.id, 'SH-1', first);
  const mine = await store.cashier.post('/api/holds', { productId: p.id, serial: 'SH-1', saleId: newSaleId() });
  isError(mine, 409, 'SERIAL_HELD');
  assert.ok(mine.body.message.includes('this register'), mine.body.message);
  assert.is(mine.body.details.terminalId, store.terminals[0]!.id);
  const other = await store.cashier2.post('/api/holds', { productId: p.id, serial: 'SH-1', saleId: newSaleId() });
  isError(other, 409, 'SERIAL_HELD');
  assert.not.ok(other.body.message.includes('this register'), other.body.message);
  assert.ok(other.body.message.includes('another register'), other.body.message);
  // the hold still belongs to the first sale
  const holds = await store.supervisor.get('/api/holds');
  assert.is(holds.body.items.length, 1);
  assert.is(holds.body.items[0].saleId, first);
});

// ---------------------------------------------------------------- staff and registers

test('LAST_SUPERVISOR: the only supervisor can neither demote nor deactivate themselves; with a second one they can', async ({ hub }) => {
  const store = await createStore(hub);
  const staffOf = async (code: string) => {
    const r = await store.supervisor.get('/api/staff');
    assert.is(r.status, 200, JSON.stringify(r.body));
    return (r.body.items as any[]).find((s) => s.code === code);
  };
  const before = await staffOf('1001');
  for (const change of [{ role: 'cashier' }, { role: 'stock_clerk' }, { active: false }, { role: 'cashier', active: false }]) {
    const r = await store.supervisor.patch('/api/staff/1001', change);
    isError(r, 409, 'LAST_SUPERVISOR');
    assert.equal(await staffOf('1001'), before, JSON.stringify(change));
    const me = await store.supervisor.get('/api/session');
    assert.is(me.status, 200, 'their session still works');
    assert.is(me.body.session.role, 'supervisor');
  }
  // other changes to the last supervisor are fine
  const renamed = await store.supervisor.patch('/api/staff/1001', { name: 'Sue Boss' });
  assert.is(renamed.status, 200, JSON.stringify(renamed.body));
  // an inactive supervisor does not count as a second one
  const idle = await store.supervisor.post('/api/staff', { code: '1002', name: 'Sam', role: 'supervisor', pin: '4444' });
  assert.is(idle.status, 201, JSON.stringify(idle.body));
  assert.is((await store.supervisor.patch('/api/staff/1002', { active: false })).status, 200);
  isError(await store.supervisor.patch('/api/staff/1001', { role: 'cashier' }), 409, 'LAST_SUPERVISOR');
  // a second active supervisor: the first can be demoted, and the second now is the last
  assert.is((await store.supervisor.patch('/api/staff/1002', { active: true })).status, 200);
  const demoted = await store.supervisor.patch('/api/staff/1001', { role: 'cashier' });
  assert.is(demoted.status, 200, JSON.stringify(demoted.body));
  assert.is(demoted.body.staff.role, 'cashier');
  assert.ok(demoted.body.sessionsRevoked >= 1);
  assert.is((await store.supervisor.get('/api/session')).status, 401, 'a role change ends their sessions');
  const sam = await login(hub.url, store.storeId, '1002', '4444');
  isError(await sam.patch('/api/staff/1002', { active: false }), 409, 'LAST_SUPERVISOR');
  const back = await sam.patch('/api/staff/1001', { role: 'supervisor' });
  assert.is(back.status, 200, JSON.stringify(back.body));
});

test('ending the sessions of an unknown staff code is 404 STAFF_NOT_FOUND', async ({ hub }) => {
  const store = await createStore(hub);
  isError(await store.supervisor.delete('/api/staff/9999/sessions'), 404, 'STAFF_NOT_FOUND');
  const known = await store.supervisor.delete('/api/staff/2001/sessions');
  assert.is(known.status, 200, JSON.stringify(known.body));
  assert.is(known.body.revoked, 1);
  assert.is((await store.cashier.get('/api/session')).status, 401);
});

test('unpairing twice: the second DELETE answers 200 and keeps revokedAt', async ({ hub }) => {
  const store = await createStore(hub);
  const id = store.terminals[1]!.id;
  const first = await store.supervisor.delete(`/api/terminals/${id}`);
  assert.is(first.status, 200, JSON.stringify(first.body));
  const revokedAt = first.body.terminal.revokedAt;
  assert.type(revokedAt, 'number');
  assert.is((await store.cashier2.get('/api/session')).status, 401, 'its session ended');
  await new Promise((r) => setTimeout(r, 20));
  const second = await store.supervisor.delete(`/api/terminals/${id}`);
  assert.is(second.status, 200, JSON.stringify(second.body));
  assert.is(second.body.terminal.revokedAt, revokedAt);
  assert.is(second.body.terminal.revokedBy, first.body.terminal.revokedBy);
  const listed = (await store.supervisor.get('/api/terminals')).body.items.find((t: { id: string }) => t.id === id);
  assert.is(listed.revokedAt, revokedAt);
  assert.not.ok(JSON.stringify(second.body).includes('tokenHash'));
  isError(await store.supervisor.delete('/api/terminals/t999'), 404, 'TERMINAL_NOT_FOUND');
});

test('pairing throttle (LOGIN_ATTEMPTS=2, 8 per address): after 8 wrong codes even a right one is 429', async ({ hub, throttled }) => {
  // The store is made through the unthrottled hub (same Redis): logins from 127.0.0.1 share one address
  // budget across the whole test run, which the throttled hub's 8 points would refuse.
  const store = await createStore(hub);
  const from = ownAddress();
  const code = (await store.supervisor.post('/api/pairing-codes', { terminalName: 'Register 9' })).body.code as string;
  const wrong = code === '00000000' ? '00000001' : '00000000';
  for (let i = 1; i <= 8; i++) {
    const r = await callFrom(from, throttled.url, 'POST', '/api/terminals/pair', { storeId: store.storeId, code: wrong });
    assert.is(r.status, 409, `attempt ${i}: ${r.text}`);
    assert.is(r.body.code, 'PAIRING_CODE_INVALID');
  }
  const ninth = await callFrom(from, throttled.url, 'POST', '/api/terminals/pair', { storeId: store.storeId, code });
  isError(ninth, 429, 'TOO_MANY_ATTEMPTS');
  assert.ok(ninth.body.details.retryAfterMs > 0);
  // the code was not used up: another address pairs with it
  const elsewhere = await callFrom(ownAddress(), throttled.url, 'POST', '/api/terminals/pair', { storeId: store.storeId, code });
  assert.is(elsewhere.status, 201, elsewhere.text);
  assert.type(elsewhere.body.deviceToken, 'string');
});

test('GET /api/returns of an unknown return id is 404 RETURN_NOT_FOUND', async ({ hub }) => {
  const store = await createStore(hub);
  isError(await store.supervisor.get('/api/returns/unknown-return-id'), 404, 'RETURN_NOT_FOUND');
});

// ---------------------------------------------------------------- CORS

test('ALLOWED_ORIGINS: a preflight from the back office is answered with its origin; a foreign origin is refused', async ({ cors }) => {
  const store = await createStore(cors);
  const preflight = await rawRequest(cors.url, '/api/products', {
    method: 'OPTIONS',
    headers: { origin: BACKOFFICE, 'access-control-request-method': 'PATCH', 'access-control-request-headers': 'authorization,content-type,x-device-token' },
  });
  assert.ok(preflight.status === 204 || preflight.status === 200, `${preflight.status} ${preflight.text}`);
  assert.is(preflight.headers['access-control-allow-origin'], BACKOFFICE);
  assert.match(String(preflight.headers['access-control-allow-methods']), /PATCH/);
  assert.match(String(preflight.headers['access-control-allow-headers']).toLowerCase(), /authorization/);
  // the request itself from the back office works and carries the header
  const get = await rawRequest(cors.url, '/api/products', { headers: { origin: BACKOFFICE, authorization: `Bearer ${store.supervisor.token}` } });
  assert.is(get.status, 200, get.text);
  assert.is(get.headers['access-control-allow-origin'], BACKOFFICE);
  // a foreign origin: no CORS grant on the preflight, 403 on the request
  const foreignPreflight = await rawRequest(cors.url, '/api/products', {
    method: 'OPTIONS', headers: { origin: 'http://evil.example', 'access-control-request-method': 'GET' },
  });
  assert.is(foreignPreflight.headers['access-control-allow-origin'], undefined);
  const foreign = await rawRequest(cors.url, '/api/products', { headers: { origin: 'http://evil.example', authorization: `Bearer ${store.supervisor.token}` } });
  isError(foreign, 403, 'ORIGIN_REFUSED');
  assert.is(foreign.headers['access-control-allow-origin'], undefined);
  // the hub's own origin still works
  const own = await rawRequest(cors.url, '/api/version', { headers: { origin: cors.url } });
  assert.is(own.status, 200, own.text);
});

// ---------------------------------------------------------------- Redis unreachable

test('Redis unreachable: 503 UNAVAILABLE (not 500) within seconds, /readyz 503; back to normal when Redis returns', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'serialhub-rules-redis-'));
  let redis = await startEmbeddedRedis({ dir, port: 0 });
  const port = redis.port!;
  const hub = await startTestHub({}, redis.url);
  try {
    const store = await createStore(hub);
    const p = await productWithStock(store, { serialMode: 'none' }, 3);
    assert.is((await store.supervisor.get('/api/products')).status, 200);
    assert.is((await rawRequest(hub.url, '/readyz')).status, 200);

    await redis.stop();
    const started = Date.now();
    let r = await store.supervisor.get('/api/products');
    const firstMs = Date.now() - started;
    isError(r, 503, 'UNAVAILABLE');
    assert.ok(firstMs < 5_000, `the first answer took ${firstMs} ms`);
    // and every later request, too, answers quickly while Redis stays away
    for (let i = 0; i < 3; i++) {
      const t = Date.now();
      r = await store.supervisor.get(`/api/products/${p.id}`);
      isError(r, 503, 'UNAVAILABLE');
      assert.ok(Date.now() - t < 5_000, `request ${i} took ${Date.now() - t} ms`);
    }
    const t = Date.now();
    const ready = await rawRequest(hub.url, '/readyz');
    assert.is(ready.status, 503, ready.text);
    assert.ok(Date.now() - t < 5_000, `/readyz took ${Date.now() - t} ms`);
    assert.is((await rawRequest(hub.url, '/healthz')).status, 200, 'the process is alive');

    redis = await startEmbeddedRedis({ dir, port });
    const until = Date.now() + 15_000;
    let back = await store.supervisor.get('/api/products');
    while (back.status !== 200 && Date.now() < until) {
      await new Promise((res) => setTimeout(res, 200));
      back = await store.supervisor.get('/api/products');
    }
    assert.is(back.status, 200, JSON.stringify(back.body));
    assert.equal(back.body.items.map((i: { id: number }) => i.id), [p.id], 'the data survived (AOF)');
    assert.is((await rawRequest(hub.url, '/readyz')).status, 200);
    // writes work again
    const sale = await store.cashier.post('/api/sales', { saleId: newSaleId(), lines: [{ productId: p.id, quantity: 1 }], payments: cash(1000) });
    assert.is(sale.status, 200, JSON.stringify(sale.body));
    assert.is((await product(store, p.id)).stock, 2);
  } finally {
    // the hub closes against a live Redis (its last commands would otherwise wait out the retries)
    if (redis.process.exitCode !== null || redis.process.signalCode !== null) redis = await startEmbeddedRedis({ dir, port });
    await hub.close();
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

// ---------------------------------------------------------------- sale total cap

test('a sale whose total is over 1e13 cents is SALE_REJECTED total_too_large and writes nothing', async ({ hub }) => {
  const store = await createStore(hub);
  const p = await productWithStock(store, { serialMode: 'none', priceCents: 1_000_000_000 }, 20_000);
  const q = await productWithStock(store, { serialMode: 'none', priceCents: 1_000_000_000 }, 10_000);
  const invoicesBefore = (await store.supervisor.get('/api/invoices')).body.items.length;
  const payments = Array.from({ length: 10 }, () => ({ method: 'cash', amountCents: 1_000_000_000 }));
  const saleId = newSaleId();
  const r = await store.cashier.post('/api/sales', {
    saleId, lines: [{ productId: p.id, quantity: 10_000 }, { productId: p.id, quantity: 10_000 }], payments,
  });
  isError(r, 422, 'SALE_REJECTED');
  assert.is(r.body.details.reason, 'total_too_large');
  const two = await store.cashier.post('/api/sales', {
    saleId: newSaleId(), lines: [{ productId: p.id, quantity: 10_000 }, { productId: q.id, quantity: 1 }], payments,
  });
  isError(two, 422, 'SALE_REJECTED');
  assert.is(two.body.details.reason, 'total_too_large');
  // exactly 1e13 is within the cap (here it is only underpaid)
  const atCap = await store.cashier.post('/api/sales', { saleId: newSaleId(), lines: [{ productId: p.id, quantity: 10_000 }], payments });
  isError(atCap, 422, 'SALE_REJECTED');
  assert.is(atCap.body.details.reason, 'underpaid');

  assert.is((await product(store, p.id)).stock, 20_000);
  assert.is((await product(store, q.id)).stock, 10_000);
  isError(await store.supervisor.get(`/api/invoices/${saleId}`), 404, 'INVOICE_NOT_FOUND');
  assert.is((await store.supervisor.get('/api/invoices')).body.items.length, invoicesBefore);
  // a sale under the cap goes through
  const ok = await store.cashier.post('/api/sales', { saleId: newSaleId(), lines: [{ productId: p.id, quantity: 10 }], payments });
  assert.is(ok.status, 200, JSON.stringify(ok.body));
  assert.is(ok.body.invoice.totalCents, 10_000_000_000);
  assert.is((await product(store, p.id)).stock, 19_990);
});

test('PIN guesses sent in parallel cannot slip past the throttle (LOGIN_ATTEMPTS=2)', async ({ hub, throttled }) => {
  const store = await createStore(hub);
  const from = ownAddress();
  const tries = await Promise.all(
    Array.from({ length: 20 }, () => callFrom(from, throttled.url, 'POST', '/api/sessions', { storeId: store.storeId, staffCode: '2001', pin: '9999' })),
  );
  const wrong = tries.filter((r) => r.body.code === 'INVALID_CREDENTIALS').length;
  assert.ok(wrong <= 2, `${wrong} guesses were checked`);
  assert.is(tries.filter((r) => r.body.code === 'TOO_MANY_ATTEMPTS').length, 20 - wrong);
});

test('a register cannot complete or hold on another register\'s open sale id (SALE_ID_CONFLICT)', async ({ hub }) => {
  const store = await createStore(hub);
  const p = await productWithStock(store, { serialMode: 'enforced' }, ['OX-1', 'OX-2']);
  const { connectRegister } = await import('../helpers/live.js');
  const reg2 = connectRegister(hub.url, store.cashier2.token!);
  try {
    await reg2.ready();
    const { sale } = await reg2.request('sale:open', {});
    await reg2.request('sale:addLine', { saleId: sale.saleId, productId: p.id, serial: 'OX-1' });
    // register 1 tries to take that sale over through REST
    const hold = await store.cashier.post('/api/holds', { productId: p.id, serial: 'OX-2', saleId: sale.saleId });
    isError(hold, 409, 'SALE_ID_CONFLICT');
    const done = await store.cashier.post('/api/sales', {
      saleId: sale.saleId, lines: [{ productId: p.id, quantity: 1, serials: [{ serial: 'OX-2' }] }], payments: [{ method: 'cash', amountCents: 100_000 }],
    });
    isError(done, 409, 'SALE_ID_CONFLICT');
    // register 2's own sale is untouched and completes
    const own = await reg2.request('sale:complete', { saleId: sale.saleId, payments: [{ method: 'card', amountCents: sale.totalCents + 1000 }] });
    assert.equal(own.invoice.lines[0]!.serials, ['OX-1']);
  } finally {
    reg2.close();
  }
});

test('a return against an older invoice cannot take back a serial sold again since (sold_elsewhere)', async ({ hub }) => {
  const store = await createStore(hub);
  const p = await productWithStock(store, { serialMode: 'enforced', priceCents: 100 }, ['AGAIN-1']);
  const sell = async () => {
    const saleId = newSaleId();
    const token = (await store.cashier.post('/api/holds', { productId: p.id, serial: 'AGAIN-1', saleId })).body.hold.token;
    const r = await store.cashier.post('/api/sales', { saleId, lines: [{ productId: p.id, quantity: 1, serials: [{ serial: 'AGAIN-1', token }] }], payments: [{ method: 'cash', amountCents: 100 }] });
    assert.is(r.status, 200, JSON.stringify(r.body));
    return saleId;
  };
  const first = await sell();
  const back = await store.cashier.post('/api/returns', { returnId: newSaleId(), saleId: first, lines: [{ line: 0, quantity: 1, serials: ['AGAIN-1'] }] });
  assert.is(back.status, 200);
  await sell();
  // the first invoice's line still lists AGAIN-1 as returned, so: already_returned; a second return id is the same
  const twice = await store.cashier.post('/api/returns', { returnId: newSaleId(), saleId: first, lines: [{ line: 0, quantity: 1, serials: ['AGAIN-1'] }] });
  isError(twice, 422, 'RETURN_REJECTED');
  assert.is((await store.supervisor.get(`/api/products/${p.id}`)).body.product.stock, 0, 'nothing came back');

  // the reviewer's case: a solicit serial sold on A and B, B returned. A's customer still has it (each sale of a
  // solicit serial keeps its sold entry), so the product cannot be made enforced with it; once A returns it, it
  // can, and after it is sold on C a late return against A puts nothing back in stock while C's customer has it
  const q = await productWithStock(store, { serialMode: 'solicit', priceCents: 100 }, 2);
  const sellTyped = async () => {
    const saleId = newSaleId();
    const r = await store.cashier.post('/api/sales', { saleId, lines: [{ productId: q.id, quantity: 1, serials: [{ serial: 'ZZ1' }] }], payments: [{ method: 'cash', amountCents: 100 }] });
    assert.is(r.status, 200, JSON.stringify(r.body));
    return saleId;
  };
  const a = await sellTyped();
  const b = await sellTyped();
  assert.is((await store.cashier.post('/api/returns', { returnId: newSaleId(), saleId: b, lines: [{ line: 0, quantity: 1, serials: ['ZZ1'] }] })).status, 200);
  const early = await store.supervisor.patch(`/api/products/${q.id}`, { serialMode: 'enforced', serials: ['ZZ1'] });
  isError(early, 409, 'MODE_CHANGE_REFUSED');
  assert.equal(early.body.details, { serial: 'ZZ1' });
  assert.equal((await store.supervisor.get(`/api/products/${q.id}/serials?status=sold`)).body.items.map((i: { saleId: string }) => i.saleId), [a]);
  assert.is((await store.cashier.post('/api/returns', { returnId: newSaleId(), saleId: a, lines: [{ line: 0, quantity: 1, serials: ['ZZ1'] }] })).status, 200);
  const made = await store.supervisor.patch(`/api/products/${q.id}`, { serialMode: 'enforced', serials: ['ZZ1', 'ZZ2'] });
  assert.is(made.status, 200, JSON.stringify(made.body));
  const saleC = newSaleId();
  const token = (await store.cashier.post('/api/holds', { productId: q.id, serial: 'ZZ1', saleId: saleC })).body.hold.token;
  assert.is((await store.cashier.post('/api/sales', { saleId: saleC, lines: [{ productId: q.id, quantity: 1, serials: [{ serial: 'ZZ1', token }] }], payments: [{ method: 'cash', amountCents: 100 }] })).status, 200);
  const late = await store.cashier.post('/api/returns', { returnId: newSaleId(), saleId: a, lines: [{ line: 0, quantity: 1, serials: ['ZZ1'] }] });
  isError(late, 422, 'RETURN_REJECTED');
  assert.is(late.body.details.reason, 'quantity');
  assert.equal((await store.supervisor.get(`/api/products/${q.id}/serials`)).body.items, [{ serial: 'ZZ2' }]);
});

test.run();
