/**
 * Login, throttling, pairing, register binding, logout and revocation, store isolation, bearer and operator
 * tokens. The throttled hub (LOGIN_ATTEMPTS=3) is called only from loopback addresses of its own, because the
 * per-address budget lives in the test run's shared Redis and other test files log in (and fail) from
 * 127.0.0.1; its stores are made through the unthrottled hub (same Redis) for the same reason.
 */
import { randomBytes } from 'node:crypto';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  ADMIN_TOKEN, Client, createStore, login, newSaleId, PINS, productWithStock, startTestHub, uniqueStoreId,
  type TestStore,
} from '../helpers/hub.js';
import { callFrom } from '../helpers/http.js';

type TestHub = Awaited<ReturnType<typeof startTestHub>>;
type Ctx = { hub: TestHub; throttled: TestHub; noAdmin: TestHub };
const test = suite<Ctx>('access');

test.before(async (ctx) => {
  ctx.hub = await startTestHub();
  ctx.throttled = await startTestHub({ LOGIN_ATTEMPTS: '3' });
  ctx.noAdmin = await startTestHub({ ADMIN_TOKEN: '' });
});
test.after(async (ctx) => {
  await Promise.all([ctx.hub.close(), ctx.throttled.close(), ctx.noAdmin.close()]);
});

/** A loopback address nobody else in the test run uses (the address throttle is global in Redis). */
let nextAddress = 0;
function ownAddress(): string {
  nextAddress += 1;
  return `127.31.${process.pid % 250}.${nextAddress}`;
}

function isError(body: any, code: string) {
  assert.type(body, 'object', `error body ${JSON.stringify(body)}`);
  assert.is(body.code, code, JSON.stringify(body));
  assert.type(body.message, 'string');
  assert.ok(body.message.length > 0);
}

async function loginReply(hub: { url: string }, storeId: string, staffCode: string, pin: string, deviceToken?: string) {
  return new Client(hub.url, undefined, deviceToken).post('/api/sessions', { storeId, staffCode, pin });
}

async function terminal(store: TestStore, id: string) {
  const r = await store.supervisor.get('/api/terminals');
  assert.is(r.status, 200);
  return (r.body.items as any[]).find((t) => t.id === id);
}

// ---------------------------------------------------------------- login

test('login with staff code and PIN gives a session token; GET /api/session shows who', async ({ hub }) => {
  const store = await createStore(hub);
  const r = await loginReply(hub, store.storeId, '2001', PINS.cashier);
  assert.is(r.status, 201);
  assert.type(r.body.token, 'string');
  assert.ok(r.body.token.startsWith(`${store.storeId}.`));
  assert.is(r.body.session.staffId, '2001');
  assert.is(r.body.session.role, 'cashier');
  assert.is(r.body.session.terminalId, null);
  assert.is(r.body.session.storeId, store.storeId);
  assert.not.ok(JSON.stringify(r.body).includes('pinHash'));
  const me = await new Client(hub.url, r.body.token).get('/api/session');
  assert.is(me.status, 200);
  assert.is(me.body.session.staffId, '2001');
  assert.is(me.body.session.terminalId, null);
  const staff = await store.supervisor.get('/api/staff');
  assert.is(staff.status, 200);
  assert.not.ok(JSON.stringify(staff.body).includes('pinHash'), 'staff list leaks PIN hashes');
});

test('wrong PIN, unknown staff, unknown store and inactive staff all get the same INVALID_CREDENTIALS', async ({ hub }) => {
  const store = await createStore(hub);
  await store.supervisor.patch('/api/staff/3001', { active: false });
  const replies = [
    await loginReply(hub, store.storeId, '2001', '9999'),
    await loginReply(hub, store.storeId, '7777', PINS.cashier),
    await loginReply(hub, uniqueStoreId('nostore'), '2001', PINS.cashier),
    await loginReply(hub, store.storeId, '3001', PINS.clerk),
  ];
  for (const r of replies) {
    assert.is(r.status, 401, JSON.stringify(r.body));
    isError(r.body, 'INVALID_CREDENTIALS');
    assert.not.ok('token' in r.body);
  }
  const messages = new Set(replies.map((r) => r.body.message));
  assert.is(messages.size, 1, `messages differ: ${[...messages].join(' | ')}`);
  const details = new Set(replies.map((r) => JSON.stringify(r.body.details ?? null)));
  assert.is(details.size, 1, 'details tell unknown and known staff apart');
});

