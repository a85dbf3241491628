/**
 * Property-based fuzzing (fast-check) of every live request in protocol/socket.ts ClientToServerEvents, over
 * real socket.io-client connections, as a cashier and as a supervisor at registers: payloads with wrong types,
 * missing and extra fields, huge strings, deep nesting, `__proto__` keys, unicode edge cases, numbers out of
 * range, binary attachments; missing payloads, extra arguments and acks that are not functions; unknown and
 * reserved event names; malformed packets; messages over MAX_SOCKET_MESSAGE_BYTES; floods. Every request
 * with an ack is answered `{ ok: true }` or `{ ok: false, code, message }` with a known code below 500; a
 * refusal never moves the store's event sequence; the sockets and the hub stay up (an oversized message or a
 * flood closes that socket only, other registers are not affected); the store's invariants hold afterwards.
 * Fixed seeds: replay with FUZZ_SEED=<n>, run longer with FUZZ_RUNS=<multiplier>.
 */
import fc from 'fast-check';
import type { Socket } from 'socket.io-client';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { StoreSync } from '../../client/sync/store-sync.js';
import { ERROR_STATUS, isErrorCode } from '../../protocol/errors.js';
import type { ClientToServerEvents } from '../../protocol/socket.js';
import { MAX_SOCKET_MESSAGE_BYTES, FLOOD_DISCONNECT_AFTER } from '../../server/socket/live.js';
import { Client, createStore, login, PINS, productWithStock, startTestHub, type TestStore } from '../helpers/hub.js';
import { connectRegister, until } from '../helpers/live.js';
import { eventSeq, eventTypesSince, fuzzed, fuzzValue, nastyKey, nastyString, nastyValue, property, storeViolations } from '../helpers/fuzz.js';

type TestHub = Awaited<ReturnType<typeof startTestHub>>;

/** Every client-to-server event; the type below fails to compile when protocol/socket.ts gains or loses one. */
const EVENTS = [
  'sync', 'sale:open', 'sale:addLine', 'sale:pickSerial', 'sale:removeLine', 'sale:setQuantity', 'sale:setCustomer', 'sale:void',
  'sale:complete', 'serials:available', 'hold:forceRelease',
] as const;
type Listed = (typeof EVENTS)[number];
type Exhaustive = [keyof ClientToServerEvents] extends [Listed] ? ([Listed] extends [keyof ClientToServerEvents] ? true : never) : never;
const exhaustive: Exhaustive = true;

interface Register {
  name: string;
  token: string;
  terminalId: string;
  /** Several sockets of the register, used in turn: the hub limits each socket to 50 requests a second. */
  syncs: StoreSync[];
}

interface Ids {
  storeId: string;
  enforcedId: number;
  solicitId: number;
  noneId: number;
  customerId: number;
  serials: string[];
}

type Ctx = { hub: TestHub; store: TestStore; ids: Ids; registers: Register[]; observer: StoreSync; observerDrops: string[]; open: StoreSync[] };
const test = suite<Ctx>('fuzz-socket');

// ---------------------------------------------------------------- requests

type Ack = { ok?: unknown; code?: unknown; message?: unknown; details?: unknown };
const ACK_TIMEOUT_MS = 5_000;

/** Emits anything, untyped. */
function emitRaw(sock: Socket, event: string, ...args: unknown[]) {
  (sock as unknown as { emit: (e: string, ...a: unknown[]) => void }).emit(event, ...args);
}

/** Emits with an ack and waits for it (or the timeout). */
function request(sock: Socket, event: string, args: unknown[], timeoutMs = ACK_TIMEOUT_MS): Promise<{ ack?: Ack; timedOut?: true }> {
  return new Promise((resolve) => {
    const timed = sock.timeout(timeoutMs) as unknown as { emit: (e: string, ...a: unknown[]) => void };
    timed.emit(event, ...args, (err: Error | null, ack: Ack) => resolve(err ? { timedOut: true } : { ack }));
  });
}

