/**
 * Security, end to end: store isolation on every REST route and on the live protocol; bad, expired and
 * revoked tokens refused on REST and on socket (re)connection; the Origin allowlist for HTTP and WebSocket;
 * helmet's security headers; PIN guessing throttled per staff member and per address across two hub
 * processes sharing one Redis; and no token, PIN or pairing code in the logs of a hub at LOG_LEVEL=debug.
 */
import { randomBytes } from 'node:crypto';
import { io, type Socket } from 'socket.io-client';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { StoreSync } from '../../client/sync/store-sync.js';
import type { StoreEvent } from '../../protocol/events.js';
import { PROTOCOL_VERSION } from '../../protocol/version.js';
import type { Role } from '../../protocol/schemas.js';
import type { ClientToServerEvents } from '../../protocol/socket.js';
import { routeTable, type RouteSpec } from '../../server/routes.js';
import { hashToken } from '../../server/services/secrets.js';
import { storeKeys } from '../../server/store/keys.js';
import { errorReplyProblems, eventSeq, eventTypesSince, storeKeyCount } from '../helpers/fuzz.js';
import { ADMIN_TOKEN, Client, createStore, login, newSaleId, PINS, productWithStock, startTestHub, uniqueStoreId, type TestStore } from '../helpers/hub.js';
import { DECIDED_EVENTS, DECIDED_ROUTES, decidedAllows } from '../helpers/decided-access.js';
import { callFrom } from '../helpers/http.js';
import { connectRegister, spawnHub, until, type HubProcess } from '../helpers/live.js';

type TestHub = Awaited<ReturnType<typeof startTestHub>>;
type Ctx = { hub: TestHub; open: StoreSync[]; spawned: HubProcess[] };
const test = suite<Ctx>('security');

const routeKey = (r: { method: string; path: string }) => `${r.method.toUpperCase()} ${r.path}`;

test.before(async (ctx) => {
  ctx.hub = await startTestHub();
  ctx.open = [];
  ctx.spawned = [];
});
test.after.each(async (ctx) => {
  for (const s of ctx.open.splice(0)) s.close();
  await Promise.all(ctx.spawned.splice(0).map((h) => h.kill()));
});
test.after(async (ctx) => {
  await ctx.hub.close();
});

/** A loopback address nobody else in the test run uses (login throttles count per address in the shared Redis). */
let nextAddress = 0;
function ownAddress(): string {
  nextAddress += 1;
  return `127.93.${process.pid % 250}.${nextAddress}`;
}

async function register(ctx: Ctx, url: string, token: string, extra: Record<string, unknown> = {}): Promise<StoreSync> {
  const s = connectRegister(url, token, extra);
  ctx.open.push(s);
  return s;
}

async function pairRegister(hub: { url: string }, store: TestStore, name: string) {
  const code = await store.supervisor.post('/api/pairing-codes', { terminalName: name });
  assert.is(code.status, 201);
  const paired = await new Client(hub.url).post('/api/terminals/pair', { storeId: store.storeId, code: code.body.code });
  assert.is(paired.status, 201, JSON.stringify(paired.body));
  return { id: paired.body.terminal.id as string, deviceToken: paired.body.deviceToken as string };
}

// ---------------------------------------------------------------- store isolation

interface StoreB {
  store: TestStore;
  enforcedId: number;
  plainId: number;
  customerId: number;
  receiptId: string;
  saleId: string;
  returnId: string;
  heldSaleId: string;
  terminalId: string;
  staffCode: string;
  partNumber: string;
  /** B's data that A never sends: none of it may reach A. */
  markers: string[];
}

/** Store B with products, a customer, a receipt, an invoice, a return, a live hold, staff and registers that A lacks. */
async function makeStoreB(hub: TestHub): Promise<StoreB> {
  const store = await createStore(hub, uniqueStoreId('sb'));
  // Ids are per store and count from 1: B's records get ids A will not reach in these tests.
  for (let i = 0; i < 10; i++) await store.supervisor.post('/api/products', { partNumber: `B-FILL-${i}`, name: 'B secret filler', priceCents: 1, serialMode: 'none' });
  for (let i = 0; i < 4; i++) await store.cashier.post('/api/customers', { name: `B secret filler ${i}` });
  const enforced = await productWithStock(store, { partNumber: 'B-SECRET-1', serialMode: 'enforced', name: 'B secret product', warrantyReminder: true, warrantyMonths: 12 }, ['SEC-B-1', 'SEC-B-2', 'SEC-B-3', 'SEC-B-4', 'SEC-B-5']);
  const plain = await productWithStock(store, { serialMode: 'none', name: 'B secret plain', priceCents: 500 }, 10);
  const customer = await store.cashier.post('/api/customers', { name: 'Bea Secret', phone: '555 0199' });
  assert.is(customer.status, 201);
  assert.ok(customer.body.customer.id > 3);
  const receipt = await store.clerk.post('/api/receipts', { receiptId: 'sec-b-receipt-01', lines: [{ productId: plain.id, quantity: 1 }] });
  assert.is(receipt.status, 201);
  const hold = await store.cashier.post('/api/holds', { productId: enforced.id, serial: 'SEC-B-5', saleId: 'sec-b-sale-0001' });
  assert.is(hold.status, 201);
  const sale = await store.cashier.post('/api/sales', {
    saleId: 'sec-b-sale-0001', customerId: customer.body.customer.id,
    lines: [{ productId: plain.id, quantity: 1 }, { productId: enforced.id, quantity: 1, serials: [{ serial: 'SEC-B-5', token: hold.body.hold.token }] }],
    payments: [{ method: 'cash', amountCents: 100_000 }],
  });
  assert.is(sale.status, 200, JSON.stringify(sale.body));
  const ret = await store.cashier.post('/api/returns', { returnId: 'sec-b-return-01', saleId: 'sec-b-sale-0001', lines: [{ line: 0, quantity: 1 }] });
  assert.is(ret.status, 200, JSON.stringify(ret.body));
  const live = await store.cashier.post('/api/holds', { productId: enforced.id, serial: 'SEC-B-1', saleId: 'sec-b-hold-sale1' });
  assert.is(live.status, 201);
  assert.is((await store.supervisor.post('/api/staff', { code: '5005', name: 'Bob Secret', role: 'cashier', pin: '5555' })).status, 201);
  await pairRegister(hub, store, 'B secret register');
  const t4 = await pairRegister(hub, store, 'B secret register 2');
  return {
    store, enforcedId: enforced.id, plainId: plain.id, customerId: customer.body.customer.id, receiptId: 'sec-b-receipt-01',
    saleId: 'sec-b-sale-0001', returnId: 'sec-b-return-01', heldSaleId: 'sec-b-hold-sale1', terminalId: t4.id, staffCode: '5005',
    partNumber: 'B-SECRET-1', markers: ['B secret', 'Bea Secret', 'Bob Secret', '555 0199', `Test ${store.storeId}`],
  };
}

