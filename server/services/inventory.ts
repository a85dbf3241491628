/** Receiving, holds and serial lookup: the life of a serial up to the sale. */
import { randomUUID } from 'node:crypto';
import { normalizeSerial } from '../../protocol/serials.js';
import type { Hold, Invoice, Product, SerialState, TimelineEntry } from '../../protocol/schemas.js';
import type { Caller, Deps } from '../deps.js';
import { HubError } from '../store/errors.js';
import { storeKeys } from '../store/keys.js';
import type { ReceiptRecord } from '../store/scripts.js';
import { alertOnSerialConflict } from './alerts.js';
import { loadProducts } from './catalog.js';
import { serialForProduct, serialRules } from './productFlags.js';

/** Sweeper: holds released per script call. */
export const SWEEP_BATCH = 500;

export function requireTerminal(caller: Caller): string {
  if (!caller.terminalId) {
    throw new HubError('TERMINAL_REQUIRED', 'this needs a paired register: log in on the register (X-Device-Token)');
  }
  return caller.terminalId;
}

/** Timeline entries as the scripts store them (short keys, one json per line). */
interface StoredEntry { k: TimelineEntry['type']; p: number; at: number; s: string; t: string; r?: string; why?: string; c?: number }

export function parseTimeline(raw: string | null): TimelineEntry[] {
  if (!raw) return [];
  return raw.split('\n').map((line) => {
    const e = JSON.parse(line) as StoredEntry;
    return {
      type: e.k, productId: e.p, at: e.at, staffId: e.s, terminalId: e.t,
      ...(e.r ? { ref: e.r } : {}), ...(e.why ? { reason: e.why } : {}), ...(e.c ? { customerId: e.c } : {}),
    };
  });
}

export class InventoryService {
  constructor(private readonly deps: Deps) {}

  /** All or nothing: a bad serial anywhere rejects the receipt with a reason per serial. */
  async receive(caller: Caller, body: { receiptId?: string; note?: string; lines: { productId: number; quantity: number; serials?: string[] }[] }) {
    const rules = await serialRules(this.deps.redis, caller.storeId, body.lines.map((l) => l.productId));
    const rejections: { line: number; serial?: string; reason: string }[] = [];
    const lines = body.lines.map((line, i) => {
      const r = rules.get(line.productId);
      const serials: string[] = [];
      for (const raw of line.serials ?? []) {
        const s = normalizeSerial(raw, r?.caseSensitive ?? false);
        if (s === null) rejections.push({ line: i, serial: raw.slice(0, 80), reason: 'invalid' });
        else serials.push(s);
      }
      return { productId: line.productId, quantity: line.quantity, serials };
    });
    if (rejections.length) {
      throw new HubError('RECEIPT_REJECTED', `${rejections.length} problem(s) in the receipt; nothing was received`, {
        rejections: rejections.slice(0, 1000), total: rejections.length,
      });
    }
    return alertOnSerialConflict(this.deps, caller, 'receipt', () =>
      this.deps.scripts.receiveStock(caller.storeId, {
        receiptId: body.receiptId ?? randomUUID(), note: body.note, lines, staffId: caller.staffId, terminalId: caller.terminalId ?? '',
      }),
    );
  }

  async getReceipt(storeId: string, receiptId: string): Promise<ReceiptRecord> {
    const raw = await this.deps.redis.get(storeKeys(storeId).receipt(receiptId));
    if (!raw) throw new HubError('RECEIPT_NOT_FOUND', `no receipt ${receiptId}`);
    const r = JSON.parse(raw) as ReceiptRecord;
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
      const entries = parseTimeline(await redis.hget(k.timeline, serial));
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
