/**
 * The load process of `npm run bench`: every client the benchmark drives lives here, in one process of its own,
 * talking to the bare servers and the hub over loopback. bench/run.ts sends it one command at a time over IPC
 * and gets one result back; all timing is taken here, with one clock (performance.now()).
 *
 * Registers of the hub are the project's own client (client/sync/store-sync.ts StoreSync), paired and logged in
 * through the REST API like a real register. Every loop is bounded in count and in time.
 */
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { io, type Socket } from 'socket.io-client';
import type { StoreEvent } from '../protocol/events.js';
import type { ClientToServerEvents, SyncReply } from '../protocol/socket.js';
import { StoreSync } from '../client/sync/store-sync.js';
import { applyEvent, emptyState, stateFromSnapshot } from '../client/sync/store-state.js';

// ---------------------------------------------------------------------------------------------- settings

/** Clients of each bare server, and registers of the hub under load. */
export const CLIENTS = 50;
/** The fixed rate of the propagation comparison (holds per second, each followed by its release). */
export const FIXED_HOLD_RATE = 200;
/** Sales per second, and for how long, in the sale-completion phase. */
export const SALE_RATE = 100;
const SALE_MS = 8_000;
/** Serials per register of the hold product (one receipt of 50 x 200 = 10,000). */
const SERIALS_PER_REGISTER = 200;
/** The protocol allows 50 requests a second per socket (fixed one-second windows): a register stays under it. */
export const HUB_REQUESTS_PER_SECOND = 47;
const HUB_MIN_SPACING_MS = 1000 / HUB_REQUESTS_PER_SECOND;
/** Every single wait is bounded. */
const REQUEST_TIMEOUT_MS = 10_000;
/** No slice, whatever happens, issues more than this many requests. */
const MAX_OPS_PER_SLICE = 200_000;
export const FLEET_SIZE = 1_000;
/**
 * How the 1,000 registers are spread: `stores` is a hub's real load, 100 stores of 10 registers (a store has a
 * handful of registers, a hub serves many stores); `one` is the worst case, all 1,000 in one store, where every
 * connection is told to all the others and every snapshot lists 1,000 registers.
 */
export type FleetLayout = 'stores' | 'one';
export const FLEET_LAYOUTS: FleetLayout[] = ['stores', 'one'];
const FLEET_STORES = 100;
const BIG_PRODUCT_SERIALS = 100_000;
const RECEIPT_SERIALS = 10_000;
const RESYNC_MISSED = 1_000;
const REPEATS = 20;
/** The receipt id of the 100,000-serial receipt (bench/run.ts looks at its key with --diag). */
export const BIG_RECEIPT_ID = 'bench-receipt-100k';

const STAFF = {
  supervisor: { code: '1001', pin: '1111' },
  cashier: { code: '2001', pin: '2222' },
  clerk: { code: '3001', pin: '3333' },
};

// ---------------------------------------------------------------------------------------------- results

export interface Latency {
  n: number;
  p50: number;
  p99: number;
  max: number;
}

/** What one measured slice did: operations completed in `seconds`, and the propagation samples it took. */
export interface Slice {
  ops: number;
  seconds: number;
  /** Request to the last of the other registers receiving the broadcast, ms. */
  samples: number[];
  /** Request to the first other register receiving it, ms. */
  firsts: number[];
  /** Request to the holder's ack, ms. */
  acks: number[];
  /** Broadcasts that never reached every other client within the slice (plus 2 s). */
  missing: number;
  /** Requests that failed (refused or timed out). */
  failed: number;
}

export type Target = 'plain' | 'adapter' | 'hub';
export type SliceKind = 'l1' | 'l2' | 'available' | 'cycles';

export interface SetupResult {
  receipts10k: number[];
  storeId: string;
  bigProduct: number;
}

export interface SalesResult {
  latency: Latency;
  achieved: number;
  failed: number;
}

export interface ResyncResult {
  replay: Latency;
  replayEvents: number;
  snapshot: Latency;
  snapshotBytes: number;
}

export interface FleetResult {
  registers: number;
  connectMs: number;
}

