/**
 * Property-based fuzzing (fast-check) of every REST route in the route table, as a supervisor at a register
 * (the most permissive caller) and as a cashier at a register: wrong types, missing and extra fields, huge
 * strings, deep nesting, `__proto__`/`constructor` keys, unicode edge cases, numbers out of range, arrays for
 * objects, bad path parameters and queries, bad JSON and media types, foreign origins, bodies over the limit
 * and floods. Every answer is below 500 and every error is a known code with its protocol status and a
 * message; a refused request never moves the store's event sequence; a run of only invalid requests writes
 * nothing at all; the hub keeps answering /healthz; the store's invariants hold afterwards.
 * Fixed seeds: replay with FUZZ_SEED=<n>, run longer with FUZZ_RUNS=<multiplier>.
 */
import { connect } from 'node:net';
import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { routeTable, type RouteSpec } from '../../server/routes.js';
import { ADMIN_TOKEN, Client, createStore, login, PINS, productWithStock, startTestHub, type TestStore } from '../helpers/hub.js';
import {
  badJsonText, errorReplyProblems, eventSeq, fuzzed, fuzzJson, httpClient, JsonObject, mutate, nastyKey, nastyNumber, nastyString,
  nastyValue, pct, property, RawJson, storeKeyCount, storeViolations, type HttpReply,
} from '../helpers/fuzz.js';

type TestHub = Awaited<ReturnType<typeof startTestHub>>;

interface Ids {
  storeId: string;
  enforcedId: number;
  solicitId: number;
  noneId: number;
  customerId: number;
  receiptId: string;
  saleId: string;
  returnId: string;
  inStock: string[];
  sold: string;
  victimCode: string;
  victimPin: string;
  victimTerminal: string;
  victimDevice: string;
  /** Registers and staff the fuzz must not unpair or log out (its own callers). */
  protectedTerminals: string[];
  protectedCodes: string[];
}

interface Caller {
  name: string;
  token: string;
  /** For DELETE /api/session: a throwaway back-office login of the same person. */
  staffCode: string;
  pin: string;
}

type Ctx = { hub: TestHub; store: TestStore; ids: Ids; callers: Caller[]; routes: RouteSpec[]; http: ReturnType<typeof httpClient> };
const test = suite<Ctx>('fuzz-rest');

const routeKey = (r: { method: string; path: string }) => `${r.method.toUpperCase()} ${r.path}`;
const FOREIGN_ORIGINS = ['https://evil.example', 'null', 'http://127.0.0.1:1', 'file://', 'http://localhost.evil.example', 'not a url', 'http://127.0.0.1'];

/** A loopback address of this file's own: the login and pairing throttles count per address in the shared Redis. */
const OWN_ADDRESS = `127.91.${process.pid % 250}.${1 + (Date.now() % 250)}`;

