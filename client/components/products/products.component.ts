/**
 * The product list: search by part number or name, paged ("Load more"), stock live from the store state, a
 * row opens the product. Supervisors create products here.
 */
import { consume } from '@lit/context';
import { LitElement, html, nothing } from 'lit';
import { query, state } from 'lit/decorators.js';
import type { StoreEvent } from '../../../protocol/events.js';
import type { Page, Product } from '../../../protocol/schemas.js';
import { appContext, type AppServices } from '../../context/session.js';
import { SyncController } from '../../controllers/sync-controller.js';
import { navigate, toast } from '../../events/index.js';
import { formatCents } from '../../format.js';
import { sharedStyles } from '../../styles/shared.js';
import { productErrorsFrom, type ProductErrors, type ProductSubmitEvent, type ShProductForm } from '../product-form/product-form.component.js';
import { MODE_LABEL } from '../product-picker/product-picker.component.js';
import { productsStyles } from './products.styles.js';

/** Products per page. */
const PAGE_SIZE = 50;
/** Wait this long after the last keystroke before searching. */
const SEARCH_DEBOUNCE_MS = 250;

/** "Low" when the units free to sell are at or under the product's threshold. */
export function stockLevel(p: Product): 'out' | 'low' | 'ok' {
  const free = p.stock - p.held;
  if (free <= 0) return 'out';
  return p.lowStockThreshold > 0 && free <= p.lowStockThreshold ? 'low' : 'ok';
}

export class ShProducts extends LitElement {
  static override styles = [sharedStyles, productsStyles];

  @consume({ context: appContext, subscribe: true }) services?: AppServices;

  private readonly live = new SyncController(this, () => this.services?.sync, (ev) => this.handleStoreEvent(ev));

  @query('input[type=search]') private searchInput?: HTMLInputElement;
  @query('sh-product-form') private form?: ShProductForm;

  @state() private items: Product[] = [];
  @state() private nextCursor: string | null = null;
  @state() private loading = false;
  @state() private loadError = '';
  @state() private searchText = '';
  @state() private creating = false;
  @state() private saving = false;
  @state() private createErrors: ProductErrors = {};
  @state() private created: Product | null = null;

  private searchTimer: ReturnType<typeof setTimeout> | undefined;
  private requestSeq = 0;

  override connectedCallback() {
    super.connectedCallback();
    void this.load();
  }

  override disconnectedCallback() {
    super.disconnectedCallback();
    clearTimeout(this.searchTimer);
  }

  override firstUpdated() {
    this.searchInput?.focus();
  }

  private async load(more = false) {
    const api = this.services?.api;
    if (!api) return;
    const seq = ++this.requestSeq;
    const params = new URLSearchParams({ limit: String(PAGE_SIZE) });
    if (this.searchText.trim()) params.set('q', this.searchText.trim());
    if (more && this.nextCursor) params.set('cursor', this.nextCursor);
    this.loading = true;
    this.loadError = '';
    try {
      const page = await api.get<Page<Product>>(`/api/products?${params}`);
      if (seq !== this.requestSeq) return;
      this.items = more ? [...this.items, ...page.items.filter((p) => !this.items.some((i) => i.id === p.id))] : page.items;
      this.nextCursor = page.nextCursor;
    } catch (err) {
      if (seq === this.requestSeq) this.loadError = `The products could not be loaded: ${(err as Error).message}`;
    } finally {
      if (seq === this.requestSeq) this.loading = false;
    }
  }

  private handleStoreEvent(ev: StoreEvent) {
    // A new product shows up at the end of a fully loaded, unfiltered list (later pages bring it otherwise).
    if (ev.type !== 'product_created' || this.nextCursor || this.searchText.trim()) return;
    const p = (ev.data as { product: Product }).product;
    if (!this.items.some((i) => i.id === p.id)) this.items = [...this.items, p];
  }

  private handleSearchInput(e: Event) {
    this.searchText = (e.target as HTMLInputElement).value;
    clearTimeout(this.searchTimer);
    this.searchTimer = setTimeout(() => void this.load(), SEARCH_DEBOUNCE_MS);
  }

  private handleSearchKeydown(e: KeyboardEvent) {
    if (e.key === 'Enter') {
      clearTimeout(this.searchTimer);
      void this.load();
    } else if (e.key === 'ArrowDown') {
      e.preventDefault();
      this.renderRoot.querySelector<HTMLElement>('tbody tr')?.focus();
    }
  }