test('a malformed login is VALIDATION_FAILED, not a credentials check', async ({ hub }) => {
  const c = new Client(hub.url);
  for (const body of [{}, { storeId: 'x', staffCode: '2001' }, { storeId: 'X Y', staffCode: '2001', pin: '1' }, { storeId: 'x', staffCode: '2001', pin: 1234 }]) {
    const r = await c.post('/api/sessions', body);
    assert.is(r.status, 400, JSON.stringify(body));
    isError(r.body, 'VALIDATION_FAILED');
  }
});

// ---------------------------------------------------------------- throttling

test('LOGIN_ATTEMPTS=3: the 4th wrong PIN for one staff member is 429, and so is the right PIN', async ({ hub, throttled }) => {
  const store = await createStore(hub);
  const from = ownAddress();
  const body = (pin: string) => ({ storeId: store.storeId, staffCode: '2001', pin });
  for (let i = 1; i <= 3; i++) {
    const r = await callFrom(from, throttled.url, 'POST', '/api/sessions', body('0000'));
    assert.is(r.status, 401, `attempt ${i}: ${r.text}`);
    isError(r.body, 'INVALID_CREDENTIALS');
  }
  const fourth = await callFrom(from, throttled.url, 'POST', '/api/sessions', body('0000'));
  assert.is(fourth.status, 429, fourth.text);
  isError(fourth.body, 'TOO_MANY_ATTEMPTS');
  assert.ok(fourth.body.details.retryAfterMs > 0);
  const right = await callFrom(from, throttled.url, 'POST', '/api/sessions', body(PINS.cashier));
  assert.is(right.status, 429, right.text);
  isError(right.body, 'TOO_MANY_ATTEMPTS');
  // From another address too: the budget is per staff member.
  const elsewhere = await callFrom(ownAddress(), throttled.url, 'POST', '/api/sessions', body(PINS.cashier));
  assert.is(elsewhere.status, 429, elsewhere.text);
  // Other staff of the store, and the same code in another store, are not blocked.
  const other = await callFrom(from, throttled.url, 'POST', '/api/sessions', { storeId: store.storeId, staffCode: '2002', pin: PINS.cashier2 });
  assert.is(other.status, 201, other.text);
  const store2 = await createStore(hub);
  const sameCode = await callFrom(from, throttled.url, 'POST', '/api/sessions', { storeId: store2.storeId, staffCode: '2001', pin: PINS.cashier });
  assert.is(sameCode.status, 201, sameCode.text);
});

test('a successful login resets the per-staff count', async ({ hub, throttled }) => {
  const store = await createStore(hub);
  const from = ownAddress();
  const attempt = (pin: string) => callFrom(from, throttled.url, 'POST', '/api/sessions', { storeId: store.storeId, staffCode: '3001', pin });
  for (let round = 0; round < 3; round++) {
    assert.is((await attempt('0000')).status, 401);
    assert.is((await attempt('0000')).status, 401);
    assert.is((await attempt(PINS.clerk)).status, 201, `round ${round}`);
  }
});

test('LOGIN_ATTEMPTS=3: one address gets 4 x 3 wrong attempts across staff codes, then 429', async ({ hub, throttled }) => {
  const store = await createStore(hub);
  const from = ownAddress();
  for (let i = 0; i < 12; i++) {
    const r = await callFrom(from, throttled.url, 'POST', '/api/sessions', { storeId: store.storeId, staffCode: `90${i}`, pin: '0000' });
    assert.is(r.status, 401, `attempt ${i + 1}: ${r.text}`);
  }
  const blocked = await callFrom(from, throttled.url, 'POST', '/api/sessions', { storeId: store.storeId, staffCode: '2001', pin: PINS.cashier });
  assert.is(blocked.status, 429, blocked.text);
  isError(blocked.body, 'TOO_MANY_ATTEMPTS');
  // The cashier is not blocked from another address.
  const elsewhere = await callFrom(ownAddress(), throttled.url, 'POST', '/api/sessions', { storeId: store.storeId, staffCode: '2001', pin: PINS.cashier });
  assert.is(elsewhere.status, 201, elsewhere.text);
});

// ---------------------------------------------------------------- pairing and registers