/** Valid example bodies and queries of every route (mutated by the fuzzer). A new route must be added here. */
const SPECS: Record<string, (ids: Ids) => { body?: Record<string, unknown>[]; query?: Record<string, string>[] }> = {
  'GET /api/version': () => ({}),
  'POST /api/admin/stores': (ids) => ({ body: [{ storeId: `${ids.storeId}-made`, name: 'Fuzz', supervisor: { code: '1001', name: 'Sue', pin: '1111' } }] }),
  'POST /api/sessions': (ids) => ({
    body: [
      { storeId: ids.storeId, staffCode: ids.victimCode, pin: ids.victimPin },
      { storeId: ids.storeId, staffCode: ids.victimCode, pin: '000000' },
    ],
  }),
  'GET /api/session': () => ({}),
  'DELETE /api/session': () => ({}),
  'POST /api/terminals/pair': (ids) => ({ body: [{ storeId: ids.storeId, code: '00000000' }] }),
  'POST /api/pairing-codes': () => ({ body: [{ terminalName: 'Fuzz register' }] }),
  'GET /api/terminals': () => ({}),
  'DELETE /api/terminals/:terminalId': () => ({}),
  'GET /api/staff': () => ({}),
  'POST /api/staff': () => ({ body: [{ code: '5001', name: 'Fuzzy', role: 'cashier', pin: '5555' }] }),
  'PATCH /api/staff/:code': (ids) => ({ body: [{ name: 'Vic', role: 'cashier', pin: ids.victimPin, active: true }, { name: 'Vic Tim' }] }),
  'DELETE /api/staff/:code/sessions': () => ({}),
  'GET /api/products': () => ({ query: qs({ q: 'fuzz', limit: '10' }, { cursor: '1', limit: '2' }, {}) }),
  'POST /api/products': () => ({
    body: [{
      partNumber: 'FZ-NEW', name: 'Fuzz new', priceCents: 100, serialMode: 'enforced', warrantyReminder: true, warrantyMonths: 12,
      serialCaseSensitive: false, lowStockThreshold: 1,
    }],
  }),
  'GET /api/products/:productId': () => ({}),
  'PATCH /api/products/:productId': () => ({
    body: [{ name: 'Renamed', priceCents: 1234, lowStockThreshold: 2, warrantyMonths: 6 }, { serialMode: 'enforced', serials: ['FZ-MADE-1'] }, { serialMode: 'none' }],
  }),
  'GET /api/products/:productId/serials': () => ({ query: qs({ status: 'available', q: 'FZ', limit: '5' }, { status: 'sold', cursor: '0' }, { status: 'held' }) }),
  'POST /api/receipts': (ids) => ({
    body: [{ receiptId: 'fuzz-rcpt-new1', note: 'n', lines: [{ productId: ids.enforcedId, quantity: 1, serials: ['FZ-NEW-1'] }, { productId: ids.noneId, quantity: 2 }] }],
  }),
  'GET /api/receipts/:receiptId': () => ({}),
  'POST /api/products/:productId/serials/check': (ids) => ({ body: [{ serials: [ids.inStock[0], ids.sold, 'fz-chk-1'] }] }),
  'GET /api/holds': () => ({ query: qs({ terminalId: 'T1' }, {}) }),
  'POST /api/holds': (ids) => ({ body: [{ productId: ids.enforcedId, serial: ids.inStock[0], saleId: 'fuzz-hold-sale-1' }] }),
  'POST /api/holds/renew': () => ({ body: [{ saleId: 'fuzz-hold-sale-1' }, {}] }),
  'POST /api/holds/release': (ids) => ({ body: [{ productId: ids.enforcedId, serial: ids.inStock[0] }] }),
  'POST /api/holds/release-sale': () => ({ body: [{ saleId: 'fuzz-hold-sale-1' }] }),
  'POST /api/holds/force-release': (ids) => ({ body: [{ productId: ids.enforcedId, serial: ids.inStock[0], reason: 'fuzz' }] }),
  'POST /api/sales': (ids) => ({
    body: [{
      saleId: 'fuzz-sale-new1', customerId: ids.customerId,
      lines: [
        { productId: ids.noneId, quantity: 1 },
        { productId: ids.enforcedId, quantity: 1, serials: [{ serial: ids.inStock[1], token: 1 }] },
        { productId: ids.solicitId, quantity: 1, serials: [{ serial: 'SOL-FZ-1' }] },
      ],
      payments: [{ method: 'cash', amountCents: 100_000 }, { method: 'card', amountCents: 1 }],
    }, {
      saleId: 'fuzz-sale-new2', lines: [{ productId: ids.noneId, quantity: 1 }, { productId: ids.solicitId, quantity: 1, serials: [{ serial: 'SOL-FZ-2' }] }],
      payments: [{ method: 'card', amountCents: 800 }],
    }],
  }),
  'GET /api/invoices': () => ({ query: qs({ limit: '5' }, { cursor: '0' }) }),
  'GET /api/invoices/:saleId': () => ({}),
  'GET /api/invoices/number/:number': () => ({}),
  'POST /api/returns': (ids) => ({
    body: [{ returnId: 'fuzz-ret-new1', saleId: ids.saleId, reason: 'r', lines: [{ line: 0, quantity: 1 }, { line: 1, quantity: 1, serials: [ids.sold] }] }],
  }),
  'GET /api/returns/:returnId': () => ({}),
  'GET /api/serials/:serial': () => ({}),
  'GET /api/dashboard': () => ({ query: qs({ since: String(Date.now() - 3_600_000) }) }),
  'GET /api/customers': () => ({ query: qs({ q: 'fuzz' }, { limit: '1' }) }),
  'POST /api/customers': () => ({ body: [{ name: 'Fuzz Customer', phone: '+1 555 0100', email: 'f@example.com' }] }),
  'GET /api/customers/:customerId': () => ({}),
  'GET /api/customers/:customerId/history': () => ({ query: qs({ limit: '5' }) }),
  'GET /api/customers/:customerId/service-records': () => ({}),
};
function qs(...q: Record<string, string>[]): Record<string, string>[] {
  return q;
}
const QUERY_KEYS = new Set(['q', 'cursor', 'limit', 'status', 'terminalId', 'since']);

/** What a path parameter must look like (protocol/schemas.ts), to make one that surely is not. */
const PARAM_VALID: Record<string, (s: string) => boolean> = {
  productId: (s) => /^\d{1,15}$/.test(s) && Number(s) >= 1 && Number(s) <= 2 ** 40,
  customerId: (s) => /^\d{1,15}$/.test(s) && Number(s) >= 1 && Number(s) <= 2 ** 40,
  number: (s) => /^\d{1,15}$/.test(s) && Number(s) >= 1 && Number(s) <= 2 ** 40,
  saleId: (s) => /^[A-Za-z0-9_-]{8,64}$/.test(s),
  receiptId: (s) => /^[A-Za-z0-9_-]{8,64}$/.test(s),
  returnId: (s) => /^[A-Za-z0-9_-]{8,64}$/.test(s),
  code: (s) => /^[A-Za-z0-9]{2,16}$/.test(s),
  terminalId: (s) => s.length >= 1 && s.length <= 64,
  serial: (s) => s.length >= 1 && s.length <= 200,
};
/** Path fragments sent as they are (not percent-encoded): malformed escapes, dot segments, encoded slashes. */
const RAW_FRAGMENTS = ['%', '%E0%A4%A', '%00', '%FF', '%C0%AF', '..', '.', '%2F', '%2e%2e', '%252F', '~', '%u0000', '%0A', "'", ';x'];

