/**
 * Loads the Lua scripts (one atomic operation each, `<name>-<numberOfKeys>.lua`, shared Lua pulled in with
 * `-- @include "name"`) and gives TypeScript typed wrappers: nothing else calls a script.
 * Scripts answer one json string, {ok: true, ..., events} or {ok: false, code, message, details}.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import type { Cluster, Redis } from 'ioredis';
import { isErrorCode } from '../../protocol/errors.js';
import type {
  Hold, Invoice, InvoiceLine, SessionInfo, OpenSale, OpenSaleLine, Presence, Product, SerialCheckState, Snapshot, StoreEvent,
} from '../../protocol/index.js';
import type { Alert } from '../../protocol/socket.js';
import { dataNodes, isCluster, nodeAddress } from '../redis/cluster.js';
import { HubError } from './errors.js';
import { storeKeys } from './keys.js';

const LUA_DIR = new URL('./lua/', import.meta.url);
const INCLUDE = /^-- @include "([\w-]+)"\s*$/gm;
/** Bigger receipt lines are announced with counts only, so one receipt cannot flood every register. */
export const EVENT_SERIAL_LIMIT = 200;

export interface ScriptSource {
  name: string;
  numberOfKeys: number;
  lua: string;
  sha: string;
}

/** Replaces include lines with the included file, depth first, each include once per script. */
function expandIncludes(source: string, included: Set<string>): string {
  return source.replace(INCLUDE, (_, inc: string) => {
    if (included.has(inc)) return '';
    included.add(inc);
    return expandIncludes(readFileSync(new URL(`includes/${inc}.lua`, LUA_DIR), 'utf8'), included);
  });
}

/** Reads every script and expands its includes. */
export function loadScriptSources(): ScriptSource[] {
  return readdirSync(LUA_DIR)
    .map((file) => /^(\w+)-(\d+)\.lua$/.exec(file))
    .filter((m): m is RegExpExecArray => m !== null)
    .map(([file, name, keys]) => {
      const lua = expandIncludes(readFileSync(new URL(file!, LUA_DIR), 'utf8'), new Set());
      return { name: name!, numberOfKeys: Number(keys), lua, sha: createHash('sha1').update(lua).digest('hex') };
    });
}

const SOURCES = loadScriptSources();
export const SCRIPT_NAMES = SOURCES.map((s) => s.name);

/** A master that does not answer within this time counts as down for /readyz. */
const NODE_CHECK_MS = 2_000;

/** Loads into one Redis any script it lacks (SCRIPT EXISTS, then SCRIPT LOAD); returns how many were loaded. */
export async function loadMissingScripts(node: Redis): Promise<number> {
  const exists = (await node.script('EXISTS', ...SOURCES.map((s) => s.sha))) as number[];
  const missing = SOURCES.filter((_, i) => exists[i] === 0);
  await Promise.all(missing.map((s) => node.script('LOAD', s.lua)));
  return missing.length;
}

export interface ScriptsCheck {
  /** Scripts loaded now, over every master that answered. */
  loaded: number;
  /** Masters (host:port, or "redis") that answered and hold every script. */
  up: string[];
  /** Masters that did not answer, with why. */
  down: { node: string; error: string }[];
}

/**
 * PING and loads any missing script, on every master at once (on a Redis Cluster each has its own script
 * cache). A master that is down is reported, not thrown: the others' stores are still served, and it gets
 * the scripts when it is back (loadScriptsOnConnect; EVALSHA falls back to EVAL meanwhile).
 */
