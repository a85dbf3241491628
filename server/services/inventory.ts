/** Receiving, holds and serial lookup: the life of a serial up to the sale. */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { normalizeSerial } from '../../protocol/serials.js';
import {
  SERIAL_CHECK_STATES, type Hold, type Invoice, type Product, type SerialCheckResult, type SerialState, type TimelineEntry,
} from '../../protocol/schemas.js';
import type { Caller, Deps } from '../deps.js';
import { HubError } from '../store/errors.js';
import { storeKeys } from '../store/keys.js';
import type { ReceiptRecord } from '../store/scripts.js';
import { alertOnSerialConflict } from './alerts.js';
import { loadProducts } from './catalog.js';
import { serialForProduct, serialRules } from './productFlags.js';

/** Sweeper: holds released per script call. */
export const SWEEP_BATCH = 500;
/** A refused receipt lists at most this many problems (it counts them all); the script has the same bound. */
const MAX_REJECTIONS = 1000;

export function requireTerminal(caller: Caller): string {
  if (!caller.terminalId) {
    throw new HubError('TERMINAL_REQUIRED', 'this needs a paired register: log in on the register (X-Device-Token)');
  }
  return caller.terminalId;
}

/** Timeline entries as the scripts store them (short keys, one json per line). */
interface StoredEntry { k: TimelineEntry['type']; p: number; at: number; s: string; t: string; r?: string; why?: string; c?: number }
/** A receipt's who, where and when, kept once for all its serials' "received" entries (base.lua). */
interface ReceiptStamp { r: string; at: number; s: string; t: string }
/** A short "received" entry: "@<receipt number>:<product id>" (base.lua `receivedEntry`). */
const RECEIVED_ENTRY = /^@(\d+):(\d+)$/;

/** The timeline as stored, with each short "received" entry expanded from its receipt's stamp. */
export function parseTimeline(raw: string | null, stamps: ReadonlyMap<string, ReceiptStamp> = new Map()): TimelineEntry[] {
  if (!raw) return [];
  return raw.split('\n').map((line) => {
    const short = RECEIVED_ENTRY.exec(line);
    const stamp = short ? stamps.get(short[1]!) : undefined;
    const e: StoredEntry = short
      ? { k: 'received', p: Number(short[2]), at: stamp?.at ?? 0, s: stamp?.s ?? '', t: stamp?.t ?? '', r: stamp?.r }
      : (JSON.parse(line) as StoredEntry);
    return {
      type: e.k, productId: e.p, at: e.at, staffId: e.s, terminalId: e.t,
      ...(e.r ? { ref: e.r } : {}), ...(e.why ? { reason: e.why } : {}), ...(e.c ? { customerId: e.c } : {}),
    };
  });
}

/** A serial's timeline read from Redis: its entries and the stamps of the receipts they name. */
async function readTimeline(redis: Redis, k: ReturnType<typeof storeKeys>, serial: string): Promise<TimelineEntry[]> {
  const raw = await redis.hget(k.timeline, serial);
  const numbers = [...new Set([...(raw ?? '').matchAll(/^@(\d+):/gm)].map((m) => m[1]!))];
  if (numbers.length === 0) return parseTimeline(raw);
  const stamps = await redis.hmget(k.receiptNumbers, ...numbers);
  return parseTimeline(raw, new Map(numbers.flatMap((n, i) => (stamps[i] ? [[n, JSON.parse(stamps[i]!) as ReceiptStamp]] : []))));
}

export class InventoryService {
  constructor(private readonly deps: Deps) {}

