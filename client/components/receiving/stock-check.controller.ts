/**
 * The receipt's live stock check: serials entered on a line go to the hub's read-only batch check
 * (POST /api/products/:productId/serials/check) after a short pause and in chunks, whatever the batch size, so
 * serials in stock, held or sold are flagged before the clerk sends the receipt. The host reads each serial's
 * state from `checks` and the check's progress from `progress`.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { SerialCheckResult, SerialCheckState } from '../../../protocol/schemas.js';
import type { HubApi } from '../../api/http.js';
import { stockCheckKey, type StockCheck } from './receipt-draft.js';

/** Scans come one after another and pastes in bursts: one check after this pause. */
const CHECK_DEBOUNCE_MS = 150;
/** Serials per request: a 100,000-serial paste goes out in 20 requests, the progress bar moving with each. */
const CHECK_CHUNK = 5_000;

export interface CheckProgress {
  done: number;
  total: number;
}

export class StockCheckController implements ReactiveController {
  /** What the hub found, by "<productId>:<serial>"; absent: not known (the check failed: the receipt checks anyway). */
  readonly checks = new Map<string, StockCheck>();
  /** The check under way (serials answered of those sent), or null. */
  progress: CheckProgress | null = null;

  private pending = new Map<number, Set<string>>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running = false;
  /** Bumped by clear(): answers of an earlier draft are dropped. */
  private generation = 0;

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly api: () => HubApi | undefined,
    /** Hears each answer (the scan note names a scanned serial that turned out to be in stock). */
    private readonly onAnswer: (productId: number, serial: string, state: SerialCheckState) => void = () => undefined,
  ) {
    host.addController(this);
  }

  hostDisconnected() {
    clearTimeout(this.timer);
    this.timer = undefined;
    // What was queued is checked again when the view comes back (the draft is restored and re-checked).
    this.clear();
  }

  /** Queues serials of a product; those already checked are skipped unless `again` (the store changed). */
  check(productId: number, serials: Iterable<string>, again = false) {
    let queued = this.pending.get(productId);
    let added = 0;
    for (const serial of serials) {
      const key = stockCheckKey(productId, serial);
      if (!again && this.checks.has(key)) continue;
      this.checks.set(key, 'checking');
      if (!queued) this.pending.set(productId, (queued = new Set()));
      queued.add(serial);
      added++;
    }
    if (added === 0) return;
    this.host.requestUpdate();
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.flush(), CHECK_DEBOUNCE_MS);
  }

  /** True while a check is queued or under way. */
  get busy(): boolean {
    return this.running || this.pending.size > 0;
  }

  /** Forgets every answer and drops the checks under way (a new receipt). */
  clear() {
    this.generation++;
    this.checks.clear();
    this.pending.clear();
    this.progress = null;
  }

  private async flush() {
    this.timer = undefined;
    const api = this.api();
    if (this.running || !api) return;
    this.running = true;
    const generation = this.generation;
    const current = () => generation === this.generation;
    try {
      while (this.pending.size > 0 && current()) {
        const batch = [...this.pending].map(([productId, serials]) => [productId, [...serials]] as const);
        this.pending = new Map();
        const total = batch.reduce((n, [, serials]) => n + serials.length, 0);
        this.progress = { done: 0, total };
        this.host.requestUpdate();
        for (const [productId, serials] of batch) {
          for (let i = 0; i < serials.length && current(); i += CHECK_CHUNK) {
            const chunk = serials.slice(i, i + CHECK_CHUNK);
            await this.checkChunk(api, productId, chunk, current);
            if (!current()) return;
            this.progress = { done: (this.progress?.done ?? 0) + chunk.length, total };
            this.host.requestUpdate();
          }
        }
      }
    } finally {
      this.running = false;
      if (current()) this.progress = null;
      this.host.requestUpdate();
    }
  }

  private async checkChunk(api: HubApi, productId: number, serials: string[], current: () => boolean) {
    try {
      const r = await api.post<SerialCheckResult>(`/api/products/${productId}/serials/check`, { serials });
      if (!current()) return;
      serials.forEach((serial, i) => {
        const state = r.items[i]?.state;
        if (!state) return;
        this.checks.set(stockCheckKey(productId, serial), state);
        this.onAnswer(productId, serial, state);
      });
    } catch {
      // Offline, or the product changed meanwhile: these serials stay unchecked and the receipt checks them.
      if (!current()) return;
      for (const serial of serials) {
        const key = stockCheckKey(productId, serial);
        if (this.checks.get(key) === 'checking') this.checks.delete(key);
      }
    }
  }
}
