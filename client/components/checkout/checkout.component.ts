/**
 * Checkout: ring up a sale by scan, part number or name. A serialized line asks for its serial and the sale
 * cannot proceed without it: enforced serials are checked and held at once (or picked from the live list,
 * where other registers' holds show locked), solicit serials are typed. The open sale lives in the hub, so
 * a reload or reconnect finds it again; lines whose hold was lost while away are flagged for a new pick.
 * Keyboard and scanner first: focus goes where the next scan belongs, F8 goes to the payment (and pays cash
 * when already there), and a scan on the receipt starts the next sale with it.
 */
import { consume } from '@lit/context';
import { LitElement, html, nothing } from 'lit';
import { query, queryAll, state } from 'lit/decorators.js';
import type { StoreEvent } from '../../../protocol/events.js';
import type { Invoice, Page, Product } from '../../../protocol/schemas.js';
import type { OpenSale, OpenSaleLine } from '../../../protocol/socket.js';
import { ApiError } from '../../api/http.js';
import { appContext, type AppServices } from '../../context/session.js';
import { NamesController } from '../../controllers/names-controller.js';
import { SyncController } from '../../controllers/sync-controller.js';
import { HubClock } from '../../sync/hub-clock.js';
import { toast, type CustomerPickedDetail } from '../../events/index.js';
import { formatCents, formatDate, formatTimeLeft, parseMoney } from '../../format.js';
import { sharedStyles } from '../../styles/shared.js';
import { RequestError } from '../../sync/store-sync.js';
import { checkoutStyles } from './checkout.styles.js';

/** Words a cashier understands for what the hub answered. */
const MESSAGES: Record<string, string> = {
  SERIAL_HELD: 'That serial is held by another register.',
  SERIAL_NOT_IN_STOCK: 'That serial is not in stock for this product.',
  HOLD_LOST: 'This serial is no longer held for this register: pick it again.',
  OUT_OF_STOCK: 'Not enough of this item in stock.',
  SALE_NOT_FOUND: 'This sale is no longer open (completed or voided): start a new sale.',
  CUSTOMER_NOT_FOUND: 'That customer no longer exists: choose another one.',
  PRODUCT_NOT_FOUND: 'That product no longer exists.',
  NOT_FOUND: 'That item is no longer on the sale.',
  VALIDATION_FAILED: 'That is not a serial: use 1–64 letters, digits or symbols, without spaces.',
  FORBIDDEN: 'Your role cannot do this: ask a supervisor.',
  UNAUTHENTICATED: 'Your session has ended: log in again.',
  TIMEOUT: 'The hub did not answer in time: check the connection and try again.',
  RATE_LIMITED: 'Too fast: wait a moment.',
};
/** SALE_REJECTED, by its reason. */
const SALE_REJECTED: Record<string, string> = {
  empty: 'The sale has no items yet: scan an item first.',
  serial_required: "Scan or type this item's serial before payment.",
  serial_count: 'Each unit needs its own serial.',
  duplicate: 'This serial is on the sale twice.',
  underpaid: 'The payment does not cover the total.',
  card_overpaid: 'A card pays the exact total: only cash can be more (for change).',
  total_too_large: 'This sale is over the limit of one sale: split it in two.',
};

function explain(err: unknown): string {
  if (err instanceof RequestError || err instanceof ApiError) {
    const d = err.details as { sameSale?: boolean; reason?: string } | undefined;
    if (err.code === 'SERIAL_HELD' && d?.sameSale) return 'That serial is already on this sale.';
    if (err.code === 'SALE_REJECTED' && d?.reason && SALE_REJECTED[d.reason]) return SALE_REJECTED[d.reason]!;
    return MESSAGES[err.code] ?? err.message;
  }
  return (err as Error).message ?? 'Something went wrong';
}

/** The line an error is about (by id, or by its index in the sale), if any. */
function lineOfError(err: unknown, sale: OpenSale | null): string | null {
  const d = (err as { details?: { lineId?: string; line?: number } }).details;
  if (d?.lineId) return d.lineId;
  return typeof d?.line === 'number' ? sale?.lines[d.line]?.lineId ?? null : null;
}

/** Goes to the payment; pressed there, pays cash. */
const PAY_KEY = 'F8';

interface LookupMatch {
  serial: string;
  product: Product;
  state: string;
  hold: { terminalId: string } | null;
}

