/**
 * Serial lookup from any screen: scan or type a serial (GS1 labels are cleaned up by the hub) to see where
 * it is, its timeline with who/where/when, and, if sold, its warranty status. People and registers are shown by
 * name where this viewer may read them (staff names: supervisors; customers: cashiers and supervisors).
 */
import { consume } from '@lit/context';
import { LitElement, css, html, nothing } from 'lit';
import { property, query, state } from 'lit/decorators.js';
import { allows } from '../../../protocol/permissions.js';
import type { Hold, Product, TimelineEntry } from '../../../protocol/schemas.js';
import { ApiError } from '../../api/http.js';
import { appContext, type AppServices } from '../../context/session.js';
import { NamesController } from '../../controllers/names-controller.js';
import { navigate } from '../../events/index.js';
import { formatDate, formatDateTime } from '../../format.js';
import { sharedStyles } from '../../styles/shared.js';

interface Match {
  serial: string;
  product: Product;
  state: string;
  hold: Hold | null;
  sale: {
    saleId: string; invoiceNumber: number | null; customerId: number | null; soldAt: number; warrantyEndsAt: number | null; underWarranty: boolean;
  } | null;
  timeline: TimelineEntry[];
}

const STATE_LABEL: Record<string, string> = {
  in_stock: 'In stock', held: 'Held at a register', sold: 'Sold', returned: 'Returned', unknown: 'Unknown',
};
const EVENT_LABEL: Record<string, string> = {
  received: 'Received', held: 'Held', released: 'Released', expired: 'Hold expired', force_released: 'Force-released',
  sold: 'Sold', returned: 'Returned', adjusted: 'Adjusted',
};

export class ShSerialLookup extends LitElement {
  static override styles = [
    sharedStyles,
    css`
      form { display: flex; gap: 0.5rem; margin-bottom: 1rem; }
      form input { flex: 1; }
      .match { margin-bottom: 1rem; }
      ol { margin: 0.5rem 0 0; padding-left: 1.2rem; }
      li { margin: 0.2rem 0; }
    `,
  ];

  @consume({ context: appContext, subscribe: true }) services?: AppServices;

  private readonly names = new NamesController(this, () => this.services);

  @query('input') private input!: HTMLInputElement;

  @state() private results: Match[] | null = null;
  @state() private error = '';

  /** A serial to look up at once (from the route). */
  @property() serial = '';
  /** Compact layout for the dialog. */
  @property({ type: Boolean }) compact = false;

  override firstUpdated() {
    this.input.focus();
  }

  override updated(changed: Map<PropertyKey, unknown>) {
    // a new route (#/lookup/<serial>) while this view is open looks the new serial up too
    if (changed.has('serial') && this.serial) void this.lookup(this.serial);
  }

  private async lookup(raw: string) {
    const q = raw.trim();
    if (!q || !this.services) return;
    this.error = '';
    try {
      const r = await this.services.api.get<{ matches: Match[] }>(`/api/serials/${encodeURIComponent(q)}`);
      this.results = r.matches;
    } catch (err) {
      this.results = null;
      this.error = err instanceof ApiError && err.code === 'SERIAL_NOT_FOUND' ? `No serial "${q}" in this store.` : (err as Error).message;
    }
  }

  private handleSubmit(e: SubmitEvent) {
    e.preventDefault();
    void this.lookup(this.input.value);
    this.input.select();
  }

  /** Focuses the serial field (the global shortcut calls this). */
  focusInput() {
    this.updateComplete.then(() => {
      this.input.focus();
      this.input.select();
    });
  }

  private renderCustomer(id: number) {
    const name = this.names.customer(id) ?? `customer ${id}`;
    if (!this.names.canReadCustomers) return name;
    return html`<a href="#/customer/${id}" @click=${(e: Event) => (e.preventDefault(), navigate(this, `#/customer/${id}`))}>${name}</a>`;
  }

  private renderMatch(m: Match) {
    return html`<div class="card match" data-serial=${m.serial}>
      <div class="row">
        <strong class="mono">${m.serial}</strong>
        <span class="pill ${m.state === 'held' ? 'held' : m.state === 'sold' ? 'sold' : ''}" data-state=${m.state}>${STATE_LABEL[m.state] ?? m.state}</span>
        <a href="#/product/${m.product.id}" @click=${(e: Event) => (e.preventDefault(), navigate(this, `#/product/${m.product.id}`))}>
          ${m.product.partNumber} · ${m.product.name}</a>
      </div>
      ${m.hold ? html`<p class="muted" data-held-by>Held at ${this.names.register(m.hold.terminalId)} by ${this.names.staff(m.hold.staffId)}
        until ${formatDateTime(m.hold.expiresAt)}</p>` : nothing}
      ${m.sale
        ? html`<p data-sold>
            Sold ${formatDate(m.sale.soldAt)} on ${m.sale.invoiceNumber
              ? `invoice #${m.sale.invoiceNumber}`
              : html`invoice <span class="mono">${m.sale.saleId.slice(0, 8)}</span>`}${m.sale.customerId ? html` to ${this.renderCustomer(m.sale.customerId)}` : ''}.
            ${m.sale.warrantyEndsAt
              ? html`<strong class=${m.sale.underWarranty ? 'ok' : 'error'} data-warranty=${m.sale.underWarranty ? 'active' : 'ended'}>
                  ${m.sale.underWarranty ? 'Under warranty' : 'Warranty ended'} (until ${formatDate(m.sale.warrantyEndsAt)})</strong>`
              : html`<span class="muted">No warranty.</span>`}
            ${this.services && allows(this.services.session.role, 'sales:return')
              ? html`<button type="button" data-return
                  @click=${() => navigate(this, `#/returns/${encodeURIComponent(m.sale!.saleId)}/${encodeURIComponent(m.serial)}`)}>Return it</button>`
              : nothing}
          </p>`
        : nothing}
      <ol>
        ${m.timeline.map(
          (e) => html`<li>${formatDateTime(e.at)} · <strong>${EVENT_LABEL[e.type] ?? e.type}</strong>
            · ${this.names.staff(e.staffId)} · ${this.names.register(e.terminalId)}${e.reason ? html` · “${e.reason}”` : ''}</li>`,
        )}
      </ol>
    </div>`;
  }

  override render() {
    return html`
      ${this.compact ? html`<h2>Serial lookup</h2>` : html`<h2>Serial lookup</h2>`}
      <form @submit=${this.handleSubmit}>
        <input aria-label="Serial" placeholder="Scan or type a serial" .value=${this.serial} autocomplete="off" />
        <button class="primary">Look up</button>
      </form>
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}
      ${this.results?.map((m) => this.renderMatch(m))}
    `;
  }
}
