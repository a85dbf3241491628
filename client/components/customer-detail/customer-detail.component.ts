/**
 * One customer: their details, their service records (is it under warranty? was it returned?) and their
 * invoices newest first, with lines, serials, payments and returns; staff who may take returns get a
 * "Return items" action on each invoice with something left to return. Each serial opens its lookup. The page
 * refreshes itself when a sale to this customer, or a return of one of their invoices, happens anywhere.
 */
import { consume } from '@lit/context';
import { LitElement, html, nothing } from 'lit';
import { property, state } from 'lit/decorators.js';
import type { StoreEvent } from '../../../protocol/events.js';
import type { Customer, Invoice, InvoiceLine, Page, ServiceRecord } from '../../../protocol/schemas.js';
import { appContext, type AppServices } from '../../context/session.js';
import { SyncController } from '../../controllers/sync-controller.js';
import { navigate } from '../../events/index.js';
import { formatCents, formatDate, formatDateTime } from '../../format.js';
import { sharedStyles } from '../../styles/shared.js';
import type { SyncStatus } from '../../sync/store-sync.js';
import { explainCustomerError } from '../customer-picker/customer-search.controller.js';
import { canReturn, hasSomethingLeft, type ReturnRecord } from '../returns/return-draft.js';
import { customerDetailStyles } from './customer-detail.styles.js';

/** Invoices per page of the history. */
const HISTORY_PAGE = 10;
/** The hub's largest page: a refresh reloads at most this many invoices. */
const MAX_PAGE = 500;
/** Events often come in bursts (a sale, then its stock); one refresh after a short pause is enough. */
const REFRESH_DEBOUNCE_MS = 150;

type WarrantyStatus = 'active' | 'ended' | 'returned';

const PAYMENT_LABEL: Record<string, string> = { cash: 'Cash', card: 'Card' };

export class ShCustomerDetail extends LitElement {
  static override styles = [sharedStyles, customerDetailStyles];

  @consume({ context: appContext, subscribe: true }) services?: AppServices;

  private readonly live = new SyncController(this, () => this.services?.sync, (ev) => this.handleStoreEvent(ev));

  @state() private customer: Customer | null = null;
  @state() private invoices: Invoice[] = [];
  @state() private historyCursor: string | null = null;
  @state() private records: ServiceRecord[] = [];
  @state() private returns = new Map<string, ReturnRecord>();
  @state() private loaded = false;
  @state() private error = '';
  @state() private loadingMore = false;

  /** The customer to show (from the route #/customer/<id>). */
  @property({ type: Number }) customerId = 0;

  /** Stale answers (an older load, another customer) are dropped by this counter. */
  private loadId = 0;
  private loadedFor: number | undefined;
  private refreshTimer: ReturnType<typeof setTimeout> | null = null;
  private lastSyncStatus: SyncStatus | undefined;

  override willUpdate() {
    if (this.services && !Object.is(this.loadedFor, this.customerId)) {
      this.loadedFor = this.customerId;
      Object.assign(this, { customer: null, invoices: [], historyCursor: null, records: [], loaded: false, error: '' });
      void this.load(HISTORY_PAGE);
    }
    // Back online after a cut: whatever was sold meanwhile came in a resync, not as events, so reload.
    const status = this.services?.sync.status;
    if ((this.lastSyncStatus === 'reconnecting' || this.lastSyncStatus === 'offline') && status === 'online') this.scheduleRefresh();
    this.lastSyncStatus = status;
  }

  override disconnectedCallback() {
    super.disconnectedCallback();
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    this.refreshTimer = null;
    this.loadedFor = undefined;
    this.loadId++;
  }

  private async load(invoiceCount: number) {
    const api = this.services?.api;
    const id = ++this.loadId;
    const cid = this.customerId;
    if (!api) return;
    if (!Number.isInteger(cid) || cid <= 0) {
      this.error = 'This address does not name a customer. Open one from the customers list.';
      this.loaded = true;
      return;
    }
    try {
      const [c, history, records] = await Promise.all([
        api.get<{ customer: Customer }>(`/api/customers/${cid}`),
        api.get<Page<Invoice>>(`/api/customers/${cid}/history?limit=${invoiceCount}`),
        api.get<{ items: ServiceRecord[] }>(`/api/customers/${cid}/service-records`),
      ]);
      if (id !== this.loadId) return;
      this.customer = c.customer;
      this.invoices = history.items;
      this.historyCursor = history.nextCursor;
      this.records = records.items;
      this.error = '';
      void this.loadReturns(history.items);
    } catch (err) {
      if (id !== this.loadId) return;
      this.error = explainCustomerError(err);
    } finally {
      if (id === this.loadId) this.loaded = true;
    }
  }