function ackProblems(ack: Ack | undefined): string[] {
  if (!ack || typeof ack !== 'object') return [`the ack is ${JSON.stringify(ack)}`];
  if (ack.ok === true) return [];
  const p: string[] = [];
  if (ack.ok !== false) p.push(`ok is ${JSON.stringify(ack.ok)}`);
  if (!isErrorCode(ack.code)) p.push(`unknown code ${JSON.stringify(ack.code)}`);
  else if (ERROR_STATUS[ack.code] >= 500) p.push(`server error ${ack.code}`);
  if (typeof ack.message !== 'string' || ack.message.length === 0) p.push('no message');
  const extra = Object.keys(ack).filter((k) => !['ok', 'code', 'message', 'details'].includes(k));
  if (extra.length) p.push(`extra keys ${extra.join(',')}`);
  return p;
}

/** Keeps each socket under 40 requests in any second (the hub allows 50). */
const sent = new Map<string, number[]>();
async function pace(sock: Socket) {
  const key = sock.id ?? 'none';
  const times = (sent.get(key) ?? []).filter((t) => t > Date.now() - 1_000);
  if (times.length >= 40) await new Promise((r) => setTimeout(r, times[0]! + 1_000 - Date.now() + 5));
  times.push(Date.now());
  sent.set(key, times);
}

let turn = 0;
function nextSocket(reg: Register): Socket {
  const live = reg.syncs.filter((s) => s.socket.connected);
  assert.ok(live.length > 0, `${reg.name} has no connected socket`);
  return live[turn++ % live.length]!.socket;
}

const stats = { requests: 0, ok: 0, byCode: new Map<string, number>() };
/** What the hub writes by itself while registers are connected: presence, and the heartbeat's renewals. */
const BACKGROUND = new Set(['presence_changed', 'holds_renewed']);

/** How a fuzzed request is sent: the protocol's (payload, ack), or one of the ways a client gets it wrong. */
type Shape = 'payload+ack' | 'ack only' | 'payload+extra+ack' | 'payload, no ack' | 'payload+non-function ack' | 'binary payload';
const SHAPES: Shape[] = ['payload+ack', 'ack only', 'payload+extra+ack', 'payload, no ack', 'payload+non-function ack', 'binary payload'];
const shape: fc.Arbitrary<Shape> = fc.oneof(
  { weight: 12, arbitrary: fc.constant<Shape>('payload+ack') },
  { weight: 1, arbitrary: fc.constantFrom<Shape>(...SHAPES.slice(1)) },
);

async function exercise(ctx: Ctx, reg: Register, event: string, payload: unknown, how: Shape) {
  const sock = nextSocket(reg);
  await pace(sock);
  const before = await eventSeq(ctx.hub.redis, ctx.ids.storeId);
  const what = () => `${event} as ${reg.name} [${how}] ${JSON.stringify(payload, (_k, v) => (typeof v === 'string' && v.length > 200 ? `${v.slice(0, 200)}...(${v.length})` : v))?.slice(0, 600)}`;
  let ack: Ack | undefined;
  if (how === 'payload, no ack' || how === 'payload+non-function ack') {
    emitRaw(sock, event, ...(how === 'payload, no ack' ? [payload] : [payload, 'not a function']));
    // No ack to answer; the socket must still answer the next request.
    await pace(sock);
    const probe = await request(sock, 'sync', [{ lastSeq: 0 }]);
    assert.ok(!probe.timedOut && probe.ack?.ok === true, `the socket stopped answering after ${what()}: ${JSON.stringify(probe)}`);
  } else {
    const args =
      how === 'ack only' ? [] :
      how === 'payload+extra+ack' ? [payload, { extra: true }, 42] :
      how === 'binary payload' ? [Buffer.from(JSON.stringify(payload) ?? 'x')] :
      [payload];
    const r = await request(sock, event, args);
    assert.not.ok(r.timedOut, `no ack in ${ACK_TIMEOUT_MS} ms: ${what()}`);
    ack = r.ack;
    const problems = ackProblems(ack);
    assert.equal(problems, [], `${problems.join('; ')}: ${what()} -> ${JSON.stringify(ack)?.slice(0, 400)}`);
    // An ack out of its place is answered, but the request is not carried out.
    if (how === 'ack only' || how === 'payload+extra+ack') {
      assert.ok(['VALIDATION_FAILED', 'FORBIDDEN', 'RATE_LIMITED'].includes(String(ack!.code)), `${what()} -> ${JSON.stringify(ack)?.slice(0, 300)}`);
    }
  }
  const after = await eventSeq(ctx.hub.redis, ctx.ids.storeId);
  if (ack?.ok === false && after !== before) {
    const written = (await eventTypesSince(ctx.hub.redis, ctx.ids.storeId, before)).filter((t) => !BACKGROUND.has(t));
    assert.equal(written, [], `refused (${String(ack.code)}), yet it wrote: ${what()}`);
  }
  stats.requests++;
  const code = ack === undefined ? 'no ack asked' : ack.ok === true ? 'ok' : String(ack.code);
  if (ack?.ok === true) stats.ok++;
  stats.byCode.set(code, (stats.byCode.get(code) ?? 0) + 1);
}