export class ShCheckout extends LitElement {
  static override styles = [sharedStyles, checkoutStyles];

  @consume({ context: appContext, subscribe: true }) services?: AppServices;

  private readonly live = new SyncController(this, () => this.services?.sync, (ev, replayed) => this.handleEvent(ev, replayed));
  private readonly names = new NamesController(this, () => this.services);

  @query('#scan') private scanInput!: HTMLInputElement;
  @query('#tendered') private tenderedInput?: HTMLInputElement;
  @query('[data-new-sale]') private newSaleButton?: HTMLButtonElement;
  @queryAll('input[data-line]') private serialInputs!: NodeListOf<HTMLInputElement>;

  @state() private results: Product[] = [];
  /** Errors next to what they are about: the scan box, the payment card, the customer card, each line. */
  @state() private scanError = '';
  @state() private payError = '';
  @state() private customerError = '';
  @state() private lineErrors: Record<string, string> = {};
  @state() private pickerFor: string | null = null;
  /** The solicit line whose typed serial is being changed. */
  @state() private editingSerialOf: string | null = null;
  @state() private pickerSerials: string[] = [];
  @state() private invoice: Invoice | null = null;
  @state() private busy = false;
  @state() private changedNotice = '';

  @state() private confirmingVoid = false;
  /** What a scanner (or the cashier) typed on the receipt: the first scan of the next sale. */
  @state() private nextScan = '';

  @state() private ackedSale: OpenSale | null = null;
  private ackedOpen = false;
  private pendingFocus: string | null = null;
  private ticker = 0;
  /** The hub's time, estimated: a hold's time left is measured against it, not the register's clock. */
  private readonly hubClock = new HubClock();
  private lastSignature = '';
  private unsubscribe: (() => void) | null = null;

  override connectedCallback() {
    super.connectedCallback();
    window.addEventListener('keydown', this.handleKeydown);
    this.ticker = window.setInterval(() => this.requestUpdate(), 1000);
    this.unsubscribe = this.services?.sync.subscribe((why) => why === 'resync' && this.handleResync()) ?? null;
    void this.ensureSale();
  }

  override disconnectedCallback() {
    super.disconnectedCallback();
    window.removeEventListener('keydown', this.handleKeydown);
    clearInterval(this.ticker);
    this.unsubscribe?.();
  }

  override firstUpdated() {
    this.scanInput?.focus();
  }

  /** The register's open sale: the live state's, or a newer one from a request's ack (the event may lag). */
  private get sale(): OpenSale | null {
    const s = this.services;
    const live = s?.session.terminalId ? s.sync.state.openSales.get(s.session.terminalId) ?? null : null;
    const acked = this.ackedSale;
    if (acked && (!live ? this.ackedOpen : live.saleId === acked.saleId && acked.updatedAt > live.updatedAt)) return acked;
    return live;
  }

  /** Remembers the sale a request answered with, until the live state catches up. */
  private remember(sale: OpenSale | null) {
    this.ackedSale = sale;
    this.ackedOpen = sale !== null;
  }

  private async ensureSale(): Promise<OpenSale | null> {
    const sync = this.services?.sync;
    if (!sync) return null;
    if (this.sale) return this.sale;
    try {
      await sync.ready();
      const { sale } = await sync.request('sale:open', {});
      this.remember(sale);
      return sale;
    } catch (err) {
      this.scanError = explain(err);
      return null;
    }
  }

  private signature(sale: OpenSale | null) {
    return JSON.stringify(sale?.lines.map((l) => [l.lineId, l.serial, l.lost?.reason ?? '']) ?? []);
  }

  private handleResync() {
    const sig = this.signature(this.sale);
    if (this.lastSignature && sig !== this.lastSignature) {
      this.changedNotice = 'Your sale changed while the register was offline: check the flagged lines.';
    }
    this.lastSignature = sig;
  }

  private handleEvent(ev: StoreEvent, replayed: boolean) {
    this.hubClock.learn(ev, replayed);
    // A change replayed after an outage is what the resync notice is about: keep the signature from before it.
    if (!replayed && ev.type === 'open_sale_changed' && ev.data.terminalId === this.services?.session.terminalId) {
      this.lastSignature = this.signature((ev.data.sale as OpenSale | null) ?? null);
    }
    if (this.pickerFor && (ev.type === 'hold_released' || ev.type === 'hold_created' || ev.type === 'stock_received')) {
      void this.loadPicker(this.pickerFor);
    }
  }

