/**
 * The role matrix: every route of the hub's route table, called by every kind of caller, answers as the
 * hand-written table in test/helpers/decided-access.ts says (not as server/access.ts says: the test must catch
 * a permission widened there). A route added to the hub fails here until its line is decided.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ROLES, type Role } from '../../protocol/schemas.js';
import { allows, PERMISSIONS, type Permission } from '../../server/access.js';
import { routeTable } from '../../server/routes.js';
import { DECIDED_ROUTES, decidedAllows } from '../helpers/decided-access.js';
import { ADMIN_TOKEN, Client, createStore, login, PINS, productWithStock, startTestHub, type TestStore } from '../helpers/hub.js';

type TestHub = Awaited<ReturnType<typeof startTestHub>>;
type Ctx = { hub: TestHub };
const test = suite<Ctx>('roles');

test.before(async (ctx) => {
  ctx.hub = await startTestHub();
});
test.after(async (ctx) => {
  await ctx.hub.close();
});

/** Who calls: nobody, the operator, and staff of each role (at a register or in the back office). */
interface CallerKind {
  name: string;
  role: Role | null;
  operator?: boolean;
  atRegister: boolean;
  client: Client;
}

type Outcome = 'allowed' | 'unauthenticated' | 'forbidden';

function expectedOutcome(route: { method: string; path: string }, caller: CallerKind): Outcome {
  const decided = DECIDED_ROUTES[key(route)];
  if (decided === 'public') return 'allowed';
  if (decided === 'admin') return caller.operator ? 'allowed' : 'unauthenticated';
  if (!caller.role) return 'unauthenticated';
  return decidedAllows(decided, caller.role) ? 'allowed' : 'forbidden';
}

const PUBLIC_ROUTES = ['GET /api/version', 'POST /api/sessions', 'POST /api/terminals/pair'];
const key = (r: { method: string; path: string }) => `${r.method.toUpperCase()} ${r.path}`;

test('every route names a known access (deny by default), once, under /api', ({ hub }) => {
  const routes = routeTable(hub.services);
  assert.ok(routes.length > 0);
  const seen = new Set<string>();
  for (const r of routes) {
    assert.ok(r.path.startsWith('/api/'), key(r));
    assert.not.ok(seen.has(key(r)), `duplicate route ${key(r)}`);
    seen.add(key(r));
    const known = r.access === 'public' || r.access === 'admin' || r.access === 'session' || Object.hasOwn(PERMISSIONS, r.access);
    assert.ok(known, `${key(r)} has access ${String(r.access)}, which is not in the permission table`);
    assert.type(r.handler, 'function');
  }
  // Public routes are exactly these: anything else needs a login or the operator token.
  assert.equal(routes.filter((r) => r.access === 'public').map(key).sort(), [...PUBLIC_ROUTES].sort());
  assert.equal(routes.filter((r) => r.access === 'admin').map(key), ['POST /api/admin/stores']);
});

test('every route of the hub has its roles decided by hand, and nothing decided is missing from the hub', ({ hub }) => {
  const routes = routeTable(hub.services).map(key).sort();
  assert.equal(routes, Object.keys(DECIDED_ROUTES).sort());
});

test('the permission table names only real roles, and allows() denies anything it does not list', () => {
  for (const [permission, roles] of Object.entries(PERMISSIONS)) {
    assert.ok(roles.length > 0, permission);
    for (const role of roles) assert.ok((ROLES as readonly string[]).includes(role), `${permission}: ${role}`);
    for (const role of ROLES) assert.is(allows(role, permission as Permission), (roles as readonly string[]).includes(role));
  }
  for (const bogus of ['nope', 'products:delete', 'constructor', 'toString', '__proto__', 'hasOwnProperty', '']) {
    for (const role of ROLES) assert.is(allows(role, bogus as Permission), false, `${role} ${bogus}`);
  }
  for (const bogusRole of ['admin', 'root', '', 'constructor']) {
    for (const permission of Object.keys(PERMISSIONS)) assert.is(allows(bogusRole as Role, permission as Permission), false);
  }
});