// ---------------------------------------------------------------- valid examples, from the register's current sale

/** The register's open sale, with a plain, a solicit and an enforced line (made if missing). */
async function saleOf(ctx: Ctx, reg: Register) {
  const s = reg.syncs.find((x) => x.socket.connected)!;
  let { sale } = await s.request('sale:open', {});
  const has = (pid: number) => sale.lines.some((l) => l.productId === pid);
  const free = () => ctx.ids.serials.find((x) => !s.state.holds.has(`${ctx.ids.enforcedId}:${x}`));
  try {
    if (!has(ctx.ids.noneId)) ({ sale } = await s.request('sale:addLine', { saleId: sale.saleId, productId: ctx.ids.noneId, quantity: 2 }));
    if (!has(ctx.ids.solicitId)) ({ sale } = await s.request('sale:addLine', { saleId: sale.saleId, productId: ctx.ids.solicitId }));
    const serial = free();
    if (!has(ctx.ids.enforcedId) && serial) ({ sale } = await s.request('sale:addLine', { saleId: sale.saleId, productId: ctx.ids.enforcedId, serial }));
  } catch {
    // a serial taken meanwhile: the examples work with what there is
  }
  const line = (pid: number) => sale.lines.find((l) => l.productId === pid)?.lineId ?? 'no-line';
  const held = sale.lines.find((l) => l.productId === ctx.ids.enforcedId)?.serial ?? ctx.ids.serials[0]!;
  return { saleId: sale.saleId, noneLine: line(ctx.ids.noneId), solicitLine: line(ctx.ids.solicitId), enforcedLine: line(ctx.ids.enforcedId), held, free: free() ?? 'FZ-1', seq: s.state.seq };
}

function examples(ctx: Ctx, event: Listed, s: Awaited<ReturnType<typeof saleOf>>): Record<string, unknown>[] {
  const { enforcedId, solicitId, noneId, customerId } = ctx.ids;
  switch (event) {
    case 'sync': return [{ lastSeq: s.seq }, { lastSeq: 0 }];
    case 'sale:open': return [{ saleId: s.saleId }, {}];
    case 'sale:addLine': return [
      { saleId: s.saleId, productId: enforcedId, serial: s.free },
      { saleId: s.saleId, productId: noneId, quantity: 2 },
      { saleId: s.saleId, productId: solicitId, serial: 'SOL-SOCK-1' },
    ];
    case 'sale:pickSerial': return [{ saleId: s.saleId, lineId: s.enforcedLine, serial: s.free }, { saleId: s.saleId, lineId: s.solicitLine, serial: 'SOL-SOCK-2' }];
    case 'sale:removeLine': return [{ saleId: s.saleId, lineId: s.noneLine }];
    case 'sale:setQuantity': return [{ saleId: s.saleId, lineId: s.noneLine, quantity: 3 }];
    case 'sale:setCustomer': return [{ saleId: s.saleId, customerId }, { saleId: s.saleId, customerId: null }];
    case 'sale:void': return [{ saleId: s.saleId }];
    case 'sale:complete': return [{ saleId: s.saleId, payments: [{ method: 'cash', amountCents: 1_000_000 }] }];
    case 'serials:available': return [{ productId: enforcedId, q: 'FZ', limit: 5 }, { productId: enforcedId, cursor: 'FZ-1' }];
    case 'hold:forceRelease': return [{ productId: enforcedId, serial: s.held, reason: 'fuzz' }];
  }
}

/** Under the message limit (a bigger message closes the socket: its own test). */
const fits = (v: unknown) => Buffer.byteLength(JSON.stringify(v) ?? '') < MAX_SOCKET_MESSAGE_BYTES - 4_096;