  /** Fetches the returns of these invoices not fetched yet; one that fails shows by its id only. */
  private async loadReturns(invoices: Invoice[]) {
    const api = this.services?.api;
    const missing = invoices.flatMap((i) => i.returns).filter((r) => !this.returns.has(r));
    if (!api || missing.length === 0) return;
    const answers = await Promise.allSettled(
      missing.map((r) => api.get<{ return: ReturnRecord }>(`/api/returns/${encodeURIComponent(r)}`)),
    );
    const next = new Map(this.returns);
    for (const a of answers) if (a.status === 'fulfilled') next.set(a.value.return.returnId, a.value.return);
    this.returns = next;
  }

  private scheduleRefresh() {
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = null;
      // Keep as many invoices on screen as were loaded.
      void this.load(Math.min(MAX_PAGE, Math.max(HISTORY_PAGE, this.invoices.length)));
    }, REFRESH_DEBOUNCE_MS);
  }

  private handleStoreEvent(ev: StoreEvent) {
    if (ev.type === 'sale_completed') {
      if (ev.data.customerId === this.customerId) this.scheduleRefresh();
    } else if (ev.type === 'return_completed') {
      const saleId = (ev.data.return as { saleId?: string } | undefined)?.saleId;
      if (saleId && (this.invoices.some((i) => i.saleId === saleId) || this.records.some((r) => r.saleId === saleId))) {
        this.scheduleRefresh();
      }
    }
  }

  private async handleMore() {
    const api = this.services?.api;
    const cursor = this.historyCursor;
    if (!api || !cursor) return;
    const id = this.loadId;
    this.loadingMore = true;
    try {
      const page = await api.get<Page<Invoice>>(
        `/api/customers/${this.customerId}/history?limit=${HISTORY_PAGE}&cursor=${encodeURIComponent(cursor)}`,
      );
      if (id !== this.loadId) return;
      // Offset cursors shift when a sale lands between pages: never show an invoice twice.
      const seen = new Set(this.invoices.map((i) => i.saleId));
      this.invoices = [...this.invoices, ...page.items.filter((i) => !seen.has(i.saleId))];
      this.historyCursor = page.nextCursor;
      void this.loadReturns(page.items);
    } catch (err) {
      if (id === this.loadId) this.error = explainCustomerError(err);
    } finally {
      this.loadingMore = false;
    }
  }

  private handleSerialClick(e: MouseEvent, serial: string) {
    if (e.ctrlKey || e.metaKey || e.shiftKey) return;
    e.preventDefault();
    navigate(this, `#/lookup/${encodeURIComponent(serial)}`);
  }

  private warrantyStatus(r: ServiceRecord, now: number): WarrantyStatus {
    if (r.returnedAt) return 'returned';
    return r.warrantyEndsAt > now ? 'active' : 'ended';
  }

  private renderSerial(serial: string, returned = false) {
    return html`<a class="serial mono ${returned ? 'returned' : ''}" href="#/lookup/${encodeURIComponent(serial)}"
      data-serial=${serial} title=${returned ? 'Returned: open the serial lookup' : 'Open the serial lookup'}
      aria-label=${returned ? `${serial}, returned` : serial}
      @click=${(e: MouseEvent) => this.handleSerialClick(e, serial)}>${serial}</a>`;
  }

  private renderProfile(c: Customer) {
    return html`<div class="card profile" data-customer-id=${c.id}>
      <h2>${c.name}</h2>
      <dl>
        <div><dt>Phone</dt><dd class="mono" data-field="phone">${c.phone || '—'}</dd></div>
        <div><dt>E-mail</dt><dd data-field="email">${c.email || '—'}</dd></div>
        <div><dt>Customer since</dt><dd>${formatDate(c.createdAt)}</dd></div>
        <div><dt>Customer no.</dt><dd>${c.id}</dd></div>
      </dl>
    </div>`;
  }

  private renderRecords() {
    const now = Date.now();
    const label: Record<WarrantyStatus, (r: ServiceRecord) => string> = {
      active: () => 'Under warranty',
      ended: () => 'Warranty ended',
      returned: (r) => `Returned ${formatDate(r.returnedAt!)}`,
    };
    return html`<section aria-labelledby="records-heading">
      <h3 id="records-heading">Service records <span class="muted">${this.records.length}</span></h3>
      ${this.records.length === 0
        ? html`<p class="muted">No service records: nothing with a warranty was sold to this customer yet.</p>`
        : html`<div class="card"><table class="records">
            <thead><tr><th>Product</th><th>Serial</th><th>Sold</th><th>Warranty ends</th><th>Status</th></tr></thead>
            <tbody>
              ${this.records.map((r) => {
                const status = this.warrantyStatus(r, now);
                return html`<tr data-serial=${r.serial} data-status=${status}>
                  <td>${r.name} <span class="muted">${r.partNumber}</span></td>
                  <td>${this.renderSerial(r.serial, status === 'returned')}</td>
                  <td>${formatDate(r.soldAt)}</td>
                  <td data-field="warranty-end">${formatDate(r.warrantyEndsAt)}</td>
                  <td><span class="pill ${status}" data-warranty=${status}>${label[status](r)}</span></td>
                </tr>`;
              })}
            </tbody>
          </table></div>`}
    </section>`;
  }

  private renderLine(l: InvoiceLine) {
    const returned = new Set(l.returnedSerials);
    return html`<tr>
      <td>${l.name}<br /><span class="part">${l.partNumber}${l.warrantyEndsAt ? ` · warranty until ${formatDate(l.warrantyEndsAt)}` : ''}</span></td>
      <td class="num">${l.quantity}${l.returnedQuantity ? html`<br /><span class="pill returned">${l.returnedQuantity} returned</span>` : nothing}</td>
      <td class="num">${formatCents(l.unitPriceCents)}</td>
      <td class="num">${formatCents(l.totalCents)}</td>
      <td>${l.serials.length ? l.serials.map((s) => this.renderSerial(s, returned.has(s))) : html`<span class="muted">—</span>`}</td>
    </tr>`;
  }

  private renderReturn(returnId: string, inv: Invoice) {
    const r = this.returns.get(returnId);
    if (!r) return html`<li>Return <span class="mono">${returnId}</span></li>`;
    const serials = r.lines.flatMap((l) => l.serials);
    const items = r.lines.map((l) => `${l.quantity} × ${inv.lines[l.line]?.name ?? `product ${l.productId}`}`).join(', ');
    return html`<li data-return-id=${r.returnId}>
      <strong>Returned ${formatDateTime(r.returnedAt)}</strong>: ${items}${serials.length ? html` (${serials.join(', ')})` : nothing},
      refund ${formatCents(r.refundCents)}${r.reason ? html` · “${r.reason}”` : nothing}
    </li>`;
  }

  private renderInvoice(inv: Invoice) {
    const paid = inv.payments.map((p) => `${PAYMENT_LABEL[p.method] ?? p.method} ${formatCents(p.amountCents)}`).join(' · ');
    return html`<article class="card invoice" data-sale-id=${inv.saleId} aria-label="Invoice ${inv.number}">
      <header>
        <strong>Invoice #${inv.number}</strong>
        <span class="muted">${formatDateTime(inv.completedAt)}</span>
        <span class="muted">${this.services?.sync.state.terminals.get(inv.terminalId)?.name ?? `Register ${inv.terminalId}`} · staff ${inv.staffId}</span>
        <strong class="total" data-field="total">${formatCents(inv.totalCents)}</strong>
        ${canReturn(this.services?.session.role) && hasSomethingLeft(inv)
          ? html`<button class="return" aria-label="Return items of invoice ${inv.number}"
              @click=${() => navigate(this, `#/returns/${encodeURIComponent(inv.saleId)}`)}>Return items</button>`
          : nothing}
      </header>
      <table>
        <thead><tr><th>Item</th><th class="num">Qty</th><th class="num">Price</th><th class="num">Total</th><th>Serials</th></tr></thead>
        <tbody>${inv.lines.map((l) => this.renderLine(l))}</tbody>
      </table>
      <p class="muted paid">Paid ${paid}${inv.changeCents ? ` · change ${formatCents(inv.changeCents)}` : ''}</p>
      ${inv.returns.length ? html`<ul class="returns" aria-label="Returns">${inv.returns.map((r) => this.renderReturn(r, inv))}</ul>` : nothing}
    </article>`;
  }

  private renderHistory() {
    return html`<section aria-labelledby="history-heading">
      <h3 id="history-heading">Purchases <span class="muted">newest first</span></h3>
      ${this.invoices.length === 0 ? html`<p class="muted">No purchases yet.</p>` : this.invoices.map((i) => this.renderInvoice(i))}
      ${this.historyCursor
        ? html`<div class="more"><button ?disabled=${this.loadingMore} @click=${this.handleMore}>
            ${this.loadingMore ? 'Loading…' : 'Show older purchases'}</button></div>`
        : nothing}
    </section>`;
  }

  override render() {
    const back = html`<a class="back" href="#/customers">← All customers</a>`;
    if (!this.loaded) return html`${back}<p class="muted" role="status">Loading customer…</p>`;
    if (!this.customer) return html`${back}<p class="error" role="alert">${this.error || 'This customer could not be loaded.'}</p>`;
    return html`
      ${back}
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}
      ${this.renderProfile(this.customer)}
      ${this.renderRecords()}
      ${this.renderHistory()}
    `;
  }
}
