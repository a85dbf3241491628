/**
 * Fuzzing helpers shared by the REST and socket fuzzers: nasty values for fast-check (wrong types, huge and
 * deep values, `__proto__` keys, unicode edge cases, numbers JSON.stringify cannot write), a JSON writer that
 * keeps all of them, raw HTTP with exact paths, the error-reply check, and a store invariant checker that
 * reads Redis directly (independent of the hub's own reading code).
 */
import { Agent, request } from 'node:http';
import fc from 'fast-check';
import type { Redis } from 'ioredis';
import { ERROR_STATUS, isErrorCode } from '../../protocol/errors.js';
import { storeKeys, storePrefix } from '../../server/store/keys.js';

// ---------------------------------------------------------------- seeds and runs

/** One fixed seed for every property; replay another with FUZZ_SEED=<n>. FUZZ_RUNS=<x> multiplies the runs. */
export const FUZZ_SEED = Number(process.env.FUZZ_SEED ?? 6_2024_11);
const RUNS_SCALE = Number(process.env.FUZZ_RUNS ?? 1);

function nameHash(name: string): number {
  let h = 2166136261;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 16777619);
  return h >>> 0;
}

/**
 * Runs an async property with a fixed seed (the global seed mixed with the property's name, so each property
 * gets its own stream but the same one on every run). A failure names the seed and the counterexample.
 */
export async function property<T>(name: string, arb: fc.Arbitrary<T>, predicate: (v: T) => Promise<void>, numRuns: number): Promise<void> {
  const seed = (FUZZ_SEED ^ nameHash(name)) | 0;
  try {
    await fc.assert(fc.asyncProperty(arb, predicate), { seed, numRuns: Math.max(1, Math.round(numRuns * RUNS_SCALE)) });
  } catch (err) {
    const cause = (err as Error & { cause?: unknown }).cause;
    const why = cause instanceof Error ? cause.message : cause !== undefined ? String(cause) : '';
    const message = shorten(`${name}: failed with FUZZ_SEED=${FUZZ_SEED} (property seed ${seed})\n${why}\n${(err as Error).message}`);
    console.error(message);
    throw new Error(message);
  }
}

/** A message with long runs of one character (huge fuzzed strings) written as <c x n>, and capped. */
export function shorten(message: string, max = 6_000): string {
  const s = message.replace(/(.{1,12}?)\1{15,}/gsu, (run, c: string) => `<${JSON.stringify(c)} x ${Math.round(run.length / c.length)}>`);
  return s.length > max ? `${s.slice(0, max)}... (${s.length} chars)` : s;
}

// ---------------------------------------------------------------- values JSON.stringify cannot write

/** A JSON fragment written as is: numbers like 1e400 or -0, or very deep nesting. */
export class RawJson {
  constructor(readonly text: string) {}
  toString() {
    return `RawJson(${this.text.length > 60 ? `${this.text.slice(0, 60)}... ${this.text.length} chars` : this.text})`;
  }
}

/** An object with exactly these own keys, `__proto__` and `constructor` included (as JSON.parse makes them). */
export function objectOf(entries: [string, unknown][]): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const [k, v] of entries) Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  return o;
}

