/**
 * Returns: the cashier finds the invoice by the number on the receipt or by scanning a serial (or comes from
 * the customer's page), chooses the serials or units coming back and a reason, confirms what goes back to
 * stock and the refund, and the hub takes it back in one step. The return id is chosen here, so pressing
 * Confirm again after a network cut never returns twice.
 */
import { consume } from '@lit/context';
import { LitElement, html, nothing } from 'lit';
import { property, query, state } from 'lit/decorators.js';
import type { StoreEvent } from '../../../protocol/events.js';
import type { Customer, Invoice, InvoiceLine, Product } from '../../../protocol/schemas.js';
import { ApiError } from '../../api/http.js';
import { appContext, type AppServices } from '../../context/session.js';
import { SyncController } from '../../controllers/sync-controller.js';
import { navigate, toast } from '../../events/index.js';
import { formatCents, formatDateTime } from '../../format.js';
import { sharedStyles } from '../../styles/shared.js';
import {
  COMMON_REASONS, OUTCOME_TEXT, REASON_MAX, explainReturnError, leftOnLine, newReturnId, refundOf, requestLines, returnedMeanwhile,
  stockOutcome,
  type ReturnChoices, type ReturnRecord,
} from './return-draft.js';
import { returnsStyles } from './returns.styles.js';

type Step = 'find' | 'choose' | 'review' | 'done';

/** A serial lookup match (GET /api/serials/:serial), as far as a return needs it. */
interface SerialMatch {
  serial: string;
  product: Product;
  state: string;
  sale: { saleId: string; soldAt: number } | null;
}

/** Invoice numbers are short digit strings; anything else is looked up as a serial. */
const INVOICE_NUMBER = /^#?(\d{1,9})$/;

const NOT_SOLD_TEXT: Record<string, (s: string) => string> = {
  in_stock: (s) => `${s} is in stock: it was not sold, or it was returned already.`,
  held: (s) => `${s} is on a register's open sale: it has not been sold yet.`,
  returned: (s) => `${s} was returned already.`,
};

export class ShReturns extends LitElement {
  static override styles = [sharedStyles, returnsStyles];

  @consume({ context: appContext, subscribe: true }) services?: AppServices;

  private readonly live = new SyncController(this, () => this.services?.sync, (ev) => this.handleStoreEvent(ev));

  @query('input[name=find]') private findInput?: HTMLInputElement;

  @state() private step: Step = 'find';
  @state() private invoice: Invoice | null = null;
  @state() private customer: Customer | null = null;
  @state() private choices: ReturnChoices = new Map();
  @state() private reason = '';
  @state() private candidates: SerialMatch[] = [];
  @state() private findError = '';
  @state() private error = '';
  @state() private note = '';
  @state() private busy = false;
  @state() private done: { ret: ReturnRecord; replayed: boolean } | null = null;

  /** The invoice to open (route #/returns/<saleId>); empty: the finder. */
  @property() saleId = '';
  /** A serial to choose at once (route #/returns/<saleId>/<serial>). */
  @property() serial = '';

  /** Kept while the outcome of a confirm is unknown, so a retry is the same return. */
  private returnId = '';
  private loadedFor: string | undefined;
  private loadId = 0;

  override willUpdate() {
    const key = `${this.saleId}/${this.serial}`;
    if (!this.services || this.loadedFor === key) return;
    this.loadedFor = key;
    Object.assign(this, { error: '', note: '', findError: '', candidates: [], done: null, returnId: '', reason: '' });
    if (this.saleId) void this.open(this.saleId, this.serial);
    else Object.assign(this, { step: 'find', invoice: null, customer: null, choices: new Map() });
  }

  override updated(changed: Map<PropertyKey, unknown>) {
    if (!changed.has('step')) return;
    const focus: Record<Step, string> = {
      find: 'input[name=find]', choose: 'input[data-serial]:not(:disabled), input[data-units]', review: 'button.confirm', done: 'button.another',
    };
    this.renderRoot.querySelector<HTMLElement>(focus[this.step])?.focus();
  }

  // ---- loading

  private async open(saleId: string, serial: string) {
    const api = this.services!.api;
    const id = ++this.loadId;
    this.busy = true;
    try {
      const { invoice } = await api.get<{ invoice: Invoice }>(`/api/invoices/${encodeURIComponent(saleId)}`);
      if (id !== this.loadId) return;
      this.invoice = invoice;
      this.choices = new Map();
      const line = invoice.lines.findIndex((l) => l.serials.includes(serial));
      if (line >= 0 && leftOnLine(invoice.lines[line]!).serials.includes(serial)) this.choices.set(line, { serials: new Set([serial]), units: 0 });
      else if (line >= 0) this.note = `${serial} was already returned on this invoice.`;
      this.step = 'choose';
      this.customer = null;
      if (invoice.customerId !== null) {
        const c = await api.get<{ customer: Customer }>(`/api/customers/${invoice.customerId}`).catch(() => null);
        if (id === this.loadId) this.customer = c?.customer ?? null;
      }
    } catch (err) {
      if (id !== this.loadId) return;
      this.step = 'find';
      this.findError = err instanceof ApiError && (err.code === 'INVOICE_NOT_FOUND' || err.code === 'VALIDATION_FAILED')
        ? 'This invoice does not exist in this store.' : (err as Error).message;
    } finally {
      if (id === this.loadId) this.busy = false;
    }
  }