test('a pairing code works once; a used, foreign or made-up code is PAIRING_CODE_INVALID', async ({ hub }) => {
  const store = await createStore(hub);
  const other = await createStore(hub);
  const anon = new Client(hub.url);
  const code = await store.supervisor.post('/api/pairing-codes', { terminalName: 'Register 3' });
  assert.is(code.status, 201);
  assert.match(code.body.code, /^\d{8}$/);
  // The other store cannot use this store's code.
  const foreign = await anon.post('/api/terminals/pair', { storeId: other.storeId, code: code.body.code });
  assert.is(foreign.status, 409);
  isError(foreign.body, 'PAIRING_CODE_INVALID');
  const first = await anon.post('/api/terminals/pair', { storeId: store.storeId, code: code.body.code });
  assert.is(first.status, 201, JSON.stringify(first.body));
  assert.is(first.body.terminal.name, 'Register 3');
  assert.type(first.body.deviceToken, 'string');
  assert.not.ok('tokenHash' in first.body.terminal);
  const second = await anon.post('/api/terminals/pair', { storeId: store.storeId, code: code.body.code });
  assert.is(second.status, 409);
  isError(second.body, 'PAIRING_CODE_INVALID');
  const madeUp = await anon.post('/api/terminals/pair', { storeId: store.storeId, code: '00000000' });
  assert.is(madeUp.status, 409);
  isError(madeUp.body, 'PAIRING_CODE_INVALID');
  // Concurrent use of one code: exactly one register gets paired.
  const code2 = await store.supervisor.post('/api/pairing-codes', { terminalName: 'Register 4' });
  const race = await Promise.all(
    Array.from({ length: 8 }, () => anon.post('/api/terminals/pair', { storeId: store.storeId, code: code2.body.code })),
  );
  assert.is(race.filter((r) => r.status === 201).length, 1, JSON.stringify(race.map((r) => r.status)));
  assert.ok(race.every((r) => r.status === 201 || r.body.code === 'PAIRING_CODE_INVALID'));
  const list = await store.supervisor.get('/api/terminals');
  assert.equal((list.body.items as any[]).map((t) => t.name), ['Register 1', 'Register 2', 'Register 3', 'Register 4']);
  assert.not.ok(JSON.stringify(list.body).includes('tokenHash'));
  assert.not.ok(JSON.stringify(list.body).includes('sessionHash'));
});

test('login with a device token binds the session to that register', async ({ hub }) => {
  const store = await createStore(hub);
  const [t1, t2] = store.terminals;
  const me = await store.cashier.get('/api/session');
  assert.is(me.status, 200);
  assert.is(me.body.session.terminalId, t1!.id);
  const me2 = await store.cashier2.get('/api/session');
  assert.is(me2.body.session.terminalId, t2!.id);
  const back = await store.clerk.get('/api/session');
  assert.is(back.body.session.terminalId, null);
  assert.is((await terminal(store, t2!.id)).staffId, '2002');
  // A back-office cashier cannot hold serials: that needs a register.
  const product = await productWithStock(store, { serialMode: 'enforced' }, ['BIND-1']);
  const office = await login(hub.url, store.storeId, '2001', PINS.cashier);
  const refused = await office.post('/api/holds', { productId: product.id, serial: 'BIND-1', saleId: newSaleId() });
  assert.is(refused.status, 403);
  isError(refused.body, 'TERMINAL_REQUIRED');
  const held = await store.cashier2.post('/api/holds', { productId: product.id, serial: 'BIND-1', saleId: newSaleId() });
  assert.is(held.status, 201, JSON.stringify(held.body));
  assert.is(held.body.hold.terminalId, t2!.id);
});

test("a device token of another store, or a garbage one, is DEVICE_TOKEN_INVALID", async ({ hub }) => {
  const a = await createStore(hub);
  const b = await createStore(hub);
  const foreign = await loginReply(hub, a.storeId, '2001', PINS.cashier, b.terminals[0]!.deviceToken);
  assert.is(foreign.status, 401, JSON.stringify(foreign.body));
  isError(foreign.body, 'DEVICE_TOKEN_INVALID');
  // B's token with A's store prefix is not a token of A either.
  const rewritten = `${a.storeId}.${b.terminals[0]!.deviceToken.split('.')[1]}`;
  for (const token of [rewritten, 'garbage', `${a.storeId}.${'A'.repeat(43)}`, 'x'.repeat(500)]) {
    const r = await loginReply(hub, a.storeId, '2001', PINS.cashier, token);
    assert.is(r.status, 401, `${token.slice(0, 30)}: ${JSON.stringify(r.body)}`);
    isError(r.body, 'DEVICE_TOKEN_INVALID');
  }
  // A session token is not a device token.
  const sessionAsDevice = await loginReply(hub, a.storeId, '2001', PINS.cashier, a.supervisor.token);
  assert.is(sessionAsDevice.status, 401);
  isError(sessionAsDevice.body, 'DEVICE_TOKEN_INVALID');
});