type Expect = 'not found' | 'refused' | 'own';

/** A's request for each route, naming B's records; what A may get: 404, a refusal, or its own data. */
function crossStoreRequest(route: RouteSpec, b: StoreB, pairingCodeOfA: string): { path: string; body?: unknown; expect: Expect } {
  const fresh = () => `sec-a-${randomBytes(6).toString('hex')}`;
  switch (routeKey(route)) {
    case 'GET /api/version': return { path: '/api/version', expect: 'own' };
    case 'POST /api/admin/stores': return { path: '/api/admin/stores', body: { storeId: b.store.storeId, name: 'Takeover', supervisor: { code: '1001', name: 'X', pin: '9999' } }, expect: 'refused' };
    case 'POST /api/sessions': return { path: '/api/sessions', body: { storeId: b.store.storeId, staffCode: b.staffCode, pin: '0000' }, expect: 'refused' };
    case 'GET /api/session': return { path: '/api/session', expect: 'own' };
    case 'DELETE /api/session': return { path: '/api/session', expect: 'own' };
    case 'POST /api/terminals/pair': return { path: '/api/terminals/pair', body: { storeId: b.store.storeId, code: pairingCodeOfA }, expect: 'refused' };
    case 'POST /api/pairing-codes': return { path: '/api/pairing-codes', body: { terminalName: 'A register' }, expect: 'own' };
    case 'GET /api/terminals': return { path: '/api/terminals', expect: 'own' };
    case 'DELETE /api/terminals/:terminalId': return { path: `/api/terminals/${b.terminalId}`, expect: 'not found' };
    case 'GET /api/staff': return { path: '/api/staff', expect: 'own' };
    case 'POST /api/staff': return { path: '/api/staff', body: { code: `A${randomBytes(3).toString('hex')}`, name: 'A staff', role: 'cashier', pin: '7777' }, expect: 'own' };
    case 'PATCH /api/staff/:code': return { path: `/api/staff/${b.staffCode}`, body: { name: 'Hijacked', pin: '0000' }, expect: 'not found' };
    case 'DELETE /api/staff/:code/sessions': return { path: `/api/staff/${b.staffCode}/sessions`, expect: 'not found' };
    case 'GET /api/products': return { path: '/api/products?q=secret', expect: 'own' };
    case 'POST /api/products': return { path: '/api/products', body: { partNumber: b.partNumber, name: 'A own product', priceCents: 1, serialMode: 'none' }, expect: 'own' };
    case 'GET /api/products/:productId': return { path: `/api/products/${b.enforcedId}`, expect: 'not found' };
    case 'PATCH /api/products/:productId': return { path: `/api/products/${b.enforcedId}`, body: { name: 'Hijacked', priceCents: 1 }, expect: 'not found' };
    case 'GET /api/products/:productId/serials': return { path: `/api/products/${b.enforcedId}/serials?status=sold`, expect: 'not found' };
    case 'POST /api/products/:productId/serials/check': return { path: `/api/products/${b.enforcedId}/serials/check`, body: { serials: ['SEC-B-1'] }, expect: 'not found' };
    // A receipt lists every problem (422 RECEIPT_REJECTED, product_not_found) rather than stopping at the first.
    case 'POST /api/receipts': return { path: '/api/receipts', body: { lines: [{ productId: b.enforcedId, quantity: 1, serials: ['SEC-B-9'] }] }, expect: 'refused' };
    case 'GET /api/receipts/:receiptId': return { path: `/api/receipts/${b.receiptId}`, expect: 'not found' };
    case 'GET /api/holds': return { path: '/api/holds?terminalId=T1', expect: 'own' };
    case 'POST /api/holds': return { path: '/api/holds', body: { productId: b.enforcedId, serial: 'SEC-B-2', saleId: fresh() }, expect: 'not found' };
    case 'POST /api/holds/renew': return { path: '/api/holds/renew', body: { saleId: b.heldSaleId }, expect: 'own' };
    case 'POST /api/holds/release': return { path: '/api/holds/release', body: { productId: b.enforcedId, serial: 'SEC-B-1' }, expect: 'not found' };
    case 'POST /api/holds/release-sale': return { path: '/api/holds/release-sale', body: { saleId: b.heldSaleId }, expect: 'own' };
    case 'POST /api/holds/force-release': return { path: '/api/holds/force-release', body: { productId: b.enforcedId, serial: 'SEC-B-1', reason: 'takeover' }, expect: 'not found' };
    case 'POST /api/sales': return { path: '/api/sales', body: { saleId: fresh(), lines: [{ productId: b.plainId, quantity: 1 }], payments: [{ method: 'cash', amountCents: 10_000 }] }, expect: 'not found' };
    case 'GET /api/invoices': return { path: '/api/invoices', expect: 'own' };
    case 'GET /api/invoices/:saleId': return { path: `/api/invoices/${b.saleId}`, expect: 'not found' };
    // numbers are per store: A has sold nothing, so B's invoice number 1 is not A's to see
    case 'GET /api/invoices/number/:number': return { path: '/api/invoices/number/1', expect: 'not found' };
    case 'POST /api/returns': return { path: '/api/returns', body: { returnId: fresh(), saleId: b.saleId, lines: [{ line: 0, quantity: 1 }] }, expect: 'not found' };
    case 'GET /api/returns/:returnId': return { path: `/api/returns/${b.returnId}`, expect: 'not found' };
    case 'GET /api/serials/:serial': return { path: '/api/serials/SEC-B-5', expect: 'not found' };
    case 'GET /api/dashboard': return { path: `/api/dashboard?since=${Date.now() - 3_600_000}`, expect: 'own' };
    case 'GET /api/customers': return { path: '/api/customers?q=bea', expect: 'own' };
    case 'POST /api/customers': return { path: '/api/customers', body: { name: 'A customer' }, expect: 'own' };
    case 'GET /api/customers/:customerId': return { path: `/api/customers/${b.customerId}`, expect: 'not found' };
    case 'GET /api/customers/:customerId/history': return { path: `/api/customers/${b.customerId}/history`, expect: 'not found' };
    case 'GET /api/customers/:customerId/service-records': return { path: `/api/customers/${b.customerId}/service-records`, expect: 'not found' };
    default: throw new Error(`the isolation test does not know ${routeKey(route)}: add it to crossStoreRequest`);
  }
}

