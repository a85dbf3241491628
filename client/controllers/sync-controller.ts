/**
 * Re-renders its host when the live store state changes, at most once per animation frame (a busy store
 * sends many events a second; the screen only needs the latest picture). Events missed while away and
 * replayed by a resync reach `onEvent` too (flagged `replayed`), so what a view folds from events stays whole.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { StoreEvent } from '../../protocol/events.js';
import type { StoreSync } from '../sync/store-sync.js';

export class SyncController implements ReactiveController {
  private unsubscribe: (() => void) | null = null;
  private frame = 0;

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly sync: () => StoreSync | undefined,
    /** Called for each event, live or replayed after an outage, before the re-render (e.g. to refetch a list the event touched). */
    private readonly onEvent?: (ev: StoreEvent, replayed: boolean) => void,
  ) {
    host.addController(this);
  }

  hostConnected() {
    const sync = this.sync();
    if (!sync) return;
    this.unsubscribe = sync.subscribe((why, ev) => {
      if (ev) this.onEvent?.(ev, why === 'replayed');
      if (this.frame) return;
      this.frame = requestAnimationFrame(() => {
        this.frame = 0;
        this.host.requestUpdate();
      });
    });
  }

  hostDisconnected() {
    this.unsubscribe?.();
    this.unsubscribe = null;
    if (this.frame) cancelAnimationFrame(this.frame);
    this.frame = 0;
  }
}