  /** The invoice as it is now (null if it cannot be read); choices of units returned meanwhile are dropped. */
  private async reload(): Promise<Invoice | null> {
    const inv = this.invoice;
    if (!inv) return null;
    try {
      const { invoice } = await this.services!.api.get<{ invoice: Invoice }>(`/api/invoices/${encodeURIComponent(inv.saleId)}`);
      this.invoice = invoice;
      const next: ReturnChoices = new Map();
      for (const [line, c] of this.choices) {
        const left = leftOnLine(invoice.lines[line]!);
        next.set(line, { serials: new Set([...c.serials].filter((s) => left.serials.includes(s))), units: Math.min(c.units, left.units) });
      }
      this.choices = next;
      return invoice;
    } catch {
      return null; // the refusal already says what happened; the list refreshes with the next event
    }
  }

  private async find(text: string) {
    const q = text.trim();
    const api = this.services?.api;
    if (!q || !api || this.busy) return;
    Object.assign(this, { findError: '', candidates: [], busy: true });
    try {
      const number = INVOICE_NUMBER.exec(q)?.[1];
      if (number) {
        const found = await api.get<{ invoice: Invoice }>(`/api/invoices/number/${number}`).catch((err: unknown) => {
          if (err instanceof ApiError && err.code === 'INVOICE_NOT_FOUND') return null;
          throw err;
        });
        if (found) return navigate(this, `#/returns/${encodeURIComponent(found.invoice.saleId)}`);
        if (q.startsWith('#')) return void (this.findError = `No invoice number ${number} in this store.`);
      }
      const r = await api.get<{ matches: SerialMatch[] }>(`/api/serials/${encodeURIComponent(q)}`);
      const sold = r.matches.filter((m) => m.state === 'sold' && m.sale);
      if (sold.length === 1) return navigate(this, `#/returns/${encodeURIComponent(sold[0]!.sale!.saleId)}/${encodeURIComponent(sold[0]!.serial)}`);
      if (sold.length > 1) return void (this.candidates = sold);
      const m = r.matches[0];
      this.findError = m ? (NOT_SOLD_TEXT[m.state]?.(m.serial) ?? `${m.serial} is not sold.`) : `No serial “${q}” in this store.`;
    } catch (err) {
      this.findError = err instanceof ApiError && err.code === 'SERIAL_NOT_FOUND'
        ? (INVOICE_NUMBER.test(q) ? `No invoice number ${q} and no serial ${q} in this store.` : `No serial “${q}” in this store.`)
        : (err as Error).message;
    } finally {
      this.busy = false;
    }
  }

  // ---- handlers

  private handleStoreEvent(ev: StoreEvent) {
    if (ev.type !== 'return_completed' || this.step !== 'choose') return;
    const ret = ev.data.return as { saleId?: string; returnId?: string } | undefined;
    if (ret?.saleId !== this.invoice?.saleId || ret?.returnId === this.returnId) return;
    this.note = 'Part of this invoice was just returned at another register: the list below is up to date.';
    void this.reload();
  }

  private handleFind(e: SubmitEvent) {
    e.preventDefault();
    void this.find(this.findInput?.value ?? '');
  }

  private toggleSerial(line: number, serial: string, on: boolean) {
    const c = this.choices.get(line) ?? { serials: new Set<string>(), units: 0 };
    const serials = new Set(c.serials);
    if (on) serials.add(serial);
    else serials.delete(serial);
    this.choices = new Map(this.choices).set(line, { ...c, serials });
    this.error = '';
  }

  private setUnits(line: number, value: string, max: number) {
    const units = Math.max(0, Math.min(max, Math.floor(Number(value) || 0)));
    this.choices = new Map(this.choices).set(line, { serials: new Set(), units });
    this.error = '';
  }

  private handleReview() {
    if (!this.readyToReview()) return;
    this.returnId ||= newReturnId();
    this.error = '';
    this.step = 'review';
  }