/** The string the hub sees after percent-decoding pct(s). */
const decoded = (s: string) => Buffer.from(s, 'utf8').toString('utf8');

function paramPool(name: string, ids: Ids): string[] {
  switch (name) {
    case 'productId': return [String(ids.enforcedId), String(ids.solicitId), String(ids.noneId), '999999'];
    case 'customerId': return [String(ids.customerId), '999999'];
    case 'number': return ['1', '2', '999999'];
    case 'saleId': return [ids.saleId, 'fuzz-hold-sale-1', 'no-such-sale-0001'];
    case 'receiptId': return [ids.receiptId, 'no-such-receipt-01'];
    case 'returnId': return [ids.returnId, 'no-such-return-01'];
    case 'code': return [ids.victimCode, '9999', 'ZZ'];
    case 'terminalId': return [ids.victimTerminal, 'T999', 'T0'];
    case 'serial': return [...ids.inStock.slice(0, 3), ids.sold, 'SOL-FZ-1', ids.inStock[0]!.toLowerCase(), `(01)09506000134352(21)${ids.inStock[2]}`];
    default: throw new Error(`the fuzzer does not know path parameter :${name}: add it to paramPool and PARAM_VALID`);
  }
}

/** Never the fuzz's own callers, whatever the fuzzer makes up. */
function safeParam(name: string, value: string, ids: Ids): boolean {
  const d = decoded(value);
  if (name === 'code') return !ids.protectedCodes.some((c) => c.toUpperCase() === d.trim().toUpperCase());
  if (name === 'terminalId') return !ids.protectedTerminals.some((t) => t.toUpperCase() === d.trim().toUpperCase());
  return true;
}

interface FuzzRequest {
  path: string;
  body?: string | Buffer;
  headers: Record<string, string>;
  /** Which strategy made it (shown on failure). */
  how: string;
}

const paramNames = (path: string) => [...path.matchAll(/:(\w+)/g)].map((m) => m[1]!);

/**
 * Paths and queries stay well under Node's 16 KB limit for the request head: a longer one never reaches the
 * hub (Node answers 431 itself; see the test of over-long request heads).
 */
const MAX_ENCODED = 6_000;
const capped = (p: string) => (p.length > MAX_ENCODED ? p.slice(0, MAX_ENCODED) : p);

/** A path parameter: a real id, a made-up one, a nasty string, or a raw fragment. Encoded unless raw. */
function anyParam(name: string, ids: Ids): fc.Arbitrary<string> {
  return fc
    .oneof(
      { weight: 4, arbitrary: fc.constantFrom(...paramPool(name, ids)).map(pct) },
      { weight: 3, arbitrary: nastyString.filter((s) => s.length > 0).map(pct).map(capped) },
      { weight: 1, arbitrary: fc.nat().map((n) => pct(String(n))) },
      { weight: 1, arbitrary: fc.constantFrom(...RAW_FRAGMENTS) },
    )
    .filter((p) => safeParam(name, p, ids));
}

/** A path parameter its schema refuses (never empty: an empty segment is another route). */
function badParam(name: string, ids: Ids): fc.Arbitrary<string> {
  const valid = PARAM_VALID[name];
  if (!valid) throw new Error(`no validity rule for :${name}`);
  const long = name === 'serial' ? 201 : 65;
  return fc
    .oneof(
      // capped: a cut may leave a broken %-escape, which is refused too; otherwise > 500 characters remain
      nastyString.filter((s) => s.length > 0 && !valid(decoded(s))).map(pct).map(capped),
      fc.constantFrom('%', '%E0%A4%A', '%C0%AF', '%FF%FE'),
      fc.constantFrom('x', '\u{1F642}', '9', '\u0000').map((c) => pct(c.repeat(long + 5))),
    )
    .filter((p) => safeParam(name, p, ids));
}

function pathWith(route: string, params: Record<string, string>): string {
  return route.replace(/:(\w+)/g, (_, n: string) => params[n]!);
}

/** Query strings: the route's valid examples mutated, plus unknown, repeated and array-style keys. */
function anyQuery(examples: Record<string, string>[]): fc.Arbitrary<string> {
  const entry = fc.tuple(fc.oneof(fc.constantFrom(...QUERY_KEYS), nastyKey), fc.oneof(nastyString, nastyNumber.map(String)));
  const fromExample = fc.constantFrom(...examples).chain((ex) =>
    fc.tuple(
      fc.tuple(...Object.entries(ex).map(([k, v]) =>
        fc.oneof(
          { weight: 5, arbitrary: fc.constant([[k, v]] as [string, string][]) },
          { weight: 1, arbitrary: fc.constant([] as [string, string][]) },
          { weight: 2, arbitrary: fc.oneof(nastyString, nastyNumber.map(String)).map((x) => [[k, x]] as [string, string][]) },
          { weight: 1, arbitrary: fc.constant([[k, v], [k, v]] as [string, string][]) },
        ))),
      fc.oneof({ weight: 4, arbitrary: fc.constant([] as [string, string][]) }, { weight: 1, arbitrary: fc.array(entry, { maxLength: 2 }) }),
      fc.oneof({ weight: 6, arbitrary: fc.constant('') }, { weight: 1, arbitrary: fc.constantFrom('q[]=1', 'limit[a]=1', '&&', '=', 'q', '%', 'limit=%00', '__proto__[x]=1', 'a=%E0%A4%A') }),
    ),
  );
  return fromExample.map(([fields, extra, raw]) => {
    const parts = [...fields.flat(), ...extra].map(([k, v]) => capped(`${pct(k)}=${pct(v)}`));
    if (raw) parts.push(raw);
    return parts.length ? `?${parts.join('&')}` : '';
  });
}

