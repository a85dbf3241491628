/**
 * Choose a customer for a sale: search by name or phone, pick from the results (mouse, touch or arrow keys),
 * or create one inline. Fires `sh-customer-picked` with {id, name}, or {id: null, name: ''} when the customer
 * is taken off. The host owns the choice: it passes it back in `selectedId`. After a pick the host may move
 * the focus on (checkout: to the payment); if it does not, the focus stays in the picker (never on the page).
 */
import { consume } from '@lit/context';
import { LitElement, html, nothing, type PropertyValues } from 'lit';
import { property, query, state } from 'lit/decorators.js';
import type { Customer } from '../../../protocol/schemas.js';
import { appContext, type AppServices } from '../../context/session.js';
import type { CustomerPickedDetail } from '../../events/index.js';
import { sharedStyles } from '../../styles/shared.js';
import type { ShCustomerForm } from '../customer-form/customer-form.component.js';
import { customerPickerStyles } from './customer-picker.styles.js';
import { CustomerSearchController, explainCustomerError } from './customer-search.controller.js';

/** Results shown per page: the picker sits in a side panel. */
const PICKER_PAGE = 8;
/** Searches that are only a phone number's characters go in the phone field of a new customer. */
const PHONE_LIKE = /^[\d\s()+./-]+$/;

export class ShCustomerPicker extends LitElement {
  static override styles = [sharedStyles, customerPickerStyles];

  @consume({ context: appContext, subscribe: true }) services?: AppServices;

  private readonly search = new CustomerSearchController(this, () => this.services?.api, { pageSize: PICKER_PAGE });

  @query('input[type=search]') private input?: HTMLInputElement;
  @query('sh-customer-form') private form?: ShCustomerForm;

  @state() private creating = false;
  @state() private changing = false;
  @state() private selectedName = '';
  @state() private nameError = '';

  /** The customer currently chosen (null: none); the host passes back what it stored. */
  @property({ attribute: false }) selectedId: number | null = null;
  /** Heading above the picker. */
  @property() label = 'Customer';

  /** Names already known (from results and picks), so a chosen customer shows without another request. */
  private readonly names = new Map<number, string>();

  /** The selectedId the shown name belongs to (undefined: none resolved yet). */
  private resolvedFor: number | null | undefined = undefined;

  /** A pick left the focus in the picker: keep it there while the picker redraws. */
  private keepFocus = false;

  override willUpdate(changed: PropertyValues<this>) {
    if (changed.has('selectedId')) this.changing = false;
    // services arrive through context (no property change), so compare with what was resolved instead.
    if (this.services && this.resolvedFor !== this.selectedId) {
      this.resolvedFor = this.selectedId;
      void this.resolveSelectedName();
    }
  }

  private async resolveSelectedName() {
    const id = this.selectedId;
    this.nameError = '';
    if (id === null) {
      this.selectedName = '';
      return;
    }
    const known = this.names.get(id);
    if (known !== undefined) {
      this.selectedName = known;
      return;
    }
    this.selectedName = `Customer ${id}`;
    if (!this.services) return;
    try {
      const r = await this.services.api.get<{ customer: Customer }>(`/api/customers/${id}`);
      this.names.set(id, r.customer.name);
      if (this.selectedId === id) this.selectedName = r.customer.name;
    } catch (err) {
      if (this.selectedId === id) this.nameError = explainCustomerError(err);
    }
  }

  private pick(c: { id: number; name: string }) {
    this.names.set(c.id, c.name);
    this.creating = false;
    this.changing = false;
    if (this.input) this.input.value = '';
    void this.search.search('', true);
    this.firePicked({ id: c.id, name: c.name });
    // The focused field (a result, the new-customer form) goes when the picker redraws.
    this.keepFocus = this.matches(':focus-within');
  }

  override updated() {
    if (!this.keepFocus) return;
    if (!this.matches(':focus-within') && this.ownerDocument.activeElement !== this.ownerDocument.body) {
      this.keepFocus = false; // moved on by the user or the host meanwhile
      return;
    }
    // the choice shows once the host passed it back; until then the search field holds the focus
    const change = this.renderRoot.querySelector<HTMLButtonElement>('.chosen button');
    if (change) {
      this.keepFocus = false;
      change.focus();
    } else {
      this.input?.focus();
    }
  }

  private firePicked(detail: CustomerPickedDetail) {
    this.dispatchEvent(new CustomEvent<CustomerPickedDetail>('sh-customer-picked', { detail, bubbles: true, composed: true }));
  }

  private handleInput() {
    void this.search.search(this.input?.value ?? '');
  }

  private handleSearchKeydown(e: KeyboardEvent) {
    if (e.key === 'ArrowDown') {
      e.preventDefault();
      this.resultButtons()[0]?.focus();
    } else if (e.key === 'Enter') {
      e.preventDefault();
      const text = (this.input?.value ?? '').trim();
      // A fresh, single answer to exactly what was typed: Enter takes it (a phone number typed in full).
      const only = this.search.items.length === 1 && this.search.query === text && !this.search.loading ? this.search.items[0] : undefined;
      if (only) this.pick(only);
      else void this.search.search(text, true);
    } else if (e.key === 'Escape' && this.input?.value) {
      e.preventDefault();
      e.stopPropagation();
      this.input.value = '';
      void this.search.search('', true);
    }
  }