/** Plausible path parameters: real ids where a call cannot harm the matrix, made-up ones elsewhere. */
function fillPath(path: string, ids: { productId: number; customerId: number; receiptId: string }): string {
  return path.replace(/:(\w+)/g, (_, name: string) => {
    switch (name) {
      case 'productId': return String(ids.productId);
      case 'customerId': return String(ids.customerId);
      case 'receiptId': return ids.receiptId;
      case 'saleId': return 'no-such-sale-0001';
      case 'returnId': return 'no-such-return-0001';
      case 'serial': return 'MATRIX-1';
      case 'number': return '999999';
      // Never a real register or staff member: the matrix callers' sessions must survive.
      case 'terminalId': return 'T999';
      case 'code': return '9999';
      default: throw new Error(`the role matrix does not know path parameter :${name}: add it to fillPath`);
    }
  });
}

async function callers(hub: TestHub, store: TestStore): Promise<CallerKind[]> {
  // A register of the matrix's own for the supervisor (the store's register 1 went to the cashier).
  const code = await store.supervisor.post('/api/pairing-codes', { terminalName: 'Matrix register' });
  const paired = await new Client(hub.url).post('/api/terminals/pair', { storeId: store.storeId, code: code.body.code });
  assert.is(paired.status, 201);
  const supervisorAtRegister = await login(hub.url, store.storeId, '1001', PINS.supervisor, paired.body.deviceToken);
  return [
    { name: 'no login', role: null, atRegister: false, client: new Client(hub.url) },
    { name: 'operator token', role: null, operator: true, atRegister: false, client: new Client(hub.url, ADMIN_TOKEN) },
    { name: 'cashier at register', role: 'cashier', atRegister: true, client: store.cashier },
    { name: 'stock clerk', role: 'stock_clerk', atRegister: false, client: store.clerk },
    { name: 'supervisor at register', role: 'supervisor', atRegister: true, client: supervisorAtRegister },
    { name: 'supervisor (back office)', role: 'supervisor', atRegister: false, client: store.supervisor },
  ];
}

test('role matrix: every route x every caller answers as decided (test/helpers/decided-access.ts)', async ({ hub }) => {
  const store = await createStore(hub);
  const product = await productWithStock(store, { serialMode: 'enforced' }, ['MATRIX-1', 'MATRIX-2']);
  const customer = await store.cashier.post('/api/customers', { name: 'Matrix Customer' });
  assert.is(customer.status, 201);
  const receipt = await store.clerk.post('/api/receipts', { receiptId: 'matrix-receipt-1', lines: [{ productId: product.id, quantity: 1, serials: ['MATRIX-3'] }] });
  assert.is(receipt.status, 201, JSON.stringify(receipt.body));
  const ids = { productId: product.id, customerId: customer.body.customer.id as number, receiptId: 'matrix-receipt-1' };

  const routes = routeTable(hub.services);
  // Logging out ends the caller's session: those routes go last.
  const ordered = [...routes.filter((r) => key(r) !== 'DELETE /api/session'), ...routes.filter((r) => key(r) === 'DELETE /api/session')];
  const kinds = await callers(hub, store);
  const covered = new Map<string, Set<string>>();
  const problems: string[] = [];
  let calls = 0;

  for (const route of ordered) {
    for (const caller of kinds) {
      const path = fillPath(route.path, ids);
      const hasBody = route.method === 'post' || route.method === 'patch';
      const r = await caller.client.call(route.method.toUpperCase(), path, hasBody ? {} : undefined);
      calls++;
      const where = `${key(route)} [${route.access}] as ${caller.name} -> ${r.status} ${JSON.stringify(r.body)?.slice(0, 200)}`;
      if (!covered.has(key(route))) covered.set(key(route), new Set());
      covered.get(key(route))!.add(caller.name);

      if (r.status >= 500) problems.push(`server error: ${where}`);
      if (r.status >= 400 && (typeof r.body?.code !== 'string' || typeof r.body?.message !== 'string')) {
        problems.push(`error without {code, message}: ${where}`);
      }
      if (r.body?.code === 'ROUTE_NOT_FOUND') problems.push(`route is not mounted: ${where}`);

      const expected = expectedOutcome(route, caller);
      if (expected === 'unauthenticated') {
        if (r.status !== 401 || r.body?.code !== 'UNAUTHENTICATED') problems.push(`expected 401 UNAUTHENTICATED: ${where}`);
      } else if (expected === 'forbidden') {
        if (r.status !== 403 || r.body?.code !== 'FORBIDDEN') problems.push(`expected 403 FORBIDDEN: ${where}`);
      } else {
        // Allowed: never refused for who the caller is. A back-office session may be told a register is
        // needed (TERMINAL_REQUIRED), which is about where, not who.
        const terminalOnly = r.status === 403 && r.body?.code === 'TERMINAL_REQUIRED' && !caller.atRegister && caller.role !== null;
        if (r.status === 401 || (r.status === 403 && !terminalOnly)) problems.push(`expected to be let in: ${where}`);
      }
    }
  }

  assert.equal(problems, [], problems.join('\n'));
  // The matrix covered every route of the table, with every caller.
  assert.is(calls, routes.length * kinds.length);
  assert.equal([...covered.keys()].sort(), routes.map(key).sort());
  for (const [route, names] of covered) assert.is(names.size, kinds.length, route);
  // Nothing in the matrix touched the store's stock or registers (the matrix callers have logged out by now).
  const supervisor = await login(hub.url, store.storeId, '1001', PINS.supervisor);
  const p = await supervisor.get(`/api/products/${product.id}`);
  assert.is(p.body.product.stock, 3);
  assert.is(p.body.product.held, 0);
  const terminals = await supervisor.get('/api/terminals');
  assert.ok((terminals.body.items as any[]).every((t) => t.revokedAt === undefined));
});