/** Percent-encodes the UTF-8 bytes of a string (lone surrogates become U+FFFD, as a browser would send them). */
export function pct(s: string): string {
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(b);
    out += /[A-Za-z0-9_~-]/.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

// ---------------------------------------------------------------- nasty values

export const SPECIAL_STRINGS = [
  '', ' ', '   ', '\t', '\r\n', '\u0000', 'a\u0000b', '\u0000'.repeat(64), '\uD800', '\uDFFF', 'x\uD83D', '\uDE00x', '\uDBFF\uDBFF',
  '\u202Eevil\u202C', '\u200F\u05D0\u05D1', '\u0627\u0644\u0639\u0631\u0628\u064A\u0629', '\u200B', '\u200D', '\uFEFF', '\u2028\u2029',
  '\u00A0', 'e\u0301', '\u0130', '\u0131', 'ß', 'ﬁ', 'Ａ１', '١٢٣', '１２３', '🙂', '👩‍👩‍👧‍👦', '𝕏'.repeat(30), '\u{10FFFF}', '\uFFFE\uFFFF',
  '../../etc/passwd', '..', '.', '/', '\\', '%', '%00', '%2e%2e%2f', '%E0%A4%A', '__proto__', 'constructor', 'prototype', 'toString',
  'hasOwnProperty', 'valueOf', 'null', 'undefined', 'NaN', 'nan', 'Infinity', '-Infinity', '-1', '0', '-0', '1.5', '1e400', '0x10',
  '1e3', ' 1', '1 ', '9'.repeat(40), 'true', 'false', '[]', '{}', '{"a":1}', '<script>alert(1)</script>', "' OR 1=1 --", '*', '?', '[',
  '(21)SER-1', ']C1010950600013435221ABC', '0109506000134352\u001d21X', '$where', '${7*7}', '\x1b[31mred', '\x7f', 'a'.repeat(65),
];

/** Strings of many kinds: special ones, random binary and grapheme strings, and big ones. */
export const nastyString: fc.Arbitrary<string> = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom(...SPECIAL_STRINGS) },
  { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
  { weight: 2, arbitrary: fc.array(fc.constantFrom(...SPECIAL_STRINGS), { minLength: 2, maxLength: 5 }).map((a) => a.join('')) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom('x', '\uD800', 'é', '🙂', '\u0000', ' ', '9'), fc.constantFrom(65, 201, 501, 5_000, 70_000, 1_100_000))
      .map(([c, n]) => c.repeat(n)),
  },
);

/** Numbers a schema should refuse or bound: negative, fractional, huge, and raw 1e400 / -0 tokens. */
export const nastyNumber: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(
    -1, 0, 1.5, 0.1, -1e-7, 5e-324, 2 ** 31, 2 ** 32, 2 ** 40, 2 ** 40 + 1, 2 ** 50, 2 ** 53, 2 ** 53 + 2, Number.MAX_SAFE_INTEGER,
    Number.MAX_VALUE, -Number.MAX_VALUE, 1e21, 1_000_000_001, 10_001, 100_001, 201, 501,
  ),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom('1e400', '-1e400', '-0', '1E2', '1.0', '1e-400', '123456789012345678901234567890', '0.000000000000000000001', '-0.0').map((t) => new RawJson(t)),
);

/** Keys that must never be special: prototype keys, empty, control characters. */
export const nastyKey: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', '__defineGetter__', '', ' ', '\u0000', 'a.b', '$where', 'isAdmin', 'extra'),
  fc.string({ unit: 'binary', maxLength: 12 }).map((s) => `x${s}`),
);

/** Deep nesting as raw JSON: arrays, objects and a mix, up to 100,000 levels. */
export const deepJson: fc.Arbitrary<RawJson> = fc
  .tuple(fc.constantFrom('array', 'object', 'mixed'), fc.constantFrom(64, 1_000, 10_000, 100_000))
  .map(([kind, n]) => {
    if (kind === 'array') return new RawJson(`${'['.repeat(n)}${']'.repeat(n)}`);
    if (kind === 'object') return new RawJson(`${'{"a":'.repeat(n)}1${'}'.repeat(n)}`);
    return new RawJson(`${'[{"__proto__":'.repeat(n)}null${'}]'.repeat(n)}`);
  });

/** Any nasty JSON value: scalars, arrays, objects with nasty keys, deep nesting. */
export const nastyValue: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 4, arbitrary: nastyString },
    { weight: 3, arbitrary: nastyNumber },
    { weight: 1, arbitrary: fc.constantFrom(true, false, null) },
    { weight: 2, arbitrary: fc.array(tie('value'), { maxLength: 4 }) },
    { weight: 2, arbitrary: fc.array(fc.tuple(nastyKey, tie('value')), { maxLength: 4 }).map(objectOf) },
    { weight: 1, arbitrary: deepJson },
  ),
})).value;