test('logging in on a register ends the previous session on that register only', async ({ hub }) => {
  const store = await createStore(hub);
  const [t1, t2] = store.terminals;
  const office = await login(hub.url, store.storeId, '2001', PINS.cashier);
  // Cat takes over register 1 from Cal.
  const cat = await login(hub.url, store.storeId, '2002', PINS.cashier2, t1!.deviceToken);
  const old = await store.cashier.get('/api/session');
  assert.is(old.status, 401, JSON.stringify(old.body));
  isError(old.body, 'UNAUTHENTICATED');
  // The supervisor logged in on register 1 before the cashier was already replaced by then.
  assert.is((await store.supervisorAtRegister.get('/api/session')).status, 401);
  assert.is((await cat.get('/api/session')).body.session.terminalId, t1!.id);
  // Cal's back-office session and register 2 are untouched.
  assert.is((await office.get('/api/session')).status, 200);
  assert.is((await store.cashier2.get('/api/session')).status, 200);
  assert.is((await store.supervisor.get('/api/session')).status, 200);
  assert.is((await terminal(store, t1!.id)).staffId, '2002');
  // The same person logging in again on the same register ends their own older session too.
  const cat2 = await login(hub.url, store.storeId, '2002', PINS.cashier2, t1!.deviceToken);
  assert.is((await cat.get('/api/session')).status, 401);
  assert.is((await cat2.get('/api/session')).status, 200);
  // Register 2's session (also Cat's) survives her logins on register 1.
  assert.is((await store.cashier2.get('/api/session')).body.session.terminalId, t2!.id);
});

test('logout ends the session: 401 afterwards, and the register shows nobody', async ({ hub }) => {
  const store = await createStore(hub);
  const out = await store.cashier.delete('/api/session');
  assert.is(out.status, 200);
  assert.equal(out.body, { ok: true });
  for (const [m, p] of [['GET', '/api/session'], ['GET', '/api/products'], ['DELETE', '/api/session']] as const) {
    const r = await store.cashier.call(m, p);
    assert.is(r.status, 401, `${m} ${p}`);
    isError(r.body, 'UNAUTHENTICATED');
  }
  assert.is((await terminal(store, store.terminals[0]!.id)).staffId, undefined);
  assert.is((await store.cashier2.get('/api/session')).status, 200);
});

// ---------------------------------------------------------------- revocation

test("DELETE /api/staff/:code/sessions ends all of that person's sessions; they can log in again", async ({ hub }) => {
  const store = await createStore(hub);
  const office = await login(hub.url, store.storeId, '2001', PINS.cashier);
  const r = await store.supervisor.delete('/api/staff/2001/sessions');
  assert.is(r.status, 200, JSON.stringify(r.body));
  assert.is(r.body.revoked, 2);
  assert.is((await store.cashier.get('/api/session')).status, 401);
  assert.is((await office.get('/api/session')).status, 401);
  assert.is((await store.cashier2.get('/api/session')).status, 200);
  assert.is((await store.supervisor.get('/api/session')).status, 200);
  assert.is((await terminal(store, store.terminals[0]!.id)).staffId, undefined);
  assert.is((await loginReply(hub, store.storeId, '2001', PINS.cashier)).status, 201);
});

test('deactivating staff ends their sessions and blocks login until reactivated', async ({ hub }) => {
  const store = await createStore(hub);
  const office = await login(hub.url, store.storeId, '2001', PINS.cashier);
  const r = await store.supervisor.patch('/api/staff/2001', { active: false });
  assert.is(r.status, 200, JSON.stringify(r.body));
  assert.is(r.body.staff.active, false);
  assert.is(r.body.sessionsRevoked, 2);
  assert.is((await store.cashier.get('/api/session')).status, 401);
  assert.is((await office.get('/api/session')).status, 401);
  // The register no longer shows the deactivated cashier as logged in.
  assert.is((await terminal(store, store.terminals[0]!.id)).staffId, undefined);
  const blocked = await loginReply(hub, store.storeId, '2001', PINS.cashier);
  assert.is(blocked.status, 401);
  isError(blocked.body, 'INVALID_CREDENTIALS');
  const blockedAtRegister = await loginReply(hub, store.storeId, '2001', PINS.cashier, store.terminals[0]!.deviceToken);
  assert.is(blockedAtRegister.status, 401);
  isError(blockedAtRegister.body, 'INVALID_CREDENTIALS');
  assert.is((await store.supervisor.patch('/api/staff/2001', { active: true })).status, 200);
  assert.is((await loginReply(hub, store.storeId, '2001', PINS.cashier)).status, 201);
});