  /** F8 to pay; on the receipt, keys typed anywhere but in a field are the next sale's first scan. */
  private handleKeydown = (e: KeyboardEvent) => {
    const path = e.composedPath();
    // the serial lookup dialog (F2) and other fields keep their keys
    if (path.some((el) => el instanceof HTMLDialogElement && el.open)) return;
    if (this.invoice) {
      const inField = path[0] instanceof HTMLInputElement || path[0] instanceof HTMLTextAreaElement || path[0] instanceof HTMLSelectElement;
      if (inField || e.ctrlKey || e.metaKey || e.altKey) return;
      if (e.key === 'Enter' && this.nextScan.trim()) {
        e.preventDefault(); // not also a click on the focused "New sale"
        void this.newSale(this.nextScan);
      } else if (e.key.length === 1 && !(e.key === ' ' && !this.nextScan)) {
        e.preventDefault();
        this.nextScan += e.key;
      } else if (e.key === 'Backspace' && this.nextScan) {
        e.preventDefault();
        this.nextScan = this.nextScan.slice(0, -1);
      } else if (e.key === 'Escape') {
        this.nextScan = '';
      }
      return;
    }
    if (e.key === PAY_KEY) {
      e.preventDefault();
      const input = this.tenderedInput;
      if (!input) return;
      if (this.shadowRoot?.activeElement === input) void this.complete('cash');
      else {
        input.focus();
        input.select();
      }
    }
  };

  private handleScan(e: SubmitEvent) {
    e.preventDefault();
    return this.scan(this.scanInput.value);
  }

  private handleCustomerPicked(e: CustomEvent<CustomerPickedDetail>) {
    void this.setCustomer(e.detail.id);
    // a customer chosen: the payment is next (set now, before the picker redraws without the focused field)
    if (e.detail.id !== null) {
      this.tenderedInput?.focus();
      this.tenderedInput?.select();
    }
  }

  /** One entry point for the scan field: a part number, a serial, or words of a product name. */
  private async scan(raw: string) {
    const text = raw.trim();
    if (!text || !this.services) return;
    this.clearErrors();
    this.results = [];
    const { api } = this.services;
    try {
      const page = await api.get<Page<Product>>(`/api/products?q=${encodeURIComponent(text)}&limit=10`);
      const exact = page.items.find((p) => p.partNumber.toUpperCase() === text.toUpperCase());
      if (exact) {
        this.scanInput.value = '';
        await this.addProduct(exact);
        return;
      }
      const bySerial = await this.findSerial(text);
      if (bySerial) {
        this.scanInput.value = '';
        await this.addProduct(bySerial.product, bySerial.serial);
        return;
      }
      if (page.items.length === 0) this.scanError = `Nothing found for "${text}": scan again, or type a part number or a name.`;
      this.results = page.items;
    } catch (err) {
      this.scanError = explain(err);
    }
  }

  private async findSerial(text: string): Promise<LookupMatch | null> {
    try {
      const r = await this.services!.api.get<{ matches: LookupMatch[] }>(`/api/serials/${encodeURIComponent(text)}`);
      const sellable = r.matches.find((m) => m.product.serialMode === 'enforced' && m.state === 'in_stock');
      if (sellable) return sellable;
      const m = r.matches[0];
      if (m) {
        const where = m.hold ? this.terminalName(m.hold.terminalId) : '';
        throw new Error(
          m.state === 'held' ? `Serial ${m.serial} is held at ${where}.` : m.state === 'sold' ? `Serial ${m.serial} is already sold.` : `Serial ${m.serial} is not in stock.`,
        );
      }
      return null;
    } catch (err) {
      if (err instanceof ApiError && err.code === 'SERIAL_NOT_FOUND') return null;
      throw err;
    }
  }

  private terminalName(id: string) {
    return this.services?.sync.state.terminals.get(id)?.name ?? `register ${id}`;
  }

  /** Errors stay until the cashier's next action. */
  private clearErrors() {
    this.scanError = '';
    this.payError = '';
    this.customerError = '';
    this.lineErrors = {};
  }

