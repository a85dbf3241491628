/**
 * Bad input gets a clear, typed error (hard rule 5): malformed JSON, wrong content types, oversized bodies,
 * unknown routes, invalid fields and parameters, foreign origins. None of it is a 500, none of it writes,
 * and every error body is {code, message}.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { storeKeys, storePrefix } from '../../server/store/keys.js';
import { ADMIN_TOKEN, Client, createStore, productWithStock, startTestHub, uniqueStoreId, type Reply, type TestStore } from '../helpers/hub.js';
import { rawRequest } from '../helpers/http.js';

type TestHub = Awaited<ReturnType<typeof startTestHub>>;
interface Snapshot { seq: string | null; keys: number; products: number }
type Ctx = { hub: TestHub; store: TestStore; productId: number; customerId: number; before: Snapshot };
const test = suite<Ctx>('bad-input');

/** Every reply of this file, to check at the end that none was a 500 and every error had {code, message}. */
const replies: { what: string; status: number; body: any }[] = [];
function seen<T extends { status: number; body: any }>(what: string, r: T): T {
  replies.push({ what, status: r.status, body: r.body });
  return r;
}

async function snapshot(hub: TestHub, storeId: string): Promise<Snapshot> {
  let keys = 0;
  let cursor = '0';
  do {
    const [next, batch] = await hub.redis.scan(cursor, 'MATCH', `${storePrefix(storeId)}*`, 'COUNT', 1000);
    keys += batch.length;
    cursor = next;
  } while (cursor !== '0');
  return {
    seq: await hub.redis.hget(storeKeys(storeId).meta, 'seq'),
    keys,
    products: await hub.redis.zcard(storeKeys(storeId).products),
  };
}

function refused(r: Reply | { status: number; body: any }, status: number, code: string, what: string) {
  assert.is(r.status, status, `${what}: ${JSON.stringify(r.body)?.slice(0, 300)}`);
  assert.type(r.body, 'object', what);
  assert.is(r.body.code, code, `${what}: ${JSON.stringify(r.body)?.slice(0, 300)}`);
  assert.type(r.body.message, 'string', what);
}

/** A schema failure names each problem: `details.issues` of {path, message}. */
function validationFailed(r: Reply, what: string) {
  refused(r, 400, 'VALIDATION_FAILED', what);
  if (r.body.details?.issues !== undefined) {
    assert.ok(Array.isArray(r.body.details.issues) && r.body.details.issues.length > 0, what);
    for (const i of r.body.details.issues) {
      assert.type(i.path, 'string', what);
      assert.type(i.message, 'string', what);
    }
  }
}

test.before(async (ctx) => {
  ctx.hub = await startTestHub();
  ctx.store = await createStore(ctx.hub);
  ctx.productId = (await productWithStock(ctx.store, { serialMode: 'enforced' }, ['BAD-1', 'BAD-2'])).id;
  const c = await ctx.store.cashier.post('/api/customers', { name: 'Bad Input' });
  ctx.customerId = c.body.customer.id;
  ctx.before = await snapshot(ctx.hub, ctx.store.storeId);
});
test.after(async (ctx) => {
  await ctx.hub.close();
});

test('malformed JSON is 400 BAD_JSON, logged in or not', async ({ hub, store }) => {
  const bodies = ['{"storeId":', '{storeId: "x"}', "{'a':1}", '{"a":1,}', '{"a":1}}', '\u0000', 'undefined', '{"a":"\\x"}', '{"a":01}'];
  for (const raw of bodies) {
    refused(seen(`login ${raw}`, await new Client(hub.url).call('POST', '/api/sessions', raw)), 400, 'BAD_JSON', `login ${raw}`);
    refused(seen(`product ${raw}`, await store.supervisor.call('POST', '/api/products', raw)), 400, 'BAD_JSON', `product ${raw}`);
    refused(seen(`patch ${raw}`, await store.supervisor.call('PATCH', '/api/staff/2001', raw)), 400, 'BAD_JSON', `patch ${raw}`);
  }
  // Strict JSON: only objects and arrays at the top.
  for (const raw of ['"text"', '123', 'null', 'true']) {
    refused(seen(`scalar ${raw}`, await store.supervisor.call('POST', '/api/customers', raw)), 400, 'BAD_JSON', `scalar ${raw}`);
  }
  validationFailed(seen('array body', await store.supervisor.call('POST', '/api/customers', '[]')), 'array body');
  validationFailed(seen('array body login', await new Client(hub.url).call('POST', '/api/sessions', '[{"storeId":"x"}]')), 'array login');
});