test('changing a role ends the sessions; the next session has the new role', async ({ hub }) => {
  const store = await createStore(hub);
  const product = await productWithStock(store, { serialMode: 'enforced' }, ['ROLE-1']);
  const r = await store.supervisor.patch('/api/staff/2001', { role: 'stock_clerk' });
  assert.is(r.status, 200, JSON.stringify(r.body));
  assert.is(r.body.staff.role, 'stock_clerk');
  assert.is((await store.cashier.get('/api/session')).status, 401);
  assert.is((await terminal(store, store.terminals[0]!.id)).staffId, undefined);
  const again = await login(hub.url, store.storeId, '2001', PINS.cashier, store.terminals[0]!.deviceToken);
  assert.is((await again.get('/api/session')).body.session.role, 'stock_clerk');
  const hold = await again.post('/api/holds', { productId: product.id, serial: 'ROLE-1', saleId: newSaleId() });
  assert.is(hold.status, 403);
  isError(hold.body, 'FORBIDDEN');
  // A name change alone keeps sessions.
  assert.is((await store.supervisor.patch('/api/staff/2002', { name: 'Catherine' })).body.sessionsRevoked, 0);
  assert.is((await store.cashier2.get('/api/session')).status, 200);
});

test('changing a PIN ends the sessions; only the new PIN works', async ({ hub }) => {
  const store = await createStore(hub);
  const r = await store.supervisor.patch('/api/staff/2001', { pin: '24682468' });
  assert.is(r.status, 200, JSON.stringify(r.body));
  assert.not.ok(JSON.stringify(r.body).includes('pinHash'));
  assert.is((await store.cashier.get('/api/session')).status, 401);
  assert.is((await loginReply(hub, store.storeId, '2001', PINS.cashier)).status, 401);
  assert.is((await loginReply(hub, store.storeId, '2001', '24682468')).status, 201);
});

test('unpairing a register: its device token is useless and its session ends', async ({ hub }) => {
  const store = await createStore(hub);
  const [t1, t2] = store.terminals;
  const r = await store.supervisor.delete(`/api/terminals/${t1!.id}`);
  assert.is(r.status, 200, JSON.stringify(r.body));
  assert.is(r.body.terminal.id, t1!.id);
  assert.type(r.body.terminal.revokedAt, 'number');
  assert.is((await store.cashier.get('/api/session')).status, 401);
  // The supervisor's register session was replaced by the cashier's earlier; the back-office one stays.
  assert.is((await store.supervisor.get('/api/session')).status, 200);
  const reuse = await loginReply(hub, store.storeId, '2001', PINS.cashier, t1!.deviceToken);
  assert.is(reuse.status, 401);
  isError(reuse.body, 'DEVICE_TOKEN_INVALID');
  // Register 2 is untouched.
  assert.is((await store.cashier2.get('/api/session')).status, 200);
  assert.is((await loginReply(hub, store.storeId, '2002', PINS.cashier2, t2!.deviceToken)).status, 201);
  const listed = await terminal(store, t1!.id);
  assert.type(listed.revokedAt, 'number');
  assert.is(listed.staffId, undefined);
  const unknown = await store.supervisor.delete('/api/terminals/T999');
  assert.is(unknown.status, 404);
  isError(unknown.body, 'TERMINAL_NOT_FOUND');
});

// ---------------------------------------------------------------- isolation between stores