export type Command =
  | { cmd: 'bareConnect'; target: 'plain' | 'adapter'; url: string }
  | { cmd: 'hubSetup'; url: string; adminToken: string }
  | { cmd: 'slice'; kind: SliceKind; target: Target; mode: 'saturation' | 'fixed'; warmMs: number; ms: number }
  | { cmd: 'sales' }
  | { cmd: 'resync' }
  | { cmd: 'receiveBig' }
  | { cmd: 'page' }
  | { cmd: 'fleetPrepare'; layout: FleetLayout }
  | { cmd: 'fleetConnect'; url: string; layout: FleetLayout }
  | { cmd: 'bareFleet'; url: string }
  | { cmd: 'closeBare' }
  | { cmd: 'closeAll' };

export type Reply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };

// ---------------------------------------------------------------------------------------------- helpers

const now = () => performance.now();
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, Math.max(0, ms)));

export function latency(samples: number[]): Latency {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number) => (s.length ? s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]! : NaN);
  return { n: s.length, p50: at(0.5), p99: at(0.99), max: s.length ? s[s.length - 1]! : NaN };
}

function emitAck<T = { ok: boolean; code?: string; message?: string }>(socket: Socket, event: string, payload: unknown): Promise<T> {
  return new Promise((resolve, reject) => {
    socket.timeout(REQUEST_TIMEOUT_MS).emit(event, payload, (err: Error | null, ack: T) => (err ? reject(err) : resolve(ack)));
  });
}

/** Waits until `check` holds, polling; fails after `ms`. */
async function until(check: () => boolean, ms: number, what: string) {
  const end = now() + ms;
  while (!check()) {
    if (now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

/**
 * Each of `clients` runs `step` back to back (one step in flight per client) for `warmMs` unmeasured, then `ms`
 * measured; returns the steps completed in the measured window. `counted` tells a step whether it counts.
 */
async function closedLoop(clients: number, warmMs: number, ms: number, step: (client: number, counted: boolean) => Promise<void>) {
  const from = now() + warmMs;
  const to = from + ms;
  let done = 0;
  let ops = 0;
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      await sleep((c * 7) % 20); // the clients do not start in lock step
      while (now() < to && ops++ < MAX_OPS_PER_SLICE) {
        const counted = now() >= from;
        await step(c, counted);
        if (counted && now() <= to) done++;
      }
    }),
  );
  return done;
}

/**
 * Issues `rate` cycles a second for `warmMs` + `ms` (cycle i on client i % clients, queued behind that client's
 * previous one); returns the measured cycles that completed.
 */
async function fixedRate(clients: number, rate: number, warmMs: number, ms: number, cycle: (client: number, counted: boolean) => Promise<void>) {
  const start = now() + 20;
  const total = Math.min(Math.floor((rate * (warmMs + ms)) / 1000), MAX_OPS_PER_SLICE);
  const warm = Math.floor((rate * warmMs) / 1000);
  const chains: Promise<void>[] = Array.from({ length: clients }, () => Promise.resolve());
  let completed = 0;
  for (let i = 0; i < total; i++) {
    const wait = start + (i * 1000) / rate - now();
    if (wait > 1) await sleep(wait);
    const c = i % clients;
    const counted = i >= warm;
    chains[c] = chains[c]!.then(() => cycle(c, counted)).then(() => void (counted && completed++));
  }
  await Promise.all(chains);
  return completed;
}

/**
 * Request-to-receiver times of broadcasts: one entry per hold in flight, keyed by its serial. The figure is the
 * time to the last receiver; the first receiver and the holder's ack tell hub delay from fan-out.
 */
class Propagation {
  private pending = new Map<string, { t0: number; left: number; counted: boolean; first: number }>();
  samples: number[] = [];
  firsts: number[] = [];
  acks: number[] = [];
  missing = 0;

  start(key: string, receivers: number, counted: boolean) {
    if (this.pending.has(key)) this.missing++; // the previous hold of this serial never reached everyone
    this.pending.set(key, { t0: now(), left: receivers, counted, first: NaN });
  }

  /** The holder got its ack. */
  acked(key: string) {
    const p = this.pending.get(key);
    if (p?.counted) this.acks.push(now() - p.t0);
  }