/** A query that its strict schema refuses: an unknown key, or a known one twice. */
function badQuery(examples: Record<string, string>[]): fc.Arbitrary<string> {
  return fc.tuple(fc.constantFrom(...examples), fc.oneof(
    nastyKey.filter((k) => k.length > 0 && !QUERY_KEYS.has(k)).map((k) => ({ k, dup: false })),
    fc.constantFrom(...QUERY_KEYS).map((k) => ({ k, dup: true })),
  ), nastyString).map(([ex, { k, dup }, v]) => {
    const parts = Object.entries(ex).filter(([key]) => !dup || key !== k).map(([key, val]) => `${pct(key)}=${pct(val)}`);
    parts.push(capped(`${pct(k)}=${pct(v)}`));
    if (dup) parts.push(capped(`${pct(k)}=${pct(v)}`));
    return `?${parts.join('&')}`;
  });
}

const JSON_TYPES = ['application/json', 'application/json; charset=utf-8', 'Application/JSON', 'application/json;charset=UTF-8'];
const OTHER_TYPES = ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=latin1', 'application/xml', 'text/json', ''];

function invalidUtf8Body(template: Record<string, unknown>): Buffer {
  const text = fuzzJson(template);
  const i = text.indexOf('":"');
  const bad = Buffer.from([0xc3, 0x28, 0xff, 0xfe, 0xed, 0xa0, 0x80, 0xf4, 0x90, 0x80, 0x80, 0xc0, 0xaf]);
  if (i < 0) return Buffer.concat([Buffer.from(text.slice(0, -1)), Buffer.from(',"x":"'), bad, Buffer.from('"}')]);
  return Buffer.concat([Buffer.from(text.slice(0, i + 3)), bad, Buffer.from(text.slice(i + 3))]);
}

/** Requests made only of input the hub must refuse, for one route. */
function invalidRequest(route: RouteSpec, ids: Ids): fc.Arbitrary<FuzzRequest> {
  const spec = SPECS[routeKey(route)]!(ids);
  const names = paramNames(route.path);
  const goodParams = fc.record(Object.fromEntries(names.map((n) => [n, fc.constantFrom(...paramPool(n, ids)).map(pct)]))) as fc.Arbitrary<Record<string, string>>;
  const template = spec.body?.[0] ?? { a: 1 };
  const hasBody = route.method === 'post' || route.method === 'patch';
  const strategies: fc.Arbitrary<FuzzRequest>[] = [
    fc.tuple(goodParams, badJsonText).map(([p, body]) => ({ path: pathWith(route.path, p), body, headers: { 'content-type': 'application/json' }, how: 'bad json' })),
    fc.tuple(goodParams, fc.constantFrom(...OTHER_TYPES)).map(([p, type]) => ({
      path: pathWith(route.path, p), body: fuzzJson(template), headers: type ? { 'content-type': type } : ({} as Record<string, string>), how: `media type ${type}`,
    })),
    fc.tuple(goodParams, fc.constantFrom(...FOREIGN_ORIGINS)).map(([p, origin]) => ({
      path: pathWith(route.path, p), ...(hasBody ? { body: fuzzJson(template) } : {}),
      headers: { origin, ...(hasBody ? { 'content-type': 'application/json' } : {}) },
      how: `origin ${origin}`,
    })),
  ];
  if (hasBody) {
    const bodies = spec.body ?? [template];
    strategies.push(
      fc.tuple(goodParams, fc.constantFrom(...bodies).chain((b) => mutate(b)), nastyKey, nastyValue).map(([p, b, key, value]) => {
        // nastyKey never names a field of any request schema, and every request object is strict.
        let obj: unknown = b;
        if (!(b instanceof JsonObject) && !(b instanceof RawJson) && b !== null && typeof b === 'object' && !Array.isArray(b)) {
          obj = new JsonObject(Object.entries(b as Record<string, unknown>));
        }
        if (obj instanceof JsonObject) obj = obj.with(key, value);
        return { path: pathWith(route.path, p), body: fuzzJson(obj), headers: { 'content-type': 'application/json' }, how: `extra key ${JSON.stringify(key)}` };
      }),
      fc.tuple(goodParams, fc.oneof(fc.array(nastyValue, { maxLength: 3 }), nastyString, nastyNumber, fc.constantFrom(true, false, null), fc.constant(bodies))).map(([p, v]) => ({
        path: pathWith(route.path, p), body: fuzzJson(v), headers: { 'content-type': 'application/json' }, how: 'not an object',
      })),
    );
  }
  if (spec.query) {
    strategies.push(fc.tuple(goodParams, badQuery(spec.query)).map(([p, q]) => ({ path: pathWith(route.path, p) + q, headers: {}, how: 'bad query' })));
  }
  for (const bad of names) {
    const params = fc.record(Object.fromEntries(names.map((n) => [n, n === bad ? badParam(n, ids) : fc.constantFrom(...paramPool(n, ids)).map(pct)]))) as fc.Arbitrary<Record<string, string>>;
    strategies.push(fc.tuple(params, hasBody ? fc.constantFrom(...(spec.body ?? [template])) : fc.constant(undefined)).map(([p, b]) => ({
      path: pathWith(route.path, p), ...(b ? { body: fuzzJson(b) } : {}), headers: b ? { 'content-type': 'application/json' } : ({} as Record<string, string>), how: `bad :${bad}`,
    })));
  }
  return fc.oneof(...strategies);
}