test("store A's sessions, on every route, naming store B's ids: 404 or refused, never B's data, nothing of B changed", async ({ hub }) => {
  const a = await createStore(hub, uniqueStoreId('sa'));
  const b = await makeStoreB(hub);
  const aTerminal = await pairRegister(hub, a, 'A supervisor register');
  await productWithStock(a, { serialMode: 'none', name: 'A plain', priceCents: 100 }, 5);
  const callers = [
    { name: 'A supervisor at a register', role: 'supervisor' as const, client: await login(hub.url, a.storeId, '1001', PINS.supervisor, aTerminal.deviceToken) },
    { name: 'A cashier at a register', role: 'cashier' as const, client: a.cashier },
  ];
  const seqB = await eventSeq(hub.redis, b.store.storeId);
  const keysB = await storeKeyCount(hub.redis, b.store.storeId);
  const holdB = await hub.redis.hget(storeKeys(b.store.storeId).holds, `${b.enforcedId}:SEC-B-1`);
  assert.ok(holdB);
  const pairingCodeOfA = (await a.supervisor.post('/api/pairing-codes', { terminalName: 'A code' })).body.code as string;
  const problems: string[] = [];
  const routes = routeTable(hub.services);
  for (const route of routes) {
    for (const caller of callers) {
      const req = crossStoreRequest(route, b, pairingCodeOfA);
      // Logging out must not end the caller used for the other routes: a session of its own.
      const client = routeKey(route) === 'DELETE /api/session' ? await login(hub.url, a.storeId, caller.role === 'supervisor' ? '1001' : '2001', caller.role === 'supervisor' ? PINS.supervisor : PINS.cashier) : caller.client;
      const r = await client.call(route.method.toUpperCase(), req.path, req.body);
      const where = `${routeKey(route)} as ${caller.name}: ${r.status} ${JSON.stringify(r.body)?.slice(0, 300)}`;
      problems.push(...errorReplyProblems(r.status, r.body).map((p) => `${p}: ${where}`));
      const text = JSON.stringify(r.body) ?? '';
      const markers = route.access === 'public' ? b.markers : [...b.markers, b.store.storeId];
      for (const m of markers) if (text.includes(m)) problems.push(`B's data (${m}) reached A: ${where}`);
      const permitted = decidedAllows(DECIDED_ROUTES[routeKey(route)], caller.role);
      if (!permitted) {
        if (r.status < 400) problems.push(`a refused route answered: ${where}`);
      } else if (req.expect === 'not found') {
        if (r.status !== 404) problems.push(`expected 404: ${where}`);
      } else if (req.expect === 'refused') {
        if (r.status < 400) problems.push(`expected a refusal: ${where}`);
      } else if (r.status >= 400 && r.status !== 403) {
        problems.push(`A's own request failed: ${where}`);
      }
      if (r.status < 300 && r.body?.session) if (r.body.session.storeId !== a.storeId) problems.push(`a session of another store: ${where}`);
    }
  }
  assert.equal(problems, [], problems.join('\n'));
  // Lists A reads are A's only.
  assert.equal((await a.supervisor.get('/api/holds')).body.items, []);
  assert.ok(((await a.supervisor.get('/api/terminals')).body.items as { name: string }[]).every((t) => !t.name.startsWith('B ')));
  // Nothing of B moved: no event, no key, its live hold as it was, its staff and register intact.
  assert.is(await eventSeq(hub.redis, b.store.storeId), seqB, "A's requests wrote to B");
  assert.is(await storeKeyCount(hub.redis, b.store.storeId), keysB);
  assert.is(await hub.redis.hget(storeKeys(b.store.storeId).holds, `${b.enforcedId}:SEC-B-1`), holdB);
  assert.is((await b.store.supervisor.get(`/api/products/${b.enforcedId}`)).body.product.name, 'B secret product');
  assert.is((await login(hub.url, b.store.storeId, b.staffCode, '5555')).token!.startsWith(`${b.store.storeId}.`), true);
  assert.ok(((await b.store.supervisor.get('/api/terminals')).body.items as { id: string; revokedAt?: number }[]).every((t) => t.revokedAt === undefined));

  // A client-chosen id already used in B is a new, separate record in A (idempotency keys are per store).
  const invoiceB = (await b.store.supervisor.get(`/api/invoices/${b.saleId}`)).body.invoice;
  assert.is(invoiceB.storeId, b.store.storeId);
  const reuse = await a.cashier.post('/api/sales', {
    saleId: b.saleId, lines: [{ productId: (await a.supervisor.get('/api/products?q=plain')).body.items[0].id, quantity: 1 }], payments: [{ method: 'cash', amountCents: 100 }],
  });
  assert.is(reuse.status, 200, JSON.stringify(reuse.body));
  assert.is(reuse.body.replayed, false);
  assert.is(reuse.body.invoice.storeId, a.storeId);
  assert.is(reuse.body.invoice.totalCents, 100);
  assert.equal((await b.store.supervisor.get(`/api/invoices/${b.saleId}`)).body.invoice, invoiceB);
  assert.is(await eventSeq(hub.redis, b.store.storeId), seqB);
});

