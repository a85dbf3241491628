/**
 * Receiving: the stock clerk builds a receipt of lines (product, quantity, and for enforced products one
 * serial per unit, scanned, pasted or imported), sees the checks live next to the list (every serial is
 * checked against the stock by the hub as it is entered), and sends it once, all or nothing, with a receipt
 * id chosen here so that a retry never receives twice.
 */
import { consume } from '@lit/context';
import { LitElement, html, nothing } from 'lit';
import { query, state } from 'lit/decorators.js';
import type { StoreEvent } from '../../../protocol/events.js';
import type { Product, SerialCheckState } from '../../../protocol/schemas.js';
import { ApiError } from '../../api/http.js';
import { appContext, type AppServices } from '../../context/session.js';
import { SyncController } from '../../controllers/sync-controller.js';
import { navigate, toast } from '../../events/index.js';
import { sharedStyles } from '../../styles/shared.js';
import { MODE_LABEL, type ProductPickedEvent } from '../product-picker/product-picker.component.js';
import type { ScanNote, SerialsEnteredEvent, ShSerialEntry } from '../serial-entry/serial-entry.component.js';
import type { ShProductPicker } from '../product-picker/product-picker.component.js';
import {
  REJECTION_TEXT,
  RETURNED_TEXT,
  VERDICT_LABEL,
  checkLine,
  describeCount,
  isBlocking,
  newReceiptId,
  rejectionsByLine,
  stockCheckKey,
  verdictOf,
  withoutFlagged,
  type DraftLine,
  type LineRejections,
  type Rejection,
} from './receipt-draft.js';
import { receivingStyles } from './receiving.styles.js';
import { StockCheckController } from './stock-check.controller.js';

/** Receipts (and stock checks) of this many serials show a progress bar. */
const PROGRESS_MIN_SERIALS = 500;
/** Serials listed on screen when the list is long (flagged ones first). */
const SERIALS_SHOWN = 300;
/** Refusals listed in the error panel (all are highlighted in the lists). */
const REFUSALS_SHOWN = 20;
/** The draft is kept in sessionStorage (a reload or a trip to another view loses nothing) this long after a change. */
const DRAFT_SAVE_DELAY_MS = 400;

interface Receipt {
  receiptId: string;
  receivedAt: number;
  note?: string;
  lines: { productId: number; quantity: number; serials: string[] }[];
}

interface Refusal {
  message: string;
  total: number;
  items: (Rejection & { partNumber: string })[];
}

interface SavedDraft {
  receiptId: string;
  note: string;
  lines: DraftLine[];
}

export class ShReceiving extends LitElement {
  static override styles = [sharedStyles, receivingStyles];

  @consume({ context: appContext, subscribe: true }) services?: AppServices;

  private readonly live = new SyncController(this, () => this.services?.sync, (ev) => this.handleStoreEvent(ev));
  private readonly stock = new StockCheckController(this, () => this.services?.api, (pid, serial, state) => this.handleCheckAnswer(pid, serial, state));

  @query('sh-product-picker') private picker?: ShProductPicker;
  @query('sh-serial-entry') private entry?: ShSerialEntry;
  @query('input[name=note]') private noteInput?: HTMLInputElement;

  @state() private lines: DraftLine[] = [];
  @state() private activeKey: number | null = null;
  @state() private rejections = new Map<number, LineRejections>();
  @state() private refusal: Refusal | null = null;
  @state() private sendError = '';
  @state() private sending = false;
  @state() private progress: number | null = null;
  @state() private scanNote: ScanNote | null = null;
  @state() private done: { receipt: Receipt; replayed: boolean; products: Map<number, Product> } | null = null;

  private receiptId = newReceiptId();
  private note = '';
  private nextKey = 1;
  private saveTimer: ReturnType<typeof setTimeout> | undefined;

  override connectedCallback() {
    super.connectedCallback();
    this.restoreDraft();
    for (const l of this.lines) if (l.product.serialMode === 'enforced') this.stock.check(l.product.id, l.serials);
  }

  override disconnectedCallback() {
    super.disconnectedCallback();
    if (this.saveTimer) {
      clearTimeout(this.saveTimer);
      this.saveDraft();
    }
  }

  override firstUpdated() {
    if (this.activeLine()) this.entry?.focusScan();
    else this.picker?.focusSearch();
  }