/** Any request for one route: mostly mutated valid input (which may succeed), some of it surely invalid. */
function anyRequest(route: RouteSpec, ids: Ids): fc.Arbitrary<FuzzRequest> {
  const spec = SPECS[routeKey(route)]!(ids);
  const names = paramNames(route.path);
  const params = fc.record(Object.fromEntries(names.map((n) => [n, anyParam(n, ids)]))) as fc.Arbitrary<Record<string, string>>;
  const query = spec.query ? fc.oneof({ weight: 3, arbitrary: anyQuery(spec.query) }, { weight: 1, arbitrary: fc.constant('') }) : fc.constantFrom('', '', '?x=1', '?__proto__=1');
  const hasBody = route.method === 'post' || route.method === 'patch';
  const body: fc.Arbitrary<{ body?: string | Buffer; type?: string; how: string }> = hasBody
    ? fc.oneof(
        { weight: 10, arbitrary: fc.tuple(fuzzed(spec.body!), fc.constantFrom(...JSON_TYPES)).map(([b, type]) => ({ body: fuzzJson(b), type, how: 'mutated' })) },
        { weight: 2, arbitrary: nastyValue.map((v) => ({ body: fuzzJson(v), type: 'application/json', how: 'nasty value' })) },
        { weight: 1, arbitrary: badJsonText.map((t) => ({ body: t, type: 'application/json', how: 'bad json' })) },
        { weight: 1, arbitrary: fc.constantFrom(...spec.body!).map((b) => ({ body: invalidUtf8Body(b), type: 'application/json', how: 'invalid utf-8' })) },
        { weight: 1, arbitrary: fc.constantFrom(...OTHER_TYPES).map((type) => ({ body: fuzzJson(spec.body![0]), type, how: `media type ${type}` })) },
        { weight: 1, arbitrary: fc.constant({ how: 'no body' }) },
      )
    : fc.oneof(
        { weight: 8, arbitrary: fc.constant({ how: 'no body' }) },
        { weight: 1, arbitrary: nastyValue.map((v) => ({ body: fuzzJson(v), type: 'application/json', how: 'body on a read' })) },
        { weight: 1, arbitrary: badJsonText.map((t) => ({ body: t, type: 'application/json', how: 'bad json on a read' })) },
      );
  const extraHeaders = fc.oneof(
    { weight: 8, arbitrary: fc.constant({} as Record<string, string>) },
    { weight: 1, arbitrary: fc.constantFrom(...FOREIGN_ORIGINS.slice(0, 5)).map((origin) => ({ origin })) },
    { weight: 1, arbitrary: fc.constantFrom('garbage', `${ids.storeId}.${'A'.repeat(43)}`, ids.victimDevice, 'x'.repeat(5000)).map((t) => ({ 'x-device-token': t })) },
  );
  return fc.tuple(params, query, body, extraHeaders).map(([p, q, b, h]) => ({
    path: pathWith(route.path, p) + q,
    ...(b.body !== undefined ? { body: b.body } : {}),
    headers: { ...(b.type ? { 'content-type': b.type } : {}), ...h },
    how: b.how,
  }));
}

// ---------------------------------------------------------------- running requests

const stats = { requests: 0, accepted: 0, byCode: new Map<string, number>() };

function describe(route: RouteSpec, caller: Caller, req: FuzzRequest, r?: HttpReply): string {
  const body = req.body === undefined ? '' : typeof req.body === 'string' ? req.body : `<${req.body.length} bytes>`;
  return `${routeKey(route)} as ${caller.name} [${req.how}] ${req.path.slice(0, 300)} ${JSON.stringify(req.headers).slice(0, 200)} body ${body.slice(0, 400)}` +
    (r ? ` -> ${r.status} ${r.text.slice(0, 400)}` : '');
}