  private async addProduct(product: Product, serial?: string) {
    this.clearErrors();
    const sale = await this.ensureSale();
    if (!sale) return;
    this.results = [];
    try {
      const r = await this.services!.sync.request('sale:addLine', {
        saleId: sale.saleId, productId: product.id, quantity: 1, ...(serial ? { serial } : {}),
      });
      this.remember(r.sale);
      await this.updateComplete;
      // A serialized item without its serial: the next scan belongs to that line's serial field.
      if (product.serialMode !== 'none' && !serial) this.focusSerial(r.lineId);
      else this.scanInput.focus();
    } catch (err) {
      this.scanError = explain(err);
      this.scanInput.focus();
    }
  }

  /** Focuses a line's serial field as soon as it is rendered. */
  private focusSerial(lineId: string) {
    this.pendingFocus = lineId;
    this.requestUpdate();
  }

  override updated() {
    if (!this.pendingFocus) return;
    const input = [...this.serialInputs].find((i) => i.dataset.line === this.pendingFocus);
    if (input) {
      input.focus();
      input.select();
      this.pendingFocus = null;
    }
  }

  private async pickSerial(line: OpenSaleLine, serial: string) {
    const sale = this.sale;
    if (!sale || !serial.trim()) return;
    this.clearErrors();
    try {
      this.remember((await this.services!.sync.request('sale:pickSerial', { saleId: sale.saleId, lineId: line.lineId, serial })).sale);
      this.pickerFor = null;
      if (this.editingSerialOf === line.lineId) this.editingSerialOf = null;
      const next = this.sale?.lines.find((l) => l.serialMode !== 'none' && (!l.serial || l.lost) && l.lineId !== line.lineId);
      if (next) this.focusSerial(next.lineId);
      else this.scanInput.focus();
    } catch (err) {
      this.lineErrors = { ...this.lineErrors, [line.lineId]: explain(err) };
    }
  }

  private async loadPicker(lineId: string) {
    const line = this.sale?.lines.find((l) => l.lineId === lineId);
    if (!line) return;
    try {
      const page = await this.services!.sync.request('serials:available', { productId: line.productId, limit: 100 });
      this.pickerSerials = page.items.map((i) => i.serial);
    } catch (err) {
      this.lineErrors = { ...this.lineErrors, [lineId]: explain(err) };
    }
  }

  private editSerial(line: OpenSaleLine) {
    this.editingSerialOf = line.lineId;
    this.focusSerial(line.lineId);
  }

  private cancelEditSerial() {
    this.editingSerialOf = null;
    this.scanInput.focus();
  }

  private togglePicker(line: OpenSaleLine) {
    this.clearErrors();
    this.pickerFor = this.pickerFor === line.lineId ? null : line.lineId;
    if (this.pickerFor) void this.loadPicker(line.lineId);
  }

  /** Runs a change of the open sale; a refusal is shown where `showError` puts it. */
  private async run(action: () => Promise<{ sale: OpenSale | null }>, showError: (message: string) => void) {
    this.clearErrors();
    try {
      this.remember((await action()).sale);
    } catch (err) {
      showError(explain(err));
    }
  }

  private showLineError(line: OpenSaleLine) {
    return (message: string) => (this.lineErrors = { ...this.lineErrors, [line.lineId]: message });
  }

  private removeLine(line: OpenSaleLine) {
    const sale = this.sale!;
    return this.run(() => this.services!.sync.request('sale:removeLine', { saleId: sale.saleId, lineId: line.lineId }), this.showLineError(line));
  }

  private setQuantity(line: OpenSaleLine, quantity: number) {
    const sale = this.sale!;
    if (quantity < 1) return this.removeLine(line);
    return this.run(
      () => this.services!.sync.request('sale:setQuantity', { saleId: sale.saleId, lineId: line.lineId, quantity }),
      this.showLineError(line),
    );
  }

  private setCustomer(customerId: number | null) {
    const sale = this.sale;
    if (!sale) return;
    return this.run(() => this.services!.sync.request('sale:setCustomer', { saleId: sale.saleId, customerId }), (m) => (this.customerError = m));
  }

  private async voidSale() {
    const sale = this.sale;
    if (!sale) return;
    if (!this.confirmingVoid) {
      this.confirmingVoid = true;
      return;
    }
    this.confirmingVoid = false;
    await this.run(() => this.services!.sync.request('sale:void', { saleId: sale.saleId }), (m) => (this.payError = m));
    this.changedNotice = '';
    await this.ensureSale();
    this.scanInput.focus();
  }