  override updated(changed: Map<PropertyKey, unknown>) {
    if (changed.has('lines') || changed.has('activeKey')) this.scheduleSave();
  }

  // ---- the draft

  private draftKey(): string | null {
    const s = this.services?.session;
    return s ? `serialhub.receiving.${s.storeId}.${s.staffId}` : null;
  }

  private restoreDraft() {
    const key = this.draftKey();
    if (!key || this.lines.length) return;
    try {
      const saved = JSON.parse(sessionStorage.getItem(key) ?? 'null') as SavedDraft | null;
      if (!saved?.lines?.length) return;
      this.receiptId = saved.receiptId;
      this.note = saved.note;
      this.lines = saved.lines;
      this.nextKey = Math.max(...saved.lines.map((l) => l.key)) + 1;
      this.activeKey = saved.lines.find((l) => l.product.serialMode === 'enforced')?.key ?? null;
    } catch {
      // a damaged draft is dropped
    }
  }

  private scheduleSave() {
    clearTimeout(this.saveTimer);
    this.saveTimer = setTimeout(() => {
      this.saveTimer = undefined;
      this.saveDraft();
    }, DRAFT_SAVE_DELAY_MS);
  }

  private saveDraft() {
    const key = this.draftKey();
    if (!key) return;
    try {
      if (this.lines.length === 0 || this.done) sessionStorage.removeItem(key);
      else sessionStorage.setItem(key, JSON.stringify({ receiptId: this.receiptId, note: this.note, lines: this.lines } satisfies SavedDraft));
    } catch {
      // storage full (a very big batch): the draft simply lives as long as the page
    }
  }

  private activeLine(): DraftLine | undefined {
    return this.lines.find((l) => l.key === this.activeKey);
  }

  private updateLine(key: number, change: (l: DraftLine) => Partial<DraftLine>) {
    this.lines = this.lines.map((l) => (l.key === key ? { ...l, ...change(l) } : l));
    const r = this.rejections.get(key);
    if (r?.line.length) {
      this.rejections = new Map(this.rejections).set(key, { ...r, line: [] });
    }
    this.sendError = '';
  }

  private setSerials(key: number, serials: string[]) {
    this.updateLine(key, (l) => ({ serials, quantity: l.quantityFollows ? serials.length : l.quantity }));
  }

  // ---- handlers

  private handleCheckAnswer(productId: number, serial: string, state: SerialCheckState) {
    if (!isBlocking(state) || !this.scanNote?.text.startsWith(`${serial} `) || this.activeLine()?.product.id !== productId) return;
    this.scanNote = { text: `${serial}: ${REJECTION_TEXT[state]} Remove it from the list.`, kind: 'error' };
  }

  /** Serials of the draft that the check found receivable: the ones a change in the store can make stale. */
  private receivable(productId: number, serials?: readonly string[]): string[] {
    const line = this.lines.find((l) => l.product.id === productId && l.product.serialMode === 'enforced');
    if (!line) return [];
    const inDraft = serials ? serials.filter((s) => line.serials.includes(s)) : line.serials;
    return inDraft.filter((s) => !isBlocking(this.stock.checks.get(stockCheckKey(productId, s))));
  }

  private handleStoreEvent(ev: StoreEvent) {
    if (ev.type === 'product_updated') {
      const p = (ev.data as { product: Product }).product;
      const before = this.lines.find((l) => l.product.id === p.id)?.product;
      if (before) {
        this.lines = this.lines.map((l) => (l.product.id === p.id ? { ...l, product: p } : l));
        // A product made enforced takes serials into stock: check the draft's again.
        if (before.serialMode !== p.serialMode) this.stock.check(p.id, this.receivable(p.id), true);
      }
    }
    // Stock received or returned elsewhere can make "new" serials of the draft stale: check those again.
    if (ev.type === 'stock_received' && ev.data.receiptId !== this.receiptId) {
      for (const l of (ev.data.lines ?? []) as { productId: number; serials?: string[] }[]) {
        this.stock.check(l.productId, this.receivable(l.productId, l.serials), true);
      }
    }
    if (ev.type === 'return_completed') {
      for (const l of ((ev.data.return as { lines?: unknown })?.lines ?? []) as { productId: number; serials?: string[] }[]) {
        if (l.serials?.length) this.stock.check(l.productId, this.receivable(l.productId, l.serials), true);
      }
    }
  }