/** A fuzzed payload: a valid example as is, with one change or many, or any nasty value at all. */
function payloads(valid: Record<string, unknown>[]): fc.Arbitrary<unknown> {
  return fc
    .oneof(
      { weight: 8, arbitrary: fuzzed(valid) },
      { weight: 2, arbitrary: nastyValue },
      { weight: 1, arbitrary: fc.constantFrom(undefined, null, 0, '', [], 'sale:open') },
    )
    .map(fuzzValue)
    .filter(fits);
}

async function invariants(ctx: Ctx, what: string) {
  const violations = await storeViolations(ctx.hub.redis, ctx.ids.storeId, {
    product: (pid) => ctx.hub.services.catalog.getProduct(ctx.ids.storeId, pid),
    holdsInOpenSales: true,
  });
  assert.equal(violations, [], `store invariants after ${what}:\n${violations.join('\n')}`);
}

async function healthy(ctx: Ctx, what: string) {
  const h = await fetch(`${ctx.hub.url}/healthz`);
  assert.is(h.status, 200, `healthz after ${what}`);
  assert.is((await fetch(`${ctx.hub.url}/readyz`)).status, 200, `readyz after ${what}`);
}

/** The observer register was never dropped, is online, and its state is the hub's. */
async function observerUnaffected(ctx: Ctx, what: string) {
  assert.equal(ctx.observerDrops, [], `the observer register was disconnected during ${what}`);
  assert.ok(ctx.observer.socket.connected, `observer connected after ${what}`);
  const seq = await eventSeq(ctx.hub.redis, ctx.ids.storeId);
  await until(() => ctx.observer.state.seq === seq, 3_000, `the observer to reach seq ${seq} after ${what}`);
  const server = await ctx.hub.deps.scripts.storeSnapshot(ctx.ids.storeId);
  assert.equal([...ctx.observer.state.holds.keys()].sort(), server.holds.map((h) => `${h.productId}:${h.serial}`).sort(), `observer holds after ${what}`);
  for (const p of server.products) {
    const mine = ctx.observer.state.products.get(p.id);
    assert.equal([mine?.stock, mine?.held], [p.stock, p.held], `observer stock of ${p.id} after ${what}`);
  }
  const ok = await ctx.observer.request('sync', { lastSeq: ctx.observer.state.seq });
  assert.is(ok.ok, true);
}

// ---------------------------------------------------------------- setup

/** Every disconnection seen by a test socket, with its reason and time (shown when a socket was dropped). */
const drops: string[] = [];

async function connect(ctx: Ctx, token: string, n = 1, label = ''): Promise<StoreSync[]> {
  const syncs = Array.from({ length: n }, () => connectRegister(ctx.hub.url, token));
  if (label) for (const [i, s] of syncs.entries()) s.socket.on('disconnect', (reason) => drops.push(`${new Date().toISOString()} ${label} ${i}: ${reason}`));
  ctx.open.push(...syncs);
  await Promise.all(syncs.map((s) => s.ready()));
  return syncs;
}

test.before(async (ctx) => {
  ctx.open = [];
  ctx.hub = await startTestHub();
  const store = (ctx.store = await createStore(ctx.hub));
  const code = await store.supervisor.post('/api/pairing-codes', { terminalName: 'Fuzz supervisor register' });
  const paired = await new Client(ctx.hub.url).post('/api/terminals/pair', { storeId: store.storeId, code: code.body.code });
  assert.is(paired.status, 201);
  const supervisor = await login(ctx.hub.url, store.storeId, '1001', PINS.supervisor, paired.body.deviceToken);
  const serials = Array.from({ length: 60 }, (_, i) => `FZ-${i + 1}`);
  const enforced = await productWithStock(store, { serialMode: 'enforced', name: 'Sock enforced', priceCents: 2500, warrantyReminder: true, warrantyMonths: 6 }, serials);
  const solicit = await productWithStock(store, { serialMode: 'solicit', name: 'Sock solicit', priceCents: 700 }, 30);
  const none = await productWithStock(store, { serialMode: 'none', name: 'Sock plain', priceCents: 100 }, 200);
  const customer = await store.cashier.post('/api/customers', { name: 'Sock Customer' });
  ctx.ids = { storeId: store.storeId, enforcedId: enforced.id, solicitId: solicit.id, noneId: none.id, customerId: customer.body.customer.id, serials };
  ctx.registers = [
    { name: 'cashier at a register', token: store.cashier.token!, terminalId: store.terminals[0]!.id, syncs: await connect(ctx, store.cashier.token!, 3, 'cashier') },
    { name: 'supervisor at a register', token: supervisor.token!, terminalId: paired.body.terminal.id, syncs: await connect(ctx, supervisor.token!, 3, 'supervisor') },
  ];
  ctx.observer = (await connect(ctx, store.cashier2.token!))[0]!;
  ctx.observerDrops = [];
  ctx.observer!.socket.on('disconnect', (reason) => ctx.observerDrops.push(reason));
});