async function exercise(ctx: Ctx, route: RouteSpec, caller: Caller, req: FuzzRequest, mustFail: boolean): Promise<HttpReply> {
  let token = caller.token;
  if (routeKey(route) === 'DELETE /api/session' && !mustFail) token = (await loginFrom(ctx, caller.staffCode, caller.pin)).token;
  const authorization = route.access === 'admin' && caller.name === 'operator' ? ADMIN_TOKEN : token;
  const before = await eventSeq(ctx.hub.redis, ctx.ids.storeId);
  let r: HttpReply;
  try {
    r = await ctx.http.send({ method: route.method.toUpperCase(), path: req.path, headers: { authorization: `Bearer ${authorization}`, ...req.headers }, ...(req.body !== undefined ? { body: req.body } : {}) });
  } catch (err) {
    throw new Error(`no answer (${(err as Error).message}): ${describe(route, caller, req)}`);
  }
  const after = await eventSeq(ctx.hub.redis, ctx.ids.storeId);
  const problems = errorReplyProblems(r.status, r.body);
  if (r.status < 400 && (r.body === null || typeof r.body !== 'object')) problems.push('an ok answer that is not a JSON object');
  if (mustFail && r.status < 400) problems.push('invalid input was accepted');
  if (r.status >= 400 && after !== before) problems.push(`refused, yet the store's event sequence moved from ${before} to ${after}`);
  if (problems.length) throw new Error(`${problems.join('; ')}: ${describe(route, caller, req, r)}`);
  stats.requests++;
  if (r.status < 400) stats.accepted++;
  const code = r.status < 400 ? String(r.status) : String(r.body.code);
  stats.byCode.set(code, (stats.byCode.get(code) ?? 0) + 1);
  return r;
}

async function loginFrom(ctx: Ctx, staffCode: string, pin: string, deviceToken?: string): Promise<{ token: string }> {
  const r = await ctx.http.send({
    method: 'POST', path: '/api/sessions', headers: { 'content-type': 'application/json', ...(deviceToken ? { 'x-device-token': deviceToken } : {}) },
    body: JSON.stringify({ storeId: ctx.ids.storeId, staffCode, pin }),
  });
  if (r.status !== 201) throw new Error(`login ${staffCode}: ${r.status} ${r.text}`);
  return { token: r.body.token as string };
}

async function sessionsAlive(ctx: Ctx, after: string) {
  for (const c of ctx.callers) {
    const r = await new Client(ctx.hub.url, c.token).get('/api/session');
    assert.is(r.status, 200, `${c.name}'s session ended after ${after}: ${JSON.stringify(r.body)}`);
  }
}

async function healthy(ctx: Ctx, what: string) {
  const h = await fetch(`${ctx.hub.url}/healthz`);
  assert.is(h.status, 200, `healthz after ${what}`);
  assert.equal(await h.json(), { ok: true });
  assert.is((await fetch(`${ctx.hub.url}/readyz`)).status, 200, `readyz after ${what}`);
}

async function invariants(ctx: Ctx, what: string) {
  const violations = await storeViolations(ctx.hub.redis, ctx.ids.storeId, { product: (pid) => ctx.hub.services.catalog.getProduct(ctx.ids.storeId, pid) });
  assert.equal(violations, [], `store invariants after ${what}:\n${violations.join('\n')}`);
}

// ---------------------------------------------------------------- setup

test.before(async (ctx) => {
  ctx.hub = await startTestHub();
  ctx.http = httpClient(ctx.hub.url, OWN_ADDRESS);
  const store = (ctx.store = await createStore(ctx.hub));
  const pair = async (name: string) => {
    const code = await store.supervisor.post('/api/pairing-codes', { terminalName: name });
    const paired = await new Client(ctx.hub.url).post('/api/terminals/pair', { storeId: store.storeId, code: code.body.code });
    assert.is(paired.status, 201, JSON.stringify(paired.body));
    return { id: paired.body.terminal.id as string, deviceToken: paired.body.deviceToken as string };
  };
  const victimTerminal = await pair('Victim register');
  const supervisorTerminal = await pair('Fuzz supervisor register');
  assert.is((await store.supervisor.post('/api/staff', { code: '4001', name: 'Vic', role: 'cashier', pin: '4444' })).status, 201);
  const inStock = Array.from({ length: 30 }, (_, i) => `FZ-${i + 1}`);
  const enforced = await productWithStock(store, { serialMode: 'enforced', name: 'Fuzz enforced', priceCents: 2500, warrantyReminder: true, warrantyMonths: 12 }, inStock);
  const solicit = await productWithStock(store, { serialMode: 'solicit', name: 'Fuzz solicit', priceCents: 700 }, 20);
  const none = await productWithStock(store, { serialMode: 'none', name: 'Fuzz plain', priceCents: 100 }, 50);
  const customer = await store.cashier.post('/api/customers', { name: 'Fuzz Customer' });
  assert.is(customer.status, 201);
  const receipt = await store.clerk.post('/api/receipts', { receiptId: 'fuzz-receipt-0001', lines: [{ productId: none.id, quantity: 5 }] });
  assert.is(receipt.status, 201, JSON.stringify(receipt.body));
  const sold = inStock.pop()!;
  const hold = await store.cashier.post('/api/holds', { productId: enforced.id, serial: sold, saleId: 'fuzz-sale-0001' });
  assert.is(hold.status, 201, JSON.stringify(hold.body));
  const sale = await store.cashier.post('/api/sales', {
    saleId: 'fuzz-sale-0001', customerId: customer.body.customer.id,
    lines: [{ productId: none.id, quantity: 3 }, { productId: enforced.id, quantity: 1, serials: [{ serial: sold, token: hold.body.hold.token }] }],
    payments: [{ method: 'cash', amountCents: 100_000 }],
  });
  assert.is(sale.status, 200, JSON.stringify(sale.body));
  const ret = await store.cashier.post('/api/returns', { returnId: 'fuzz-return-0001', saleId: 'fuzz-sale-0001', lines: [{ line: 0, quantity: 1 }] });
  assert.is(ret.status, 200, JSON.stringify(ret.body));
  ctx.ids = {
    storeId: store.storeId, enforcedId: enforced.id, solicitId: solicit.id, noneId: none.id, customerId: customer.body.customer.id,
    receiptId: 'fuzz-receipt-0001', saleId: 'fuzz-sale-0001', returnId: 'fuzz-return-0001', inStock, sold,
    victimCode: '4001', victimPin: '4444', victimTerminal: victimTerminal.id, victimDevice: victimTerminal.deviceToken,
    protectedTerminals: [store.terminals[0]!.id, store.terminals[1]!.id, supervisorTerminal.id],
    protectedCodes: ['1001', '2001', '2002', '3001'],
  };
  const supervisor = await login(ctx.hub.url, store.storeId, '1001', PINS.supervisor, supervisorTerminal.deviceToken);
  ctx.callers = [
    { name: 'supervisor at a register', token: supervisor.token!, staffCode: '1001', pin: PINS.supervisor },
    { name: 'cashier at a register', token: store.cashier.token!, staffCode: '2001', pin: PINS.cashier },
  ];
  ctx.routes = routeTable(ctx.hub.services);
});

