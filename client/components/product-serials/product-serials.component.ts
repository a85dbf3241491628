/**
 * One of a product's serial lists from the hub, a page at a time (a product may have 100,000 serials):
 * available (in stock, by serial) or sold (newest first, with invoice, customer and date). Prefix search;
 * `refresh()` reloads what is shown after a store event touched the product.
 */
import { consume } from '@lit/context';
import { LitElement, html, nothing } from 'lit';
import { property, state } from 'lit/decorators.js';
import type { Customer, Page } from '../../../protocol/schemas.js';
import { appContext, type AppServices } from '../../context/session.js';
import { navigate } from '../../events/index.js';
import { formatDateTime } from '../../format.js';
import { sharedStyles } from '../../styles/shared.js';
import { productSerialsStyles } from './product-serials.styles.js';

/** Serials per page. */
const PAGE_SIZE = 50;
/** The hub's largest page; a refresh reloads at most this many. */
const MAX_PAGE = 500;
/** A sold-serial search may answer short pages: fetch on, at most this many pages per click. */
const SEARCH_PAGES_PER_LOAD = 10;
/** Wait this long after the last keystroke before searching. */
const SEARCH_DEBOUNCE_MS = 250;

export interface SoldSerial {
  serial: string;
  saleId: string;
  /** The invoice's number, as its receipt and the customer's page show it. */
  invoiceNumber?: number;
  line: number;
  at: number;
  customerId?: number;
}
type Item = { serial: string } & Partial<SoldSerial>;

export class ShProductSerials extends LitElement {
  static override styles = [sharedStyles, productSerialsStyles];

  @consume({ context: appContext, subscribe: true }) services?: AppServices;

  @state() private items: Item[] = [];
  @state() private nextCursor: string | null = null;
  @state() private loading = false;
  @state() private loadError = '';
  @state() private searchText = '';
  @state() private customerNames = new Map<number, string>();

  /** The product whose serials are listed. */
  @property({ type: Number }) productId = 0;
  /** Which list: in stock, or sold. */
  @property() status: 'available' | 'sold' = 'available';

  private searchTimer: ReturnType<typeof setTimeout> | undefined;
  private requestSeq = 0;

  override willUpdate(changed: Map<PropertyKey, unknown>) {
    if ((changed.has('productId') || changed.has('status')) && this.productId) {
      this.items = [];
      this.nextCursor = null;
      void this.load('first');
    }
  }

  override disconnectedCallback() {
    super.disconnectedCallback();
    clearTimeout(this.searchTimer);
  }

  private url(cursor: string | null, limit: number): string {
    const params = new URLSearchParams({ status: this.status, limit: String(limit) });
    if (this.searchText.trim()) params.set('q', this.searchText.trim());
    if (cursor) params.set('cursor', cursor);
    return `/api/products/${this.productId}/serials?${params}`;
  }

  /** first: a new list; more: the next page; refresh: the same range again, fresh. */
  private async load(mode: 'first' | 'more' | 'refresh') {
    const api = this.services?.api;
    if (!api || !this.productId) return;
    const seq = ++this.requestSeq;
    const limit = mode === 'refresh' ? Math.min(MAX_PAGE, Math.max(PAGE_SIZE, this.items.length)) : PAGE_SIZE;
    let cursor = mode === 'more' ? this.nextCursor : null;
    const found: Item[] = mode === 'more' ? [...this.items] : [];
    const wanted = found.length + limit;
    this.loading = true;
    this.loadError = '';
    try {
      for (let pages = 0; pages < SEARCH_PAGES_PER_LOAD; pages++) {
        const page = await api.get<Page<Item>>(this.url(cursor, limit));
        if (seq !== this.requestSeq) return;
        const known = new Set(found.map((i) => i.serial));
        found.push(...page.items.filter((i) => !known.has(i.serial)));
        cursor = page.nextCursor;
        if (!cursor || found.length >= wanted) break;
      }
      this.items = found;
      this.nextCursor = cursor;
      void this.loadCustomerNames(found);
    } catch (err) {
      if (seq === this.requestSeq) this.loadError = `The serials could not be loaded: ${(err as Error).message}`;
    } finally {
      if (seq === this.requestSeq) this.loading = false;
    }
  }