test("store A's sessions cannot see store B's data", async ({ hub }) => {
  const a = await createStore(hub);
  const b = await createStore(hub);
  const none = await productWithStock(b, { serialMode: 'none', priceCents: 500 }, 5);
  const enforced = await productWithStock(b, { serialMode: 'enforced' }, ['ISO-B-1', 'ISO-B-2']);
  const customer = await b.cashier.post('/api/customers', { name: 'Bea B' });
  assert.is(customer.status, 201);
  const receipt = await b.clerk.post('/api/receipts', { receiptId: 'iso-receipt-1', lines: [{ productId: none.id, quantity: 1 }] });
  assert.is(receipt.status, 201, JSON.stringify(receipt.body));
  const saleId = newSaleId();
  const sale = await b.cashier.post('/api/sales', {
    saleId, customerId: customer.body.customer.id, lines: [{ productId: none.id, quantity: 1 }], payments: [{ method: 'cash', amountCents: 500 }],
  });
  assert.is(sale.status, 200, JSON.stringify(sale.body));
  // The ids exist in B and nowhere in A.
  const checks: [string, string, string][] = [
    ['GET', `/api/products/${none.id}`, 'PRODUCT_NOT_FOUND'],
    ['GET', `/api/products/${enforced.id}`, 'PRODUCT_NOT_FOUND'],
    ['GET', `/api/products/${enforced.id}/serials`, 'PRODUCT_NOT_FOUND'],
    ['GET', '/api/receipts/iso-receipt-1', 'RECEIPT_NOT_FOUND'],
    ['GET', `/api/invoices/${saleId}`, 'INVOICE_NOT_FOUND'],
    ['GET', '/api/serials/ISO-B-1', 'SERIAL_NOT_FOUND'],
    ['GET', `/api/customers/${customer.body.customer.id}`, 'CUSTOMER_NOT_FOUND'],
    ['GET', `/api/customers/${customer.body.customer.id}/history`, 'CUSTOMER_NOT_FOUND'],
  ];
  for (const [method, path, code] of checks) {
    assert.is((await b.supervisor.call(method, path)).status, 200, `B sees ${path}`);
    const r = await a.supervisor.call(method, path);
    assert.is(r.status, 404, `${method} ${path}: ${JSON.stringify(r.body)}`);
    isError(r.body, code);
  }
  const patch = await a.supervisor.patch(`/api/products/${none.id}`, { name: 'Hijacked' });
  assert.is(patch.status, 404);
  assert.is((await b.supervisor.get(`/api/products/${none.id}`)).body.product.name, 'Test product');
  const hold = await a.cashier.post('/api/holds', { productId: enforced.id, serial: 'ISO-B-1', saleId: newSaleId() });
  assert.is(hold.status, 404, JSON.stringify(hold.body));
  const ret = await a.cashier.post('/api/returns', { returnId: newSaleId(), saleId, lines: [{ line: 0, quantity: 1 }] });
  assert.is(ret.status, 404, JSON.stringify(ret.body));
  for (const path of ['/api/products', '/api/invoices', '/api/customers', '/api/holds']) {
    const r = await a.supervisor.get(path);
    assert.is(r.status, 200, path);
    assert.equal(r.body.items, [], path);
  }
  // Rewriting the store in A's token does not make it B's.
  const forged = new Client(hub.url, `${b.storeId}.${a.supervisor.token!.split('.')[1]}`);
  const f = await forged.get('/api/products');
  assert.is(f.status, 401);
  isError(f.body, 'UNAUTHENTICATED');
  // B's serial is still in stock, its product untouched.
  assert.equal((await b.supervisor.get(`/api/products/${enforced.id}/serials`)).body.items, [{ serial: 'ISO-B-1' }, { serial: 'ISO-B-2' }]);
});

// ---------------------------------------------------------------- bearer and operator tokens