/**
 * Mutations of a valid value: each field kept, dropped, replaced by a nasty value or a near miss, nested
 * objects and arrays mutated in turn, extra (often prototype) keys added. Roughly half the results stay close
 * to valid, so requests get past the schema into the store's own rules as well.
 */
export function mutate(v: unknown, depth = 0): fc.Arbitrary<unknown> {
  const nasty = depth > 2 ? fc.oneof(nastyString, nastyNumber) : nastyValue;
  if (Array.isArray(v)) {
    const kept = v.length ? fc.tuple(...v.map((x) => mutate(x, depth + 1))) : fc.constant([] as unknown[]);
    return fc.oneof(
      { weight: 6, arbitrary: kept },
      { weight: 1, arbitrary: fc.constant([]) },
      { weight: 1, arbitrary: fc.constantFrom(201, 501, 20_000).map((n) => Array.from({ length: n }, () => v[0] ?? null)) },
      { weight: 1, arbitrary: nasty },
      { weight: 1, arbitrary: v.length ? mutate(v[0], depth + 1) : nasty }, // an element where the array was
    );
  }
  if (v !== null && typeof v === 'object' && !(v instanceof RawJson)) {
    const fields = Object.entries(v as Record<string, unknown>).map(([k, x]) =>
      fc.oneof(
        { weight: 6, arbitrary: mutate(x, depth + 1).map((m) => [[k, m]] as [string, unknown][]) },
        { weight: 1, arbitrary: fc.constant([] as [string, unknown][]) },
        { weight: 1, arbitrary: fc.constant([[k, x], [k, x]] as [string, unknown][]) }, // duplicate key in the JSON
      ),
    );
    const extras = fc.oneof(
      { weight: 5, arbitrary: fc.constant([] as [string, unknown][]) },
      { weight: 2, arbitrary: fc.array(fc.tuple(nastyKey, depth > 2 ? nastyString : nastyValue), { minLength: 1, maxLength: 2 }) },
    );
    const obj = fc.tuple(fc.tuple(...fields), extras).map(([fs, ex]) => {
      const entries: [string, unknown][] = [];
      for (const f of fs) entries.push(...f);
      entries.push(...ex);
      return new JsonObject(entries);
    });
    return fc.oneof(
      { weight: 8, arbitrary: obj },
      { weight: 1, arbitrary: nasty },
      { weight: 1, arbitrary: fc.constant([v]) }, // an array where an object was expected
    );
  }
  if (typeof v === 'number') {
    return fc.oneof(
      { weight: 5, arbitrary: fc.constant(v) },
      { weight: 2, arbitrary: fc.constantFrom(v + 1, v - 1, -v, v * 1_000_000, v + 0.5, String(v), [v]) },
      { weight: 2, arbitrary: nasty },
    );
  }
  if (typeof v === 'string') {
    return fc.oneof(
      { weight: 5, arbitrary: fc.constant(v) },
      {
        weight: 2,
        arbitrary: fc.constantFrom(v.toLowerCase(), v.toUpperCase(), ` ${v} `, `${v}\u0000`, `\u200B${v}`, `${v}\uD800`, v.repeat(30), Number(v) || v, [v]),
      },
      { weight: 2, arbitrary: nasty },
    );
  }
  return fc.oneof({ weight: 4, arbitrary: fc.constant(v) }, { weight: 1, arbitrary: nasty });
}

type Path = (string | number)[];

function nodePaths(v: unknown, path: Path = [], out: Path[] = []): Path[] {
  out.push(path);
  if (Array.isArray(v)) v.forEach((x, i) => nodePaths(x, [...path, i], out));
  else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) nodePaths(x, [...path, k], out);
  return out;
}