test.after(async (ctx) => {
  ctx.http?.close();
  await ctx.hub?.close();
  console.log(`fuzz-rest: ${stats.requests} requests, ${stats.accepted} accepted; answers: ${[...stats.byCode].sort((a, b) => b[1] - a[1]).map(([c, n]) => `${c} ${n}`).join(', ')}`);
});

// ---------------------------------------------------------------- the tests

test('every route of the table has a fuzz spec, and every spec a route', ({ routes, ids }) => {
  assert.equal(routes.map(routeKey).sort(), Object.keys(SPECS).sort());
  for (const r of routes) {
    const spec = SPECS[routeKey(r)]!(ids);
    if (r.method === 'post' || r.method === 'patch') assert.ok(spec.body?.length, `${routeKey(r)} needs example bodies`);
    else assert.is(spec.body, undefined, routeKey(r));
    for (const name of paramNames(r.path)) assert.ok(paramPool(name, ids).length > 0 && PARAM_VALID[name], `:${name}`);
  }
});

test('invalid input only, on every route, as supervisor and cashier: refused with a typed error, nothing written', async (ctx) => {
  const seq = await eventSeq(ctx.hub.redis, ctx.ids.storeId);
  const keys = await storeKeyCount(ctx.hub.redis, ctx.ids.storeId);
  for (const route of ctx.routes) {
    for (const caller of ctx.callers) {
      await property(`invalid ${routeKey(route)} as ${caller.name}`, invalidRequest(route, ctx.ids), async (req) => {
        await exercise(ctx, route, caller, req, true);
      }, 12);
    }
  }
  await healthy(ctx, 'invalid input');
  await sessionsAlive(ctx, 'invalid input');
  assert.is(await eventSeq(ctx.hub.redis, ctx.ids.storeId), seq, 'invalid input moved the store\'s event sequence');
  assert.is(await storeKeyCount(ctx.hub.redis, ctx.ids.storeId), keys, 'invalid input made or removed keys of the store');
  await invariants(ctx, 'invalid input');
});

test('mutated input on every route, as supervisor and cashier (and the operator on its route): never a 5xx, refusals write nothing', async (ctx) => {
  for (const route of ctx.routes) {
    const callers = route.access === 'admin' ? [...ctx.callers, { name: 'operator', token: ADMIN_TOKEN, staffCode: '', pin: '' }] : ctx.callers;
    for (const caller of callers) {
      await property(`mutated ${routeKey(route)} as ${caller.name}`, anyRequest(route, ctx.ids), async (req) => {
        await exercise(ctx, route, caller, req, false);
      }, 25);
      await sessionsAlive(ctx, `${routeKey(route)} as ${caller.name}`);
    }
  }
  assert.ok(stats.accepted > 50, `only ${stats.accepted} fuzzed requests got past validation`);
  await healthy(ctx, 'mutated input');
  await invariants(ctx, 'mutated input');
});