test('a body that is not application/json is 415', async ({ hub, store }) => {
  const auth = { authorization: `Bearer ${store.supervisor.token}` };
  const json = JSON.stringify({ name: 'Typed' });
  const types = [
    'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml',
    'application/vnd.api+json', 'text/json', 'application/json; charset=latin1', 'application/json; charset=koi8-r',
  ];
  for (const type of types) {
    const r = seen(type, await rawRequest(hub.url, '/api/customers', { method: 'POST', headers: { ...auth, 'content-type': type }, body: json }));
    refused(r, 415, 'UNSUPPORTED_MEDIA_TYPE', type);
  }
  // No content type at all, with a body, chunked or not.
  refused(seen('no type', await rawRequest(hub.url, '/api/customers', { method: 'POST', headers: auth, body: json })), 415, 'UNSUPPORTED_MEDIA_TYPE', 'no type');
  refused(
    seen('no type, chunked', await rawRequest(hub.url, '/api/customers', { method: 'POST', headers: auth, chunks: [json] })),
    415, 'UNSUPPORTED_MEDIA_TYPE', 'no type, chunked',
  );
  // Unknown content encodings are refused too.
  refused(
    seen('encoding', await rawRequest(hub.url, '/api/customers', { method: 'POST', headers: { ...auth, 'content-type': 'application/json', 'content-encoding': 'compress' }, body: json })),
    415, 'UNSUPPORTED_MEDIA_TYPE', 'content-encoding compress',
  );
  // Even the public login route, and a GET carrying a body.
  refused(seen('login text', await rawRequest(hub.url, '/api/sessions', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{}' })), 415, 'UNSUPPORTED_MEDIA_TYPE', 'login text');
  refused(seen('get text', await rawRequest(hub.url, '/api/products', { method: 'GET', headers: { ...auth, 'content-type': 'text/plain' }, body: 'hi' })), 415, 'UNSUPPORTED_MEDIA_TYPE', 'GET with text');
  // A UTF-16 charset over UTF-8 bytes does not decode to JSON: a typed 400, not a crash.
  refused(
    seen('utf-16', await rawRequest(hub.url, '/api/customers', { method: 'POST', headers: { ...auth, 'content-type': 'application/json; charset=utf-16' }, body: json })),
    400, 'BAD_JSON', 'utf-16 label on utf-8 bytes',
  );
  // JSON with a charset parameter in UTF-8 is fine.
  const ok = await rawRequest(hub.url, '/api/products', { method: 'GET', headers: { ...auth, 'content-type': 'application/json; charset=utf-8' }, body: '{}' });
  assert.is(ok.status, 200, ok.text);
});

test('a body over 8mb is 413 PAYLOAD_TOO_LARGE (with or without a content-length); just under is read', async ({ hub, store }) => {
  const auth = { authorization: `Bearer ${store.clerk.token}`, 'content-type': 'application/json' };
  const serials = Array.from({ length: 700_000 }, (_, i) => `BIG-${String(i).padStart(8, '0')}`);
  const big = JSON.stringify({ lines: [{ productId: 1, quantity: 100_000, serials }] });
  assert.ok(big.length > 8 * 1024 * 1024);
  refused(seen('9mb', await store.clerk.call('POST', '/api/receipts', big)), 413, 'PAYLOAD_TOO_LARGE', 'over 8mb');
  const chunk = Buffer.alloc(1024 * 1024, 'a');
  const chunks = ['{"note":"', ...Array.from({ length: 9 }, () => chunk), '"}'];
  refused(seen('9mb chunked', await rawRequest(hub.url, '/api/receipts', { method: 'POST', headers: auth, chunks })), 413, 'PAYLOAD_TOO_LARGE', 'over 8mb chunked');
  refused(seen('9mb login', await new Client(hub.url).call('POST', '/api/sessions', big)), 413, 'PAYLOAD_TOO_LARGE', 'over 8mb, no login');
  // 7mb is read (and then refused for what it says, not for its size).
  const under = JSON.stringify({ note: 'n'.repeat(7 * 1024 * 1024), lines: [{ productId: 1, quantity: 1 }] });
  validationFailed(seen('7mb', await store.clerk.call('POST', '/api/receipts', under)), 'under 8mb');
});

test('an unknown /api route is 404 ROUTE_NOT_FOUND, with or without a login', async ({ hub, store }) => {
  const anon = new Client(hub.url);
  const tries: [Client, string, string, unknown?][] = [
    [anon, 'GET', '/api/nope'],
    [anon, 'GET', '/api'],
    [anon, 'GET', '/api/'],
    [anon, 'POST', '/api/nope', {}],
    [store.supervisor, 'GET', '/api/nope'],
    [store.supervisor, 'PUT', '/api/products', {}],
    [store.supervisor, 'DELETE', '/api/products'],
    [store.supervisor, 'GET', '/api/products/1/nope'],
    [store.supervisor, 'POST', '/api/admin/nope', {}],
    [store.supervisor, 'GET', '/api/sessions'],
    [store.supervisor, 'GET', '/api/productsx'],
  ];
  for (const [client, method, path, body] of tries) {
    refused(seen(`${method} ${path}`, await client.call(method, path, body)), 404, 'ROUTE_NOT_FOUND', `${method} ${path}`);
  }
});

test('extra fields and __proto__ / constructor keys are VALIDATION_FAILED', async ({ hub, store, productId }) => {
  const product = { partNumber: 'NEW-1', name: 'New', priceCents: 100, serialMode: 'none' };
  const raws: [Client, string, string, string][] = [
    [store.supervisor, 'POST', '/api/products', JSON.stringify({ ...product, extra: 1 })],
    [store.supervisor, 'POST', '/api/products', JSON.stringify(product).replace('{', '{"__proto__":{"serialMode":"enforced"},')],
    [store.supervisor, 'POST', '/api/products', JSON.stringify(product).replace('{', '{"constructor":{"prototype":{"isAdmin":true}},')],
    [store.supervisor, 'POST', '/api/products', JSON.stringify(product).replace('{', '{"prototype":{},')],
    [store.supervisor, 'PATCH', `/api/products/${productId}`, '{"__proto__":{"priceCents":1}}'],
    [store.supervisor, 'PATCH', `/api/products/${productId}`, '{"name":"Renamed","__proto__":{"priceCents":1}}'],
    [store.supervisor, 'PATCH', '/api/staff/2001', '{"__proto__":{"role":"supervisor"}}'],
    [store.supervisor, 'PATCH', '/api/staff/2001', '{"role":"cashier","isAdmin":true}'],
    [store.supervisor, 'POST', '/api/staff', '{"code":"5001","name":"E","role":"cashier","pin":"5555","__proto__":{"role":"supervisor"}}'],
    [store.clerk, 'POST', '/api/receipts', `{"lines":[{"productId":${productId},"quantity":1,"serials":["P-1"],"__proto__":{"quantity":2}}]}`],
    [store.cashier, 'POST', '/api/customers', '{"name":"Eve","__proto__":{"id":1}}'],
    [store.cashier, 'POST', '/api/holds', `{"productId":${productId},"serial":"BAD-1","saleId":"sale-proto-1","terminalId":"T2"}`],
    [new Client(hub.url), 'POST', '/api/sessions', `{"storeId":"${store.storeId}","staffCode":"1001","pin":"1111","__proto__":{"role":"supervisor"}}`],
    [new Client(hub.url), 'POST', '/api/sessions', `{"storeId":"${store.storeId}","staffCode":"1001","pin":"1111","terminalId":"T1"}`],
    [new Client(hub.url, ADMIN_TOKEN), 'POST', '/api/admin/stores', `{"storeId":"${uniqueStoreId('proto')}","name":"P","supervisor":{"code":"1001","name":"S","pin":"1111","__proto__":{"role":"cashier"}}}`],
  ];
  for (const [client, method, path, raw] of raws) {
    const r = seen(`${method} ${path} ${raw}`, await client.call(method, path, raw));
    validationFailed(r, `${method} ${path} ${raw.slice(0, 120)}`);
  }
  assert.is(({} as any).serialMode, undefined, 'Object.prototype was polluted');
  assert.is(({} as any).isAdmin, undefined, 'Object.prototype was polluted');
});

test('wrong types are VALIDATION_FAILED, naming the field', async ({ store, productId, customerId }) => {
  const valid = { partNumber: 'TYPE-1', name: 'Typed', priceCents: 100, serialMode: 'none' };
  const products: [string, unknown][] = [
    ['priceCents', '100'], ['priceCents', true], ['priceCents', null], ['priceCents', [100]], ['priceCents', { v: 1 }],
    ['serialMode', 5], ['serialMode', 'ENFORCED'], ['serialMode', ['none']], ['name', 123], ['name', ''], ['name', '   '],
    ['partNumber', 42], ['partNumber', 'has\nnewline'], ['warrantyReminder', 'yes'], ['warrantyReminder', 1],
    ['warrantyMonths', '12'], ['serialCaseSensitive', 'false'], ['lowStockThreshold', false],
  ];
  for (const [field, value] of products) {
    const r = seen(`product ${field}`, await store.supervisor.post('/api/products', { ...valid, [field]: value }));
    validationFailed(r, `product ${field}=${JSON.stringify(value)}`);
    assert.ok(r.body.details.issues.some((i: { path: string }) => i.path === field), `${field}: ${JSON.stringify(r.body.details)}`);
  }
  const line = { productId, quantity: 1, serials: ['T-1'] };
  const receipts: [string, unknown][] = [
    ['productId', true], ['productId', [productId]], ['productId', String(productId) + ' '], ['productId', '0x1'], ['productId', '1e0'],
    ['productId', null], ['productId', { id: productId }], ['productId', 1.5], ['quantity', '1'], ['quantity', 1.5], ['serials', 'T-1'],
    ['serials', [1]], ['serials', [null]], ['serials', {}],
  ];
  for (const [field, value] of receipts) {
    const r = seen(`receipt ${field}`, await store.clerk.post('/api/receipts', { lines: [{ ...line, [field]: value }] }));
    validationFailed(r, `receipt line ${field}=${JSON.stringify(value)}`);
  }
  for (const lines of ['x', {}, [], null, 7]) {
    validationFailed(seen('lines', await store.clerk.post('/api/receipts', { lines })), `receipt lines=${JSON.stringify(lines)}`);
  }
  const sale = { saleId: 'typed-sale-001', lines: [{ productId, quantity: 1 }], payments: [{ method: 'cash', amountCents: 100 }] };
  const sales: Record<string, unknown>[] = [
    { ...sale, saleId: 12345678 }, { ...sale, customerId: String(customerId) }, { ...sale, customerId: true },
    { ...sale, payments: 'cash' }, { ...sale, payments: [{ method: 'cheque', amountCents: 1 }] },
    { ...sale, payments: [{ method: 'cash', amountCents: '100' }] }, { ...sale, lines: [{ productId, quantity: 1, serials: ['S-1'] }] },
  ];
  for (const body of sales) validationFailed(seen('sale', await store.cashier.post('/api/sales', body)), `sale ${JSON.stringify(body)}`);
  for (const body of [{ active: 'false' }, { active: 0 }, { role: 'admin' }, { role: ['cashier'] }, { pin: 1234 }, { pin: '12' }, { name: 5 }, {}]) {
    validationFailed(seen('staff', await store.supervisor.patch('/api/staff/2001', body)), `staff ${JSON.stringify(body)}`);
  }
  for (const body of [{ terminalName: 5 }, { terminalName: '' }, {}]) {
    validationFailed(seen('pairing', await store.supervisor.post('/api/pairing-codes', body)), `pairing ${JSON.stringify(body)}`);
  }
  for (const body of [{ storeId: store.storeId, code: 12345678 }, { storeId: store.storeId, code: '1234' }, { storeId: 'UPPER', code: '12345678' }]) {
    validationFailed(seen('pair', await new Client(store.supervisor.baseUrl).post('/api/terminals/pair', body)), `pair ${JSON.stringify(body)}`);
  }
});

test('huge strings are VALIDATION_FAILED', async ({ hub, store, productId }) => {
  const mb = 'x'.repeat(1024 * 1024);
  const tries: [Client, string, string, unknown][] = [
    [store.supervisor, 'POST', '/api/products', { partNumber: 'HUGE-1', name: mb, priceCents: 1, serialMode: 'none' }],
    [store.supervisor, 'POST', '/api/products', { partNumber: mb, name: 'Huge', priceCents: 1, serialMode: 'none' }],
    [store.supervisor, 'PATCH', `/api/products/${productId}`, { name: mb }],
    [store.cashier, 'POST', '/api/customers', { name: 'Huge', email: mb }],
    [store.cashier, 'POST', '/api/customers', { name: mb }],
    [store.clerk, 'POST', '/api/receipts', { note: mb, lines: [{ productId, quantity: 1, serials: ['H-1'] }] }],
    [store.clerk, 'POST', '/api/receipts', { lines: [{ productId, quantity: 1, serials: [mb] }] }],
    [store.cashier, 'POST', '/api/holds', { productId, serial: mb, saleId: 'huge-sale-001' }],
    [store.cashier, 'POST', '/api/holds', { productId, serial: 'BAD-1', saleId: mb }],
    [store.supervisor, 'POST', '/api/holds/force-release', { productId, serial: 'BAD-1', reason: mb }],
    [store.supervisor, 'POST', '/api/staff', { code: mb, name: 'Huge', role: 'cashier', pin: '1234' }],
    [store.supervisor, 'POST', '/api/staff', { code: '6001', name: 'Huge', role: 'cashier', pin: '1'.repeat(100_000) }],
    [new Client(hub.url), 'POST', '/api/sessions', { storeId: store.storeId, staffCode: '1001', pin: mb }],
    [new Client(hub.url), 'POST', '/api/sessions', { storeId: mb, staffCode: '1001', pin: '1111' }],
  ];
  for (const [client, method, path, body] of tries) {
    validationFailed(seen(`huge ${method} ${path}`, await client.call(method, path, body)), `huge ${method} ${path}`);
  }
  // Long path parameters and queries.
  for (const path of [`/api/serials/${'S'.repeat(300)}`, `/api/receipts/${'r'.repeat(65)}`, `/api/invoices/${'i'.repeat(65)}`, `/api/products?q=${'q'.repeat(5000)}`, `/api/products/${'9'.repeat(300)}`]) {
    validationFailed(seen(`huge ${path.slice(0, 30)}`, await store.supervisor.get(path)), `huge path ${path.slice(0, 40)}`);
  }
});

test('negative, fractional and enormous numbers are VALIDATION_FAILED', async ({ store, productId }) => {
  const valid = { partNumber: 'NUM-1', name: 'Numbers', priceCents: 100, serialMode: 'none' };
  for (const raw of ['-1', '1.5', '1e10', '1e308', '1e400', '-1e400', '9007199254740993', '-0.0000001', '1000000001']) {
    const body = JSON.stringify(valid).replace('"priceCents":100', `"priceCents":${raw}`);
    validationFailed(seen(`price ${raw}`, await store.supervisor.call('POST', '/api/products', body)), `priceCents ${raw}`);
  }
  for (const raw of ['0', '-5', '100001', '1e9', '1.0000001', '1e400']) {
    const body = `{"lines":[{"productId":${productId},"quantity":${raw}}]}`;
    validationFailed(seen(`qty ${raw}`, await store.clerk.call('POST', '/api/receipts', body)), `quantity ${raw}`);
  }
  for (const raw of ['0', '-1', '1e20', '1099511627777', '1.5', '1e400']) {
    const body = `{"productId":${raw},"serial":"BAD-1","saleId":"num-sale-0001"}`;
    validationFailed(seen(`pid ${raw}`, await store.cashier.call('POST', '/api/holds', body)), `productId ${raw}`);
  }
  for (const body of [{ warrantyMonths: -1 }, { warrantyMonths: 601 }, { lowStockThreshold: -1 }, { lowStockThreshold: 1e12 }]) {
    validationFailed(seen('patch num', await store.supervisor.patch(`/api/products/${productId}`, body)), `patch ${JSON.stringify(body)}`);
  }
  const sale = { saleId: 'num-sale-0002', lines: [{ productId, quantity: 1 }] };
  for (const amount of [-1, 1.5, 1e15]) {
    validationFailed(seen('pay', await store.cashier.post('/api/sales', { ...sale, payments: [{ method: 'cash', amountCents: amount }] })), `amount ${amount}`);
  }
  for (const line of [-1, 201, 0.5]) {
    validationFailed(
      seen('return line', await store.cashier.post('/api/returns', { returnId: 'num-ret-0001', saleId: 'num-sale-0002', lines: [{ line, quantity: 1 }] })),
      `return line ${line}`,
    );
  }
});

test('NaN-like and malformed path parameters and queries are VALIDATION_FAILED', async ({ store, productId }) => {
  const ids = ['NaN', 'nan', 'Infinity', '-Infinity', '-1', '0', '1.5', '1e3', '0x10', '0b1', '1_000', '%20', '%201', '1%20', 'abc', 'null', 'undefined', '[]', '%5B1%5D', '1,2', '9'.repeat(20), '%00', '%E0%A4%A'];
  for (const id of ids) {
    validationFailed(seen(`product ${id}`, await store.supervisor.get(`/api/products/${id}`)), `GET /api/products/${id}`);
    validationFailed(seen(`serials ${id}`, await store.supervisor.get(`/api/products/${id}/serials`)), `GET /api/products/${id}/serials`);
    validationFailed(seen(`patch ${id}`, await store.supervisor.patch(`/api/products/${id}`, { name: 'X' })), `PATCH /api/products/${id}`);
    validationFailed(seen(`customer ${id}`, await store.supervisor.get(`/api/customers/${id}`)), `GET /api/customers/${id}`);
    validationFailed(seen(`history ${id}`, await store.supervisor.get(`/api/customers/${id}/history`)), `GET /api/customers/${id}/history`);
  }
  for (const id of ['short', 'has space%20x', 'semi;colon1', '%2e%2e%2f%2e%2e%2f', 'a'.repeat(65)]) {
    validationFailed(seen(`receipt ${id}`, await store.supervisor.get(`/api/receipts/${id}`)), `GET /api/receipts/${id}`);
    validationFailed(seen(`invoice ${id}`, await store.supervisor.get(`/api/invoices/${id}`)), `GET /api/invoices/${id}`);
    validationFailed(seen(`return ${id}`, await store.supervisor.get(`/api/returns/${id}`)), `GET /api/returns/${id}`);
  }
  for (const code of ['x', 'has-dash', '%00', 'a'.repeat(17)]) {
    validationFailed(seen(`staff ${code}`, await store.supervisor.patch(`/api/staff/${code}`, { name: 'X' })), `PATCH /api/staff/${code}`);
    validationFailed(seen(`staff sessions ${code}`, await store.supervisor.delete(`/api/staff/${code}/sessions`)), `DELETE /api/staff/${code}/sessions`);
  }
  const queries = [
    '/api/products?limit=abc', '/api/products?limit=NaN', '/api/products?limit=0', '/api/products?limit=-1', '/api/products?limit=1.5',
    '/api/products?limit=100000', '/api/products?limit=1&limit=2', '/api/products?q=a&q=b', '/api/products?unknown=1',
    '/api/products?__proto__=1', '/api/products?constructor=1', '/api/products?q[]=x', '/api/products?cursor=abc',
    `/api/products/${productId}/serials?status=bogus`, `/api/products/${productId}/serials?status=sold&q=X&cursor=abc`,
    '/api/invoices?limit=Infinity', '/api/customers?limit=1e400', '/api/holds?terminalId=' + 'T'.repeat(65), '/api/holds?other=1',
  ];
  for (const path of queries) validationFailed(seen(path, await store.supervisor.get(path)), `GET ${path}`);
  // The product itself is still reachable by its plain id.
  assert.is((await store.supervisor.get(`/api/products/${productId}`)).status, 200);
});

test('a foreign Origin is 403 ORIGIN_REFUSED; the hub\'s own and configured origins are not', async ({ hub, store }) => {
  const own = `http://127.0.0.1:${hub.port}`;
  for (const origin of ['https://evil.example', 'null', 'http://127.0.0.1:1', 'http://localhost.evil.example', 'file://', 'not a url']) {
    for (const [client, method, path, body] of [
      [new Client(hub.url), 'GET', '/api/version'],
      [new Client(hub.url), 'POST', '/api/sessions', { storeId: store.storeId, staffCode: '1001', pin: '1111' }],
      [store.supervisor, 'POST', '/api/products', { partNumber: 'ORIGIN-1', name: 'Origin', priceCents: 1, serialMode: 'none' }],
      [store.supervisor, 'POST', '/api/customers', '{"broken'],
    ] as [Client, string, string, unknown?][]) {
      const r = seen(`origin ${origin}`, await client.call(method, path, body, { origin }));
      refused(r, 403, 'ORIGIN_REFUSED', `${origin} ${method} ${path}`);
    }
  }
  assert.is((await new Client(hub.url).call('GET', '/api/version', undefined, { origin: own })).status, 200);
  const configured = await startTestHub({ ALLOWED_ORIGINS: 'https://pos.example, https://office.example' });
  try {
    for (const origin of ['https://pos.example', 'https://office.example']) {
      assert.is((await new Client(configured.url).call('GET', '/api/version', undefined, { origin })).status, 200, origin);
    }
    refused(seen('configured other', await new Client(configured.url).call('GET', '/api/version', undefined, { origin: 'https://pos.example.evil' })), 403, 'ORIGIN_REFUSED', 'lookalike');
  } finally {
    await configured.close();
  }
});

test('after all of it: no 500, every error is {code, message}, the hub is healthy and nothing was written', async ({ hub, store, before }) => {
  assert.ok(replies.length > 300, `only ${replies.length} bad requests were made`);
  for (const r of replies) {
    assert.ok(r.status >= 400 && r.status < 500, `${r.what}: ${r.status} ${JSON.stringify(r.body)?.slice(0, 200)}`);
    assert.type(r.body?.code, 'string', r.what);
    assert.type(r.body?.message, 'string', r.what);
    assert.equal(Object.keys(r.body).filter((k) => !['code', 'message', 'details'].includes(k)), [], r.what);
  }
  const health = await fetch(`${hub.url}/healthz`);
  assert.is(health.status, 200);
  assert.equal(await health.json(), { ok: true });
  const ready = await fetch(`${hub.url}/readyz`);
  assert.is(ready.status, 200);
  const after = await snapshot(hub, store.storeId);
  assert.equal(after.seq, before.seq, 'the store changed (its event sequence moved)');
  assert.equal(after.keys, before.keys, 'the store has new keys');
  assert.is(after.products, before.products);
  assert.is((await store.supervisor.get('/api/products')).body.items.length, 1);
  const serials = await store.supervisor.get(`/api/products/${(await store.supervisor.get('/api/products')).body.items[0].id}/serials`);
  assert.equal(serials.body.items, [{ serial: 'BAD-1' }, { serial: 'BAD-2' }]);
  assert.is((await store.supervisor.get('/api/staff')).body.items.length, 4);
  assert.is((await store.supervisor.get('/api/customers')).body.items.length, 1);
  // Every logged-in caller used above is still logged in (nothing was revoked by bad input).
  for (const c of [store.supervisor, store.cashier, store.clerk]) assert.is((await c.get('/api/session')).status, 200);
});

test.run();