function valueAt(v: unknown, path: Path): unknown {
  return path.reduce<unknown>((x, k) => (x as Record<string | number, unknown>)[k], v);
}

/** A copy of v with the node at path replaced (or, with `drop`, its key removed). */
function replaceAt(v: unknown, path: Path, m: unknown, drop = false): unknown {
  if (path.length === 0) return m;
  const [head, ...rest] = path;
  if (Array.isArray(v)) {
    const copy = [...v];
    if (drop && rest.length === 0) copy.splice(head as number, 1);
    else copy[head as number] = replaceAt(v[head as number], rest, m, drop);
    return copy;
  }
  const entries = Object.entries(v as Record<string, unknown>);
  return objectOf(
    drop && rest.length === 0
      ? entries.filter(([k]) => k !== head)
      : entries.map(([k, x]) => [k, k === head ? replaceAt(x, rest, m, drop) : x] as [string, unknown]),
  );
}

/**
 * One change to a valid value: one node (field, element or the whole) mutated, or one field or element left
 * out. Most such requests are still well formed, so they reach the store's own rules.
 */
export function mutateOne(v: unknown): fc.Arbitrary<unknown> {
  const paths = nodePaths(v);
  const droppable = paths.filter((p) => p.length > 0);
  const replace = fc.constantFrom(...paths).chain((path) => mutate(valueAt(v, path), path.length).map((m) => replaceAt(v, path, m)));
  if (droppable.length === 0) return replace;
  return fc.oneof(
    { weight: 4, arbitrary: replace },
    { weight: 1, arbitrary: fc.constantFrom(...droppable).map((path) => replaceAt(v, path, undefined, true)) },
  );
}

/** Valid values as they are, with one change, or with many. */
export function fuzzed(valid: unknown[]): fc.Arbitrary<unknown> {
  return fc.constantFrom(...valid).chain((v) =>
    fc.oneof({ weight: 2, arbitrary: fc.constant(v) }, { weight: 5, arbitrary: mutateOne(v) }, { weight: 3, arbitrary: mutate(v) }),
  );
}

/** An object as a list of entries: JSON with duplicate keys, own `__proto__` keys, and key order kept. */
export class JsonObject {
  constructor(readonly entries: [string, unknown][]) {}
  get keys(): string[] {
    return this.entries.map(([k]) => k);
  }
  with(key: string, value: unknown): JsonObject {
    return new JsonObject([...this.entries, [key, value]]);
  }
}

/**
 * JSON text of fuzzed values: JsonObject written entry by entry (duplicate and `__proto__` keys kept), RawJson
 * as is, non-finite numbers as null, undefined members left out.
 */
export function fuzzJson(v: unknown): string {
  if (v instanceof RawJson) return v.text;
  const entries = (es: [string, unknown][]) => `{${es.filter(([, x]) => x !== undefined).map(([k, x]) => `${JSON.stringify(k)}:${fuzzJson(x)}`).join(',')}}`;
  if (v instanceof JsonObject) return entries(v.entries);
  if (Array.isArray(v)) return `[${v.map((x) => (x === undefined ? 'null' : fuzzJson(x))).join(',')}]`;
  if (v !== null && typeof v === 'object') return entries(Object.entries(v));
  if (typeof v === 'number') return Number.isFinite(v) ? JSON.stringify(v) : 'null';
  if (typeof v === 'string' || typeof v === 'boolean') return JSON.stringify(v);
  return 'null';
}

/** A fuzzed value as a JS value (what JSON.parse of fuzzJson would give), for socket payloads. */
export function fuzzValue(v: unknown): unknown {
  if (v instanceof RawJson) return v.text.length > 1_000 ? v.text : JSON.parse(v.text); // deep nesting: kept as text
  if (v instanceof JsonObject) return objectOf(v.entries.map(([k, x]) => [k, fuzzValue(x)]));
  if (Array.isArray(v)) return v.map(fuzzValue);
  if (v !== null && typeof v === 'object') return objectOf(Object.entries(v).map(([k, x]) => [k, fuzzValue(x)]));
  return v;
}