test('a body over 8mb is 413 PAYLOAD_TOO_LARGE on every route, with or without a content-length', async (ctx) => {
  const big = Buffer.concat([Buffer.from('{"note":"'), Buffer.alloc(8 * 1024 * 1024 + 64, 'a'), Buffer.from('"}')]);
  const seq = await eventSeq(ctx.hub.redis, ctx.ids.storeId);
  for (const route of ctx.routes) {
    const path = pathWith(route.path, Object.fromEntries(paramNames(route.path).map((n) => [n, pct(paramPool(n, ctx.ids)[0]!)])));
    for (const chunked of [false, true]) {
      const r = await ctx.http.send({
        method: route.method.toUpperCase(), path,
        headers: { authorization: `Bearer ${ctx.callers[0]!.token}`, 'content-type': 'application/json' },
        ...(chunked ? { chunks: [big.subarray(0, 4_000_000), big.subarray(4_000_000)] } : { body: big }),
      });
      assert.is(r.status, 413, `${routeKey(route)} chunked=${chunked}: ${r.status} ${r.text.slice(0, 200)}`);
      assert.equal(errorReplyProblems(r.status, r.body), [], routeKey(route));
      assert.is(r.body.code, 'PAYLOAD_TOO_LARGE');
    }
  }
  assert.is(await eventSeq(ctx.hub.redis, ctx.ids.storeId), seq);
  await healthy(ctx, 'oversized bodies');
});

test('a request head over 16 KB (URL or header) is refused with 431 HEADERS_TOO_LARGE and the hub keeps serving', async (ctx) => {
  // Node's parser refuses these before Express sees them; the hub's clientError handler answers in JSON.
  const tries: { path: string; headers?: Record<string, string> }[] = [
    { path: `/api/serials/${'x'.repeat(20_000)}` },
    { path: `/api/products?q=${'q'.repeat(70_000)}` },
    { path: '/api/version', headers: { 'x-pad': 'p'.repeat(20_000) } },
    { path: '/api/session', headers: { authorization: `Bearer ${'t'.repeat(40_000)}` } },
  ];
  for (const t of tries) {
    const http = httpClient(ctx.hub.url, OWN_ADDRESS);
    const r = await http.send({ method: 'GET', path: t.path, headers: t.headers ?? {} }).catch((err: Error) => ({ status: 0, text: err.message }));
    http.close();
    assert.is(r.status, 431, `${t.path.slice(0, 40)}: ${r.status} ${r.text.slice(0, 100)}`);
    assert.is(JSON.parse(r.text).code, 'HEADERS_TOO_LARGE');
  }
  // Bytes that are not HTTP at all: 400 with a JSON body, then the connection closes.
  const url = new URL(ctx.hub.url);
  const raw = await new Promise<string>((resolve, reject) => {
    const sock = connect(Number(url.port), url.hostname, () => sock.write('NOT HTTP AT ALL\r\n\r\n'));
    let text = '';
    sock.on('data', (c) => (text += c.toString()));
    sock.on('end', () => resolve(text));
    sock.on('error', reject);
  });
  assert.match(raw, /^HTTP\/1\.1 400 /);
  assert.is(JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4)).code, 'VALIDATION_FAILED');
  await healthy(ctx, 'over-long request heads');
  await sessionsAlive(ctx, 'over-long request heads');
});

test('floods: hundreds of concurrent bad requests and oversized uploads; /healthz answers throughout', async (ctx) => {
  const seq = await eventSeq(ctx.hub.redis, ctx.ids.storeId);
  const flood = httpClient(ctx.hub.url, OWN_ADDRESS);
  // The flood's requests, drawn once from the invalid-input generators with a fixed seed.
  const requests: { route: RouteSpec; caller: Caller; req: FuzzRequest }[] = [];
  let i = 0;
  for (const route of ctx.routes) {
    for (const req of fc.sample(invalidRequest(route, ctx.ids), { seed: 6_2024 + i++, numRuns: 12 })) {
      requests.push({ route, caller: ctx.callers[i % 2]!, req });
    }
  }
  const big = Buffer.alloc(9 * 1024 * 1024, 'b');
  const probes: number[] = [];
  let flooding = true;
  const prober = (async () => {
    while (flooding) {
      const t = Date.now();
      const h = await fetch(`${ctx.hub.url}/healthz`);
      assert.is(h.status, 200);
      probes.push(Date.now() - t);
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  const replies = await Promise.all([
    ...requests.map(({ route, caller, req }) =>
      flood.send({ method: route.method.toUpperCase(), path: req.path, headers: { authorization: `Bearer ${caller.token}`, ...req.headers }, ...(req.body !== undefined ? { body: req.body } : {}) }, 60_000)
        .then((r) => ({ r, what: describe(route, caller, req) })),
    ),
    ...Array.from({ length: 6 }, (_, n) =>
      flood.send({ method: 'POST', path: '/api/receipts', headers: { authorization: `Bearer ${ctx.callers[0]!.token}`, 'content-type': 'application/json' }, ...(n % 2 ? { body: big } : { chunks: [big] }) }, 60_000)
        .then((r) => ({ r, what: `oversized upload ${n}` })),
    ),
  ]);
  flooding = false;
  await prober;
  flood.close();
  for (const { r, what } of replies) {
    assert.ok(r.status >= 400 && r.status < 500, `${what}`);
    assert.equal(errorReplyProblems(r.status, r.body), [], what);
  }
  assert.ok(replies.length > 300, `only ${replies.length} requests in the flood`);
  assert.ok(probes.length > 0, 'healthz was probed during the flood');
  assert.is(await eventSeq(ctx.hub.redis, ctx.ids.storeId), seq, 'the flood wrote to the store');
  await healthy(ctx, 'the flood');
  await sessionsAlive(ctx, 'the flood');
  await invariants(ctx, 'the flood');
});

test.run();