  /** Names of the customers of sold serials, for the roles that may read customers. */
  private async loadCustomerNames(items: Item[]) {
    const s = this.services;
    if (!s || s.session.role === 'stock_clerk') return;
    const ids = [...new Set(items.map((i) => i.customerId).filter((id): id is number => !!id && !this.customerNames.has(id)))];
    if (ids.length === 0) return;
    const names = new Map(this.customerNames);
    await Promise.all(
      ids.map(async (id) => {
        try {
          names.set(id, (await s.api.get<{ customer: Customer }>(`/api/customers/${id}`)).customer.name);
        } catch {
          names.set(id, `Customer ${id}`);
        }
      }),
    );
    this.customerNames = names;
  }

  private handleSearchInput(e: Event) {
    this.searchText = (e.target as HTMLInputElement).value;
    clearTimeout(this.searchTimer);
    this.searchTimer = setTimeout(() => void this.load('first'), SEARCH_DEBOUNCE_MS);
  }

  private handleSearchKeydown(e: KeyboardEvent) {
    if (e.key !== 'Enter') return;
    clearTimeout(this.searchTimer);
    void this.load('first');
  }

  private handleLink(e: Event, to: string) {
    e.preventDefault();
    navigate(this, to);
  }

  private renderCustomer(id: number | undefined) {
    if (!id) return html`<span class="muted">—</span>`;
    if (this.services?.session.role === 'stock_clerk') return html`Customer ${id}`;
    return html`<a href="#/customer/${id}" @click=${(e: Event) => this.handleLink(e, `#/customer/${id}`)}>
      ${this.customerNames.get(id) ?? `Customer ${id}`}</a>`;
  }

  private renderRows() {
    if (this.status === 'available') {
      return this.items.map(
        (i) => html`<tr data-serial=${i.serial}>
          <td class="mono"><a href="#/lookup/${encodeURIComponent(i.serial)}"
            @click=${(e: Event) => this.handleLink(e, `#/lookup/${encodeURIComponent(i.serial)}`)}>${i.serial}</a></td>
        </tr>`,
      );
    }
    return this.items.map(
      (i) => html`<tr data-serial=${i.serial}>
        <td class="mono"><a href="#/lookup/${encodeURIComponent(i.serial)}"
          @click=${(e: Event) => this.handleLink(e, `#/lookup/${encodeURIComponent(i.serial)}`)}>${i.serial}</a></td>
        <td data-invoice title=${i.saleId ?? ''}>${i.invoiceNumber ? `Invoice #${i.invoiceNumber}` : i.saleId ? html`<span class="mono">${i.saleId.slice(0, 8)}</span>` : '—'}${i.line !== undefined ? html` <span class="muted">line ${i.line + 1}</span>` : nothing}</td>
        <td>${this.renderCustomer(i.customerId)}</td>
        <td>${i.at ? formatDateTime(i.at) : '—'}</td>
      </tr>`,
    );
  }

  override render() {
    const label = this.status === 'available' ? 'available' : 'sold';
    return html`
      <input type="search" aria-label="Search ${label} serials" placeholder="Search ${label} serials (starts with…)" autocomplete="off"
        spellcheck="false" .value=${this.searchText} @input=${this.handleSearchInput} @keydown=${this.handleSearchKeydown} />
      <div class="list">
        <table aria-label="${this.status === 'available' ? 'Available' : 'Sold'} serials">
          <thead>
            ${this.status === 'available'
              ? html`<tr><th>Serial</th></tr>`
              : html`<tr><th>Serial</th><th>Invoice</th><th>Customer</th><th>Sold</th></tr>`}
          </thead>
          <tbody>${this.renderRows()}</tbody>
        </table>
      </div>
      ${!this.loading && this.items.length === 0 && !this.loadError
        ? html`<p class="muted">${this.searchText.trim()
            ? `No ${label} serial starts with “${this.searchText.trim()}”.`
            : this.status === 'available' ? 'No serials in stock.' : 'No serials sold yet.'}</p>`
        : nothing}
      ${this.loadError ? html`<p class="error" role="alert">${this.loadError}</p>` : nothing}
      <div class="more">
        ${this.loading ? html`<span class="muted" role="status">Loading…</span>` : nothing}
        ${this.nextCursor && !this.loading
          ? html`<span class="muted">${this.items.length.toLocaleString()} shown</span>
              <button type="button" @click=${() => this.load('more')}>Load more</button>`
          : nothing}
      </div>
    `;
  }

  /** Reloads the serials shown (after a store event touched the product). */
  refresh() {
    void this.load('refresh');
  }
}