/** Malformed JSON texts (each refused by a strict JSON parser). */
export const badJsonText: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('{', '{"a":', '{a:1}', "{'a':1}", '{"a":1,}', '{"a":1}}', '[1,]', 'NaN', '{"a":NaN}', '{"a":Infinity}', '{"a":-Infinity}',
    'undefined', '{"a":undefined}', '{"a":0x10}', '{"a":01}', '{"a":"\\x41"}', '{"a":"\u0000"}', '\uFEFF{"a":1', '{"a":1}garbage', '//c\n{}',
    '"text"', '123', 'null', 'true', '{"a":"unterminated}', `${'['.repeat(50_000)}`, `{"a":"${'\\'.repeat(3)}"}`),
  // Random text that is not a JSON object or array (a strict parser takes nothing else).
  fc.string({ unit: 'binary', maxLength: 40 }).filter((s) => {
    try {
      const v = JSON.parse(s) as unknown;
      return v === null || typeof v !== 'object';
    } catch {
      return true;
    }
  }).map((s) => (s.trim().startsWith('{') || s.trim().startsWith('[') ? `${s}{` : s || '{')),
);

// ---------------------------------------------------------------- raw HTTP

export interface HttpReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  body: any;
}

export interface HttpRequest {
  method: string;
  /** Sent as is: no URL normalisation of `..` or percent escapes. */
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Sent chunked (no content-length). */
  chunks?: (string | Buffer)[];
}

/** A keep-alive HTTP client from one local (loopback) address. */
export function httpClient(baseUrl: string, localAddress?: string) {
  const url = new URL(baseUrl);
  const agent = new Agent({ keepAlive: true, maxSockets: 64, ...(localAddress ? { localAddress } : {}) });
  const guarded = new WeakSet<object>();
  function send(req: HttpRequest, timeoutMs = 30_000): Promise<HttpReply> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string | number> = { ...req.headers };
      if (req.body !== undefined) headers['content-length'] = Buffer.byteLength(req.body);
      // Node's client frames GET and DELETE bodies as chunked only when told to.
      if (req.chunks) headers['transfer-encoding'] = 'chunked';
      const r = request({ host: url.hostname, port: url.port, method: req.method, path: req.path, headers, agent }, (res) => {
        const parts: Buffer[] = [];
        res.on('data', (c: Buffer) => parts.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(parts).toString('utf8');
          let body: unknown = null;
          try {
            body = text ? JSON.parse(text) : null;
          } catch {
            body = null;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body });
        });
      });
      // The hub may answer (413) and close before the whole body is written: the answer counts, the reset not.
      r.on('socket', (sock) => {
        if (guarded.has(sock)) return;
        guarded.add(sock);
        sock.on('error', () => undefined);
      });
      r.setTimeout(timeoutMs, () => r.destroy(new Error(`${req.method} ${req.path.slice(0, 80)}: no answer in ${timeoutMs} ms`)));
      r.on('error', reject);
      if (req.chunks) {
        for (const c of req.chunks) r.write(c);
        r.end();
      } else {
        r.end(req.body);
      }
    });
  }
  return { send, close: () => agent.destroy() };
}

/** Problems with one error reply: a known code whose status is the one the protocol gives it, and a message. */
export function errorReplyProblems(status: number, body: any): string[] {
  const problems: string[] = [];
  if (status >= 500) problems.push(`server error ${status}`);
  if (status < 400) return problems;
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return [...problems, `error body is not an object`];
  const code: unknown = body.code;
  if (!isErrorCode(code)) problems.push(`unknown code ${JSON.stringify(code)}`);
  else if (ERROR_STATUS[code] !== status) problems.push(`code ${code} answered with ${status}, the protocol says ${ERROR_STATUS[code]}`);
  if (typeof body.message !== 'string' || body.message.length === 0) problems.push('no message');
  const extra = Object.keys(body).filter((k) => !['code', 'message', 'details'].includes(k));
  if (extra.length) problems.push(`extra keys ${extra.join(',')}`);
  return problems;
}