  private handleProductPicked(e: ProductPickedEvent) {
    const product = e.detail.product;
    this.done = null;
    let line = this.lines.find((l) => l.product.id === product.id);
    if (!line) {
      line = { key: this.nextKey++, product, quantity: product.serialMode === 'enforced' ? 0 : 1, quantityFollows: true, serials: [] };
      this.lines = [...this.lines, line];
    }
    const key = line.key;
    if (product.serialMode === 'enforced') {
      this.activeKey = key;
      this.scanNote = null;
      this.entry?.reset();
      void this.updateComplete.then(() => this.entry?.focusScan());
    } else {
      void this.updateComplete.then(() => {
        const input = this.renderRoot.querySelector<HTMLInputElement>(`input[data-quantity="${key}"]`);
        input?.focus();
        input?.select();
      });
    }
  }

  private handleSerialsEntered(e: SerialsEnteredEvent) {
    const line = this.activeLine();
    if (!line) return;
    const { serials, source } = e.detail;
    const before = new Set(line.serials);
    this.setSerials(line.key, [...line.serials, ...serials]);
    const updated = this.activeLine()!;
    if (source === 'scan') {
      const s = serials[0]!;
      this.scanNote = before.has(s)
        ? { text: `${s} is already in this batch: scanned twice (highlighted).`, kind: 'warn' }
        : { text: `${s} added: ${describeCount(updated.serials.length, 'serial')} for ${describeCount(updated.quantity, 'unit')}.`, kind: 'ok' };
    } else {
      this.scanNote = null;
    }
    this.stock.check(line.product.id, serials);
  }

  private handleQuantityInput(line: DraftLine, e: Event) {
    const value = (e.target as HTMLInputElement).value;
    this.updateLine(line.key, () => ({ quantity: value === '' ? 0 : Number(value), quantityFollows: false }));
  }

  private handleQuantityKeydown(e: KeyboardEvent) {
    if (e.key !== 'Enter') return;
    e.preventDefault();
    this.picker?.focusSearch();
  }

  private handleSelectLine(line: DraftLine) {
    if (line.product.serialMode !== 'enforced' || this.activeKey === line.key) return;
    this.activeKey = line.key;
    this.scanNote = null;
    this.entry?.reset();
    this.entry?.focusScan();
  }

  private handleRemoveLine(line: DraftLine, e: Event) {
    e.stopPropagation();
    this.lines = this.lines.filter((l) => l.key !== line.key);
    const r = new Map(this.rejections);
    r.delete(line.key);
    this.rejections = r;
    if (this.activeKey === line.key) this.activeKey = this.lines.find((l) => l.product.serialMode === 'enforced')?.key ?? null;
    this.picker?.focusSearch();
  }

  private handleRemoveSerial(line: DraftLine, index: number) {
    this.setSerials(line.key, line.serials.filter((_, i) => i !== index));
    this.scanNote = null;
    this.entry?.focusScan();
  }

  private handleRemoveFlagged(line: DraftLine) {
    const kept = withoutFlagged(line, this.stock.checks, this.rejections.get(line.key));
    const removed = line.serials.length - kept.length;
    this.setSerials(line.key, kept);
    this.scanNote = { text: `${describeCount(removed, 'flagged serial')} removed.`, kind: 'ok' };
    this.entry?.focusScan();
  }

  private handleClearSerials(line: DraftLine) {
    this.setSerials(line.key, []);
    this.scanNote = null;
    this.entry?.focusScan();
  }

  private handleFollowList(line: DraftLine) {
    this.updateLine(line.key, (l) => ({ quantityFollows: true, quantity: l.serials.length }));
  }