test('allowed roles really can: each permission works end to end for a role that holds it', async ({ hub }) => {
  const store = await createStore(hub);
  const product = await productWithStock(store, { serialMode: 'enforced' }, ['OK-1']);
  const sale = { productId: product.id, serial: 'OK-1', saleId: 'role-sale-0001' };
  const hold = await store.cashier.post('/api/holds', sale);
  assert.is(hold.status, 201, JSON.stringify(hold.body));
  const done = await store.cashier.post('/api/sales', {
    saleId: sale.saleId, lines: [{ productId: product.id, quantity: 1, serials: [{ serial: 'OK-1', token: hold.body.hold.token }] }],
    payments: [{ method: 'card', amountCents: product.priceCents }],
  });
  assert.is(done.status, 200, JSON.stringify(done.body));
  // The stock clerk may read the invoice but not return it.
  assert.is((await store.clerk.get(`/api/invoices/${sale.saleId}`)).status, 200);
  const clerkReturn = await store.clerk.post('/api/returns', { returnId: 'role-return-0001', saleId: sale.saleId, lines: [{ line: 0, quantity: 1, serials: ['OK-1'] }] });
  assert.is(clerkReturn.status, 403);
  assert.is(clerkReturn.body.code, 'FORBIDDEN');
  const ret = await store.cashier.post('/api/returns', { returnId: 'role-return-0001', saleId: sale.saleId, lines: [{ line: 0, quantity: 1, serials: ['OK-1'] }] });
  assert.is(ret.status, 200, JSON.stringify(ret.body));
  assert.is((await store.clerk.get('/api/returns/role-return-0001')).status, 200);
  // A cashier cannot manage staff or registers, nor create products.
  for (const [m, p, b] of [['POST', '/api/staff', { code: '4001', name: 'X', role: 'supervisor', pin: '4444' }], ['POST', '/api/pairing-codes', { terminalName: 'Sneaky' }], ['POST', '/api/products', { partNumber: 'X-1', name: 'X', priceCents: 1, serialMode: 'none' }]] as const) {
    const r = await store.cashier.call(m, p, b);
    assert.is(r.status, 403, p);
    assert.is(r.body.code, 'FORBIDDEN');
  }
  // A valid body does not change the answer for a refused role, and nothing is written.
  assert.is((await store.supervisor.get('/api/staff')).body.items.length, 4);
});

test.run();