test("socket: A's registers never hear B's events or alerts, and A's requests cannot reach B's records", async (ctx) => {
  const { hub } = ctx;
  const a = await createStore(hub, uniqueStoreId('sa'));
  const b = await makeStoreB(hub);
  const aTerminal = await pairRegister(hub, a, 'A supervisor register');
  const aSupervisor = await login(hub.url, a.storeId, '1001', PINS.supervisor, aTerminal.deviceToken);
  const bTerminal = await pairRegister(hub, b.store, 'B supervisor register');
  const bSupervisor = await login(hub.url, b.store.storeId, '1001', PINS.supervisor, bTerminal.deviceToken);
  const [aCashier, aSup, bCashier, bSup] = await Promise.all(
    [a.cashier.token!, aSupervisor.token!, b.store.cashier.token!, bSupervisor.token!].map((t) => register(ctx, hub.url, t)),
  );
  await Promise.all([aCashier, aSup, bCashier, bSup].map((s) => s!.ready()));
  const heardByA: (StoreEvent | { alert: unknown })[] = [];
  for (const s of [aCashier!, aSup!]) {
    s.socket.on('events', (evs) => heardByA.push(...evs));
    s.socket.on('alert', (al) => heardByA.push({ alert: al }));
  }
  const seqA = await eventSeq(hub.redis, a.storeId);
  const heardByB: string[] = [];
  bSup!.socket.on('events', (evs) => heardByB.push(...evs.map((ev) => ev.type)));
  bSup!.socket.on('alert', () => heardByB.push('alert'));

  // B works: live sale with holds, a force-release, REST writes, a completed sale, an alert to B's supervisors.
  const { sale } = await bCashier!.request('sale:open', {});
  await bCashier!.request('sale:addLine', { saleId: sale.saleId, productId: b.enforcedId, serial: 'SEC-B-2' });
  await bCashier!.request('sale:addLine', { saleId: sale.saleId, productId: b.enforcedId, serial: 'SEC-B-3' });
  await bSup!.request('hold:forceRelease', { productId: b.enforcedId, serial: 'SEC-B-3', reason: 'B secret reason' });
  await b.store.supervisor.post('/api/products', { partNumber: 'B-SECRET-2', name: 'B secret new', priceCents: 5, serialMode: 'none' });
  await b.store.cashier.post('/api/customers', { name: 'B secret customer 2' });
  const conflict = await b.store.clerk.post('/api/receipts', { lines: [{ productId: b.enforcedId, quantity: 1, serials: ['SEC-B-4'] }] });
  assert.is(conflict.status, 422, JSON.stringify(conflict.body));
  // Completing B's sale with the force-released line is refused (HOLD_LOST): another alert for B's supervisors.
  await bCashier!.request('sale:complete', { saleId: sale.saleId, payments: [{ method: 'cash', amountCents: 1_000_000 }] }).catch(() => undefined);
  const sold = await b.store.cashier.post('/api/sales', { saleId: newSaleId(), lines: [{ productId: b.plainId, quantity: 1 }], payments: [{ method: 'card', amountCents: 500 }] });
  assert.is(sold.status, 200, JSON.stringify(sold.body));
  await until(() => heardByB.includes('alert') && heardByB.includes('customer_created'), 3_000, "B's supervisor to hear B's work");

  // A asks for B's records over the live protocol.
  const { sale: aSale } = await aCashier!.request('sale:open', {});
  const codes: string[] = [];
  const attempt = async (p: Promise<unknown>) => {
    try {
      await p;
      codes.push('ok');
    } catch (err) {
      codes.push((err as { code: string }).code);
    }
  };
  await attempt(aCashier!.request('sale:addLine', { saleId: aSale.saleId, productId: b.enforcedId, serial: 'SEC-B-4' }));
  await attempt(aCashier!.request('sale:addLine', { saleId: aSale.saleId, productId: b.plainId, quantity: 1 }));
  await attempt(aCashier!.request('sale:setCustomer', { saleId: aSale.saleId, customerId: b.customerId }));
  await attempt(aCashier!.request('sale:void', { saleId: sale.saleId }));
  await attempt(aCashier!.request('sale:complete', { saleId: sale.saleId, payments: [{ method: 'cash', amountCents: 1_000_000 }] }));
  await attempt(aSup!.request('serials:available', { productId: b.enforcedId }));
  await attempt(aSup!.request('hold:forceRelease', { productId: b.enforcedId, serial: 'SEC-B-2', reason: 'takeover' }));
  assert.equal(codes, ['PRODUCT_NOT_FOUND', 'PRODUCT_NOT_FOUND', 'CUSTOMER_NOT_FOUND', 'SALE_NOT_FOUND', 'SALE_NOT_FOUND', 'PRODUCT_NOT_FOUND', 'PRODUCT_NOT_FOUND']);
  const replay = await aSup!.request('sync', { lastSeq: 0 });
  const text = JSON.stringify(replay);
  for (const m of [...b.markers, b.store.storeId]) assert.not.ok(text.includes(m), `A's sync carries ${m}`);

  await new Promise((r) => setTimeout(r, 300));
  const ownOnly = heardByA.filter((e) => 'alert' in e || (e as StoreEvent).seq <= seqA);
  assert.equal(ownOnly, [], `A heard something not of A: ${JSON.stringify(ownOnly).slice(0, 500)}`);
  const heardText = JSON.stringify(heardByA);
  for (const m of [...b.markers, b.store.storeId, 'SEC-B']) assert.not.ok(heardText.includes(m), `A heard ${m}`);
  for (const s of [aCashier!, aSup!]) {
    assert.not.ok([...s.state.products.values()].some((p) => p.name.startsWith('B ')), "B's products in A's state");
    assert.not.ok([...s.state.holds.values()].some((h) => h.serial.startsWith('SEC-B')), "B's holds in A's state");
  }
  // B's hold is still B's.
  assert.ok(bSup!.state.holds.has(`${b.enforcedId}:SEC-B-2`));

  // A handshake with A's token rewritten to B's store is refused.
  const forged = await register(ctx, hub.url, `${b.store.storeId}.${a.cashier.token!.split('.')[1]}`);
  await until(() => forged.status === 'refused', 3_000, 'forged token refused');
  assert.is(forged.refusal!.code, 'UNAUTHENTICATED');
  // There is no other namespace to slip into.
  const other = io(`${hub.url}/admin`, { auth: { token: a.cashier.token, protocolVersion: PROTOCOL_VERSION }, transports: ['websocket'], forceNew: true, reconnection: false });
  const outcome = await new Promise<string>((resolve) => {
    other.on('connect', () => resolve('connected'));
    other.on('connect_error', (e) => resolve(`refused: ${e.message}`));
  });
  other.close();
  assert.match(outcome, /refused: Invalid namespace/);
});

// ---------------------------------------------------------------- live events x roles