// ---------------------------------------------------------------- the store's invariants

export async function eventSeq(redis: Redis, storeId: string): Promise<number> {
  return Number((await redis.hget(storeKeys(storeId).meta, 'seq')) ?? 0);
}

/** The types of the store events after `seq`. */
export async function eventTypesSince(redis: Redis, storeId: string, seq: number): Promise<string[]> {
  const entries = await redis.xrange(storeKeys(storeId).events, `${seq + 1}-0`, '+');
  return entries.map(([, fields]) => fields[fields.indexOf('t') + 1] ?? '?');
}

/** How many keys the store has (SCAN over its prefix). */
export async function storeKeyCount(redis: Redis, storeId: string): Promise<number> {
  let n = 0;
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${storePrefix(storeId)}*`, 'COUNT', 1000);
    n += batch.length;
    cursor = next;
  } while (cursor !== '0');
  return n;
}

export interface InvariantOptions {
  /** The hub's own view of a product's stock (e.g. services.catalog.getProduct), compared with the serial sets. */
  product?: (productId: number) => Promise<{ stock: number; held: number; serialMode: string }>;
  /** Every hold must belong to its register's open sale (true when holds are only taken through the live protocol). */
  holdsInOpenSales?: boolean;
}

/**
 * The store's invariants, read straight from Redis: for each enforced product the in-stock, held and sold
 * serial sets are disjoint; every hold is one of the held serials of an enforced product (and back), with its
 * expiry indexes and its register's set; non-enforced products hold no serials; stock figures match the sets;
 * the event stream ends at the store's sequence number. Returns the violations (empty when all hold).
 */
export async function storeViolations(redis: Redis, storeId: string, opts: InvariantOptions = {}): Promise<string[]> {
  const k = storeKeys(storeId);
  const v: string[] = [];
  const pids = (await redis.zrange(k.products, 0, -1)).map(Number);
  const modes = new Map<number, string>();
  const heldSets = new Map<number, Set<string>>();
  for (const pid of pids) {
    const h = await redis.hgetall(k.product(pid));
    const mode = h.serialMode ?? '?';
    modes.set(pid, mode);
    const inStock = new Set(await redis.zrange(k.inStock(pid), 0, -1));
    const heldZ = await redis.zrange(k.held(pid), 0, -1, 'WITHSCORES');
    const held = new Map<string, number>();
    for (let i = 0; i < heldZ.length; i += 2) held.set(heldZ[i]!, Number(heldZ[i + 1]));
    heldSets.set(pid, new Set(held.keys()));
    const sold = new Set(await redis.zrange(k.sold(pid), 0, -1));
    if (mode === 'enforced') {
      for (const s of held.keys()) {
        if (inStock.has(s)) v.push(`product ${pid}: ${s} is both in stock and held`);
        if (sold.has(s)) v.push(`product ${pid}: ${s} is both held and sold`);
      }
      for (const s of inStock) if (sold.has(s)) v.push(`product ${pid}: ${s} is both in stock and sold`);
      for (const [s, exp] of held) {
        const raw = await redis.hget(k.holds, `${pid}:${s}`);
        if (!raw) v.push(`product ${pid}: held serial ${s} has no hold`);
        else if ((JSON.parse(raw) as { expiresAt: number }).expiresAt !== exp) v.push(`product ${pid}: ${s} held until ${exp} but its hold says otherwise`);
      }
    } else {
      if (inStock.size) v.push(`${mode} product ${pid} has serials in stock: ${[...inStock].slice(0, 3).join(',')}`);
      if (held.size) v.push(`${mode} product ${pid} has held serials: ${[...held.keys()].slice(0, 3).join(',')}`);
      const qty = Number(h.qty ?? 0);
      if (!Number.isInteger(qty) || qty < 0) v.push(`${mode} product ${pid} has stock ${h.qty}`);
    }
    if (opts.product) {
      const p = await opts.product(pid);
      const stock = mode === 'enforced' ? inStock.size + held.size : Number(h.qty ?? 0);
      if (p.stock !== stock || p.held !== (mode === 'enforced' ? held.size : 0)) {
        v.push(`product ${pid}: the hub says stock ${p.stock} held ${p.held}; the sets say ${stock} and ${held.size}`);
      }
      if (p.serialMode !== mode) v.push(`product ${pid}: mode ${p.serialMode} vs ${mode}`);
    }
  }

  const holds = await redis.hgetall(k.holds);
  const expiry = new Map<string, number>();
  const hexp = await redis.zrange(k.holdExpiry, 0, -1, 'WITHSCORES');
  for (let i = 0; i < hexp.length; i += 2) expiry.set(hexp[i]!, Number(hexp[i + 1]));
  const maxToken = Number((await redis.hget(k.meta, 'token')) ?? 0);
  for (const [id, raw] of Object.entries(holds)) {
    const hold = JSON.parse(raw) as { productId: number; serial: string; terminalId: string; saleId: string; token: number; expiresAt: number };
    if (id !== `${hold.productId}:${hold.serial}`) v.push(`hold ${id} is stored under the wrong id (${hold.productId}:${hold.serial})`);
    if (modes.get(hold.productId) !== 'enforced') v.push(`hold ${id} is on a ${modes.get(hold.productId) ?? 'missing'} product`);
    if (!heldSets.get(hold.productId)?.has(hold.serial)) v.push(`hold ${id}: its serial is not in the product's held set`);
    if (expiry.get(id) !== hold.expiresAt) v.push(`hold ${id}: expiry index ${expiry.get(id)} vs ${hold.expiresAt}`);
    if (!(await redis.sismember(k.terminalHolds(hold.terminalId), id))) v.push(`hold ${id}: not in register ${hold.terminalId}'s holds`);
    if (!Number.isInteger(hold.token) || hold.token < 1 || hold.token > maxToken) v.push(`hold ${id}: token ${hold.token} (max ${maxToken})`);
    if (opts.holdsInOpenSales) {
      const cart = JSON.parse((await redis.get(k.cart(hold.saleId))) ?? 'null') as
        | { terminalId: string; lines: unknown }
        | null;
      const lines = Array.isArray(cart?.lines) ? (cart!.lines as { productId: number; serial?: string; token?: number; lost?: unknown }[]) : [];
      if (!cart) v.push(`hold ${id}: its sale ${hold.saleId} is not open`);
      else if (cart.terminalId !== hold.terminalId) v.push(`hold ${id}: its sale belongs to ${cart.terminalId}`);
      else if (!lines.some((l) => l.productId === hold.productId && l.serial === hold.serial && l.token === hold.token && !l.lost)) {
        v.push(`hold ${id}: no line of sale ${hold.saleId} has it`);
      }
    }
  }
  for (const id of expiry.keys()) if (!(id in holds)) v.push(`expiry index names ${id}, which has no hold`);
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${storePrefix(storeId)}th:*`, 'COUNT', 1000);
    cursor = next;
    for (const key of keys) {
      const tid = key.slice(`${storePrefix(storeId)}th:`.length);
      for (const id of await redis.smembers(key)) {
        const raw = holds[id];
        if (raw && (JSON.parse(raw) as { terminalId: string }).terminalId !== tid) v.push(`register ${tid} lists ${id}, held by another register`);
      }
    }
  } while (cursor !== '0');

  const seq = await eventSeq(redis, storeId);
  const last = await redis.xrevrange(k.events, '+', '-', 'COUNT', 1);
  if (last.length && Number(last[0]![0].split('-')[0]) !== seq) v.push(`the event stream ends at ${last[0]![0]}, the store's seq is ${seq}`);
  return v;
}