  private resultButtons(): HTMLButtonElement[] {
    return [...this.renderRoot.querySelectorAll<HTMLButtonElement>('li button')];
  }

  private handleResultKeydown(e: KeyboardEvent) {
    const buttons = this.resultButtons();
    const at = buttons.indexOf(e.currentTarget as HTMLButtonElement);
    const go = (i: number) => buttons[Math.max(0, Math.min(buttons.length - 1, i))]?.focus();
    if (e.key === 'ArrowDown') go(at + 1);
    else if (e.key === 'ArrowUp') at === 0 ? this.input?.focus() : go(at - 1);
    else if (e.key === 'Home') go(0);
    else if (e.key === 'End') go(buttons.length - 1);
    else if (e.key === 'Escape') this.input?.focus();
    else return;
    e.preventDefault();
    e.stopPropagation();
  }

  private handleNewCustomer() {
    this.creating = !this.creating;
    if (!this.creating) return void this.input?.focus();
    const text = (this.input?.value ?? '').trim();
    const guess = !text ? {} : PHONE_LIKE.test(text) && /\d/.test(text) ? { phone: text } : { name: text };
    void this.updateComplete.then(() => this.form?.prefill(guess));
  }

  private handleCreated(e: CustomEvent<Customer>) {
    e.stopPropagation();
    this.pick(e.detail);
  }

  private handleCancelNew() {
    this.form?.reset();
    this.creating = false;
    void this.updateComplete.then(() => this.input?.focus());
  }

  private handleChange() {
    this.changing = true;
    this.focusInput();
  }

  private handleRemove() {
    this.firePicked({ id: null, name: '' });
  }

  /** Focuses the search field. */
  focusInput() {
    void this.updateComplete.then(() => this.input?.focus());
  }

  private renderChosen() {
    return html`<div class="chosen" data-customer-id=${this.selectedId ?? ''}>
        <strong>${this.selectedName}</strong>
        <button type="button" @click=${this.handleChange}>Change</button>
        <button type="button" class="danger" aria-label="Remove customer from sale" @click=${this.handleRemove}>Remove</button>
      </div>
      ${this.nameError ? html`<p class="error" role="alert">${this.nameError}</p>` : nothing}`;
  }

  /** The search answered and found nobody: creating one is the likely next step. */
  private noMatch() {
    const s = this.search;
    return s.answered && !s.loading && !!s.query && s.items.length === 0 && !s.error;
  }

  private renderResults() {
    const s = this.search;
    const text = (this.input?.value ?? '').trim();
    return html`
      ${s.error ? html`<p class="error status" role="alert">${s.error}</p>` : nothing}
      ${this.noMatch()
        ? html`<p class="muted status" role="status">No customer matches “${s.query}”.</p>`
        : nothing}
      ${s.items.length
        ? html`<ul aria-label="Customers found">
            ${s.items.map(
              (c) => html`<li>
                <button type="button" data-customer-id=${c.id} @keydown=${this.handleResultKeydown}
                  @click=${() => this.pick(c)}>
                  <strong>${c.name}</strong>
                  ${c.phone || c.email ? html`<span class="contact">${[c.phone, c.email].filter(Boolean).join(' · ')}</span>` : nothing}
                </button>
              </li>`,
            )}
          </ul>`
        : nothing}
      ${s.nextCursor ? html`<button type="button" class="status" @click=${() => this.search.more()}>More customers</button>` : nothing}
      ${s.loading && text ? html`<p class="muted status" role="status">Searching…</p>` : nothing}
    `;
  }

  private renderSearch() {
    return html`
      <div class="search">
        <input type="search" aria-label="Find customer" placeholder="Name or phone" autocomplete="off" maxlength="100"
          @input=${this.handleInput} @keydown=${this.handleSearchKeydown} />
        <button type="button" class=${this.noMatch() ? 'primary' : ''} aria-expanded=${this.creating ? 'true' : 'false'}
          @click=${this.handleNewCustomer}>New customer</button>
      </div>
      ${this.creating ? nothing : this.renderResults()}
      ${this.creating
        ? html`<div class="new">
            <h4>New customer</h4>
            <sh-customer-form submitLabel="Create and choose" @sh-customer-created=${this.handleCreated}>
              <button slot="actions" type="button" @click=${this.handleCancelNew}>Cancel</button>
            </sh-customer-form>
          </div>`
        : nothing}
      ${this.changing && this.selectedId !== null
        ? html`<div class="row status"><span class="muted grow">Now: ${this.selectedName}</span>
            <button type="button" @click=${() => (this.changing = false)}>Keep</button></div>`
        : nothing}
    `;
  }

  override render() {
    return html`
      <p class="heading">${this.label}</p>
      ${this.selectedId !== null && !this.changing ? this.renderChosen() : this.renderSearch()}
    `;
  }
}
