/**
 * The register's live side: its open sale (cart) kept in Redis, picking serials into it, completing it,
 * and catching up on store events after an outage (replay from the stream, or a snapshot).
 */
import { randomUUID } from 'node:crypto';
import type { StoreEvent, StoreEventType } from '../../protocol/events.js';
import { normalizeSerial } from '../../protocol/serials.js';
import type { OpenSale, SyncReply } from '../../protocol/socket.js';
import type { Caller, Deps } from '../deps.js';
import { HubError } from '../store/errors.js';
import { storeKeys } from '../store/keys.js';
import { normalizeEvent, normalizeOpenSale } from '../store/scripts.js';
import { completeSaleWithAlerts } from './alerts.js';
import { requireTerminal } from './inventory.js';
import { serialForProduct } from './productFlags.js';

/** A register further behind than this many events gets a snapshot instead of a replay. */
export const MAX_REPLAY = 2_000;

/** A session gets at most one full snapshot this often (a snapshot walks every product of the store). */
export const SNAPSHOT_MIN_INTERVAL_MS = 2_000;
const SNAPSHOT_TRACKED_SESSIONS = 10_000;

export class RegisterService {
  /** When each session last got a snapshot from this hub. */
  private readonly lastSnapshotAt = new Map<string, number>();

  constructor(private readonly deps: Deps) {}

  private actor(caller: Caller) {
    return { terminalId: requireTerminal(caller), staffId: caller.staffId };
  }


  async openSale(caller: Caller, saleId?: string) {
    return this.deps.scripts.openSale(caller.storeId, { ...this.actor(caller), saleId: saleId ?? randomUUID() });
  }

  async currentSale(caller: Caller): Promise<OpenSale | null> {
    const k = storeKeys(caller.storeId);
    const saleId = await this.deps.redis.get(k.terminalSale(requireTerminal(caller)));
    return saleId ? normalizeOpenSale(JSON.parse((await this.deps.redis.get(k.cart(saleId))) ?? 'null')) : null;
  }

  async addLine(caller: Caller, a: { saleId: string; productId: number; quantity: number; serial?: string }) {
    // A scan is on every register's critical path: rather than read the product's case rule first (one more
    // Redis round trip), send the serial cleaned up both ways and let the script, which reads the product
    // anyway, pick by the rule. Only an invalid serial goes the long way, to PRODUCT_NOT_FOUND or
    // VALIDATION_FAILED in that order (upper-casing never makes a serial valid or invalid).
    let serial: string | null = null;
    let serialExact: string | null = null;
    if (a.serial !== undefined) {
      serial = normalizeSerial(a.serial) ?? (await serialForProduct(this.deps.redis, caller.storeId, a.productId, a.serial));
      serialExact = normalizeSerial(a.serial, true);
    }
    return this.deps.scripts.addSaleLine(caller.storeId, {
      ...this.actor(caller), saleId: a.saleId, productId: a.productId, quantity: a.quantity, serial, serialExact,
      leaseMs: this.deps.config.HOLD_LEASE_MS,
    });
  }

  async pickSerial(caller: Caller, a: { saleId: string; lineId: string; serial: string }) {
    const actor = this.actor(caller);
    const sale = await this.currentSale(caller);
    const line = sale?.saleId === a.saleId ? sale.lines.find((l) => l.lineId === a.lineId) : undefined;
    // The script re-checks everything; the line's product is only needed here for its case rule.
    if (!line) throw new HubError('NOT_FOUND', `the open sale has no line ${a.lineId}`);
    const serial = await serialForProduct(this.deps.redis, caller.storeId, line.productId, a.serial);
    return this.deps.scripts.pickSerial(caller.storeId, {
      ...actor, saleId: a.saleId, lineId: a.lineId, serial, leaseMs: this.deps.config.HOLD_LEASE_MS,
    });
  }

