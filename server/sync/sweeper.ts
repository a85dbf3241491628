/**
 * Releases expired holds: every interval, each store's sorted set of expiries is swept by one script call
 * (not keyspace notifications, which Redis may drop). Several hubs sweeping at once is harmless.
 * Each store is swept on its own, so a store whose Redis Cluster master is down delays no other store, and the
 * store list (the registry sh:stores, on one master) is kept from its last read while that master is down.
 */
import type { Logger } from 'pino';
import type { AccessService } from '../services/access.js';
import type { InventoryService } from '../services/inventory.js';

/** While a list is known, a pass waits this long for the registry before it sweeps the known list. */
const LIST_WAIT_MS = 250;
/**
 * A pass waits this long for one store before it goes on to the next (the sweep goes on by itself). A store
 * whose last sweep failed is not waited for at all: its master is likely down, and each try takes seconds.
 */
const STORE_WAIT_MS = 250;
/** A failure that repeats every interval is logged at most this often. */
const FAILURE_LOG_INTERVAL_MS = 30_000;

export interface SweeperOptions {
  /** Time between sweeps. @default 1000 */
  intervalMs: number;
  /** A register online whose hub has not beaten for this long is marked offline. */
  presenceSilenceMs: number;
}

export class Sweeper {
  private timer: NodeJS.Timeout | null = null;
  private pass: Promise<number> | null = null;
  /** Sweeps in flight, by store: a store still being swept (its master slow or down) is skipped, not doubled. */
  private readonly sweeping = new Map<string, Promise<number>>();
  private refreshing: Promise<void> | null = null;
  /**
   * The last store list read from the registry. While the registry cannot be read no store can be created
   * (creating one writes the registry first), so it lacks at most the stores of the last interval.
   */
  private knownStores: string[] | null = null;
  /** Stores whose last sweep failed, with the error. */
  private readonly failing = new Map<string, unknown>();
  private lastFailureLog = { list: 0, stores: 0 };
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
      this.pass ??= this.sweepAll().finally(() => (this.pass = null));
    }, this.opts.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await Promise.allSettled([this.pass, this.refreshing, ...this.sweeping.values()]);
  }

  /** The stores swept now: the last list read (see knownStores); null before any read succeeded. */
  get stores(): readonly string[] | null {
    return this.knownStores;
  }

  /** One pass over every known store, one store after another; returns the holds released by the sweeps that ended in it. */
  async sweepAll(): Promise<number> {
    let released = 0;
    for (const storeId of (await this.storeList()) ?? []) {
      if (this.sweeping.has(storeId)) continue; // still at it from an earlier pass
      const wasFailing = this.failing.has(storeId);
      const sweep = this.sweepStore(storeId).then((n) => {
        this.released += n;
        released += n;
        return n;
      }).finally(() => this.sweeping.delete(storeId));
      this.sweeping.set(storeId, sweep);
      if (wasFailing) continue;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([sweep, new Promise((r) => (timer = setTimeout(r, STORE_WAIT_MS)))]);
      clearTimeout(timer);
    }
    this.reportFailures();
    return released;
  }

  /**
   * Refreshes the list; while one is known, waits for the registry only briefly (its master may be down).
   * With none known (a hub started while the registry's master is down), the stores are looked for by their
   * keys on the masters that answer, and the registry replaces that list as soon as it can be read.
   */
  private async storeList(): Promise<string[] | null> {
    this.refreshing ??= this.access.listStores().then(
      (ids) => {
        this.knownStores = ids;
        this.lastFailureLog.list = 0;
      },
      async (err: unknown) => {
        const discovered = this.knownStores === null;
        if (discovered) this.knownStores = await this.access.discoverStores().catch(() => null);
        if (Date.now() - this.lastFailureLog.list < FAILURE_LOG_INTERVAL_MS) return;
        this.lastFailureLog.list = Date.now();
        this.log.warn(
          { err, knownStores: this.knownStores?.length ?? 0 },
          discovered
            ? 'store list unreachable: sweeping the stores found on the masters that answer; retrying next interval'
            : 'store list unreachable: sweeping the stores last read; retrying next interval',
        );
      },
    ).finally(() => (this.refreshing = null));
    if (this.knownStores === null) await this.refreshing;
    else await Promise.race([this.refreshing, new Promise((r) => setTimeout(r, LIST_WAIT_MS))]);
    return this.knownStores;
  }

  /** Expired holds (until none is left) and silent registers of one store; returns the holds released. */
  private async sweepStore(storeId: string): Promise<number> {
    let count = 0;
    try {
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
      this.failing.delete(storeId);
    } catch (err) {
      this.failing.set(storeId, err);
    }
    return count;
  }

  private reportFailures(): void {
    if (this.failing.size === 0) {
      this.lastFailureLog.stores = 0;
      return;
    }
    if (Date.now() - this.lastFailureLog.stores < FAILURE_LOG_INTERVAL_MS) return;
    this.lastFailureLog.stores = Date.now();
    const [first] = this.failing.values();
    this.log.warn(
      { err: first, stores: this.failing.size, storeIds: [...this.failing.keys()].slice(0, 10) },
      'sweep failed for some stores; the others were swept; retrying next interval',
    );
  }
}