  private async handleSubmit() {
    const api = this.services?.api;
    if (!api || this.sending || !this.readyToSend()) return;
    const sent = this.lines;
    const serialCount = sent.reduce((n, l) => n + (l.product.serialMode === 'enforced' ? l.serials.length : 0), 0);
    this.note = this.noteInput?.value.trim() ?? '';
    const body = {
      receiptId: this.receiptId,
      ...(this.note ? { note: this.note } : {}),
      lines: sent.map((l) => ({
        productId: l.product.id,
        quantity: l.quantity,
        ...(l.product.serialMode === 'enforced' ? { serials: [...l.serials] } : {}),
      })),
    };
    this.sending = true;
    this.sendError = '';
    this.refusal = null;
    this.progress = serialCount >= PROGRESS_MIN_SERIALS ? 0 : null;
    try {
      const r = await api.post<{ receipt: Receipt; replayed: boolean }>(
        '/api/receipts',
        body,
        this.progress === null ? undefined : { onUploadProgress: (f) => (this.progress = f) },
      );
      this.done = { ...r, products: new Map(sent.map((l) => [l.product.id, l.product])) };
      this.lines = [];
      this.activeKey = null;
      this.rejections = new Map();
      this.stock.clear();
      this.receiptId = newReceiptId();
      this.note = '';
      this.saveDraft();
      toast(this, `Received ${describeCount(r.receipt.lines.reduce((n, l) => n + l.quantity, 0), 'unit')}.`, 'success');
      void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLButtonElement>('button.new-receipt')?.focus());
    } catch (err) {
      this.handleSendError(err, sent);
    } finally {
      this.sending = false;
      this.progress = null;
    }
  }

  private handleSendError(err: unknown, sent: DraftLine[]) {
    if (!(err instanceof ApiError)) {
      this.sendError = (err as Error).message;
      return;
    }
    switch (err.code) {
      case 'RECEIPT_REJECTED': {
        const details = (err.details ?? {}) as { rejections?: Rejection[]; total?: number };
        const list = details.rejections ?? [];
        this.rejections = rejectionsByLine(list, sent.map((l) => l.key));
        this.refusal = {
          message: `Nothing was received: the hub found ${describeCount(details.total ?? list.length, 'problem')}.`,
          total: details.total ?? list.length,
          items: list.map((r) => ({ ...r, partNumber: sent[r.line]?.product.partNumber ?? `line ${r.line + 1}` })),
        };
        const first = sent[list[0]?.line ?? -1];
        if (first?.product.serialMode === 'enforced') this.activeKey = first.key;
        void this.updateComplete.then(() => {
          const panel = this.renderRoot.querySelector<HTMLElement>('.refusal');
          panel?.focus({ preventScroll: true });
          panel?.scrollIntoView({ block: 'start' });
        });
        return;
      }
      case 'OFFLINE':
      case 'INTERNAL':
      case 'UNAVAILABLE':
        this.sendError = `${err.message} It is not known whether the stock was received: press “Receive stock” again. `
          + 'That is safe: this receipt can only be received once.';
        return;
      case 'RECEIPT_ID_CONFLICT':
        this.receiptId = newReceiptId();
        this.sendError = 'This receipt number was already used by someone else. It has a new number now: press “Receive stock” again.';
        return;
      case 'PAYLOAD_TOO_LARGE':
        this.sendError = 'This receipt is too big to send at once (over 8 MB): split it into two receipts.';
        return;
      case 'FORBIDDEN':
        this.sendError = 'Your role may not receive stock: ask a stock clerk or a supervisor.';
        return;
      default: {
        const issues = (err.details as { issues?: { path: string; message: string }[] } | undefined)?.issues;
        this.sendError = issues?.length ? `${err.message}: ${issues.map((i) => `${i.path} ${i.message}`).join('; ')}` : err.message;
      }
    }
  }

  private handleNewReceipt() {
    this.done = null;
    this.scanNote = null;
    void this.updateComplete.then(() => this.picker?.focusSearch());
  }

  private handleOpenProduct(e: Event, productId: number) {
    e.preventDefault();
    navigate(this, `#/product/${productId}`);
  }

  // ---- rendering

  private readyToSend(): boolean {
    return this.lines.length > 0 && !this.stock.busy && this.lines.every((l) => checkLine(l, this.stock.checks, this.rejections.get(l.key)).problems.length === 0);
  }

  private renderLineRow(line: DraftLine) {
    const enforced = line.product.serialMode === 'enforced';
    const check = checkLine(line, this.stock.checks, this.rejections.get(line.key));
    const active = line.key === this.activeKey;
    const stockNow = this.services?.sync.state.products.get(line.product.id)?.stock ?? line.product.stock;
    const problems = check.problems;
    return html`
      <tr data-line=${line.key} data-part=${line.product.partNumber} class="${active ? 'active' : ''} ${problems.length ? 'has-problems' : ''}"
        aria-current=${active ? 'true' : 'false'} @click=${() => this.handleSelectLine(line)}>
        <td><strong class="mono">${line.product.partNumber}</strong><div class="name">${line.product.name}</div></td>
        <td><span class="pill">${MODE_LABEL[line.product.serialMode]}</span></td>
        <td>${stockNow.toLocaleString()}</td>
        <td>
          <input type="number" min="1" step="1" inputmode="numeric" data-quantity=${line.key}
            aria-label="Quantity of ${line.product.partNumber}" .value=${line.quantity ? String(line.quantity) : ''}
            ?disabled=${this.sending}
            @click=${(e: Event) => e.stopPropagation()}
            @input=${(e: Event) => this.handleQuantityInput(line, e)}
            @keydown=${this.handleQuantityKeydown} />
        </td>
        <td>
          ${enforced
            ? html`<span class="chip ${problems.length ? 'bad' : 'good'}">${describeCount(check.count, 'serial')}</span>`
            : html`<span class="muted">—</span>`}
        </td>
        <td class="row">
          ${enforced && !active ? html`<button type="button" @click=${() => this.handleSelectLine(line)}>Serials</button>` : nothing}
          <button type="button" class="danger" aria-label="Remove line ${line.product.partNumber}" ?disabled=${this.sending}
            @click=${(e: Event) => this.handleRemoveLine(line, e)}>Remove</button>
        </td>
      </tr>
      ${problems.length
        ? html`<tr class="problems"><td colspan="6"><ul class="error">${problems.map((p) => html`<li>${p}</li>`)}</ul></td></tr>`
        : nothing}
    `;
  }

  private renderSerialRows(line: DraftLine, indexes: number[]) {
    const rejections = this.rejections.get(line.key);
    return indexes.map((i) => {
      const serial = line.serials[i]!;
      const verdict = verdictOf(line, serial, this.stock.checks, rejections);
      const flag = verdict === 'ok' || verdict === 'returned' ? '' : verdict === 'duplicate' || verdict === 'in_stock' || verdict === 'checking' ? verdict : 'refused';
      const title = verdict === 'ok' || verdict === 'checking' ? '' : verdict === 'returned' ? RETURNED_TEXT : REJECTION_TEXT[verdict];
      return html`<tr class=${flag ? `flag-${flag}` : ''} data-serial=${serial} data-verdict=${verdict}>
        <td class="n">${i + 1}</td>
        <td class="mono">${serial}</td>
        <td class="verdict" title=${title}>${VERDICT_LABEL[verdict]}</td>
        <td class="remove"><button type="button" aria-label="Remove ${serial}" @click=${() => this.handleRemoveSerial(line, i)}>✕</button></td>
      </tr>`;
    });
  }

  private renderSerialList(line: DraftLine) {
    const n = line.serials.length;
    if (n === 0) return html`<p class="muted empty">No serials yet: scan the first unit.</p>`;
    const newestFirst = (from: number, count: number) => Array.from({ length: Math.min(count, from) }, (_, k) => from - 1 - k);
    if (n <= SERIALS_SHOWN) {
      return html`<div class="serials"><table aria-label="Serials of ${line.product.partNumber}">
        <tbody>${this.renderSerialRows(line, newestFirst(n, n))}</tbody></table></div>`;
    }
    const rejections = this.rejections.get(line.key);
    const flagged: number[] = [];
    for (let i = 0; i < n && flagged.length < SERIALS_SHOWN / 2; i++) {
      const verdict = verdictOf(line, line.serials[i]!, this.stock.checks, rejections);
      if (verdict !== 'ok' && verdict !== 'checking' && verdict !== 'returned') flagged.push(i);
    }
    const latest = newestFirst(n, SERIALS_SHOWN / 2);
    return html`<div class="serials">
      ${flagged.length
        ? html`<table aria-label="Flagged serials"><caption>Flagged (${flagged.length})</caption>
            <tbody>${this.renderSerialRows(line, flagged)}</tbody></table>`
        : nothing}
      <table aria-label="Serials of ${line.product.partNumber}">
        <caption>Latest ${latest.length} of ${n.toLocaleString()}</caption>
        <tbody>${this.renderSerialRows(line, latest)}</tbody>
      </table>
    </div>`;
  }

  private renderChecks(line: DraftLine) {
    const c = checkLine(line, this.stock.checks, this.rejections.get(line.key));
    const countOk = c.count === line.quantity && c.count > 0;
    return html`<div class="checks" role="status" aria-label="Checks">
      <span class="chip ${countOk ? 'good' : 'bad'}" data-check="count">
        ${describeCount(c.count, 'serial')} / quantity ${line.quantity.toLocaleString()}</span>
      ${c.repeats.size
        ? html`<span class="chip bad" data-check="duplicates">${describeCount(c.repeats.size, 'duplicate')}</span>`
        : html`<span class="chip good" data-check="duplicates">No duplicates</span>`}
      ${c.inStock ? html`<span class="chip bad" data-check="in-stock">${c.inStock.toLocaleString()} already in stock</span>` : nothing}
      ${c.found.held ? html`<span class="chip bad" data-check="held">${c.found.held.toLocaleString()} held at a register</span>` : nothing}
      ${c.found.sold ? html`<span class="chip bad" data-check="sold">${c.found.sold.toLocaleString()} already sold</span>` : nothing}
      ${c.found.invalid ? html`<span class="chip bad" data-check="invalid">${c.found.invalid.toLocaleString()} not serials</span>` : nothing}
      ${c.refused ? html`<span class="chip bad" data-check="refused">${c.refused.toLocaleString()} refused by the hub</span>` : nothing}
      ${c.checking ? html`<span class="chip warn" data-check="checking">Checking ${c.checking}…</span>` : nothing}
    </div>
    <div class="row">
      ${c.repeats.size || c.inStock || c.found.held || c.found.sold || c.found.invalid || c.refused
        ? html`<button type="button" class="danger" @click=${() => this.handleRemoveFlagged(line)}>Remove flagged</button>`
        : nothing}
      ${line.quantityFollows
        ? html`<span class="muted">The quantity follows the list.</span>`
        : html`<button type="button" @click=${() => this.handleFollowList(line)}>Quantity = list</button>`}
      ${c.count ? html`<button type="button" @click=${() => this.handleClearSerials(line)}>Clear list</button>` : nothing}
    </div>`;
  }

  private renderEditor(line: DraftLine) {
    return html`<section class="card editor" aria-label="Serials of ${line.product.partNumber}">
      <h3>Serials of <span class="mono">${line.product.partNumber}</span> · ${line.product.name}</h3>
      <div class="editor-grid">
        <sh-serial-entry
          .caseSensitive=${line.product.serialCaseSensitive}
          .note=${this.scanNote}
          ?disabled=${this.sending}
          label="Scan serial (one per unit)"
          @sh-serials-entered=${this.handleSerialsEntered}
        ></sh-serial-entry>
        <div class="batch">${this.renderChecks(line)} ${this.renderSerialList(line)}</div>
      </div>
    </section>`;
  }

  private renderRefusal(refusal: Refusal) {
    const shown = refusal.items.slice(0, REFUSALS_SHOWN);
    return html`<div class="refusal" role="alert" tabindex="-1">
      <strong>${refusal.message}</strong> Fix what is listed (it is highlighted in the lists), then receive again.
      <ul>
        ${shown.map(
          (r) => html`<li data-reason=${r.reason}>
            <span class="mono">${r.partNumber}</span>${r.serial ? html` · <strong class="mono">${r.serial}</strong>` : nothing}:
            ${REJECTION_TEXT[r.reason] ?? r.reason}
          </li>`,
        )}
        ${refusal.total > shown.length ? html`<li>… and ${(refusal.total - shown.length).toLocaleString()} more.</li>` : nothing}
      </ul>
    </div>`;
  }

  private renderSubmit() {
    const units = this.lines.reduce((n, l) => n + (Number.isFinite(l.quantity) ? l.quantity : 0), 0);
    const ready = this.readyToSend();
    const checking = this.stock.busy;
    const check = this.stock.progress;
    return html`
      <section class="card send" aria-label="Send the receipt">
        <div class="submit-row">
          <input name="note" aria-label="Note" placeholder="Note (optional): delivery number, supplier" maxlength="500"
            .value=${this.note} ?disabled=${this.sending} @input=${(e: Event) => {
              this.note = (e.target as HTMLInputElement).value;
              this.scheduleSave();
            }} />
          ${ready || this.sending || checking ? nothing : html`<span class="muted">Fix the lines marked in red to receive.</span>`}
          <button type="button" class="primary" ?disabled=${!ready || this.sending} @click=${this.handleSubmit}>
            ${this.sending ? 'Receiving…' : checking ? 'Checking serials…' : `Receive stock (${describeCount(units, 'unit')})`}
          </button>
        </div>
        ${check && check.total >= PROGRESS_MIN_SERIALS
          ? html`<div role="status" class="progress" data-progress="check">
              <progress max=${check.total} .value=${check.done} aria-label="Stock check"></progress>
              <span class="muted">Checking serials against the stock… ${check.done.toLocaleString()} of ${check.total.toLocaleString()}</span>
            </div>`
          : nothing}
        ${this.progress !== null
          ? html`<div role="status" class="progress">
              <progress max="1" .value=${this.progress} aria-label="Upload"></progress>
              <span class="muted">${this.progress < 1 ? `Sending… ${Math.round(this.progress * 100)}%` : 'Sent: the hub is checking every serial…'}</span>
            </div>`
          : nothing}
        ${this.sendError ? html`<p class="error empty" role="alert">${this.sendError}</p>` : nothing}
      </section>
    `;
  }

  private renderDone(done: NonNullable<ShReceiving['done']>) {
    const { receipt, replayed, products } = done;
    const units = receipt.lines.reduce((n, l) => n + l.quantity, 0);
    const serials = receipt.lines.reduce((n, l) => n + l.serials.length, 0);
    return html`<section class="card summary" aria-label="Receipt received">
      <h3>Stock received</h3>
      ${replayed ? html`<p class="muted empty">This receipt had already been received (a retry): nothing was received twice.</p>` : nothing}
      <p class="totals" role="status">
        <strong data-total="lines">${receipt.lines.length}</strong> ${receipt.lines.length === 1 ? 'line' : 'lines'} ·
        <strong data-total="units">${units.toLocaleString()}</strong> ${units === 1 ? 'unit' : 'units'} ·
        <strong data-total="serials">${serials.toLocaleString()}</strong> ${serials === 1 ? 'serial' : 'serials'}
      </p>
      <table>
        <thead><tr><th>Product</th><th>Quantity</th><th>Serials</th></tr></thead>
        <tbody>
          ${receipt.lines.map((l) => {
            const p = products.get(l.productId);
            return html`<tr>
              <td><a href="#/product/${l.productId}" @click=${(e: Event) => this.handleOpenProduct(e, l.productId)}>
                <span class="mono">${p?.partNumber ?? l.productId}</span> ${p?.name ?? ''}</a></td>
              <td>${l.quantity.toLocaleString()}</td>
              <td class="mono">${l.serials.length
                ? `${l.serials.slice(0, 3).join(', ')}${l.serials.length > 3 ? ` … (${l.serials.length.toLocaleString()})` : ''}`
                : '—'}</td>
            </tr>`;
          })}
        </tbody>
      </table>
      <p class="muted empty">Receipt <span class="mono">${receipt.receiptId}</span>${receipt.note ? ` · ${receipt.note}` : ''}</p>
      <div class="row"><button type="button" class="primary new-receipt" @click=${this.handleNewReceipt}>New receipt</button></div>
    </section>`;
  }

  override render() {
    if (this.done && this.lines.length === 0) {
      return html`<h2>Receiving</h2>${this.renderDone(this.done)}`;
    }
    const active = this.activeLine();
    return html`
      <h2>Receiving</h2>
      ${this.refusal ? this.renderRefusal(this.refusal) : nothing}
      <section class="card lines">
        <sh-product-picker label="Add a product: part number or name" ?disabled=${this.sending}
          @sh-product-picked=${this.handleProductPicked}></sh-product-picker>
        ${this.lines.length
          ? html`<table aria-label="Receipt lines">
              <thead><tr><th>Product</th><th>Serials</th><th>In stock</th><th>Quantity</th><th>Scanned</th><th></th></tr></thead>
              <tbody>${this.lines.map((l) => this.renderLineRow(l))}</tbody>
            </table>`
          : html`<p class="muted empty">Scan or search a product to start the receipt. Add as many products as the delivery holds.</p>`}
      </section>
      ${active?.product.serialMode === 'enforced' ? this.renderEditor(active) : nothing}
      ${this.lines.length ? this.renderSubmit() : nothing}
    `;
  }
}