test('role matrix of the live protocol: every event x every role answers as decided (test/helpers/decided-access.ts); no login cannot connect', async (ctx) => {
  const { hub } = ctx;
  const store = await createStore(hub);
  const supervisorTerminal = await pairRegister(hub, store, 'Matrix register');
  const kinds: { name: string; role: Role; token: string }[] = [
    { name: 'cashier at a register', role: 'cashier', token: store.cashier.token! },
    { name: 'cashier in the back office', role: 'cashier', token: (await login(hub.url, store.storeId, '2002', PINS.cashier2)).token! },
    { name: 'stock clerk', role: 'stock_clerk', token: store.clerk.token! },
    { name: 'supervisor at a register', role: 'supervisor', token: (await login(hub.url, store.storeId, '1001', PINS.supervisor, supervisorTerminal.deviceToken)).token! },
    { name: 'supervisor in the back office', role: 'supervisor', token: store.supervisor.token! },
  ];
  const seq = await eventSeq(hub.redis, store.storeId);
  const problems: string[] = [];
  for (const kind of kinds) {
    const s = await register(ctx, hub.url, kind.token);
    await s.ready();
    for (const [event, roles] of Object.entries(DECIDED_EVENTS) as [keyof ClientToServerEvents, readonly Role[]][]) {
      // A payload no schema accepts: a permitted caller hears VALIDATION_FAILED, anyone else FORBIDDEN (checked first).
      const code = await s.request(event, { notAField: true } as never).then(() => 'ok', (err: { code: string }) => err.code);
      const expected = roles.includes(kind.role) ? 'VALIDATION_FAILED' : 'FORBIDDEN';
      if (code !== expected) problems.push(`${event} as ${kind.name}: ${code}, expected ${expected}`);
    }
    s.close();
  }
  assert.equal(problems, [], problems.join('\n'));
  // Without a session there is no socket at all.
  for (const auth of [{}, { protocolVersion: PROTOCOL_VERSION }, { protocolVersion: PROTOCOL_VERSION, token: '' }]) {
    const s: Socket = io(hub.url, { auth, transports: ['websocket'], forceNew: true, reconnection: false });
    const outcome = await new Promise<string>((resolve) => {
      s.on('connect', () => resolve('connected'));
      s.on('connect_error', (e: Error & { data?: { code?: string } }) => resolve(e.data?.code ?? e.message));
    });
    s.close();
    assert.is(outcome, 'VALIDATION_FAILED', JSON.stringify(auth));
  }
  const written = (await eventTypesSince(hub.redis, store.storeId, seq)).filter((t) => t !== 'presence_changed' && t !== 'holds_renewed');
  assert.equal(written, [], 'refused live requests wrote');
});

// ---------------------------------------------------------------- tokens

const REFUSED_TOKENS = (store: TestStore, other: TestStore) => [
  'garbage',
  'nope.nope',
  `${store.storeId}.${'A'.repeat(43)}`,
  `${store.storeId}.${randomBytes(32).toString('base64url')}`,
  `${uniqueStoreId('ghost')}.${randomBytes(32).toString('base64url')}`,
  `${other.storeId}.${store.cashier.token!.split('.')[1]}`,
  `${store.storeId}.${store.cashier.token!.split('.')[1]}x`,
  store.cashier.token!.toUpperCase(),
  store.terminals[0]!.deviceToken,
  ADMIN_TOKEN,
  `../${store.cashier.token}`,
];

/** A register's socket with this token is refused at the handshake with `code`. */
async function refusedOnSocket(ctx: Ctx, token: string, code = 'UNAUTHENTICATED') {
  const s = await register(ctx, ctx.hub.url, token);
  await until(() => s.status === 'refused' || s.status === 'online', 3_000, `handshake of ${token.slice(0, 30)}`);
  assert.is(s.status, 'refused', `connected with ${token.slice(0, 40)}`);
  assert.is(s.refusal!.code, code, token.slice(0, 40));
  s.close();
}

test('bad tokens are refused on REST and at the socket handshake', async (ctx) => {
  const store = await createStore(ctx.hub);
  const other = await createStore(ctx.hub);
  for (const token of REFUSED_TOKENS(store, other)) {
    const r = await new Client(ctx.hub.url, token).get('/api/products');
    assert.is(r.status, 401, `${token.slice(0, 40)}: ${JSON.stringify(r.body)}`);
    assert.is(r.body.code, 'UNAUTHENTICATED');
    await refusedOnSocket(ctx, token);
  }
  await refusedOnSocket(ctx, '', 'VALIDATION_FAILED');
  await refusedOnSocket(ctx, 'x'.repeat(201), 'VALIDATION_FAILED');
  // The right token still works (none of the above locked anything).
  const ok = await register(ctx, ctx.hub.url, store.cashier.token!);
  await ok.ready();
});

test('a register that sends its device token at the handshake is let in only with the session opened on it', async (ctx) => {
  const store = await createStore(ctx.hub);
  const other = await createStore(ctx.hub);
  const [one, two] = store.terminals;
  const withDevice = (token: string, deviceToken: string) => {
    const s = new StoreSync({ url: ctx.hub.url, token, deviceToken, socketOptions: { reconnectionDelay: 50, forceNew: true } });
    ctx.open.push(s);
    return s;
  };
  const outcome = async (s: StoreSync) => {
    await until(() => s.status === 'refused' || s.status === 'online', 3_000, 'the handshake');
    const result = s.status === 'online' ? 'online' : s.refusal!.code;
    s.close();
    return result;
  };
  // the cashier's session was opened on register 1
  assert.is(await outcome(withDevice(store.cashier.token!, one!.deviceToken)), 'online');
  assert.is(await outcome(withDevice(store.cashier.token!, two!.deviceToken)), 'UNAUTHENTICATED', 'another register of the store');
  assert.is(await outcome(withDevice(store.cashier.token!, other.terminals[0]!.deviceToken)), 'UNAUTHENTICATED', "another store's register");
  assert.is(await outcome(withDevice(store.cashier.token!, 'not-a-device-token')), 'UNAUTHENTICATED');
  assert.is(await outcome(withDevice(store.supervisor.token!, one!.deviceToken)), 'UNAUTHENTICATED', 'a back-office session');
  assert.is(await outcome(withDevice(store.cashier.token!, 'x'.repeat(201))), 'VALIDATION_FAILED');
});

/**
 * One way a session ends; `end` ends it. Afterwards REST says 401, the hub closes the register's live socket
 * (where it knows of the end) and the reconnection is refused UNAUTHENTICATED.
 */
async function sessionEnds(ctx: Ctx, token: string, end: () => Promise<void>, closesSocket = true) {
  const live = await register(ctx, ctx.hub.url, token);
  await live.ready();
  let dropped = false;
  live.socket.on('disconnect', () => (dropped = true));
  assert.is((await new Client(ctx.hub.url, token).get('/api/session')).status, 200);
  await end();
  const r = await new Client(ctx.hub.url, token).get('/api/session');
  assert.is(r.status, 401, JSON.stringify(r.body));
  assert.is(r.body.code, 'UNAUTHENTICATED');
  if (closesSocket) {
    await until(() => dropped, 3_000, 'the hub to close the socket of the ended session');
  } else {
    live.socket.disconnect().connect();
  }
  await until(() => live.status === 'refused', 3_000, 'the reconnection to be refused');
  assert.is(live.refusal!.code, 'UNAUTHENTICATED');
}

