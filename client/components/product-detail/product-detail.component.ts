/**
 * One product: its fields and serial mode (supervisors change them), stock, held and available live, and its
 * serials: available and sold from the hub a page at a time, held live from the store state with the register
 * and the time left. The lists reload when a store event touches the product; each list exports to CSV.
 */
import { consume } from '@lit/context';
import { LitElement, html, nothing } from 'lit';
import { property, query, state } from 'lit/decorators.js';
import type { StoreEvent } from '../../../protocol/events.js';
import type { Hold, Product, SerialMode } from '../../../protocol/schemas.js';
import { ApiError } from '../../api/http.js';
import { appContext, type AppServices } from '../../context/session.js';
import { NamesController } from '../../controllers/names-controller.js';
import { SyncController } from '../../controllers/sync-controller.js';
import { navigate, toast } from '../../events/index.js';
import { formatCents, formatDateTime, formatTimeLeft } from '../../format.js';
import { sharedStyles } from '../../styles/shared.js';
import {
  MODE_TEXT,
  productErrorsFrom,
  type ProductErrors,
  type ProductModeChangeEvent,
  type ProductSubmitEvent,
  type ProductValues,
} from '../product-form/product-form.component.js';
import { MODE_LABEL } from '../product-picker/product-picker.component.js';
import type { ShProductSerials } from '../product-serials/product-serials.component.js';
import type { SerialsEnteredEvent } from '../serial-entry/serial-entry.component.js';
import { HubClock } from '../../sync/hub-clock.js';
import { productDetailStyles } from './product-detail.styles.js';
import { downloadText, serialsCsv, type ExportStatus } from './serial-export.js';

/** Store events that change a product's serial lists. */
const LIST_EVENTS = new Set(['stock_received', 'hold_created', 'hold_released', 'sale_completed', 'return_completed', 'product_updated']);
/** Events of a busy store are gathered this long before the lists reload. */
const REFRESH_DELAY_MS = 250;
/** Time left under this is shown in red. */
const SOON_MS = 30_000;
/** Serials of a mode change listed at most. */
const CONVERSION_SHOWN = 50;

type Tab = ExportStatus;

const TABS_BY_MODE: Record<SerialMode, Tab[]> = {
  none: [],
  solicit: ['sold'],
  enforced: ['available', 'held', 'sold'],
};
const TAB_LABEL: Record<Tab, string> = { available: 'Available', held: 'Held', sold: 'Sold' };
const EDITABLE: (keyof ProductValues)[] = [
  'partNumber', 'name', 'priceCents', 'serialMode', 'warrantyReminder', 'warrantyMonths', 'lowStockThreshold', 'serialCaseSensitive',
];

/** Whether a store event changes this product's stock or serials. */
export function touchesProduct(ev: StoreEvent, productId: number): boolean {
  const d = ev.data as Record<string, any>;
  switch (ev.type) {
    case 'stock_received':
    case 'sale_completed':
    case 'return_completed':
      return Array.isArray(d.stock) && d.stock.some((s: { productId: number }) => s.productId === productId);
    case 'hold_created':
      return d.hold?.productId === productId;
    case 'hold_released':
      return d.productId === productId;
    case 'product_updated':
      return d.product?.id === productId;
    default:
      return false;
  }
}

export class ShProductDetail extends LitElement {
  static override styles = [sharedStyles, productDetailStyles];

  @consume({ context: appContext, subscribe: true }) services?: AppServices;

  private readonly live = new SyncController(this, () => this.services?.sync, (ev, replayed) => this.handleStoreEvent(ev, replayed));
  /** Who holds a serial, by name where this viewer may read staff names. */
  private readonly names = new NamesController(this, () => this.services);

  @query('sh-product-serials') private serialList?: ShProductSerials;

  @state() private fetched: Product | null = null;
  @state() private loadError = '';
  @state() private tab: Tab | null = null;
  @state() private editing = false;
  @state() private saving = false;
  @state() private editErrors: ProductErrors = {};
  @state() private editMode: SerialMode | null = null;
  @state() private conversionSerials: string[] = [];
  @state() private conversionError = '';
  @state() private exporting: { status: Tab; count: number } | null = null;
  @state() private exportError = '';

  /** The product shown (from the route #/product/<id>). */
  @property({ type: Number }) productId = 0;

  private readonly clock = new HubClock();
  private ticker: ReturnType<typeof setInterval> | undefined;
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;

  override connectedCallback() {
    super.connectedCallback();
    // Time left of holds counts down every second (only while this product has holds).
    this.ticker = setInterval(() => {
      if (this.holds().length) this.requestUpdate();
    }, 1_000);
  }