  /**
   * All or nothing: a bad serial anywhere rejects the receipt with a reason per serial. Serials invalid after
   * clean-up go to the script as pre-rejections, so one answer lists them with every other problem.
   */
  async receive(caller: Caller, body: { receiptId?: string; note?: string; lines: { productId: number; quantity: number; serials?: string[] }[] }) {
    const rules = await serialRules(this.deps.redis, caller.storeId, body.lines.map((l) => l.productId));
    const invalid: { line: number; serial: string }[] = [];
    const invalidPerLine: number[] = [];
    const lines = body.lines.map((line, i) => {
      const r = rules.get(line.productId);
      const serials: string[] = [];
      invalidPerLine[i] = 0;
      for (const raw of line.serials ?? []) {
        const s = normalizeSerial(raw, r?.caseSensitive ?? false);
        if (s !== null) {
          serials.push(s);
          continue;
        }
        invalidPerLine[i]! += 1;
        if (invalid.length < MAX_REJECTIONS) invalid.push({ line: i, serial: raw.slice(0, 80) });
      }
      return { productId: line.productId, quantity: line.quantity, serials };
    });
    return alertOnSerialConflict(this.deps, caller, 'receipt', () =>
      this.deps.scripts.receiveStock(caller.storeId, {
        receiptId: body.receiptId ?? randomUUID(), note: body.note, lines, invalid, invalidPerLine,
        staffId: caller.staffId, terminalId: caller.terminalId ?? '',
      }),
    );
  }

  /**
   * Where each serial of an enforced product stands before a receipt, read-only and in one round trip: each
   * serial is cleaned up both ways (case kept, upper-cased) and the script applies the product's case rule.
   */
  async checkSerials(storeId: string, productId: number, raws: string[]): Promise<SerialCheckResult> {
    const upper: string[] = [];
    const exact: string[] = [];
    const at: number[] = [];
    raws.forEach((raw, i) => {
      const u = normalizeSerial(raw, false);
      const e = normalizeSerial(raw, true);
      if (u === null || e === null) return;
      upper.push(u);
      exact.push(e);
      at.push(i);
    });
    const sameCase = exact.every((e, i) => e === upper[i]);
    const r = await this.deps.scripts.checkSerials(storeId, productId, upper, sameCase ? null : exact);
    const cleaned = r.caseSensitive ? exact : upper;
    const items: SerialCheckResult['items'] = raws.map((raw) => ({ serial: raw.slice(0, 80), state: 'invalid' }));
    at.forEach((i, k) => (items[i] = { serial: cleaned[k]!, state: r.states[k] ?? 'new' }));
    const counts = Object.fromEntries(SERIAL_CHECK_STATES.map((s) => [s, 0])) as SerialCheckResult['counts'];
    for (const item of items) counts[item.state]++;
    return { productId, items, counts };
  }

  async getReceipt(storeId: string, receiptId: string): Promise<ReceiptRecord> {
    const raw = await this.deps.redis.get(storeKeys(storeId).receipt(receiptId));
    if (!raw) throw new HubError('RECEIPT_NOT_FOUND', `no receipt ${receiptId}`);
    const { requestHash: _, ...r } = JSON.parse(raw) as ReceiptRecord & { requestHash?: string };
    return { ...r, lines: r.lines.map((l) => ({ ...l, serials: Array.isArray(l.serials) ? l.serials : [] })) };
  }

  async hold(caller: Caller, body: { productId: number; serial: string; saleId: string }) {
    const terminalId = requireTerminal(caller);
    const serial = await serialForProduct(this.deps.redis, caller.storeId, body.productId, body.serial);
    return this.deps.scripts.holdSerial(caller.storeId, {
      productId: body.productId, serial, saleId: body.saleId, leaseMs: this.deps.config.HOLD_LEASE_MS,
      terminalId, staffId: caller.staffId,
    });
  }

  async renew(caller: Caller, saleId?: string) {
    return this.deps.scripts.renewHolds(caller.storeId, requireTerminal(caller), saleId, this.deps.config.HOLD_LEASE_MS);
  }

  async release(caller: Caller, body: { productId: number; serial: string }) {
    const terminalId = requireTerminal(caller);
    const serial = await serialForProduct(this.deps.redis, caller.storeId, body.productId, body.serial);
    return this.deps.scripts.releaseHolds(caller.storeId, 'one', { terminalId, staffId: caller.staffId, productId: body.productId, serial });
  }

  async releaseSale(caller: Caller, saleId: string) {
    const terminalId = requireTerminal(caller);
    return this.deps.scripts.releaseHolds(caller.storeId, 'sale', { terminalId, staffId: caller.staffId, saleId });
  }

