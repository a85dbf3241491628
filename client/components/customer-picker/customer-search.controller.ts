/**
 * Customer search shared by the customers page and the customer picker: debounced GET /api/customers?q=,
 * paging by nextCursor, and stale answers dropped (a slow reply to "an" must not overwrite the reply to "ana").
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { Customer, Page } from '../../../protocol/schemas.js';
import { ApiError, type HubApi } from '../../api/http.js';

/** Typing pauses this long before a search goes out. */
const SEARCH_DEBOUNCE_MS = 250;

export interface CustomerSearchOptions {
  /** Customers per page. @default 25 */
  pageSize?: number;
  /** With an empty query, list every customer (by id) instead of showing nothing. @default false */
  listWhenEmpty?: boolean;
}

/** Hub answers a cashier understands. */
export function explainCustomerError(err: unknown): string {
  if (err instanceof ApiError) {
    switch (err.code) {
      case 'FORBIDDEN':
        return 'Your role cannot see customers. Ask a cashier or a supervisor.';
      case 'CUSTOMER_NOT_FOUND':
        return 'There is no such customer in this store.';
      case 'UNAUTHENTICATED':
        return 'Your session ended. Log in again.';
      default:
        return err.message;
    }
  }
  return err instanceof Error ? err.message : 'Something went wrong.';
}

export class CustomerSearchController implements ReactiveController {
  /** The query the items answer (trimmed). */
  query = '';
  items: Customer[] = [];
  nextCursor: string | null = null;
  loading = false;
  error = '';
  /** True once a search for the current query has answered. */
  answered = false;

  private readonly pageSize: number;
  private readonly listWhenEmpty: boolean;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private requestId = 0;

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly api: () => HubApi | undefined,
    opts: CustomerSearchOptions = {},
  ) {
    this.pageSize = opts.pageSize ?? 25;
    this.listWhenEmpty = opts.listWhenEmpty ?? false;
    host.addController(this);
  }

  hostConnected() {}

  hostDisconnected() {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.requestId++;
  }

  /** Searches for `text` after a short pause (typing), or at once. */
  search(text: string, immediate = false) {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const q = text.trim();
    if (immediate) return this.load(q, null);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.load(q, null);
    }, SEARCH_DEBOUNCE_MS);
    return Promise.resolve();
  }

  /** Loads the next page of the current query. */
  more() {
    return this.nextCursor ? this.load(this.query, this.nextCursor) : Promise.resolve();
  }

  /** Adds a customer made elsewhere to a full listing, when it belongs on the pages already loaded. */
  addIfListed(customer: Customer) {
    if (this.query || !this.listWhenEmpty || this.nextCursor !== null || !this.answered) return;
    if (this.items.some((c) => c.id === customer.id)) return;
    this.items = [...this.items, customer];
    this.host.requestUpdate();
  }

  private async load(q: string, cursor: string | null) {
    const api = this.api();
    const id = ++this.requestId;
    if (!api) return;
    if (!q && !this.listWhenEmpty) {
      Object.assign(this, { query: '', items: [], nextCursor: null, loading: false, error: '', answered: false });
      this.host.requestUpdate();
      return;
    }
    this.loading = true;
    this.host.requestUpdate();
    const params = new URLSearchParams({ limit: String(this.pageSize) });
    if (q) params.set('q', q);
    if (cursor) params.set('cursor', cursor);
    try {
      const page = await api.get<Page<Customer>>(`/api/customers?${params}`);
      if (id !== this.requestId) return;
      const seen = cursor ? new Set(this.items.map((c) => c.id)) : new Set<number>();
      const fresh = page.items.filter((c) => !seen.has(c.id));
      this.items = cursor ? [...this.items, ...fresh] : page.items;
      this.nextCursor = page.nextCursor;
      this.query = q;
      this.error = '';
      this.answered = true;
    } catch (err) {
      if (id !== this.requestId) return;
      this.error = explainCustomerError(err);
    } finally {
      if (id === this.requestId) {
        this.loading = false;
        this.host.requestUpdate();
      }
    }
  }
}