  /**
   * Checks what the cashier can fix before asking the hub: items, serials, the cash given. Returns the
   * amount to pay, or null (the errors are then shown next to their field).
   */
  private checkPayment(sale: OpenSale, method: 'cash' | 'card'): number | null {
    if (sale.lines.length === 0) {
      this.payError = SALE_REJECTED.empty!;
      this.scanInput.focus();
      return null;
    }
    const missing = sale.lines.filter((l) => l.serialMode !== 'none' && (!l.serial || l.lost));
    if (missing.length > 0) {
      this.lineErrors = Object.fromEntries(missing.map((l) => [l.lineId, l.lost ? MESSAGES.HOLD_LOST! : SALE_REJECTED.serial_required!]));
      this.payError = missing.length === 1
        ? 'One item still needs its serial: see the marked line.'
        : `${missing.length} items still need their serial: see the marked lines.`;
      this.focusSerial(missing[0]!.lineId);
      return null;
    }
    if (method === 'card') return sale.totalCents;
    const typed = this.tenderedInput?.value.trim() ?? '';
    const given = typed ? parseMoney(typed) : sale.totalCents;
    if (given === null) {
      this.payError = 'Type the cash given as an amount, e.g. 20 or 20.50, or leave it empty for the exact total.';
    } else if (given < sale.totalCents) {
      this.payError = `The cash given, ${formatCents(given)}, is less than the total of ${formatCents(sale.totalCents)}: `
        + 'type at least the total, or leave it empty for the exact amount.';
    } else {
      return given;
    }
    this.tenderedInput?.focus();
    this.tenderedInput?.select();
    return null;
  }

