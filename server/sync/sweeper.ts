/**
 * Releases expired holds: every interval, each store's sorted set of expiries is swept by one script call
 * (not keyspace notifications, which Redis may drop). Several hubs sweeping at once is harmless.
 */
import type { Logger } from 'pino';
import type { AccessService } from '../services/access.js';
import type { InventoryService } from '../services/inventory.js';

export interface SweeperOptions {
  /** Time between sweeps. @default 1000 */
  intervalMs: number;
  /** A register online whose hub has not beaten for this long is marked offline. */
  presenceSilenceMs: number;
}

export class Sweeper {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  /** Holds released since start (for metrics and tests). */
  released = 0;

  constructor(
    private readonly access: AccessService,
    private readonly inventory: InventoryService,
    private readonly log: Logger,
    private readonly opts: SweeperOptions,
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      this.running ??= this.sweepAll().then(
        () => undefined,
      ).finally(() => (this.running = null));
    }, this.opts.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  /** One pass over every store; returns how many holds it released. */
  async sweepAll(): Promise<number> {
    let count = 0;
    try {
      for (const storeId of await this.access.listStores()) {
        for (;;) {
          const { released } = await this.inventory.sweep(storeId);
          count += released.length;
          for (const h of released) {
            this.log.info({ storeId, terminalId: h.terminalId, productId: h.productId, serial: h.serial }, 'hold expired');
          }
          if (released.length === 0) break;
        }
        for (const tid of await this.inventory.sweepPresence(storeId, this.opts.presenceSilenceMs)) {
          this.log.info({ storeId, terminalId: tid }, 'register went silent: marked offline');
        }
      }
    } catch (err) {
      this.log.warn({ err }, 'sweep failed; retrying next interval');
    }
    this.released += count;
    return count;
  }
}