test.after(async (ctx) => {
  // Twice: a StoreSync the hub dropped reconnects by itself after 200 ms.
  for (const s of ctx.open ?? []) s.close();
  await new Promise((r) => setTimeout(r, 300));
  for (const s of ctx.open ?? []) s.close();
  await ctx.hub?.close();
  console.log(`fuzz-socket: ${stats.requests} requests, ${stats.ok} ok; answers: ${[...stats.byCode].sort((a, b) => b[1] - a[1]).map(([c, n]) => `${c} ${n}`).join(', ')}`);
});

// ---------------------------------------------------------------- the tests

test('the event list is protocol/socket.ts ClientToServerEvents', () => {
  assert.is(exhaustive, true);
  assert.is(new Set(EVENTS).size, EVENTS.length);
});

test('every event with fuzzed payloads and call shapes, as cashier and supervisor: typed acks, refusals write nothing', async (ctx) => {
  for (const reg of ctx.registers) {
    for (const event of EVENTS) {
      const sale = await saleOf(ctx, reg);
      await property(`${event} as ${reg.name}`, fc.tuple(payloads(examples(ctx, event, sale)), shape), async ([payload, how]) => {
        await exercise(ctx, reg, event, payload, how);
      }, 30);
    }
  }
  assert.ok(stats.ok > 40, `only ${stats.ok} fuzzed requests were accepted`);
  for (const reg of ctx.registers) for (const s of reg.syncs) assert.ok(s.socket.connected, `a socket of ${reg.name} was dropped`);
  await healthy(ctx, 'fuzzed events');
  await observerUnaffected(ctx, 'fuzzed events');
  await invariants(ctx, 'fuzzed events');
});