  seen(key: string) {
    const p = this.pending.get(key);
    if (!p) return;
    if (Number.isNaN(p.first)) p.first = now() - p.t0;
    if (--p.left === 0) {
      if (p.counted) {
        this.samples.push(now() - p.t0);
        this.firsts.push(p.first);
      }
      this.pending.delete(key);
    }
  }

  /** Waits (bounded) for the broadcasts still on their way, counts the rest as missing, and starts over. */
  async take(): Promise<Pick<Slice, 'samples' | 'firsts' | 'acks' | 'missing'>> {
    const end = now() + 2_000;
    while (this.pending.size > 0 && now() < end) await sleep(10);
    for (const p of this.pending.values()) if (p.counted) this.missing++;
    this.pending.clear();
    const out = { samples: this.samples, firsts: this.firsts, acks: this.acks, missing: this.missing };
    this.samples = [];
    this.firsts = [];
    this.acks = [];
    this.missing = 0;
    return out;
  }
}

// ---------------------------------------------------------------------------------------------- the limit

/** The clients of one bare server (bench/bare-server.ts), all in its room. */
interface BareClients {
  sockets: Socket[];
  prop: Propagation;
  next: number[];
  failed: number;
}
const bare: Record<'plain' | 'adapter', BareClients> = {
  plain: { sockets: [], prop: new Propagation(), next: new Array<number>(CLIENTS).fill(0), failed: 0 },
  adapter: { sockets: [], prop: new Propagation(), next: new Array<number>(CLIENTS).fill(0), failed: 0 },
};
/** Plain clients for the memory limit (bareFleet). */
let bareFleetSockets: Socket[] = [];

async function bareConnect(target: 'plain' | 'adapter', url: string): Promise<null> {
  const b = bare[target];
  for (let i = 0; i < CLIENTS; i++) {
    const s = io(url, { transports: ['websocket'], forceNew: true, reconnection: false });
    const self = `c${i}`;
    s.on('held', (m: { op: string; serial: string; owner: string }) => {
      if (m.op === 'hold' && m.owner !== self) b.prop.seen(m.serial);
    });
    b.sockets.push(s);
  }
  await until(() => b.sockets.every((s) => s.connected), 20_000, 'bare clients to connect');
  return null;
}

/** L3: a hold then its release of the client's own serial, each broadcast to the room; the hold's propagation timed. */
async function l3cycle(b: BareClients, c: number, counted: boolean) {
  const serial = `c${c}-s${b.next[c]!++ % SERIALS_PER_REGISTER}`;
  b.prop.start(serial, CLIENTS - 1, counted);
  try {
    await emitAck(b.sockets[c]!, 'l3', { op: 'hold', serial, owner: `c${c}` });
    b.prop.acked(serial);
    await emitAck(b.sockets[c]!, 'l3', { op: 'release', serial, owner: `c${c}` });
  } catch {
    b.failed++;
  }
}

/** The memory limit: 1,000 plain clients on a bare server, all in its room (bench/run.ts reads its RSS). */
async function bareFleet(url: string): Promise<null> {
  for (let i = 0; i < FLEET_SIZE; i += 100) {
    const batch = Array.from({ length: 100 }, () => io(url, { transports: ['websocket'], forceNew: true, reconnection: false }));
    bareFleetSockets.push(...batch);
    await until(() => batch.every((s) => s.connected), 30_000, 'bare clients to connect');
  }
  return null;
}

// ---------------------------------------------------------------------------------------------- the hub

class Api {
  constructor(
    readonly base: string,
    public token?: string,
  ) {}