export async function ensureScriptsLoaded(redis: Redis): Promise<ScriptsCheck> {
  const check: ScriptsCheck = { loaded: 0, up: [], down: [] };
  await Promise.all(dataNodes(redis).map(async (node) => {
    const name = isCluster(redis) ? nodeAddress(node) : 'redis';
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${NODE_CHECK_MS / 1000}s`)), NODE_CHECK_MS);
      });
      const loaded = await Promise.race([node.ping().then(() => loadMissingScripts(node)), timeout]);
      check.loaded += loaded;
      check.up.push(name);
    } catch (err) {
      check.down.push({ node: name, error: (err as Error).message });
    } finally {
      clearTimeout(timer);
    }
  }));
  return check;
}

/**
 * Loads the scripts on every (re)connection: into a master that restarted (its script cache is empty) before
 * the first call needs them, and into each master of a cluster as ioredis connects to it.
 */
export function loadScriptsOnConnect(redis: Redis): void {
  const onReady = (node: Redis) => node.on('ready', () => void loadMissingScripts(node).catch(() => {
    // its next command fails the same way and says so; EVALSHA falls back to EVAL anyway
  }));
  if (isCluster(redis)) (redis as unknown as Cluster).on('+node', onReady);
  else onReady(redis);
}

/** Registers every script on a connection (ioredis runs EVALSHA and falls back to EVAL after SCRIPT FLUSH). */
export function defineScripts(redis: Redis): void {
  for (const s of SOURCES) redis.defineCommand(s.name, { numberOfKeys: s.numberOfKeys, lua: s.lua });
}

/** cjson writes an empty Lua table as {}: read any list from a script through this. */
export function arr<T>(value: unknown): T[] {
  return Array.isArray(value) ? (value as T[]) : [];
}

/** Drops what a record keeps for the hub only (the fingerprint of its request, see requestFingerprint in base.lua). */
function withoutHash<T extends object>(record: T): T {
  const { requestHash: _, ...rest } = record as T & { requestHash?: string };
  return rest as T;
}

export function normalizeInvoice(inv: Invoice): Invoice {
  return {
    ...withoutHash(inv),
    customerId: inv.customerId ?? null,
    payments: arr(inv.payments),
    returns: arr(inv.returns),
    lines: arr<InvoiceLine>(inv.lines).map((l) => ({
      ...l,
      serials: arr(l.serials),
      returnedSerials: arr(l.returnedSerials),
    })),
  };
}

export interface ReceiptRecord {
  receiptId: string;
  receivedAt: number;
  staffId: string;
  terminalId: string;
  note?: string;
  lines: { productId: number; quantity: number; serials?: string[] }[];
}

export interface ReturnRecord {
  returnId: string;
  saleId: string;
  /** The returned invoice's number (absent on returns recorded before it was kept). */
  invoiceNumber?: number;
  terminalId: string;
  staffId: string;
  reason?: string;
  lines: { line: number; productId: number; quantity: number; serials?: string[] }[];
  refundCents: number;
  returnedAt: number;
}

export interface Actor {
  staffId: string;
  terminalId: string;
}

/** Reads an open sale as the scripts store it (cjson: {} for an empty list, no key for a null). */
export function normalizeOpenSale(raw: unknown): OpenSale | null {
  if (!raw || typeof raw !== 'object') return null;
  const s = raw as OpenSale & { nextLine?: number };
  const { nextLine: _, ...sale } = s;
  return {
    ...sale,
    customerId: s.customerId ?? null,
    lines: arr<OpenSaleLine>(s.lines).map((l) => ({
      ...l, serial: l.serial ?? null, token: l.token ?? null, expiresAt: l.expiresAt ?? null, lost: l.lost ?? null,
    })),
  };
}

/** Events as scripts wrote them, with their lists made lists again (cjson writes an empty one as {}). */
export function normalizeEvent(ev: StoreEvent): StoreEvent {
  const d = ev.data;
  const lists = (v: unknown) =>
    arr<Record<string, unknown>>(v).map((l) => ({
      ...l,
      ...('serials' in l ? { serials: arr(l.serials) } : {}),
      ...('returnedSerials' in l ? { returnedSerials: arr(l.returnedSerials) } : {}),
    }));
  switch (ev.type) {
    case 'open_sale_changed':
      return { ...ev, data: { ...d, sale: normalizeOpenSale(d.sale) } };
    case 'stock_received':
      return { ...ev, data: { ...d, lines: lists(d.lines), stock: arr(d.stock) } };
    case 'sale_completed':
      return { ...ev, data: { ...d, lines: lists(d.lines), stock: arr(d.stock), repeatedSolicitSerials: arr(d.repeatedSolicitSerials) } };
    case 'return_completed':
      return { ...ev, data: { ...d, stock: arr(d.stock), return: { ...(d.return as object), lines: lists((d.return as { lines?: unknown })?.lines) } } };
    default:
      return ev;
  }
}

type Reply = { ok: true; events: unknown } & Record<string, unknown>;
type ScriptCall = (key: string, ...args: (string | number)[]) => Promise<string>;

export interface ScriptHooks {
  /** Every store event a script wrote, in order. */
  onEvents?: (storeId: string, events: StoreEvent[]) => void;
  /** Sessions a script ended (logout, revocation, a new login on the same register): their sockets must go. */
  onSessionsEnded?: (storeId: string, sessionHashes: string[]) => void;
  /** Every script call, timed (metrics): ok, refused (a domain error) or error (Redis failed). */
  onScriptDone?: (name: string, seconds: number, outcome: 'ok' | 'refused' | 'error', events: StoreEvent[]) => void;
}

/** Typed wrappers over the scripts of one Redis connection; the hooks hear what they changed. */
export class Scripts {
  constructor(
    private readonly redis: Redis,
    private readonly hooks: ScriptHooks = {},
  ) {}

  private ended(storeId: string, hashes: (string | null)[]) {
    const list = hashes.filter((h): h is string => !!h);
    if (list.length) this.hooks.onSessionsEnded?.(storeId, list);
  }

  private async run(name: string, storeId: string, ...args: (string | number)[]): Promise<Reply> {
    const call = (this.redis as unknown as Record<string, ScriptCall>)[name];
    if (!call) throw new Error(`script ${name} is not loaded`);
    const started = performance.now();
    const done = (outcome: 'ok' | 'refused' | 'error', events: StoreEvent[] = []) =>
      this.hooks.onScriptDone?.(name, (performance.now() - started) / 1000, outcome, events);
    const raw = await call.call(this.redis, storeKeys(storeId).meta, ...args).catch((err: unknown) => {
      done('error');
      throw err;
    });
    const reply = JSON.parse(raw) as
      | Reply
      | { ok: false; code: unknown; message: string; details?: unknown };
    if (!reply.ok) {
      done('refused');
      if (!isErrorCode(reply.code)) throw new Error(`script ${name} answered unknown code ${String(reply.code)}`);
      throw new HubError(reply.code, reply.message, reply.details ?? undefined);
    }
    const events = arr<StoreEvent>(reply.events).map(normalizeEvent);
    done('ok', events);
    if (events.length > 0) this.hooks.onEvents?.(storeId, events);
    return reply;
  }

  async createStore(storeId: string, name: string, supervisor: StaffRecord) {
    await this.run('createStore', storeId, name, JSON.stringify(supervisor));
  }

  async saveStaff(storeId: string, how: 'create' | 'update', staff: Partial<StaffRecord> & { code: string }) {
    const r = await this.run('saveStaff', storeId, how, JSON.stringify(staff));
    this.ended(storeId, arr<string>(r.ended));
    return { staff: r.staff as Omit<StaffRecord, 'pinHash'>, sessionsRevoked: r.sessionsRevoked as number, ended: arr<string>(r.ended) };
  }

  async createSession(storeId: string, tokenHash: string, session: SessionRecord, ttlSeconds: number) {
    const r = await this.run('createSession', storeId, tokenHash, JSON.stringify(session), ttlSeconds);
    this.ended(storeId, [(r.replaced as string | false) || null]);
    return { replaced: (r.replaced as string | false) || null };
  }

  async revokeSession(storeId: string, by: 'session' | 'staff', target: string) {
    const r = await this.run('revokeSession', storeId, by, target);
    this.ended(storeId, arr<string>(r.hashes));
    return { revoked: r.revoked as number, ended: arr<string>(r.hashes) };
  }

  async pairTerminal(storeId: string, code: string, tokenHash: string) {
    const r = await this.run('pairTerminal', storeId, code, tokenHash);
    return r.terminal as TerminalRecord;
  }

  async revokeTerminal(storeId: string, terminalId: string, by: string) {
    const r = await this.run('revokeTerminal', storeId, terminalId, by);
    this.ended(storeId, [(r.endedSession as string | false) || null]);
    return { terminal: r.terminal as TerminalRecord, ended: (r.endedSession as string | false) || null };
  }

  async createProduct(storeId: string, fields: Omit<Product, 'id' | 'stock' | 'held' | 'createdAt' | 'updatedAt'>, words: string[]) {
    const r = await this.run('createProduct', storeId, JSON.stringify(fields), JSON.stringify(words));
    return r.product as Product;
  }

  async updateProduct(
    storeId: string,
    a: { productId: number; changes: Partial<Product>; words: string[] | null; serials: string[] | null } & Actor,
  ) {
    const r = await this.run('updateProduct', storeId, JSON.stringify(a));
    return r.product as Product;
  }

  async createCustomer(storeId: string, customer: { name: string; phone?: string; email?: string }, words: string[]) {
    const r = await this.run('createCustomer', storeId, JSON.stringify(customer), JSON.stringify(words));
    return r.customer as { id: number; name: string; phone?: string; email?: string; createdAt: number };
  }

  async receiveStock(
    storeId: string,
    receipt: {
      receiptId: string; note?: string; lines: { productId: number; quantity: number; serials: string[] }[];
      /** Serials that are invalid after clean-up (left out of `lines`): the first ones as written, and a count per line. */
      invalid: { line: number; serial: string }[]; invalidPerLine: number[];
    } & Actor,
  ) {
    const r = await this.run('receiveStock', storeId, JSON.stringify(receipt), EVENT_SERIAL_LIMIT);
    const rec = withoutHash(r.receipt as ReceiptRecord);
    return {
      receipt: { ...rec, lines: arr<ReceiptRecord['lines'][number]>(rec.lines).map((l) => ({ ...l, serials: arr<string>(l.serials) })) },
      replayed: r.replayed as boolean,
    };
  }

  /**
   * Where each serial of an enforced product stands (read-only, one round trip). `upper`: the serials cleaned
   * up upper-cased; `exact`: the same with their case kept, or null when identical; the script picks by the
   * product's case rule. States come back in the order sent.
   */
  async checkSerials(storeId: string, productId: number, upper: string[], exact: string[] | null) {
    const r = await this.run('checkSerials', storeId, productId, JSON.stringify(upper), exact ? JSON.stringify(exact) : '');
    return { caseSensitive: r.caseSensitive as boolean, states: arr<Exclude<SerialCheckState, 'invalid'>>(r.states) };
  }

  async holdSerial(storeId: string, a: { productId: number; serial: string; saleId: string; leaseMs: number } & Actor) {
    const r = await this.run('holdSerial', storeId, a.productId, a.serial, a.terminalId, a.staffId, a.saleId, a.leaseMs);
    return { hold: r.hold as Hold, renewed: r.renewed as boolean };
  }

  async renewHolds(storeId: string, terminalId: string, saleId: string | undefined, leaseMs: number) {
    const r = await this.run('renewHolds', storeId, terminalId, saleId ?? '', leaseMs);
    return { renewed: arr<Hold>(r.renewed), lost: arr<Hold>(r.lost) };
  }

  async releaseHolds(
    storeId: string,
    how: 'one' | 'sale' | 'force',
    a: Actor & { productId?: number; serial?: string; saleId?: string; reason?: string },
  ) {
    const r = await this.run('releaseHolds', storeId, how, JSON.stringify(a));
    return arr<Hold>(r.released);
  }

  async sweepHolds(storeId: string, limit: number) {
    const r = await this.run('sweepHolds', storeId, limit);
    return { released: arr<Hold>(r.released), nextExpiry: (r.nextExpiry as number | false) || null };
  }

  /**
   * A sale sent whole (REST: its lines and customer, at today's prices), or `fromOpenSale`: the register's open
   * sale of that id, read and checked by the script itself (lines, the prices they showed, the customer).
   */
  async completeSale(
    storeId: string,
    sale: Actor & {
      saleId: string;
      payments: { method: 'cash' | 'card'; amountCents: number }[];
      /** The store keeps this many alerts (a solicit serial sold again adds one). */
      alertsKept?: number;
    } & (
      | { fromOpenSale?: never; customerId: number | null; lines: { productId: number; quantity: number; serials: { serial: string; token?: number }[] }[] }
      | { fromOpenSale: true }
    ),
  ) {
    const r = await this.run('completeSale', storeId, JSON.stringify({ ...sale, storeId }));
    return { invoice: normalizeInvoice(r.invoice as Invoice), replayed: r.replayed as boolean, alerts: arr<Alert>(r.alerts) };
  }

  async returnSale(
    storeId: string,
    ret: { returnId: string; saleId: string; reason?: string; lines: { line: number; quantity: number; serials: string[] }[] } & Actor,
  ) {
    const r = await this.run('returnSale', storeId, JSON.stringify(ret));
    const rec = withoutHash(r.return as ReturnRecord);
    return {
      return: { ...rec, lines: arr<ReturnRecord['lines'][number]>(rec.lines).map((l) => ({ ...l, serials: arr<string>(l.serials) })) },
      invoice: normalizeInvoice(r.invoice as Invoice),
      replayed: r.replayed as boolean,
    };
  }

  // ---- the live hub: open sales, presence, snapshot

  async openSale(storeId: string, a: Actor & { saleId: string }) {
    const r = await this.run('openSale', storeId, a.terminalId, a.staffId, a.saleId);
    return { sale: normalizeOpenSale(r.sale)!, created: r.created as boolean };
  }

  async addSaleLine(
    storeId: string,
    a: Actor & {
      saleId: string; productId: number; quantity: number; leaseMs: number;
      /** The serial normalised upper-cased, and as is: the script picks by the product's case rule. */
      serial: string | null; serialExact: string | null;
    },
  ) {
    const r = await this.run('addSaleLine', storeId, JSON.stringify(a));
    return { sale: normalizeOpenSale(r.sale)!, lineId: r.lineId as string };
  }

  async pickSerial(storeId: string, a: Actor & { saleId: string; lineId: string; serial: string; leaseMs: number }) {
    const r = await this.run('pickSerial', storeId, JSON.stringify(a));
    return normalizeOpenSale(r.sale)!;
  }

  async removeSaleLine(storeId: string, a: Actor & { saleId: string; lineId: string }) {
    const r = await this.run('removeSaleLine', storeId, JSON.stringify(a));
    return normalizeOpenSale(r.sale)!;
  }

  async setSaleLine(
    storeId: string,
    how: 'quantity' | 'customer',
    a: { saleId: string; terminalId: string; lineId?: string; quantity?: number; customerId?: number | null },
  ) {
    const r = await this.run('setSaleLine', storeId, how, JSON.stringify(a));
    return normalizeOpenSale(r.sale)!;
  }

  async voidSale(storeId: string, a: Actor & { saleId: string }) {
    const r = await this.run('voidSale', storeId, a.terminalId, a.staffId, a.saleId);
    return arr<Hold>(r.released);
  }

  async setPresence(storeId: string, terminalId: string, online: boolean, hubId: string, staffId: string) {
    const r = await this.run('setPresence', storeId, terminalId, online ? 'online' : 'offline', hubId, staffId);
    return { changed: r.changed as boolean };
  }

  async heartbeat(storeId: string, hubId: string, leaseMs: number, terminalIds: string[]) {
    const r = await this.run('heartbeat', storeId, hubId, leaseMs, ...terminalIds);
    return { renewed: r.renewed as number, lost: arr<Hold>(r.lost) };
  }

  async sweepPresence(storeId: string, silenceMs: number) {
    const r = await this.run('sweepPresence', storeId, silenceMs);
    return arr<string>(r.offline);
  }

  async storeSnapshot(storeId: string): Promise<Snapshot> {
    const r = await this.run('storeSnapshot', storeId);
    return {
      seq: r.seq as number,
      products: arr<Product>(r.products),
      holds: arr<Hold>(r.holds),
      terminals: arr<Presence>(r.terminals).map((t) => ({ ...t, staffId: t.staffId ?? null })),
      openSales: arr(r.openSales).map((s) => normalizeOpenSale(s)!),
    };
  }
}

export interface StaffRecord {
  code: string;
  name: string;
  role: 'cashier' | 'stock_clerk' | 'supervisor';
  pinHash: string;
  active: boolean;
  createdAt?: number;
}

export type SessionRecord = SessionInfo;

export interface TerminalRecord {
  id: string;
  name: string;
  pairedAt: number;
  pairedBy: string;
  staffId?: string;
  lastLoginAt?: number;
  revokedAt?: number;
  revokedBy?: string;
}