test('expired sessions (the Redis TTL ran out) are refused on REST and when the socket reconnects', async (ctx) => {
  const store = await createStore(ctx.hub);
  const c = await login(ctx.hub.url, store.storeId, '2002', PINS.cashier2, store.terminals[1]!.deviceToken);
  await sessionEnds(ctx, c.token!, async () => {
    const key = storeKeys(store.storeId).session(hashToken(c.token!));
    assert.ok((await ctx.hub.redis.pttl(key)) > 0, 'the session key has a TTL');
    assert.is(await ctx.hub.redis.pexpire(key, 1), 1);
    await new Promise((r) => setTimeout(r, 20));
  }, false);
});

test('revoked sessions (logout, ended by a supervisor, PIN or role change, unpairing, a new login on the register) are refused on REST and on reconnect', async (ctx) => {
  const store = await createStore(ctx.hub);
  const [t1, t2] = store.terminals;
  let pin = PINS.cashier;
  const cashierAt = async (t: { deviceToken: string }) => (await login(ctx.hub.url, store.storeId, '2001', pin, t.deviceToken)).token!;

  let token = await cashierAt(t1!);
  await sessionEnds(ctx, token, async () => {
    assert.is((await new Client(ctx.hub.url, token).delete('/api/session')).status, 200);
  });
  token = await cashierAt(t1!);
  await sessionEnds(ctx, token, async () => {
    assert.is((await store.supervisor.delete('/api/staff/2001/sessions')).status, 200);
  });
  token = await cashierAt(t1!);
  await sessionEnds(ctx, token, async () => {
    pin = '86420135';
    assert.is((await store.supervisor.patch('/api/staff/2001', { pin })).status, 200);
  });
  token = await cashierAt(t1!);
  await sessionEnds(ctx, token, async () => {
    assert.is((await store.supervisor.patch('/api/staff/2001', { role: 'stock_clerk' })).status, 200);
  });
  assert.is((await store.supervisor.patch('/api/staff/2001', { role: 'cashier' })).status, 200);
  token = await cashierAt(t1!);
  await sessionEnds(ctx, token, async () => {
    await login(ctx.hub.url, store.storeId, '2002', PINS.cashier2, t1!.deviceToken);
  });
  token = await cashierAt(t2!);
  await sessionEnds(ctx, token, async () => {
    assert.is((await store.supervisor.delete(`/api/terminals/${t2!.id}`)).status, 200);
  });
  // The unpaired register's device token is refused too; the other register logs in as before.
  const again = await new Client(ctx.hub.url, undefined, t2!.deviceToken).post('/api/sessions', { storeId: store.storeId, staffCode: '2001', pin });
  assert.is(again.status, 401);
  assert.is(again.body.code, 'DEVICE_TOKEN_INVALID');
  await (await register(ctx, ctx.hub.url, await cashierAt(t1!))).ready();
});

// ---------------------------------------------------------------- origins and headers

const ALLOWED = 'http://pos.example';
const FOREIGN = ['https://evil.example', 'http://pos.example.evil', 'http://pos.example:8080', 'https://pos.example', 'null', 'http://127.0.0.1:1'];

/** Harmless path parameters for calls that must only show whether the origin was let in. */
function harmless(path: string) {
  return path.replace(/:(\w+)/g, (_, n: string) => ({ productId: '999999', customerId: '999999', serial: 'NO-SUCH', terminalId: 'T999', code: '9999' } as Record<string, string>)[n] ?? 'no-such-id-0001');
}