test('unknown event names get ROUTE_NOT_FOUND acks (or nothing without an ack); the socket stays', async (ctx) => {
  const reg = ctx.registers[0]!;
  const known = new Set<string>(EVENTS);
  // Names socket.io-client refuses to emit (connect, disconnect, ...) are sent as raw packets in the next test.
  const reserved = new Set(['connect', 'connect_error', 'disconnect', 'disconnecting', 'newListener', 'removeListener']);
  const names = fc.oneof(
    fc.constantFrom('event', 'alert', 'error', 'ping', 'message', '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'sale:', 'sale:open ', 'SYNC', 'sale:Open', 'hold:forceRelease\u0000', 'x'.repeat(10_000)),
    nastyString,
    nastyKey,
  ).filter((n) => !known.has(n) && !reserved.has(n) && fits(n));
  const seq = await eventSeq(ctx.hub.redis, ctx.ids.storeId);
  const message = fc.tuple(names, nastyValue.map(fuzzValue), fc.boolean()).filter(([name, payload]) => fits([name, payload]));
  await property('unknown events', message, async ([name, payload, withAck]) => {
    const sock = nextSocket(reg);
    await pace(sock); // unknown events count against the socket's rate limit too
    if (withAck) {
      const r = await request(sock, name, [payload]);
      assert.not.ok(r.timedOut, `no ack for unknown event ${JSON.stringify(name.slice(0, 50))}`);
      assert.equal(ackProblems(r.ack), []);
      assert.ok(['ROUTE_NOT_FOUND', 'RATE_LIMITED'].includes(String(r.ack!.code)), JSON.stringify(r.ack));
    } else {
      emitRaw(sock, name, payload);
    }
  }, 60);
  assert.equal((await eventTypesSince(ctx.hub.redis, ctx.ids.storeId, seq)).filter((t) => !BACKGROUND.has(t)), [], 'unknown events wrote');
  for (const s of reg.syncs) assert.ok(s.socket.connected);
  await healthy(ctx, 'unknown events');
  await observerUnaffected(ctx, 'unknown events');
});

test('reserved event names and malformed packets close that socket only', async (ctx) => {
  const packets = [
    '42["disconnect"]', '42["connect",{}]', '42["newListener","sync"]', '42["removeListener","sync"]', '42["disconnecting"]',
    '42["connect_error",{}]', '42', '42[', '42{}', '42[]', '42[null]', '42[{"a":1}]', '49999999999999999999["sync",{"lastSeq":0}]',
    '45-["sync",{"_placeholder":true,"num":0}]', '4x', '40/admin,{}', '43["x"]', '41/nope,', '4' + '['.repeat(5_000),
  ];
  const seq = await eventSeq(ctx.hub.redis, ctx.ids.storeId);
  for (const packet of packets) {
    const [victim] = await connect(ctx, ctx.registers[0]!.token);
    let dropped = false;
    victim!.socket.on('disconnect', () => (dropped = true));
    (victim!.socket.io.engine as unknown as { send: (m: string) => void }).send(packet);
    // Either the hub closes the connection, or it ignores the packet and keeps answering.
    await new Promise((r) => setTimeout(r, 100));
    if (!dropped) {
      const r = await request(victim!.socket, 'sync', [{ lastSeq: 0 }], 2_000);
      assert.ok(dropped || r.ack?.ok === true, `after ${packet.slice(0, 40)}: ${JSON.stringify(r)}`);
    }
    // socket.io's parser refuses the reserved names: the hub never dispatches a client's "disconnect".
    if (/^42\["(disconnect|connect|newListener|removeListener|disconnecting|connect_error)"/.test(packet)) {
      await until(() => dropped, 2_000, `the socket that sent ${packet} to be closed`);
    }
    victim!.close();
    await healthy(ctx, `packet ${packet.slice(0, 40)}`);
  }
  for (const reg of ctx.registers) for (const s of reg.syncs) assert.ok(s.socket.connected);
  // Sockets coming and going may change presence (and the heartbeat renews holds); nothing else may be written.
  const written = (await eventTypesSince(ctx.hub.redis, ctx.ids.storeId, seq)).filter((t) => !BACKGROUND.has(t));
  assert.equal(written, [], 'malformed packets wrote');
  await observerUnaffected(ctx, 'malformed packets');
});

test(`a message over ${MAX_SOCKET_MESSAGE_BYTES / 1024} KB disconnects that socket only; just under it is answered`, async (ctx) => {
  const reg = ctx.registers[0]!;
  const under = 'u'.repeat(MAX_SOCKET_MESSAGE_BYTES - 1_024);
  const r = await request(reg.syncs[0]!.socket, 'sale:addLine', [{ saleId: 'fuzz-under-limit', productId: ctx.ids.enforcedId, serial: under }]);
  assert.is(r.ack?.code, 'VALIDATION_FAILED', JSON.stringify(r).slice(0, 300));
  assert.ok(reg.syncs[0]!.socket.connected);

  const seq = await eventSeq(ctx.hub.redis, ctx.ids.storeId);
  const oversized: unknown[][] = [
    [{ saleId: 'x'.repeat(MAX_SOCKET_MESSAGE_BYTES + 10) }],
    [{ lastSeq: 0, pad: '\u{1F642}'.repeat(MAX_SOCKET_MESSAGE_BYTES / 2) }],
    [Buffer.alloc(MAX_SOCKET_MESSAGE_BYTES + 10, 1)],
    [{ list: Array.from({ length: MAX_SOCKET_MESSAGE_BYTES / 4 }, (_, i) => i) }],
  ];
  for (const args of oversized) {
    const [big] = await connect(ctx, reg.token);
    let reason = '';
    big!.socket.on('disconnect', (why) => (reason ||= why));
    emitRaw(big!.socket, 'sync', ...args, () => undefined);
    await until(() => reason !== '', 5_000, 'the oversized socket to be closed');
    assert.is(reason, 'transport close', `closed by ${reason}`);
    // It may come back (socket.io-client reconnects) and then works.
    await big!.ready();
    assert.is((await big!.request('sync', { lastSeq: big!.state.seq })).ok, true);
    big!.close();
  }
  // Everyone else was not touched: the register's other sockets, the other register, the observer.
  for (const r2 of ctx.registers) for (const s of r2.syncs) assert.ok(s.socket.connected, `${r2.name} was dropped: ${drops.join('; ')}`);
  const sale = await saleOf(ctx, ctx.registers[1]!);
  assert.ok(sale.saleId);
  await healthy(ctx, 'oversized messages');
  await observerUnaffected(ctx, 'oversized messages');
  assert.ok((await eventSeq(ctx.hub.redis, ctx.ids.storeId)) >= seq);
  await invariants(ctx, 'oversized messages');
});

test(`a flood: RATE_LIMITED acks, then after ${FLOOD_DISCONNECT_AFTER} refusals that socket is dropped; the rest are served`, async (ctx) => {
  const reg = ctx.registers[1]!;
  const [flood] = await connect(ctx, reg.token);
  let reason = '';
  flood!.socket.on('disconnect', (why) => (reason ||= why));
  const bad = fc.sample(payloads(examples(ctx, 'sale:addLine', await saleOf(ctx, reg))), { seed: 2024, numRuns: 50 });
  const seq = await eventSeq(ctx.hub.redis, ctx.ids.storeId);
  const burst = (n: number, from: number, timeoutMs: number) => Promise.all(
    Array.from({ length: n }, (_, j) => {
      const i = from + j;
      return request(flood!.socket, i % 2 ? 'sync' : 'sale:pickSerial', [i % 2 ? { lastSeq: -i } : bad[i % bad.length]], timeoutMs);
    }),
  );
  // A first burst: some served, the rest RATE_LIMITED (fewer refusals than the disconnect threshold).
  const first = await burst(120, 0, ACK_TIMEOUT_MS);
  for (const r of first) {
    assert.not.ok(r.timedOut, 'every request of the first burst is answered');
    assert.equal(ackProblems(r.ack), [], JSON.stringify(r.ack));
  }
  assert.ok(first.filter((r) => r.ack!.code === 'RATE_LIMITED').length > 0, 'RATE_LIMITED acks');
  // Then past the threshold: the hub drops the socket (acks still in flight may be lost with it).
  const second = await burst(FLOOD_DISCONNECT_AFTER + 50, 120, 3_000);
  await until(() => reason !== '', 5_000, 'the flooding socket to be dropped');
  assert.is(reason, 'io server disconnect');
  for (const r of second.filter((x) => x.ack)) assert.equal(ackProblems(r.ack), [], JSON.stringify(r.ack));
  // StoreSync comes back after a server disconnect; let it, then close it for good.
  await until(() => flood!.socket.connected, 5_000, 'the flooding register to reconnect');
  flood!.close();
  for (const r2 of ctx.registers) for (const s of r2.syncs) assert.ok(s.socket.connected, `${r2.name} was dropped by another socket's flood: ${drops.join('; ')}`);
  const ok = await reg.syncs[0]!.request('sync', { lastSeq: 0 });
  assert.is(ok.ok, true);
  const seqAfter = await eventSeq(ctx.hub.redis, ctx.ids.storeId);
  // The flood's accepted requests were picks of valid serials at most; whatever it wrote, the store is whole.
  assert.ok(seqAfter >= seq);
  await healthy(ctx, 'the flood');
  await observerUnaffected(ctx, 'the flood');
  await invariants(ctx, 'the flood');
});

test('another hub on the same Redis shutting down does not drop this hub\'s registers', async (ctx) => {
  const other = await startTestHub();
  const [elsewhere] = await connect(ctx, ctx.registers[1]!.token);
  const [here] = await connect(ctx, ctx.store.cashier2.token!);
  let dropped = '';
  here!.socket.on('disconnect', (why) => (dropped ||= why));
  // A register on the other hub, so its shutdown has sockets of its own to close.
  const there = connectRegister(other.url, ctx.registers[0]!.token);
  ctx.open.push(there);
  await there.ready();
  let thereDropped = '';
  there.socket.on('disconnect', (why) => (thereDropped ||= why));
  await other.close();
  await new Promise((r) => setTimeout(r, 500));
  there.close();
  assert.is(dropped, '', 'a register on this hub was disconnected by the other hub\'s shutdown');
  // The closing hub tells its own registers (rather than dropping the transport under them).
  assert.is(thereDropped, 'io server disconnect');
  for (const reg of ctx.registers) for (const s of reg.syncs) assert.ok(s.socket.connected, `${reg.name}: ${drops.join('; ')}`);
  assert.ok(elsewhere!.socket.connected);
  await observerUnaffected(ctx, "another hub's shutdown");
});

test.run();