  override disconnectedCallback() {
    super.disconnectedCallback();
    clearInterval(this.ticker);
    clearTimeout(this.refreshTimer);
  }

  override willUpdate(changed: Map<PropertyKey, unknown>) {
    if (changed.has('productId')) {
      this.fetched = null;
      this.tab = null;
      this.editing = false;
      void this.load();
    }
  }

  private product(): Product | null {
    return this.services?.sync.state.products.get(this.productId) ?? this.fetched;
  }

  private holds(): Hold[] {
    const holds: Hold[] = [];
    for (const h of this.services?.sync.state.holds.values() ?? []) if (h.productId === this.productId) holds.push(h);
    return holds.sort((a, b) => a.expiresAt - b.expiresAt || a.serial.localeCompare(b.serial));
  }

  private async load() {
    const api = this.services?.api;
    if (!api) return;
    if (!Number.isInteger(this.productId) || this.productId <= 0) {
      this.loadError = 'No such product.';
      return;
    }
    this.loadError = '';
    try {
      this.fetched = (await api.get<{ product: Product }>(`/api/products/${this.productId}`)).product;
    } catch (err) {
      this.loadError = err instanceof ApiError && err.code === 'PRODUCT_NOT_FOUND'
        ? `There is no product ${this.productId} in this store.`
        : `The product could not be loaded: ${(err as Error).message}`;
    }
  }

  private currentTab(p: Product): Tab | null {
    const tabs = TABS_BY_MODE[p.serialMode];
    return this.tab && tabs.includes(this.tab) ? this.tab : tabs[0] ?? null;
  }

  // ---- handlers