  async removeLine(caller: Caller, a: { saleId: string; lineId: string }) {
    return this.deps.scripts.removeSaleLine(caller.storeId, { ...this.actor(caller), ...a });
  }

  async setQuantity(caller: Caller, a: { saleId: string; lineId: string; quantity: number }) {
    return this.deps.scripts.setSaleLine(caller.storeId, 'quantity', { terminalId: requireTerminal(caller), ...a });
  }

  async setCustomer(caller: Caller, a: { saleId: string; customerId: number | null }) {
    return this.deps.scripts.setSaleLine(caller.storeId, 'customer', { terminalId: requireTerminal(caller), ...a });
  }

  async voidSale(caller: Caller, saleId: string) {
    return this.deps.scripts.voidSale(caller.storeId, { ...this.actor(caller), saleId });
  }

  /**
   * Completes the register's open sale with the lines it holds. Lines whose hold was lost, or that still need
   * a serial, stop the sale with the line named. A retry after the sale completed returns the same invoice.
   * One Redis round trip: the script reads and checks the open sale itself.
   */
  async completeOpenSale(caller: Caller, a: { saleId: string; payments: { method: 'cash' | 'card'; amountCents: number }[] }) {
    return completeSaleWithAlerts(this.deps, caller, {
      ...this.actor(caller), saleId: a.saleId, payments: a.payments, fromOpenSale: true,
    });
  }

  /**
   * What a register missed since `lastSeq`: the events themselves while the stream still has them all (and
   * there are not too many), otherwise a snapshot of the store at one sequence number.
   */
  async resync(caller: Caller, lastSeq: number): Promise<SyncReply> {
    const k = storeKeys(caller.storeId);
    const current = Number((await this.deps.redis.hget(k.meta, 'seq')) ?? 0);
    if (lastSeq > current) return this.snapshotReply(caller); // the client is ahead: its state is not ours
    if (lastSeq === current) return { mode: 'replay', seq: current, events: [] };
    if (current - lastSeq <= MAX_REPLAY) {
      const entries = await this.deps.redis.xrange(k.events, `${lastSeq + 1}-0`, '+', 'COUNT', MAX_REPLAY);
      const events = entries.map(([id, fields]) => toEvent(id, fields));
      // Complete only if the stream still starts right after lastSeq (trimming removes the oldest first).
      if (events.length > 0 && events[0]!.seq === lastSeq + 1) {
        return { mode: 'replay', seq: events[events.length - 1]!.seq, events };
      }
    }
    return this.snapshotReply(caller);
  }

  private async snapshotReply(caller: Caller): Promise<SyncReply> {
    // A snapshot reads the whole store in one script: one per session every few seconds is plenty.
    const now = Date.now();
    const last = this.lastSnapshotAt.get(caller.session.id) ?? 0;
    if (now - last < SNAPSHOT_MIN_INTERVAL_MS) {
      throw new HubError('RATE_LIMITED', 'a full resync was just sent: retry in a moment', { retryAfterMs: last + SNAPSHOT_MIN_INTERVAL_MS - now });
    }
    if (this.lastSnapshotAt.size > SNAPSHOT_TRACKED_SESSIONS) this.lastSnapshotAt.clear();
    this.lastSnapshotAt.set(caller.session.id, now);
    const snapshot = await this.deps.scripts.storeSnapshot(caller.storeId);
    return { mode: 'snapshot', seq: snapshot.seq, snapshot };
  }

}

/** A stream entry (id "<seq>-0", fields t = type, d = json data) as a store event. */
export function toEvent(id: string, fields: string[]): StoreEvent {
  const f: Record<string, string> = {};
  for (let i = 0; i < fields.length; i += 2) f[fields[i]!] = fields[i + 1]!;
  return normalizeEvent({ seq: Number(id.split('-')[0]), type: f.t as StoreEventType, data: JSON.parse(f.d ?? '{}') as Record<string, unknown> });
}