  private async complete(method: 'cash' | 'card') {
    const sale = this.sale;
    if (!sale || this.busy) return;
    this.clearErrors();
    const amountCents = this.checkPayment(sale, method);
    if (amountCents === null) return;
    this.busy = true;
    // The same sale id on a retry: if the first try completed, the hub answers the same invoice.
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const r = await this.services!.sync.request('sale:complete', { saleId: sale.saleId, payments: [{ method, amountCents }] });
        this.invoice = r.invoice;
        this.nextScan = '';
        this.remember(null);
        this.changedNotice = '';
        toast(this, `Sale ${r.invoice.number} completed`, 'success');
        // the receipt: Enter starts the next sale, and so does the next scan (handleKeydown)
        await this.updateComplete;
        this.newSaleButton?.focus();
        break;
      } catch (err) {
        if (err instanceof RequestError && err.code === 'TIMEOUT' && attempt < 2) {
          await this.services!.sync.ready(30_000).catch(() => undefined);
          continue;
        }
        const lineId = lineOfError(err, sale);
        if (lineId) {
          this.lineErrors = { ...this.lineErrors, [lineId]: explain(err) };
          this.payError = 'The sale was not completed: see the marked line.';
          if (sale.lines.find((l) => l.lineId === lineId)?.serialMode !== 'none') this.focusSerial(lineId);
        } else {
          this.payError = `The sale was not completed: ${explain(err)}`;
        }
        break;
      }
    }
    this.busy = false;
  }

  /** Leaves the receipt for a new sale; `firstScan` (typed on the receipt) is scanned into it. */
  private async newSale(firstScan = '') {
    this.invoice = null;
    this.nextScan = '';
    this.remember(null);
    await this.ensureSale();
    await this.updateComplete;
    this.scanInput?.focus();
    if (firstScan.trim()) {
      this.scanInput.value = firstScan.trim();
      await this.scan(firstScan);
    }
  }

  private renderSerialCell(line: OpenSaleLine) {
    if (line.serialMode === 'none') return html`<span class="muted">—</span>`;
    const error = this.lineErrors[line.lineId];
    const needsPick = !line.serial || line.lost;
    const editing = this.editingSerialOf === line.lineId && line.serialMode === 'solicit';
    const state = this.services!.sync.state;
    return html`
      ${line.serial && !line.lost && !editing
        ? html`<span class="mono" data-serial-of=${line.lineId}>${line.serial}</span>
            ${line.serialMode === 'enforced'
              ? html`<span class="pill held" title="held for this register">held · ${formatTimeLeft(
                  (state.holds.get(`${line.productId}:${line.serial}`)?.expiresAt ?? line.expiresAt ?? 0) - this.hubClock.now(),
                )}</span>`
              : html`<span class="pill">typed</span>
                  <button type="button" class="small" aria-label="Change serial of ${line.name}" @click=${() => this.editSerial(line)}>Edit</button>`}`
        : nothing}
      ${line.lost
        ? html`<span class="pill lost">hold lost</span>
            <span class="lost-note">${line.serial}: ${line.lost.reason === 'force_released' ? `released by a supervisor${line.lost.note ? `: ${line.lost.note}` : ''}` : 'the hold expired while the register was away'}. Pick a serial again.</span>`
        : nothing}
      ${needsPick || editing
        ? html`<form class="row" @submit=${(e: SubmitEvent) => {
            e.preventDefault();
            const input = (e.target as HTMLFormElement).querySelector('input')!;
            if (editing && input.value.trim() === line.serial) return this.cancelEditSerial();
            void this.pickSerial(line, input.value);
            input.value = '';
          }}>
            <input data-line=${line.lineId} aria-label="Serial for ${line.name}" placeholder=${line.serialMode === 'enforced' ? 'Scan serial' : 'Serial (required)'}
              autocomplete="off" .value=${editing ? line.serial ?? '' : ''} ?required=${needsPick}
              @keydown=${(e: KeyboardEvent) => editing && e.key === 'Escape' && (e.preventDefault(), this.cancelEditSerial())} />
            ${line.serialMode === 'enforced' ? html`<button type="button" @click=${() => this.togglePicker(line)}>Pick</button>` : nothing}
            ${editing ? html`<button type="button" @click=${() => this.cancelEditSerial()}>Cancel</button>` : nothing}
          </form>`
        : nothing}
      ${error ? html`<div class="error" role="alert" data-error="line">${error}</div>` : nothing}
      ${this.pickerFor === line.lineId
        ? html`<div class="picker" role="listbox" aria-label="Available serials">
            ${this.pickerSerials.map((s) => html`<button type="button" class="mono" @click=${() => this.pickSerial(line, s)}>${s}</button>`)}
            ${[...state.holds.values()]
              .filter((h) => h.productId === line.productId && h.terminalId !== this.services!.session.terminalId)
              .map((h) => html`<button type="button" class="mono locked" disabled data-locked=${h.serial}
                  title="held at ${this.terminalName(h.terminalId)}">${h.serial} · locked at ${this.terminalName(h.terminalId)}</button>`)}
            ${this.pickerSerials.length === 0 ? html`<span class="muted">No serial available.</span>` : nothing}
          </div>`
        : nothing}
    `;
  }

  private renderReceipt(inv: Invoice) {
    return html`<div class="card receipt" data-invoice=${inv.saleId}>
      <h2>Receipt #${inv.number}</h2>
      <p class="muted">${new Date(inv.completedAt).toLocaleString()} · ${this.terminalName(inv.terminalId)} · served by ${this.names.staff(inv.staffId)}
        ${inv.customerId ? html` · <span data-receipt-customer>${this.names.customer(inv.customerId) ?? `customer ${inv.customerId}`}</span>` : nothing}</p>
      <table>
        ${inv.lines.map(
          (l) => html`<tr><td>${l.quantity} × ${l.name}</td><td class="num">${formatCents(l.totalCents)}</td></tr>
            ${l.serials.map((s) => html`<tr><td class="sn" colspan="2">S/N ${s}${l.warrantyEndsAt ? ` · warranty until ${formatDate(l.warrantyEndsAt)}` : ''}</td></tr>`)}`,
        )}
        <tr><th>Total</th><th class="num">${formatCents(inv.totalCents)}</th></tr>
        ${inv.payments.map((p) => html`<tr><td>${p.method === 'cash' ? 'Cash' : 'Card'}</td><td class="num">${formatCents(p.amountCents)}</td></tr>`)}
        ${inv.changeCents ? html`<tr><td>Change</td><td class="num">${formatCents(inv.changeCents)}</td></tr>` : nothing}
      </table>
      <div class="row no-print" style="margin-top:1rem">
        <button @click=${() => window.print()}>Print</button>
        <button class="primary" data-new-sale @click=${() => this.newSale()}>New sale</button>
      </div>
      <p class="muted no-print next-scan" role="status">${this.nextScan
        ? html`Next sale: <span class="mono" data-next-scan>${this.nextScan}</span> (Enter to start it, Escape to clear)`
        : 'Scan the next item to start a new sale.'}</p>
    </div>`;
  }

  override render() {
    if (!this.services?.session.terminalId) return html`<p>Checkout needs a paired register.</p>`;
    if (this.invoice) return this.renderReceipt(this.invoice);
    const sale = this.sale;
    const incomplete = sale?.lines.some((l) => l.serialMode !== 'none' && (!l.serial || l.lost)) ?? true;
    return html`
      ${this.changedNotice ? html`<div class="notice" role="status">${this.changedNotice}</div>` : nothing}
      <div class="layout">
        <section>
          <form class="scan" @submit=${this.handleScan}>
            <input id="scan" aria-label="Scan or search" placeholder="Scan a barcode or serial, or type a part number or name" autocomplete="off" />
            <button class="primary">Add</button>
          </form>
          ${this.scanError ? html`<p class="error" role="alert" data-error="scan">${this.scanError}</p>` : nothing}
          ${this.results.length
            ? html`<div class="results">${this.results.map(
                (p) => html`<button @click=${() => this.addProduct(p)}><span>${p.partNumber} · ${p.name}</span>
                  <span>${formatCents(p.priceCents)} · ${p.stock} in stock</span></button>`,
              )}</div>`
            : nothing}
          <table>
            <thead><tr><th>Item</th><th>Serial</th><th class="num">Qty</th><th class="num">Amount</th><th></th></tr></thead>
            <tbody>
              ${sale?.lines.map(
                (l) => html`<tr data-line-row=${l.lineId}>
                  <td><strong>${l.name}</strong><br /><span class="muted">${l.partNumber} · ${formatCents(l.unitPriceCents)}</span></td>
                  <td class="serial">${this.renderSerialCell(l)}</td>
                  <td class="num">${l.serialMode === 'none'
                    ? html`<span class="qty"><button aria-label="Less" @click=${() => this.setQuantity(l, l.quantity - 1)}>−</button>${l.quantity}<button aria-label="More" @click=${() => this.setQuantity(l, l.quantity + 1)}>+</button></span>`
                    : l.quantity}</td>
                  <td class="num">${formatCents(l.unitPriceCents * l.quantity)}</td>
                  <td><button class="danger" aria-label="Remove ${l.name}" @click=${() => this.removeLine(l)}>✕</button></td>
                </tr>`,
              )}
            </tbody>
          </table>
          ${sale && sale.lines.length === 0 ? html`<p class="muted">Scan an item to start.</p>` : nothing}
        </section>
        <aside>
          <div class="card">
            <div class="muted">Total</div>
            <div class="total" data-total>${formatCents(sale?.totalCents ?? 0)}</div>
          </div>
          <div class="card">
            <sh-customer-picker .selectedId=${sale?.customerId ?? null} @sh-customer-picked=${this.handleCustomerPicked}></sh-customer-picker>
            ${this.customerError ? html`<p class="error" role="alert" data-error="customer">${this.customerError}</p>` : nothing}
          </div>
          <div class="card pay">
            <label>Cash tendered<input id="tendered" inputmode="decimal" autocomplete="off" placeholder=${formatCents(sale?.totalCents ?? 0)}
              aria-describedby="pay-error" @input=${() => (this.payError = '')}
              @keydown=${(e: KeyboardEvent) => e.key === 'Enter' && this.complete('cash')} /></label>
            ${this.payError ? html`<p class="error" role="alert" id="pay-error" data-error="pay">${this.payError}</p>` : nothing}
            ${incomplete && sale?.lines.length && !this.payError ? html`<p class="muted">Every serialized item needs its serial before payment.</p>` : nothing}
            <button class="primary" ?disabled=${!sale?.lines.length || incomplete || this.busy} aria-keyshortcuts=${PAY_KEY}
              @click=${() => this.complete('cash')}>Pay cash <kbd>${PAY_KEY}</kbd></button>
            <button ?disabled=${!sale?.lines.length || incomplete || this.busy} @click=${() => this.complete('card')}>Pay by card</button>
            <button class="danger" ?disabled=${!sale?.lines.length} @click=${() => this.voidSale()}
              @blur=${() => (this.confirmingVoid = false)}>${this.confirmingVoid ? 'Tap again to void: serials go back to stock' : 'Void sale'}</button>
          </div>
        </aside>
      </div>
    `;
  }
}