  async call<T = any>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
    const res = await fetch(this.base + path, {
      method,
      headers: {
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(60_000),
    });
    const text = await res.text();
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 300)}`);
    return (text ? JSON.parse(text) : null) as T;
  }
}

async function login(base: string, storeId: string, who: { code: string; pin: string }, deviceToken?: string): Promise<Api> {
  const api = new Api(base);
  const r = await api.call<{ token: string }>('POST', '/api/sessions', { storeId, staffCode: who.code, pin: who.pin },
    deviceToken ? { 'x-device-token': deviceToken } : {});
  api.token = r.token;
  return api;
}

/** Pairs `n` registers and logs the cashier in on each; a few at a time (a PIN check costs the hub an scrypt). */
async function pairRegisters(base: string, storeId: string, supervisor: Api, n: number, prefix: string): Promise<{ tid: string; token: string }[]> {
  const out = new Array<{ tid: string; token: string }>(n);
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < n) {
        const i = next++;
        const { code } = await supervisor.call<{ code: string }>('POST', '/api/pairing-codes', { terminalName: `${prefix} ${i + 1}` });
        const paired = await new Api(base).call<{ terminal: { id: string }; deviceToken: string }>('POST', '/api/terminals/pair', { storeId, code });
        const cashier = await login(base, storeId, STAFF.cashier, paired.deviceToken);
        out[i] = { tid: paired.terminal.id, token: cashier.token! };
      }
    }),
  );
  return out;
}

function connect(base: string, token: string): StoreSync {
  return new StoreSync({ url: base, token, socketOptions: { forceNew: true, reconnectionDelay: 100, reconnectionDelayMax: 1_000 } });
}

interface Register {
  sync: StoreSync;
  tid: string;
  saleId: string;
  /** Time of this register's last request (the protocol's rate limit is per socket). */
  lastAt: number;
}

const hub = {
  base: '',
  storeId: '',
  clerk: null as Api | null,
  supervisor: null as Api | null,
  holdProduct: 0,
  saleProduct: 0,
  salePrice: 0,
  bigProduct: 0,
  registers: [] as Register[],
  prop: new Propagation(),
  holdNext: new Array<number>(CLIENTS).fill(0),
  failed: 0,
  fleets: { stores: [], one: [] } as Record<FleetLayout, { tid: string; token: string }[]>,
  fleetSyncs: [] as StoreSync[],
  fleetStore: '',
  adminToken: '',
};

type Payload<E extends keyof ClientToServerEvents> = Parameters<ClientToServerEvents[E]>[0];

/**
 * A register's request, spaced so one socket never goes over the protocol's rate limit; `onSend` runs just
 * before it goes out (timings start there, not before the spacing wait).
 */
async function request<E extends keyof ClientToServerEvents>(r: Register, event: E, payload: Payload<E>, onSend?: () => void) {
  const wait = r.lastAt + HUB_MIN_SPACING_MS - now();
  if (wait > 0) await sleep(wait);
  r.lastAt = now();
  onSend?.();
  return r.sync.request(event, payload);
}

async function createStore(base: string, adminToken: string, storeId: string) {
  const admin = new Api(base, adminToken);
  await admin.call('POST', '/api/admin/stores', {
    storeId, name: `Bench ${storeId}`, supervisor: { code: STAFF.supervisor.code, name: 'Sue', pin: STAFF.supervisor.pin },
  });
  const supervisor = await login(base, storeId, STAFF.supervisor);
  await supervisor.call('POST', '/api/staff', { code: STAFF.cashier.code, name: 'Cal', role: 'cashier', pin: STAFF.cashier.pin });
  await supervisor.call('POST', '/api/staff', { code: STAFF.clerk.code, name: 'Cleo', role: 'stock_clerk', pin: STAFF.clerk.pin });
  const clerk = await login(base, storeId, STAFF.clerk);
  return { supervisor, clerk };
}

async function product(supervisor: Api, partNumber: string, name: string, priceCents: number): Promise<number> {
  const r = await supervisor.call<{ product: { id: number } }>('POST', '/api/products', { partNumber, name, priceCents, serialMode: 'enforced' });
  return r.product.id;
}

/** One timed receipt (REST POST /api/receipts), in ms. */
async function receive(clerk: Api, productId: number, serials: string[], receiptId?: string): Promise<number> {
  const t = now();
  await clerk.call('POST', '/api/receipts', { ...(receiptId ? { receiptId } : {}), lines: [{ productId, quantity: serials.length, serials }] });
  return now() - t;
}

async function hubSetup(base: string, adminToken: string): Promise<SetupResult> {
  hub.base = base;
  hub.adminToken = adminToken;
  hub.storeId = `bench-${Date.now().toString(36)}`;
  hub.fleetStore = `${hub.storeId}-fleet`;
  const { supervisor, clerk } = await createStore(base, adminToken, hub.storeId);
  hub.supervisor = supervisor;
  hub.clerk = clerk;
  hub.holdProduct = await product(supervisor, 'BENCH-HOLD', 'Bench phone', 49_900);
  hub.salePrice = 19_900;
  hub.saleProduct = await product(supervisor, 'BENCH-SALE', 'Bench drill', hub.salePrice);
  const spare = await product(supervisor, 'BENCH-SPARE', 'Bench bike', 99_900);
  hub.bigProduct = await product(supervisor, 'BENCH-BIG', 'Bench cable', 990);

  // Three receipts of 10,000 enforced serials each, timed: the hold product, the sale product, a spare.
  const perRegister = (tag: string) =>
    Array.from({ length: CLIENTS * SERIALS_PER_REGISTER }, (_, i) => `${tag}-${Math.floor(i / SERIALS_PER_REGISTER)}-${i % SERIALS_PER_REGISTER}`);
  const receipts10k = [
    await receive(clerk, hub.holdProduct, perRegister('HS')),
    await receive(clerk, hub.saleProduct, perRegister('SS')),
    await receive(clerk, spare, Array.from({ length: RECEIPT_SERIALS }, (_, i) => `XB${String(i).padStart(6, '0')}`)),
  ];

  const paired = await pairRegisters(base, hub.storeId, supervisor, CLIENTS, 'Register');
  hub.registers = paired.map(({ tid, token }) => ({ sync: connect(base, token), tid, saleId: '', lastAt: 0 }));
  for (const r of hub.registers) {
    r.sync.subscribe((why, ev) => {
      if (why === 'event' && ev?.type === 'hold_created') {
        const hold = (ev.data as { hold: { terminalId: string; serial: string } }).hold;
        if (hold.terminalId !== r.tid) hub.prop.seen(hold.serial);
      }
    });
  }
  await Promise.all(hub.registers.map((r) => r.sync.ready(30_000)));
  for (const r of hub.registers) r.saleId = (await request(r, 'sale:open', { saleId: crypto.randomUUID() })).sale.saleId;
  return { receipts10k, storeId: hub.storeId, bigProduct: hub.bigProduct };
}

/** A hold and its release on the register's open sale: sale:addLine with a serial, then sale:removeLine. */
async function holdCycle(c: number, counted: boolean) {
  const r = hub.registers[c]!;
  const serial = `HS-${c}-${hub.holdNext[c]!++ % SERIALS_PER_REGISTER}`;
  try {
    const { sale } = await request(r, 'sale:addLine', { saleId: r.saleId, productId: hub.holdProduct, serial }, () =>
      hub.prop.start(serial, CLIENTS - 1, counted),
    );
    hub.prop.acked(serial);
    const line = sale.lines[sale.lines.length - 1]!;
    await request(r, 'sale:removeLine', { saleId: r.saleId, lineId: line.lineId });
  } catch (err) {
    hub.failed++;
    if (hub.failed <= 3) process.stderr.write(`hold cycle failed: ${(err as Error).message}\n`);
  }
}

/** One measured slice of one kind of load on one target. */
async function slice(c: Extract<Command, { cmd: 'slice' }>): Promise<Slice> {
  let failed = 0;
  let prop: Propagation | null = null;
  let step: (client: number, counted: boolean) => Promise<void>;
  if (c.kind === 'cycles') {
    if (c.target === 'hub') {
      prop = hub.prop;
      step = holdCycle;
    } else {
      const b = bare[c.target];
      prop = b.prop;
      step = (client, counted) => l3cycle(b, client, counted);
    }
  } else if (c.kind === 'available') {
    // A request that broadcasts nothing: a page of a product's available serials.
    step = async (client) => {
      try {
        await request(hub.registers[client]!, 'serials:available', { productId: hub.holdProduct, q: `HS-${client}-`, limit: 50 });
      } catch {
        failed++;
      }
    };
  } else {
    const sockets = bare[c.target === 'adapter' ? 'adapter' : 'plain'].sockets;
    const l2next = new Array<number>(CLIENTS).fill(0);
    step = async (client) => {
      try {
        if (c.kind === 'l1') await emitAck(sockets[client]!, 'l1', {});
        // L2: every request changes Redis (hold, release, hold, ... of the client's own serial), so each is in the AOF
        else await emitAck(sockets[client]!, 'l2', { op: l2next[client]!++ % 2 === 0 ? 'hold' : 'release', serial: `c${client}-l2`, owner: `c${client}` });
      } catch {
        failed++;
      }
    };
  }
  const before = c.target === 'hub' ? hub.failed : c.target === 'plain' || c.target === 'adapter' ? bare[c.target].failed : 0;
  const ops = c.mode === 'fixed'
    ? await fixedRate(CLIENTS, FIXED_HOLD_RATE, c.warmMs, c.ms, step)
    : await closedLoop(CLIENTS, c.warmMs, c.ms, step);
  const after = c.target === 'hub' ? hub.failed : bare[c.target].failed;
  const taken = prop ? await prop.take() : { samples: [], firsts: [], acks: [], missing: 0 };
  return { ops, seconds: c.ms / 1000, ...taken, failed: failed + after - before };
}

/** Sales at a fixed rate: scan one serial into the open sale, complete it (timed), open the next. */
async function sales(): Promise<SalesResult> {
  const saleNext = new Array<number>(CLIENTS).fill(0);
  const samples: number[] = [];
  let failed = 0;
  const t = now();
  const done = await fixedRate(CLIENTS, SALE_RATE, 1_000, SALE_MS - 1_000, async (c, counted) => {
    const r = hub.registers[c]!;
    try {
      await request(r, 'sale:addLine', { saleId: r.saleId, productId: hub.saleProduct, serial: `SS-${c}-${saleNext[c]!++}` });
      let sent = 0;
      await request(r, 'sale:complete', { saleId: r.saleId, payments: [{ method: 'cash', amountCents: hub.salePrice }] }, () => (sent = now()));
      if (counted) samples.push(now() - sent);
      r.saleId = (await request(r, 'sale:open', { saleId: crypto.randomUUID() })).sale.saleId;
    } catch (err) {
      failed++;
      if (failed <= 3) process.stderr.write(`sale failed: ${(err as Error).message}\n`);
    }
  });
  return { latency: latency(samples), achieved: done / ((now() - t - 1_000) / 1000), failed };
}

/** Resync of a register 1,000 events behind (replay), and of one with nothing (snapshot), each applied to a state. */
async function resync(): Promise<ResyncResult> {
  const r = hub.registers[0]!;
  const seq = r.sync.state.seq;
  if (seq <= RESYNC_MISSED + 1) throw new Error(`the store has only ${seq} events`);
  const replay: number[] = [];
  const snapshot: number[] = [];
  let replayEvents = 0;
  let snapshotBytes = 0;
  for (let i = 0; i < REPEATS; i++) {
    const lastSeq = seq - RESYNC_MISSED;
    let t = 0;
    const reply = (await request(r, 'sync', { lastSeq }, () => (t = now()))) as SyncReply;
    if (reply.mode !== 'replay') throw new Error('expected a replay');
    const state = { ...emptyState(), seq: lastSeq };
    for (const ev of reply.events) applyEvent(state, ev as StoreEvent);
    replay.push(now() - t);
    replayEvents = reply.events.length;
  }
  // The hub sends one session at most one snapshot every 2 s: each sample is another register's.
  for (let i = 0; i < REPEATS; i++) {
    let t = 0;
    const reply = (await request(hub.registers[(i % (CLIENTS - 1)) + 1]!, 'sync', { lastSeq: 0 }, () => (t = now()))) as SyncReply;
    if (reply.mode !== 'snapshot') throw new Error('expected a snapshot');
    stateFromSnapshot(reply.snapshot);
    snapshot.push(now() - t);
    snapshotBytes = JSON.stringify(reply.snapshot).length;
  }
  return { replay: latency(replay), replayEvents, snapshot: latency(snapshot), snapshotBytes };
}

/** 100,000 serials of one product in one receipt (bench/run.ts reads Redis memory around it). */
async function receiveBig(): Promise<{ ms: number }> {
  const serials = Array.from({ length: BIG_PRODUCT_SERIALS }, (_, i) => `CB${String(i).padStart(8, '0')}`);
  return { ms: await receive(hub.clerk!, hub.bigProduct, serials, BIG_RECEIPT_ID) };
}

/** GET /api/products/:id/serials of the 100,000-serial product: first pages and pages deep in the list. */
async function page(): Promise<Latency> {
  const samples: number[] = [];
  for (let i = 0; i < REPEATS * 2; i++) {
    const cursor = i % 2 === 0 ? '' : `&cursor=CB${String(i * 2_000).padStart(8, '0')}`;
    const t = now();
    const r = await hub.clerk!.call<{ items: unknown[] }>('GET', `/api/products/${hub.bigProduct}/serials?limit=50${cursor}`);
    samples.push(now() - t);
    if (r.items.length !== 50) throw new Error(`a page of ${r.items.length}`);
  }
  return latency(samples);
}

/** 1,000 paired registers, each with a cashier logged in: in 100 stores of their own, or all in one. */
async function fleetPrepare(layout: FleetLayout): Promise<{ ms: number }> {
  const t = now();
  if (layout === 'one') {
    const { supervisor } = await createStore(hub.base, hub.adminToken, hub.fleetStore);
    hub.fleets.one = await pairRegisters(hub.base, hub.fleetStore, supervisor, FLEET_SIZE, 'Till');
  } else {
    const per = FLEET_SIZE / FLEET_STORES;
    let next = 0;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (next < FLEET_STORES) {
          const storeId = `${hub.fleetStore}-${next++}`;
          const { supervisor } = await createStore(hub.base, hub.adminToken, storeId);
          hub.fleets.stores.push(...(await pairRegisters(hub.base, storeId, supervisor, per, 'Till')));
        }
      }),
    );
  }
  return { ms: now() - t };
}

/** Connects a fleet of 1,000 registers to the hub at `url` (100 at a time) and waits until all are synced. */
async function fleetConnect(url: string, layout: FleetLayout): Promise<FleetResult> {
  const t = now();
  const fleet = hub.fleets[layout];
  for (let i = 0; i < fleet.length; i += 100) {
    const batch = fleet.slice(i, i + 100).map((f) => connect(url, f.token));
    hub.fleetSyncs.push(...batch);
    await Promise.all(batch.map((s) => s.ready(60_000)));
  }
  return { registers: hub.fleetSyncs.filter((s) => s.status === 'online').length, connectMs: now() - t };
}

function closeBare() {
  for (const b of Object.values(bare)) {
    for (const s of b.sockets) s.disconnect();
    b.sockets = [];
  }
  for (const s of bareFleetSockets) s.disconnect();
  bareFleetSockets = [];
}

function closeAll() {
  closeBare();
  for (const r of hub.registers) r.sync.close();
  for (const s of hub.fleetSyncs) s.close();
  hub.fleetSyncs = [];
}

// ---------------------------------------------------------------------------------------------- IPC

async function run(c: Command): Promise<unknown> {
  switch (c.cmd) {
    case 'bareConnect':
      return bareConnect(c.target, c.url);
    case 'hubSetup':
      return hubSetup(c.url, c.adminToken);
    case 'slice':
      return slice(c);
    case 'sales':
      return sales();
    case 'resync':
      return resync();
    case 'receiveBig':
      return receiveBig();
    case 'page':
      return page();
    case 'fleetPrepare':
      return fleetPrepare(c.layout);
    case 'fleetConnect':
      return fleetConnect(c.url, c.layout);
    case 'bareFleet':
      return bareFleet(c.url);
    case 'closeBare':
      closeBare();
      return null;
    case 'closeAll':
      closeAll();
      return null;
  }
}

// bench/run.ts imports this file for its settings and types; only the process it starts serves commands.
const isMain = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  if (!process.send) {
    console.error('bench/load.ts is started by bench/run.ts (npm run bench)');
    process.exit(2);
  }
  process.on('message', (m: { id: number } & Command) => {
    run(m).then(
      (result) => process.send!({ id: m.id, ok: true, result } satisfies Reply),
      (err: Error) => process.send!({ id: m.id, ok: false, error: err.stack ?? err.message } satisfies Reply),
    );
  });
  process.on('disconnect', () => process.exit(0));
}