test('missing, malformed, made-up and ended bearer tokens are 401 UNAUTHENTICATED', async ({ hub }) => {
  const store = await createStore(hub);
  const ended = await login(hub.url, store.storeId, '2001', PINS.cashier);
  await ended.delete('/api/session');
  const headers: (Record<string, string> | undefined)[] = [
    undefined,
    { authorization: '' },
    { authorization: 'Bearer' },
    { authorization: 'Bearer ' },
    { authorization: 'bearer ' + store.supervisor.token },
    { authorization: 'Basic ' + Buffer.from('1001:1111').toString('base64') },
    { authorization: 'Bearer garbage' },
    { authorization: `Bearer ${store.storeId}.${randomBytes(32).toString('base64url')}` },
    { authorization: `Bearer ${uniqueStoreId('nope')}.${randomBytes(32).toString('base64url')}` },
    { authorization: `Bearer ${store.storeId}.${'A'.repeat(42)}` },
    { authorization: `Bearer ${store.storeId}.${randomBytes(32).toString('base64url')}x` },
    { authorization: `Bearer ../../${store.storeId}.${'A'.repeat(43)}` },
    { authorization: `Bearer ${'x'.repeat(4000)}` },
    { authorization: `Bearer ${ADMIN_TOKEN}` },
    { authorization: `Bearer ${store.terminals[0]!.deviceToken}` },
    { authorization: `Bearer ${ended.token}` },
    { 'x-device-token': store.terminals[0]!.deviceToken },
  ];
  const anon = new Client(hub.url);
  for (const h of headers) {
    for (const [m, p] of [['GET', '/api/session'], ['GET', '/api/products'], ['POST', '/api/staff']] as const) {
      const r = await anon.call(m, p, m === 'POST' ? {} : undefined, h ?? {});
      assert.is(r.status, 401, `${m} ${p} ${JSON.stringify(h)?.slice(0, 80)}: ${JSON.stringify(r.body)}`);
      isError(r.body, 'UNAUTHENTICATED');
    }
  }
});

test('operator route: no, wrong or staff token is refused; without ADMIN_TOKEN configured it is off', async ({ hub, noAdmin }) => {
  const store = await createStore(hub);
  const body = { storeId: uniqueStoreId('adm'), name: 'Shop', supervisor: { code: '1001', name: 'Sue', pin: '1111' } };
  const tries: [Client, string][] = [
    [new Client(hub.url), 'no token'],
    [new Client(hub.url, 'wrong-token'), 'wrong token'],
    [new Client(hub.url, ADMIN_TOKEN.slice(0, -1) + 'X'), 'wrong token, same length'],
    [new Client(hub.url, ADMIN_TOKEN + 'x'), 'admin token plus a character'],
    [store.supervisor, 'a supervisor session'],
  ];
  for (const [client, what] of tries) {
    const r = await client.post('/api/admin/stores', body);
    assert.is(r.status, 401, `${what}: ${JSON.stringify(r.body)}`);
    isError(r.body, 'UNAUTHENTICATED');
  }
  const off = await new Client(noAdmin.url, ADMIN_TOKEN).post('/api/admin/stores', body);
  assert.is(off.status, 403, JSON.stringify(off.body));
  isError(off.body, 'FORBIDDEN');
  const offNoToken = await new Client(noAdmin.url).post('/api/admin/stores', body);
  assert.is(offNoToken.status, 403);
  // Nothing was created by the refused calls.
  const ok = await new Client(hub.url, ADMIN_TOKEN).post('/api/admin/stores', body);
  assert.is(ok.status, 201, JSON.stringify(ok.body));
  assert.equal(ok.body.store, { storeId: body.storeId, name: 'Shop' });
  assert.is((await loginReply(hub, body.storeId, '1001', '1111')).status, 201);
});

test('creating a store twice is STORE_EXISTS and leaves the first one as it was', async ({ hub }) => {
  const admin = new Client(hub.url, ADMIN_TOKEN);
  const storeId = uniqueStoreId('dup');
  const make = (pin: string, name = 'First') => admin.post('/api/admin/stores', { storeId, name, supervisor: { code: '1001', name: 'Sue', pin } });
  assert.is((await make('1111')).status, 201);
  const again = await make('9999', 'Second');
  assert.is(again.status, 409);
  isError(again.body, 'STORE_EXISTS');
  assert.is((await loginReply(hub, storeId, '1001', '1111')).status, 201);
  assert.is((await loginReply(hub, storeId, '1001', '9999')).status, 401);
  // Several operators at once: exactly one store is created.
  const raceId = uniqueStoreId('race');
  const race = await Promise.all(
    ['1111', '2222', '3333', '4444', '5555'].map((pin) =>
      admin.post('/api/admin/stores', { storeId: raceId, name: `Race ${pin}`, supervisor: { code: '1001', name: 'Sue', pin } }),
    ),
  );
  const won = race.filter((r) => r.status === 201);
  assert.is(won.length, 1, JSON.stringify(race.map((r) => r.body)));
  for (const r of race.filter((x) => x.status !== 201)) {
    assert.is(r.status, 409);
    isError(r.body, 'STORE_EXISTS');
  }
  const winnerPin = won[0]!.body.store.name.slice('Race '.length);
  assert.is((await loginReply(hub, raceId, '1001', winnerPin)).status, 201);
});

test.run();