  private handleRowKeydown(e: KeyboardEvent, p: Product) {
    const row = e.currentTarget as HTMLElement;
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      this.open(p);
    } else if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      const next = (e.key === 'ArrowDown' ? row.nextElementSibling : row.previousElementSibling) as HTMLElement | null;
      if (next) next.focus();
      else if (e.key === 'ArrowUp') this.searchInput?.focus();
    }
  }

  private handleToggleCreate() {
    this.creating = !this.creating;
    this.createErrors = {};
    if (this.creating) void this.updateComplete.then(() => this.form?.focusFirst());
  }

  private async handleCreate(e: ProductSubmitEvent) {
    const api = this.services?.api;
    if (!api) return;
    this.saving = true;
    this.createErrors = {};
    try {
      const { product } = await api.post<{ product: Product }>('/api/products', e.detail.values);
      this.created = product;
      if (!this.nextCursor && !this.searchText.trim() && !this.items.some((i) => i.id === product.id)) {
        this.items = [...this.items, product];
      }
      toast(this, `Created ${product.partNumber}.`, 'success');
      this.form?.reset();
    } catch (err) {
      this.createErrors = productErrorsFrom(err);
    } finally {
      this.saving = false;
    }
  }

  private open(p: Product) {
    navigate(this, `#/product/${p.id}`);
  }

  private renderRow(p: Product) {
    const level = stockLevel(p);
    return html`<tr tabindex="0" data-product=${p.id} data-part=${p.partNumber} @click=${() => this.open(p)}
      @keydown=${(e: KeyboardEvent) => this.handleRowKeydown(e, p)}>
      <td class="mono"><a href="#/product/${p.id}" tabindex="-1" @click=${(e: Event) => e.preventDefault()}><strong>${p.partNumber}</strong></a></td>
      <td class="name">${p.name}</td>
      <td class="num">${formatCents(p.priceCents)}</td>
      <td><span class="pill">${MODE_LABEL[p.serialMode]}</span></td>
      <td class="num" data-stock=${p.stock}>${p.stock.toLocaleString()}</td>
      <td class="num" data-held=${p.held}>${p.serialMode === 'enforced' ? p.held.toLocaleString() : '—'}</td>
      <td>${level === 'ok' ? nothing : html`<span class="pill ${level}">${level === 'out' ? 'Out of stock' : 'Low stock'}</span>`}</td>
    </tr>`;
  }

  override render() {
    const s = this.services;
    const supervisor = s?.session.role === 'supervisor';
    const liveProducts = s?.sync.state.products;
    const rows = this.items.map((p) => liveProducts?.get(p.id) ?? p);
    return html`
      <div class="head">
        <h2>Products</h2>
        <input type="search" aria-label="Search products" placeholder="Search by part number or name" autocomplete="off"
          .value=${this.searchText} @input=${this.handleSearchInput} @keydown=${this.handleSearchKeydown} />
        ${supervisor
          ? html`<button type="button" class=${this.creating ? '' : 'primary'} aria-expanded=${this.creating ? 'true' : 'false'}
              @click=${this.handleToggleCreate}>${this.creating ? 'Close' : 'New product'}</button>`
          : nothing}
      </div>
      ${this.created
        ? html`<div class="created" role="status">
            Created <span class="mono">${this.created.partNumber}</span> · ${this.created.name}
            <button type="button" @click=${() => this.open(this.created!)}>Open</button>
          </div>`
        : nothing}
      ${supervisor && this.creating
        ? html`<section class="card" aria-label="New product">
            <h3>New product</h3>
            <sh-product-form .errors=${this.createErrors} ?busy=${this.saving} submitLabel="Create product"
              @sh-product-submit=${this.handleCreate}></sh-product-form>
          </section>`
        : nothing}
      <section class="card">
        <table aria-label="Products">
          <thead>
            <tr><th>Part number</th><th>Name</th><th class="num">Price</th><th>Serials</th><th class="num">Stock</th>
              <th class="num">Held</th><th></th></tr>
          </thead>
          <tbody>${rows.map((p) => this.renderRow(p))}</tbody>
        </table>
        ${!this.loading && rows.length === 0 && !this.loadError
          ? html`<p class="muted">${this.searchText.trim() ? `No product matches “${this.searchText.trim()}”.` : 'No products yet.'}</p>`
          : nothing}
        ${this.loadError ? html`<p class="error" role="alert">${this.loadError} <button type="button" @click=${() => this.load()}>Try again</button></p>` : nothing}
        ${this.loading ? html`<p class="muted" role="status">Loading…</p>` : nothing}
        ${this.nextCursor && !this.loading
          ? html`<div class="more"><button type="button" @click=${() => this.load(true)}>Load more</button></div>`
          : nothing}
      </section>
    `;
  }
}
