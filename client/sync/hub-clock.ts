/**
 * The hub's clock as seen from this screen. Hold expiries and presence times come from the Redis clock; the
 * device's clock may be off by minutes, so ages and "time left" are measured against an estimate of the hub's
 * time, learned from what the hub says its time is (GET /api/dashboard's `now`) and from live events (a new
 * hold's heldAt is the hub's "now" when the event was sent). Display only: nothing is decided by it.
 */
import type { StoreEvent } from '../../protocol/events.js';
import type { Hold } from '../../protocol/schemas.js';

export class HubClock {
  /** Hub time minus device time, in ms; 0 until the hub taught us better. */
  private offset = 0;
  private learned = false;
  /** The hold lease length, learned from a new hold or told by the hub. */
  private lease: number | null = null;

  /** Learns from a live store event that carries the hub's time of the moment (a replayed one is old news). */
  learn(ev: StoreEvent, replayed = false) {
    if (replayed) return;
    if (ev.type === 'hold_created') {
      const hold = (ev.data as { hold: Hold }).hold;
      this.offset = hold.heldAt - Date.now();
      this.lease = hold.expiresAt - hold.heldAt;
      this.learned = true;
    } else if (ev.type === 'holds_renewed' && this.lease !== null) {
      this.offset = (ev.data as { expiresAt: number }).expiresAt - this.lease - Date.now();
    }
  }

  /** Learns the hub's time from an answer that carries it (and the lease, when it does). */
  learnNow(hubNow: number, leaseMs?: number) {
    this.offset = hubNow - Date.now();
    this.learned = true;
    if (leaseMs !== undefined) this.lease = leaseMs;
  }

  /** The hub's time now, estimated. */
  now(): number {
    return Date.now() + this.offset;
  }

  /** Whether the hub's time was learned yet (until then `now()` is the device's clock). */
  get known(): boolean {
    return this.learned;
  }

  /** The hold lease (a disconnected register's grace period), once known. */
  get leaseMs(): number | null {
    return this.lease;
  }
}
