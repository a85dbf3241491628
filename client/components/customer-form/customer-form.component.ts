/**
 * The "new customer" form (name, phone, e-mail) used on the customers page and inline in the customer picker.
 * Checks what it can before sending, shows each error next to its field (the hub's too), and fires
 * `sh-customer-created` with the stored customer.
 */
import { consume } from '@lit/context';
import { LitElement, html, nothing } from 'lit';
import { property, query, state } from 'lit/decorators.js';
import type { Customer } from '../../../protocol/schemas.js';
import { ApiError } from '../../api/http.js';
import { appContext, type AppServices } from '../../context/session.js';
import { sharedStyles } from '../../styles/shared.js';
import { customerFormStyles } from './customer-form.styles.js';

type Field = 'name' | 'phone' | 'email';
type FieldErrors = Partial<Record<Field, string>>;

/** The hub's limits (protocol/schemas.ts CreateCustomerBody). */
const MAX_LENGTH: Record<Field, number> = { name: 120, phone: 40, email: 120 };
const PHONE_CHARS = /^[\d\s()+./-]+$/;
const EMAIL_SHAPE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const FIELDS: Field[] = ['name', 'phone', 'email'];

/** What is wrong with each field, in words; empty when the form can be sent. */
export function checkCustomerFields(v: Record<Field, string>): FieldErrors {
  const errors: FieldErrors = {};
  if (!v.name) errors.name = "Enter the customer's name.";
  else if (v.name.length > MAX_LENGTH.name) errors.name = `A name is at most ${MAX_LENGTH.name} characters.`;
  if (v.phone) {
    if (v.phone.length > MAX_LENGTH.phone) errors.phone = `A phone number is at most ${MAX_LENGTH.phone} characters.`;
    else if (!PHONE_CHARS.test(v.phone)) errors.phone = 'Use digits, spaces and + ( ) - . / only.';
    else if (v.phone.replace(/\D/g, '').length < 3) errors.phone = 'A phone number needs at least 3 digits.';
  }
  if (v.email) {
    if (v.email.length > MAX_LENGTH.email) errors.email = `An e-mail address is at most ${MAX_LENGTH.email} characters.`;
    else if (!EMAIL_SHAPE.test(v.email)) errors.email = 'This does not look like an e-mail address (name@example.com).';
  }
  return errors;
}

export class ShCustomerForm extends LitElement {
  static override styles = [sharedStyles, customerFormStyles];

  @consume({ context: appContext, subscribe: true }) services?: AppServices;

  @query('form') private form!: HTMLFormElement;

  @state() private errors: FieldErrors = {};
  @state() private formError = '';
  @state() private busy = false;

  /** Text of the submit button. */
  @property() submitLabel = 'Create customer';

  private values(): Record<Field, string> {
    const f = new FormData(this.form);
    return {
      name: String(f.get('name') ?? '').trim(),
      phone: String(f.get('phone') ?? '').trim(),
      email: String(f.get('email') ?? '').trim(),
    };
  }

  private focusFirstError() {
    const first = FIELDS.find((f) => this.errors[f]);
    if (first) void this.updateComplete.then(() => this.field(first)?.focus());
  }

  private field(name: Field) {
    return this.renderRoot.querySelector<HTMLInputElement>(`input[name=${name}]`);
  }

  private async handleSubmit(e: SubmitEvent) {
    e.preventDefault();
    if (this.busy || !this.services) return;
    const v = this.values();
    this.errors = checkCustomerFields(v);
    this.formError = '';
    if (Object.keys(this.errors).length) return this.focusFirstError();
    this.busy = true;
    try {
      const body = { name: v.name, ...(v.phone ? { phone: v.phone } : {}), ...(v.email ? { email: v.email } : {}) };
      const r = await this.services.api.post<{ customer: Customer }>('/api/customers', body);
      this.form.reset();
      this.dispatchEvent(new CustomEvent<Customer>('sh-customer-created', { detail: r.customer, bubbles: true, composed: true }));
    } catch (err) {
      this.showHubError(err);
    } finally {
      this.busy = false;
    }
  }

  private showHubError(err: unknown) {
    if (err instanceof ApiError && err.code === 'VALIDATION_FAILED') {
      const issues = (err.details as { issues?: { path: string; message: string }[] } | undefined)?.issues ?? [];
      const errors: FieldErrors = {};
      for (const i of issues) {
        const f = FIELDS.find((x) => x === i.path);
        if (f) errors[f] ??= `The hub refused this: ${i.message}.`;
      }
      this.errors = errors;
      if (Object.keys(errors).length) return this.focusFirstError();
    }
    if (err instanceof ApiError && err.code === 'FORBIDDEN') this.formError = 'Your role cannot create customers.';
    else this.formError = err instanceof Error ? `The customer was not created: ${err.message}` : 'The customer was not created.';
  }

  private handleInput(e: InputEvent) {
    const name = (e.target as HTMLInputElement).name as Field;
    if (this.errors[name]) this.errors = { ...this.errors, [name]: undefined };
  }

  /** Fills fields (e.g. from what was searched) and focuses the first empty one. */
  prefill(values: Partial<Record<Field, string>>) {
    void this.updateComplete.then(() => {
      for (const f of FIELDS) {
        const input = this.field(f);
        if (input && values[f] !== undefined) input.value = values[f]!;
      }
      (FIELDS.map((f) => this.field(f)).find((i) => i && !i.value) ?? this.field('name'))?.focus();
    });
  }

  /** Clears the fields and their errors. */
  reset() {
    this.form?.reset();
    this.errors = {};
    this.formError = '';
  }

  private renderField(name: Field, label: string, type: string, extra: { autocomplete: string; inputmode?: string }) {
    const error = this.errors[name];
    return html`<div>
      <label>${label}
        <input name=${name} type=${type} maxlength=${MAX_LENGTH[name]} autocomplete=${extra.autocomplete}
          inputmode=${extra.inputmode ?? nothing} aria-invalid=${error ? 'true' : 'false'}
          aria-describedby=${error ? `${name}-error` : nothing} @input=${this.handleInput} />
      </label>
      ${error ? html`<p class="field-error" id="${name}-error" data-error-for=${name}>${error}</p>` : nothing}
    </div>`;
  }

  override render() {
    return html`<form novalidate @submit=${this.handleSubmit}>
      ${this.renderField('name', 'Name', 'text', { autocomplete: 'off' })}
      ${this.renderField('phone', 'Phone (optional)', 'tel', { autocomplete: 'off', inputmode: 'tel' })}
      ${this.renderField('email', 'E-mail (optional)', 'email', { autocomplete: 'off', inputmode: 'email' })}
      ${this.formError ? html`<p class="error" role="alert">${this.formError}</p>` : nothing}
      <div class="actions">
        <button class="primary" ?disabled=${this.busy}>${this.busy ? 'Saving…' : this.submitLabel}</button>
        <slot name="actions"></slot>
      </div>
    </form>`;
  }
}