  private handleStoreEvent(ev: StoreEvent, replayed: boolean) {
    this.clock.learn(ev, replayed);
    if (!LIST_EVENTS.has(ev.type) || !touchesProduct(ev, this.productId)) return;
    if (ev.type === 'product_updated') this.fetched = (ev.data as { product: Product }).product;
    clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => this.serialList?.refresh(), REFRESH_DELAY_MS);
  }

  private handleTabKeydown(e: KeyboardEvent, tabs: Tab[]) {
    if (e.key !== 'ArrowRight' && e.key !== 'ArrowLeft') return;
    e.preventDefault();
    const at = tabs.indexOf(this.currentTab(this.product()!)!);
    const next = tabs[(at + (e.key === 'ArrowRight' ? 1 : tabs.length - 1)) % tabs.length]!;
    this.tab = next;
    void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLElement>(`[role=tab][data-tab=${next}]`)?.focus());
  }

  private handleEdit() {
    this.editing = true;
    this.editErrors = {};
    this.editMode = null;
    this.conversionSerials = [];
    this.conversionError = '';
    void this.updateComplete.then(() => this.renderRoot.querySelector('sh-product-form')?.focusFirst());
  }

  private handleModeChange(e: ProductModeChangeEvent) {
    this.editMode = e.detail.serialMode;
    this.editErrors = { ...this.editErrors, serialMode: undefined };
  }

  private handleConversionSerials(e: SerialsEnteredEvent) {
    e.stopPropagation();
    this.conversionSerials = [...this.conversionSerials, ...e.detail.serials];
    this.conversionError = '';
  }

  private async handleSave(e: ProductSubmitEvent) {
    const api = this.services?.api;
    const p = this.product();
    if (!api || !p) return;
    const values = e.detail.values;
    const changes: Partial<ProductValues> = {};
    for (const k of EDITABLE) if (values[k] !== p[k]) (changes as Record<string, unknown>)[k] = values[k];
    if (Object.keys(changes).length === 0) {
      this.editing = false;
      toast(this, 'Nothing to change.');
      return;
    }
    const needsSerials = changes.serialMode === 'enforced' && p.serialMode !== 'enforced' && p.stock > 0;
    if (needsSerials && this.conversionSerials.length !== p.stock) {
      this.editErrors = {
        serialMode: `This product has ${p.stock.toLocaleString()} in stock: give one serial per unit below `
          + `(${this.conversionSerials.length.toLocaleString()} of ${p.stock.toLocaleString()} so far).`,
      };
      return;
    }
    // The hub wants the case rule changed while the stock is still counted, then the mode (two requests).
    const steps: Record<string, unknown>[] = [];
    if (needsSerials && 'serialCaseSensitive' in changes) {
      const { serialMode, ...rest } = changes;
      steps.push(rest, { serialMode, serials: this.conversionSerials });
    } else {
      steps.push(needsSerials ? { ...changes, serials: this.conversionSerials } : changes);
    }
    this.saving = true;
    this.editErrors = {};
    this.conversionError = '';
    try {
      for (const body of steps) this.fetched = (await api.patch<{ product: Product }>(`/api/products/${p.id}`, body)).product;
      this.editing = false;
      toast(this, `Saved ${this.fetched?.partNumber ?? ''}.`, 'success');
    } catch (err) {
      const invalid = err instanceof ApiError ? (err.details as { invalid?: string[] } | undefined)?.invalid : undefined;
      if (invalid?.length) this.conversionError = `Not serials (1–64 letters, digits or symbols, no spaces): ${invalid.slice(0, 10).join(', ')}`;
      else this.editErrors = productErrorsFrom(err);
    } finally {
      this.saving = false;
    }
  }

  private async handleExport(p: Product, status: Tab) {
    const s = this.services;
    if (!s || this.exporting) return;
    this.exporting = { status, count: 0 };
    this.exportError = '';
    try {
      const { csv, count } = await serialsCsv(
        s.api, p, status,
        (id) => s.sync.state.terminals.get(id)?.name ?? id,
        (n) => (this.exporting = { status, count: n }),
      );
      downloadText(`${p.partNumber.replace(/[^A-Za-z0-9_-]+/g, '_')}-${status}-serials.csv`, csv);
      toast(this, `Exported ${count.toLocaleString()} ${status} serials.`, 'success');
    } catch (err) {
      this.exportError = `The export failed: ${(err as Error).message}`;
    } finally {
      this.exporting = null;
    }
  }

  private handleBack(e: Event) {
    e.preventDefault();
    navigate(this, '#/products');
  }

  // ---- rendering

  private renderStats(p: Product) {
    const available = p.stock - p.held;
    const level = available <= 0 ? 'out' : p.lowStockThreshold > 0 && available <= p.lowStockThreshold ? 'low' : '';
    return html`<div class="stats" role="group" aria-label="Stock">
      <div class="stat"><span>In stock</span><strong data-figure="stock">${p.stock.toLocaleString()}</strong></div>
      ${p.serialMode === 'enforced'
        ? html`<div class="stat"><span>Held at registers</span><strong data-figure="held">${p.held.toLocaleString()}</strong></div>
            <div class="stat ${level}"><span>Available to sell</span><strong data-figure="available">${available.toLocaleString()}</strong></div>`
        : nothing}
      <div class="stat"><span>Price</span><strong data-figure="price">${formatCents(p.priceCents)}</strong></div>
    </div>`;
  }

  private renderFields(p: Product) {
    return html`<dl>
      <dt>Part number</dt><dd class="mono">${p.partNumber}</dd>
      <dt>Name</dt><dd>${p.name}</dd>
      <dt>Price</dt><dd>${formatCents(p.priceCents)}</dd>
      <dt>Serial numbers</dt><dd data-field="serialMode">${MODE_TEXT[p.serialMode]}</dd>
      <dt>Case-sensitive serials</dt><dd>${p.serialCaseSensitive ? 'Yes' : 'No (a–z read as A–Z)'}</dd>
      <dt>Warranty reminder</dt><dd>${p.warrantyReminder ? `Yes, ${p.warrantyMonths} months` : 'No'}</dd>
      <dt>Low-stock warning at</dt><dd>${p.lowStockThreshold ? p.lowStockThreshold.toLocaleString() : 'Off'}</dd>
      <dt>Changed</dt><dd>${formatDateTime(p.updatedAt)}</dd>
    </dl>`;
  }

  private renderConversion(p: Product) {
    const n = this.conversionSerials.length;
    const distinct = new Set(this.conversionSerials).size;
    const shown = this.conversionSerials.slice(-CONVERSION_SHOWN).reverse();
    return html`<div class="convert" aria-label="Serials of the units in stock">
      <p><strong>${p.stock.toLocaleString()} units are in stock.</strong> To enforce serials, give the serial of every one of
        them: scan, paste or import.</p>
      <sh-serial-entry label="Serial of a unit in stock" .caseSensitive=${p.serialCaseSensitive}
        @sh-serials-entered=${this.handleConversionSerials}></sh-serial-entry>
      <p role="status"><span class="pill ${n === p.stock && distinct === n ? 'sold' : 'lost'}" data-check="conversion">
        ${n.toLocaleString()} of ${p.stock.toLocaleString()} serials</span>
        ${distinct < n ? html` <span class="error">${(n - distinct).toLocaleString()} given twice</span>` : nothing}
        ${n ? html` <button type="button" @click=${() => (this.conversionSerials = [])}>Clear</button>` : nothing}</p>
      ${n ? html`<div class="list mono">${shown.join(', ')}${n > shown.length ? ' …' : ''}</div>` : nothing}
      ${this.conversionError ? html`<p class="error" role="alert">${this.conversionError}</p>` : nothing}
    </div>`;
  }

  private renderDetails(p: Product) {
    const supervisor = this.services?.session.role === 'supervisor';
    if (!this.editing) {
      return html`<section class="card">
        <div class="card-head"><h3>Details</h3>
          ${supervisor ? html`<button type="button" @click=${this.handleEdit}>Edit</button>` : nothing}</div>
        ${this.renderFields(p)}
      </section>`;
    }
    const converting = this.editMode === 'enforced' && p.serialMode !== 'enforced' && p.stock > 0;
    return html`<section class="card" aria-label="Edit product">
      <div class="card-head"><h3>Edit ${p.partNumber}</h3></div>
      <sh-product-form .product=${p} .errors=${this.editErrors} ?busy=${this.saving} submitLabel="Save changes" cancellable
        @sh-product-submit=${this.handleSave} @sh-product-mode-change=${this.handleModeChange}
        @sh-product-cancel=${() => (this.editing = false)}>
        ${converting ? this.renderConversion(p) : nothing}
      </sh-product-form>
    </section>`;
  }

  private renderHeld(holds: Hold[]) {
    if (holds.length === 0) return html`<p class="muted">No serial of this product is held at a register now.</p>`;
    const terminals = this.services?.sync.state.terminals;
    const now = this.clock.now();
    return html`<table class="held" aria-label="Held serials">
      <thead><tr><th>Serial</th><th>Register</th><th>Staff</th><th>Held since</th><th>Time left</th></tr></thead>
      <tbody>
        ${holds.map((h) => {
          const left = h.expiresAt - now;
          return html`<tr data-serial=${h.serial} data-terminal=${h.terminalId}>
            <td class="mono">${h.serial}</td>
            <td data-register>${terminals?.get(h.terminalId)?.name ?? h.terminalId}</td>
            <td data-staff>${this.names.staff(h.staffId)}</td>
            <td>${formatDateTime(h.heldAt)}</td>
            <td class="time-left ${left < SOON_MS ? 'soon' : ''}">${formatTimeLeft(left)}</td>
          </tr>`;
        })}
      </tbody>
    </table>`;
  }

  private renderSerials(p: Product) {
    const tabs = TABS_BY_MODE[p.serialMode];
    const tab = this.currentTab(p);
    if (!tab) {
      return html`<section class="card"><p class="muted">This product is counted by quantity: it has no serials.</p></section>`;
    }
    const holds = this.holds();
    const count: Partial<Record<Tab, number>> = { available: p.stock - p.held, held: holds.length };
    return html`<section class="card">
      <div class="card-head">
        <div role="tablist" aria-label="Serials">
          ${tabs.map(
            (t) => html`<button type="button" role="tab" data-tab=${t} aria-selected=${t === tab ? 'true' : 'false'}
              tabindex=${t === tab ? '0' : '-1'} aria-controls="serials-panel" @click=${() => (this.tab = t)}
              @keydown=${(e: KeyboardEvent) => this.handleTabKeydown(e, tabs)}>
              ${TAB_LABEL[t]}${count[t] !== undefined ? html` (<span data-count=${t}>${count[t]!.toLocaleString()}</span>)` : nothing}
            </button>`,
          )}
        </div>
        ${this.exporting
          ? html`<span class="exporting muted" role="status">Exporting ${this.exporting.status} serials… ${this.exporting.count.toLocaleString()}</span>`
          : html`<button type="button" @click=${() => this.handleExport(p, tab)}>Export ${TAB_LABEL[tab].toLowerCase()} (CSV)</button>`}
      </div>
      ${this.exportError ? html`<p class="error" role="alert">${this.exportError}</p>` : nothing}
      <div id="serials-panel" role="tabpanel" aria-label="${TAB_LABEL[tab]} serials">
        ${tab === 'held'
          ? this.renderHeld(holds)
          : html`<sh-product-serials .productId=${p.id} .status=${tab}></sh-product-serials>`}
      </div>
    </section>`;
  }

  override render() {
    const p = this.product();
    const back = html`<a class="back" href="#/products" @click=${this.handleBack}>← Products</a>`;
    if (!p) {
      return html`${back}${this.loadError ? html`<p class="error" role="alert">${this.loadError}</p>` : html`<p class="muted">Loading…</p>`}`;
    }
    return html`
      ${back}
      <div class="title">
        <h2><span class="mono">${p.partNumber}</span> · ${p.name}</h2>
        <span class="pill" data-mode=${p.serialMode}>${MODE_LABEL[p.serialMode]}</span>
      </div>
      ${this.renderStats(p)}
      ${this.renderDetails(p)}
      ${this.renderSerials(p)}
    `;
  }
}