test('Origin allowlist on every REST route: foreign origins get 403 ORIGIN_REFUSED and no CORS headers; allowed ones are let in', async () => {
  const hub = await startTestHub({ ALLOWED_ORIGINS: ALLOWED });
  try {
    const store = await createStore(hub);
    const own = `http://127.0.0.1:${hub.port}`;
    for (const route of routeTable(hub.services)) {
      const hasBody = route.method === 'post' || route.method === 'patch';
      const path = harmless(route.path);
      const method = route.method.toUpperCase();
      for (const origin of FOREIGN) {
        const res = await fetch(hub.url + path, {
          method, headers: { origin, authorization: `Bearer ${store.supervisor.token}`, ...(hasBody ? { 'content-type': 'application/json' } : {}) }, ...(hasBody ? { body: '{}' } : {}),
        });
        const body = await res.json();
        assert.is(res.status, 403, `${method} ${path} from ${origin}: ${JSON.stringify(body)}`);
        assert.is(body.code, 'ORIGIN_REFUSED');
        assert.is(res.headers.get('access-control-allow-origin'), null, `${origin} got CORS`);
      }
      for (const origin of [ALLOWED, own]) {
        // Logging out would end the caller: that route gets a session of its own.
        const token = routeKey(route) === 'DELETE /api/session' ? (await login(hub.url, store.storeId, '1001', PINS.supervisor)).token : store.supervisor.token;
        const res = await fetch(hub.url + path, {
          method, headers: { origin, authorization: `Bearer ${token}`, ...(hasBody ? { 'content-type': 'application/json' } : {}) }, ...(hasBody ? { body: '{}' } : {}),
        });
        const body = await res.json();
        assert.is.not(body?.code, 'ORIGIN_REFUSED', `${method} ${path} from ${origin}`);
        assert.ok(res.status < 500, `${method} ${path}: ${res.status}`);
        if (origin === ALLOWED) assert.is(res.headers.get('access-control-allow-origin'), ALLOWED);
      }
    }
    // Preflights: only the allowed origin gets CORS answers.
    const pre = (origin: string) => fetch(`${hub.url}/api/products`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' } });
    const okPre = await pre(ALLOWED);
    assert.is(okPre.status, 204);
    assert.is(okPre.headers.get('access-control-allow-origin'), ALLOWED);
    assert.match(okPre.headers.get('access-control-allow-headers') ?? '', /authorization/);
    for (const origin of FOREIGN) assert.is((await pre(origin)).headers.get('access-control-allow-origin'), null, origin);
  } finally {
    await hub.close();
  }
});

test('Origin allowlist for the live connection: foreign origins cannot open a socket (WebSocket: connect_error ORIGIN_REFUSED; polling: refused at the HTTP level); allowed ones can', async (ctx) => {
  const hub = await startTestHub({ ALLOWED_ORIGINS: ALLOWED });
  try {
    const store = await createStore(hub);
    const seqBefore = await eventSeq(hub.redis, store.storeId);
    const presenceBefore = await hub.redis.hgetall(storeKeys(store.storeId).presence);
    const attempt = (transport: string, origin?: string) =>
      new Promise<{ connected: boolean; error?: string; data?: unknown }>((resolve) => {
        const s: Socket = io(hub.url, {
          auth: { token: store.cashier.token, protocolVersion: PROTOCOL_VERSION }, transports: [transport], forceNew: true, reconnection: false,
          ...(origin ? { extraHeaders: { origin } } : {}),
        });
        const done = (v: { connected: boolean; error?: string; data?: unknown }) => {
          s.close();
          resolve(v);
        };
        s.on('connect', () => done({ connected: true }));
        s.on('connect_error', (e: Error & { data?: unknown }) => done({ connected: false, error: e.message, data: e.data }));
        setTimeout(() => done({ connected: false, error: 'timeout' }), 3_000);
      });
    for (const transport of ['websocket', 'polling']) {
      for (const origin of FOREIGN) {
        const r = await attempt(transport, origin);
        assert.is(r.connected, false, `${transport} from ${origin}`);
        assert.not.ok(r.error === 'timeout', `${transport} from ${origin}: no answer`);
        if (transport === 'websocket') {
          // a reason the register can show, not a transport error it would retry forever
          assert.equal(r.data, { code: 'ORIGIN_REFUSED', message: `this hub does not accept connections from ${origin}` }, `websocket from ${origin}`);
        } else {
          assert.is(r.data, undefined, `polling from ${origin}`);
        }
      }
    }
    // Nothing of the store was touched: no socket was let in (so none joined its room), no presence, no event.
    assert.is(hub.live.io.of('/').sockets.size, 0, 'a foreign socket was let in');
    assert.is((await hub.live.io.local.in(`store:${store.storeId}`).fetchSockets()).length, 0, 'a foreign socket joined the store');
    assert.is(await eventSeq(hub.redis, store.storeId), seqBefore, 'events were written');
    assert.equal(await hub.redis.hgetall(storeKeys(store.storeId).presence), presenceBefore, 'presence changed');
    for (const transport of ['websocket', 'polling']) {
      for (const origin of [ALLOWED, `http://127.0.0.1:${hub.port}`, undefined]) {
        const r = await attempt(transport, origin);
        assert.is(r.connected, true, `${transport} from ${origin}: ${r.error}`);
      }
    }
    // What a browser's polling request gets: 403 naming the reason, and no CORS header.
    const raw = await fetch(`${hub.url}/socket.io/?EIO=4&transport=polling`, { headers: { origin: FOREIGN[0]! } });
    assert.is(raw.status, 403);
    assert.match(await raw.text(), /ORIGIN_REFUSED/);
    assert.is(raw.headers.get('access-control-allow-origin'), null);
    // An allowed origin's register works end to end.
    const s = await register(ctx, hub.url, store.cashier.token!, { extraHeaders: { origin: ALLOWED } });
    await s.ready();
    assert.is((await s.request('sync', { lastSeq: s.state.seq })).ok, true);
    s.close();
  } finally {
    await hub.close();
  }
});

test('security headers (helmet) on answers, errors and the web app; no x-powered-by', async ({ hub }) => {
  const store = await createStore(hub);
  const tries: [string, RequestInit & { expect: number }][] = [
    ['/api/version', { expect: 200 }],
    ['/healthz', { expect: 200 }],
    ['/api/products', { expect: 401 }],
    ['/api/nope', { expect: 404 }],
    ['/api/customers', { method: 'POST', headers: { authorization: `Bearer ${store.cashier.token}`, 'content-type': 'application/json' }, body: '{"name":', expect: 400 }],
    ['/api/customers', { method: 'POST', headers: { authorization: `Bearer ${store.cashier.token}`, 'content-type': 'text/plain' }, body: 'x', expect: 415 }],
  ];
  const app = await fetch(`${hub.url}/`);
  if (app.status === 200) tries.push(['/', { expect: 200 }]);
  for (const [path, init] of tries) {
    const res = await fetch(hub.url + path, init);
    assert.is(res.status, init.expect, path);
    const h = (n: string) => res.headers.get(n) ?? '';
    const csp = h('content-security-policy');
    for (const d of ["default-src 'self'", "object-src 'none'", "frame-ancestors 'self'", "script-src 'self'", "base-uri 'self'", "form-action 'self'"]) {
      assert.ok(csp.includes(d), `${path}: CSP lacks ${d}: ${csp}`);
    }
    assert.not.ok(/script-src[^;]*'unsafe-(inline|eval)'/.test(csp), `${path}: scripts may run inline: ${csp}`);
    assert.is(h('x-content-type-options'), 'nosniff', path);
    assert.is(h('x-frame-options'), 'SAMEORIGIN', path);
    assert.match(h('strict-transport-security'), /max-age=\d+/, path);
    assert.is(h('referrer-policy'), 'no-referrer', path);
    assert.is(h('cross-origin-opener-policy'), 'same-origin', path);
    assert.is(h('cross-origin-resource-policy'), 'same-origin', path);
    assert.is(h('x-dns-prefetch-control'), 'off', path);
    assert.is(h('x-permitted-cross-domain-policies'), 'none', path);
    assert.is(res.headers.get('x-powered-by'), null, path);
    if (path.startsWith('/api') || path === '/healthz') assert.match(h('content-type'), /^application\/json/, path);
    await res.arrayBuffer();
  }
});

// ---------------------------------------------------------------- PIN guessing across hub processes

test('LOGIN_ATTEMPTS=3 on two hub processes sharing Redis: wrong PINs split across both are throttled per staff member and per address', async (ctx) => {
  const [h1, h2] = await Promise.all([spawnHub({ LOGIN_ATTEMPTS: '3' }), spawnHub({ LOGIN_ATTEMPTS: '3' })]);
  ctx.spawned.push(h1!, h2!);
  // Stores are made through the unthrottled in-process hub (same Redis).
  const store = await createStore(ctx.hub);
  const hubs = [h1!.url, h2!.url];
  const attempt = (from: string, hubIndex: number, staffCode: string, pin: string) =>
    callFrom(from, hubs[hubIndex % 2]!, 'POST', '/api/sessions', { storeId: store.storeId, staffCode, pin });

  // Per staff member: 3 wrong PINs, alternating hubs and addresses; the 4th try is 429 on either hub, right PIN or not.
  for (let i = 0; i < 3; i++) {
    const r = await attempt(ownAddress(), i, '2001', '0000');
    assert.is(r.status, 401, `wrong PIN ${i + 1} on hub ${(i % 2) + 1}: ${r.text}`);
    assert.is(r.body.code, 'INVALID_CREDENTIALS');
  }
  for (const [i, pin] of [[0, '0000'], [1, PINS.cashier], [0, PINS.cashier]] as const) {
    const r = await attempt(ownAddress(), i, '2001', pin);
    assert.is(r.status, 429, `hub ${i + 1} after 3 wrong PINs on both: ${r.text}`);
    assert.is(r.body.code, 'TOO_MANY_ATTEMPTS');
    assert.ok(r.body.details.retryAfterMs > 0);
  }
  // Someone else is not blocked.
  assert.is((await attempt(ownAddress(), 1, '2002', PINS.cashier2)).status, 201);

  // Per address: 4 x 3 wrong PINs over many staff codes, split across both hubs; then that address is blocked.
  const from = ownAddress();
  for (let i = 0; i < 12; i++) {
    const r = await attempt(from, i, `77${i}`, '0000');
    assert.is(r.status, 401, `attempt ${i + 1}: ${r.text}`);
  }
  for (const i of [0, 1]) {
    const r = await attempt(from, i, '3001', PINS.clerk);
    assert.is(r.status, 429, `hub ${i + 1}: ${r.text}`);
    assert.is(r.body.code, 'TOO_MANY_ATTEMPTS');
  }
  assert.is((await attempt(ownAddress(), 0, '3001', PINS.clerk)).status, 201, 'another address is not blocked');

  // Pairing codes too: 4 x 3 wrong codes from one address across both hubs, then 429.
  const pairFrom = ownAddress();
  for (let i = 0; i < 12; i++) {
    const r = await callFrom(pairFrom, hubs[i % 2]!, 'POST', '/api/terminals/pair', { storeId: store.storeId, code: String(10_000_000 + i) });
    assert.is(r.status, 409, r.text);
  }
  const blocked = await callFrom(pairFrom, hubs[1]!, 'POST', '/api/terminals/pair', { storeId: store.storeId, code: '00000000' });
  assert.is(blocked.status, 429, blocked.text);
});

// ---------------------------------------------------------------- logs

test('tokens, PINs and pairing codes never appear in the logs of a hub at LOG_LEVEL=debug', async (ctx) => {
  const hub = await spawnHub({ LOG_LEVEL: 'debug' });
  ctx.spawned.push(hub);
  const secrets: string[] = [ADMIN_TOKEN];
  const keep = (...s: string[]) => {
    for (const x of s) {
      secrets.push(x);
      if (x.includes('.')) secrets.push(x.split('.')[1]!); // the random part of a token on its own
    }
  };
  const storeId = uniqueStoreId('logs');
  const pins = { supervisor: '73194628', cashier: '58203917', changed: '31415926', wrong: ['90817263', '11223344556'], bodyOnly: '66778899' };
  secrets.push(pins.supervisor, pins.cashier, pins.changed, ...pins.wrong, pins.bodyOnly);
  const admin = new Client(hub.url, ADMIN_TOKEN);
  assert.is((await admin.post('/api/admin/stores', { storeId, name: 'Logs', supervisor: { code: '1001', name: 'Sue', pin: pins.supervisor } })).status, 201);
  const supervisor = await login(hub.url, storeId, '1001', pins.supervisor);
  keep(supervisor.token!);
  assert.is((await supervisor.post('/api/staff', { code: '2001', name: 'Cal', role: 'cashier', pin: pins.cashier })).status, 201);
  const code = (await supervisor.post('/api/pairing-codes', { terminalName: 'Logs register' })).body.code as string;
  secrets.push(code);
  const paired = await new Client(hub.url).post('/api/terminals/pair', { storeId, code });
  assert.is(paired.status, 201);
  keep(paired.body.deviceToken);
  const cashier = await login(hub.url, storeId, '2001', pins.cashier, paired.body.deviceToken);
  keep(cashier.token!);
  // Failures of every kind: wrong PINs, a bad device token, unknown and malformed bearer tokens, bad JSON with a PIN in it.
  for (const pin of pins.wrong) assert.is((await new Client(hub.url).post('/api/sessions', { storeId, staffCode: '2001', pin })).status, 401);
  const fakeDevice = `${storeId}.${randomBytes(32).toString('base64url')}`;
  keep(fakeDevice);
  assert.is((await new Client(hub.url, undefined, fakeDevice).post('/api/sessions', { storeId, staffCode: '2001', pin: pins.cashier })).status, 401);
  const fakeToken = `${storeId}.${randomBytes(32).toString('base64url')}`;
  keep(fakeToken);
  assert.is((await new Client(hub.url, fakeToken).get('/api/products')).status, 401);
  assert.is((await new Client(hub.url, `${fakeToken}junk`).get('/api/nope')).status, 404);
  assert.is((await new Client(hub.url).call('POST', '/api/sessions', `{"storeId":"${storeId}","staffCode":"2001","pin":"${pins.bodyOnly}"`)).status, 400);
  assert.is((await new Client(hub.url).call('POST', '/api/sessions', { storeId, staffCode: '2001', pin: pins.bodyOnly, extra: 1 })).status, 400);
  assert.is((await cashier.get('/api/products')).status, 200);
  assert.is((await cashier.post('/api/holds', { productId: 1, serial: 'X', saleId: newSaleId() })).status, 404);
  // The live side: a register connects and works, a bad token is refused.
  const live = await register(ctx, hub.url, cashier.token!);
  await live.ready();
  const { sale } = await live.request('sale:open', {});
  await live.request('sale:addLine', { saleId: sale.saleId, productId: 999, quantity: 1 }).catch(() => undefined);
  await live.request('sync', { lastSeq: -1 } as never).catch(() => undefined);
  const refused = await register(ctx, hub.url, fakeToken);
  await until(() => refused.status === 'refused', 3_000, 'the bad socket token refused');
  refused.close();
  // A PIN change and a logout.
  assert.is((await supervisor.patch('/api/staff/2001', { pin: pins.changed })).status, 200);
  const again = await login(hub.url, storeId, '2001', pins.changed);
  keep(again.token!);
  assert.is((await again.delete('/api/session')).status, 200);
  live.close();
  await hub.kill();

  const out = hub.output();
  assert.ok(out.length > 500, `the hub logged almost nothing (${out.length} chars): is LOG_LEVEL=debug honoured?`);
  assert.ok(/"level":20/.test(out), 'no debug lines were logged');
  const leaked = secrets.filter((s) => out.includes(s));
  assert.equal(leaked, [], `secrets in the log: ${leaked.join(', ')}`);
});

test.run();