  async forceRelease(caller: Caller, body: { productId: number; serial: string; reason: string }) {
    const serial = await serialForProduct(this.deps.redis, caller.storeId, body.productId, body.serial);
    return this.deps.scripts.releaseHolds(caller.storeId, 'force', {
      terminalId: caller.terminalId ?? '', staffId: caller.staffId, productId: body.productId, serial, reason: body.reason,
    });
  }

  async listHolds(storeId: string, terminalId?: string): Promise<Hold[]> {
    const k = storeKeys(storeId);
    const all = (await this.deps.redis.hvals(k.holds)).map((r) => JSON.parse(r) as Hold);
    return (terminalId ? all.filter((h) => h.terminalId === terminalId) : all).sort((a, b) => a.expiresAt - b.expiresAt);
  }

  async sweep(storeId: string) {
    return this.deps.scripts.sweepHolds(storeId, SWEEP_BATCH);
  }

  async sweepPresence(storeId: string, silenceMs: number) {
    return this.deps.scripts.sweepPresence(storeId, silenceMs);
  }


  /**
   * Where a serial is, across every product of the store: its state, hold or sale, warranty, and timeline.
   * Tries the serial as typed and as normalised (upper-case), so case-sensitive products are found too.
   */
  async lookup(storeId: string, raw: string) {
    const k = storeKeys(storeId);
    const redis = this.deps.redis;
    const candidates = [...new Set([raw.trim(), normalizeSerial(raw, true), normalizeSerial(raw, false)].filter((s): s is string => !!s))];
    const found: { serial: string; entries: TimelineEntry[] }[] = [];
    for (const serial of candidates) {
      const entries = await readTimeline(redis, k, serial);
      if (entries.length) found.push({ serial, entries });
    }
    if (found.length === 0) throw new HubError('SERIAL_NOT_FOUND', `serial ${raw.trim().slice(0, 64)} is not known in this store`);
    const matches = [];
    for (const { serial, entries } of found) {
      const pids = [...new Set(entries.map((e) => e.productId))];
      const products = new Map((await loadProducts(redis, storeId, pids)).map((p) => [p.id, p]));
      for (const pid of pids) {
        const product = products.get(pid);
        if (!product) continue;
        matches.push(await this.serialStatus(storeId, product, serial, entries.filter((e) => e.productId === pid)));
      }
    }
    return { query: raw.trim().slice(0, 64), matches };
  }

  private async serialStatus(storeId: string, product: Product, serial: string, timeline: TimelineEntry[]) {
    const k = storeKeys(storeId);
    const id = `${product.id}:${serial}`;
    const [inStock, holdRaw, soldAt, soldRaw] = await Promise.all([
      this.deps.redis.zscore(k.inStock(product.id), serial),
      this.deps.redis.hget(k.holds, id),
      this.deps.redis.zscore(k.sold(product.id), serial),
      this.deps.redis.hget(k.soldInfo, id),
    ]);
    const last = timeline[timeline.length - 1];
    let state: SerialState | 'unknown' = 'unknown';
    if (holdRaw) state = 'held';
    else if (inStock !== null) state = 'in_stock';
    else if (soldAt !== null) state = 'sold';
    else if (last?.type === 'returned') state = 'returned';
    let sale: Record<string, unknown> | null = null;
    if (soldRaw && state === 'sold') {
      const info = JSON.parse(soldRaw) as { saleId: string; line: number; customerId?: number | null; at: number };
      const invRaw = await this.deps.redis.get(k.invoice(info.saleId));
      const invoice = invRaw ? (JSON.parse(invRaw) as Invoice) : null;
      const warrantyEndsAt = invoice?.lines[info.line]?.warrantyEndsAt ?? null;
      sale = {
        saleId: info.saleId, invoiceNumber: invoice?.number ?? null, customerId: info.customerId ?? null, soldAt: info.at, warrantyEndsAt,
        underWarranty: warrantyEndsAt !== null && warrantyEndsAt > Date.now(),
      };
    }
    return { serial, product, state, hold: holdRaw ? (JSON.parse(holdRaw) as Hold) : null, sale, timeline };
  }
}