  private async handleConfirm() {
    const inv = this.invoice;
    const api = this.services?.api;
    if (!inv || !api || this.busy) return;
    this.busy = true;
    this.error = '';
    const lines = requestLines(inv, this.choices);
    try {
      const r = await api.post<{ return: ReturnRecord; invoice: Invoice; replayed: boolean }>('/api/returns', {
        returnId: this.returnId, saleId: inv.saleId, reason: this.reason.trim(), lines,
      });
      this.invoice = r.invoice;
      this.done = { ret: r.return, replayed: r.replayed };
      this.returnId = '';
      this.step = 'done';
      toast(this, `Return taken: refund ${formatCents(r.return.refundCents)}.`, 'success');
    } catch (err) {
      if (!(err instanceof ApiError)) {
        this.error = (err as Error).message;
        return;
      }
      const now = err.code === 'RETURN_REJECTED' ? await this.reload() : null;
      const e = explainReturnError(err, inv, now ? returnedMeanwhile(now, lines) : []);
      this.error = e.text;
      if (e.unknownOutcome) return;
      this.returnId = ''; // refused: nothing was written, the next try is a new return
      if (e.reload) this.step = 'choose';
    } finally {
      this.busy = false;
    }
  }

  private handleAnother() {
    navigate(this, '#/returns');
  }

  // ---- rendering

  private chosenLines() {
    return this.invoice ? requestLines(this.invoice, this.choices) : [];
  }

  private readyToReview() {
    return this.chosenLines().length > 0 && this.reason.trim().length > 0;
  }

  private modeNow(l: InvoiceLine) {
    return this.services?.sync.state.products.get(l.productId)?.serialMode ?? l.serialMode;
  }

