/**
 * The hub's clock as seen from this screen. Hold expiries come from the Redis clock; the device's clock may be
 * off by minutes, so "time left" is measured against an estimate of the hub's time learned from live events
 * (a new hold's heldAt is the hub's "now" when the event was sent). Display only: nothing is decided by it.
 */
import type { StoreEvent } from '../../../protocol/events.js';
import type { Hold } from '../../../protocol/schemas.js';

export class HubClock {
  /** Hub time minus device time, in ms; 0 until an event taught us better. */
  private offset = 0;
  /** The hold lease length, learned from a new hold. */
  private leaseMs: number | null = null;

  /** Learns from a store event that carries the hub's time of the moment. */
  learn(ev: StoreEvent) {
    if (ev.type === 'hold_created') {
      const hold = (ev.data as { hold: Hold }).hold;
      this.offset = hold.heldAt - Date.now();
      this.leaseMs = hold.expiresAt - hold.heldAt;
    } else if (ev.type === 'holds_renewed' && this.leaseMs !== null) {
      this.offset = (ev.data as { expiresAt: number }).expiresAt - this.leaseMs - Date.now();
    }
  }

  /** The hub's time now, estimated. */
  now(): number {
    return Date.now() + this.offset;
  }
}
