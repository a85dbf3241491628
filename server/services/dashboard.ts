/**
 * The supervisor dashboard's first load, in one request: what sold since the start of the supervisor's day
 * (per product and per hour) and the latest sales, returns and receipts, with the Redis clock and the hold
 * lease (so the screen can tell a register in its grace period from one that is gone). Everything after it
 * arrives as store events over the live connection.
 */
import type { DashboardSummary, Invoice } from '../../protocol/schemas.js';
import type { Alert } from '../../protocol/socket.js';
import type { Deps } from '../deps.js';
import { storeKeys } from '../store/keys.js';
import { toEvent } from './registers.js';

/** Invoices read per MGET. */
const INVOICE_BATCH = 500;
/** Store events scanned (newest first) to fill the feed. */
const FEED_SCAN = 2_000;
export const FEED_LENGTH = 50;
const FEED_TYPES = new Set(['sale_completed', 'return_completed', 'stock_received']);
const HOUR_MS = 3_600_000;

export class DashboardService {
  constructor(private readonly deps: Deps) {}

  async summary(storeId: string, since: number): Promise<DashboardSummary> {
    const k = storeKeys(storeId);
    const redis = this.deps.redis;
    const [seq, ids, feedRaw, alertsRaw, [seconds, micros]] = await Promise.all([
      redis.hget(k.meta, 'seq'),
      redis.zrangebyscore(k.invoices, since, '+inf'),
      redis.xrevrange(k.events, '+', '-', 'COUNT', FEED_SCAN),
      redis.lrange(k.alerts, 0, -1),
      redis.time(),
    ]);
    const soldByProduct: Record<number, number> = {};
    const hours = Math.max(1, Math.ceil((Date.now() - since) / HOUR_MS));
    const salesPerHour = Array.from({ length: Math.min(hours, 48) }, (_, i) => ({ at: since + i * HOUR_MS, count: 0, totalCents: 0 }));
    for (let i = 0; i < ids.length; i += INVOICE_BATCH) {
      const raw = await redis.mget(...ids.slice(i, i + INVOICE_BATCH).map((id) => k.invoice(id)));
      for (const r of raw) {
        if (!r) continue;
        const inv = JSON.parse(r) as Invoice;
        const bucket = salesPerHour[Math.floor((inv.completedAt - since) / HOUR_MS)];
        if (bucket) {
          bucket.count++;
          bucket.totalCents += inv.totalCents;
        }
        for (const l of Array.isArray(inv.lines) ? inv.lines : []) soldByProduct[l.productId] = (soldByProduct[l.productId] ?? 0) + l.quantity;
      }
    }
    const feed = feedRaw.map(([id, fields]) => toEvent(id, fields)).filter((e) => FEED_TYPES.has(e.type)).slice(0, FEED_LENGTH);
    const alerts = alertsRaw.map((r) => JSON.parse(r) as Alert).filter((a) => a.at >= since);
    const now = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
    return { since, seq: Number(seq ?? 0), soldByProduct, salesPerHour, feed, alerts, now, holdLeaseMs: this.deps.config.HOLD_LEASE_MS };
  }
}