  private renderFinder() {
    return html`<section class="card finder">
      <form @submit=${this.handleFind}>
        <label class="grow">Receipt number or serial
          <input name="find" autocomplete="off" spellcheck="false" placeholder="e.g. 1042, or scan a serial" ?disabled=${this.busy} />
        </label>
        <button class="primary" ?disabled=${this.busy}>${this.busy ? 'Finding…' : 'Find'}</button>
      </form>
      ${this.findError ? html`<p class="error" role="alert">${this.findError}</p>` : nothing}
      ${this.candidates.length
        ? html`<p>This serial was sold more than once (different products): choose the sale.</p>
            <ul class="candidates">${this.candidates.map((m) => html`<li><button type="button"
              @click=${() => navigate(this, `#/returns/${encodeURIComponent(m.sale!.saleId)}/${encodeURIComponent(m.serial)}`)}>
              <span class="mono">${m.serial}</span> · ${m.product.partNumber} ${m.product.name}</button></li>`)}</ul>`
        : nothing}
      <p class="muted">A customer's invoices can also be returned from their page under Customers.</p>
    </section>`;
  }

  private renderInvoiceHead(inv: Invoice) {
    return html`<header class="card head" data-sale-id=${inv.saleId}>
      <strong>Invoice #${inv.number}</strong>
      <span class="muted">${formatDateTime(inv.completedAt)}</span>
      ${inv.customerId !== null
        ? html`<a href="#/customer/${inv.customerId}" @click=${(e: Event) => (e.preventDefault(), navigate(this, `#/customer/${inv.customerId}`))}>
            ${this.customer?.name ?? `Customer ${inv.customerId}`}</a>`
        : html`<span class="muted">No customer</span>`}
      <strong class="total">${formatCents(inv.totalCents)}</strong>
    </header>`;
  }

  private renderLineChoice(l: InvoiceLine, line: number) {
    const left = leftOnLine(l);
    const c = this.choices.get(line);
    if (left.units <= 0) return html`<span class="pill returned">All returned</span>`;
    if (l.serialMode === 'none') {
      return html`<input type="number" min="0" max=${left.units} step="1" inputmode="numeric" data-units=${line}
        aria-label="Units to return of ${l.name}" .value=${String(c?.units ?? 0)}
        @input=${(e: Event) => this.setUnits(line, (e.target as HTMLInputElement).value, left.units)} />
        <span class="muted">of ${left.units}</span>`;
    }
    const returned = new Set(l.returnedSerials);
    return html`<div class="serials">${l.serials.map((s) => html`<label class="serial ${returned.has(s) ? 'returned' : ''}">
      <input type="checkbox" data-serial=${s} ?disabled=${returned.has(s)} .checked=${c?.serials.has(s) ?? false}
        @change=${(e: Event) => this.toggleSerial(line, s, (e.target as HTMLInputElement).checked)} />
      <span class="mono">${s}</span>${returned.has(s) ? html` <span class="pill returned">returned</span>` : nothing}
    </label>`)}</div>`;
  }

  private renderChoose(inv: Invoice) {
    const lines = this.chosenLines();
    const units = lines.reduce((n, l) => n + l.quantity, 0);
    return html`${this.renderInvoiceHead(inv)}
      <section class="card">
        <table aria-label="Invoice lines">
          <thead><tr><th>Item</th><th class="num">Sold</th><th class="num">Price</th><th>Return</th></tr></thead>
          <tbody>${inv.lines.map((l, i) => html`<tr data-line=${i}>
            <td>${l.name}<br /><span class="muted">${l.partNumber}</span></td>
            <td class="num">${l.quantity}${l.returnedQuantity ? html`<br /><span class="muted">${l.returnedQuantity} returned</span>` : nothing}</td>
            <td class="num">${formatCents(l.unitPriceCents)}</td>
            <td>${this.renderLineChoice(l, i)}</td>
          </tr>`)}</tbody>
        </table>
        <label>Reason for the return
          <input name="reason" list="return-reasons" maxlength=${REASON_MAX} required .value=${this.reason}
            placeholder="e.g. Defective" @input=${(e: Event) => (this.reason = (e.target as HTMLInputElement).value)} />
        </label>
        <datalist id="return-reasons">${COMMON_REASONS.map((r) => html`<option value=${r}></option>`)}</datalist>
        ${this.renderError()}
        <div class="row">
          <button class="primary" ?disabled=${!this.readyToReview()} @click=${this.handleReview}>
            Review return (${units} ${units === 1 ? 'unit' : 'units'})</button>
          ${lines.length === 0 ? html`<span class="muted">Choose what comes back.</span>`
            : this.reason.trim() ? nothing : html`<span class="muted">Give a reason.</span>`}
        </div>
      </section>`;
  }

  private renderReview(inv: Invoice) {
    const lines = this.chosenLines();
    return html`${this.renderInvoiceHead(inv)}
      <section class="card review" aria-label="Confirm the return">
        <h3>Confirm the return</h3>
        <table>
          <thead><tr><th>Item</th><th class="num">Units</th><th>Serials</th><th>Goes to</th></tr></thead>
          <tbody>${lines.map((r) => {
            const l = inv.lines[r.line]!;
            const outcome = stockOutcome(l.serialMode, this.modeNow(l));
            return html`<tr data-line=${r.line} data-outcome=${outcome}>
              <td>${l.name}</td><td class="num">${r.quantity}</td>
              <td class="mono">${r.serials?.join(', ') ?? '—'}</td>
              <td class=${outcome === 'refused' ? 'error' : ''}>${OUTCOME_TEXT[outcome](r.quantity)}</td>
            </tr>`;
          })}</tbody>
        </table>
        <p>Reason: “${this.reason.trim()}”</p>
        <p class="refund">Refund to the customer: <strong data-field="refund">${formatCents(refundOf(inv, lines))}</strong></p>
        ${this.renderError()}
        <div class="row">
          <button ?disabled=${this.busy} @click=${() => (this.step = 'choose')}>Back</button>
          <button class="primary confirm" ?disabled=${this.busy} @click=${this.handleConfirm}>${this.busy ? 'Returning…' : 'Confirm return'}</button>
        </div>
      </section>`;
  }

  private renderDone(inv: Invoice, done: NonNullable<ShReturns['done']>) {
    const back = done.ret.lines.flatMap((r) => (stockOutcome(inv.lines[r.line]!.serialMode, this.modeNow(inv.lines[r.line]!)) === 'serial_stock' ? r.serials : []));
    return html`${this.renderInvoiceHead(inv)}
      <section class="card done" role="status" data-return-id=${done.ret.returnId}>
        <h3>Return complete</h3>
        ${done.replayed ? html`<p class="muted">This return had already gone through (a retry): nothing was returned twice.</p>` : nothing}
        <p>Refund <strong data-field="refund">${formatCents(done.ret.refundCents)}</strong> to the customer.</p>
        ${back.length ? html`<p>Back in stock: <span class="mono" data-field="back-in-stock">${back.join(', ')}</span></p>` : nothing}
        <div class="row">
          ${inv.customerId !== null
            ? html`<button @click=${() => navigate(this, `#/customer/${inv.customerId}`)}>Customer page</button>` : nothing}
          <button class="primary another" @click=${this.handleAnother}>Another return</button>
        </div>
      </section>`;
  }

  private renderError() {
    return this.error ? html`<p class="error refusal" role="alert">${this.error}</p>` : nothing;
  }

  override render() {
    const inv = this.invoice;
    const body = this.step === 'find' || !inv ? this.renderFinder()
      : this.step === 'choose' ? this.renderChoose(inv)
      : this.step === 'review' ? this.renderReview(inv)
      : this.done ? this.renderDone(inv, this.done) : nothing;
    return html`<h2>Returns</h2>
      ${this.note ? html`<p class="note" role="status">${this.note}</p>` : nothing}
      ${body}`;
  }
}
