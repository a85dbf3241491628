/**
 * The fields of a product, for creating one or changing one: part number, name, price typed as money, serial
 * mode, warranty reminder and months, low-stock threshold and case-sensitive serials. Checks what it can
 * before the hub does and shows every error next to its field (the view passes the hub's errors back in).
 */
import { LitElement, html, nothing } from 'lit';
import { property, state } from 'lit/decorators.js';
import { MAX_CENTS, PART_NUMBER_PATTERN, SERIAL_MODES, type Product, type ProductInput, type SerialMode } from '../../../protocol/schemas.js';
import { ApiError } from '../../api/http.js';
import { formatCents, parseMoney } from '../../format.js';
import { sharedStyles } from '../../styles/shared.js';
import { productFormStyles } from './product-form.styles.js';

/** The fields of the form: exactly what the hub's CreateProductBody takes. */
export type ProductValues = ProductInput;
export type ProductField = keyof ProductValues;
/** Error text per field, and `form` for what belongs to no field. */
export type ProductErrors = Partial<Record<ProductField | 'form', string>>;

export type ProductSubmitEvent = CustomEvent<{ values: ProductValues }>;
export type ProductModeChangeEvent = CustomEvent<{ serialMode: SerialMode }>;

export const MODE_TEXT: Record<SerialMode, string> = {
  none: 'No serials: quantity only',
  solicit: 'Serial asked at sale (not checked)',
  enforced: 'Serial enforced: one per unit, received and checked',
};

const FIELDS: readonly string[] = [
  'partNumber', 'name', 'priceCents', 'serialMode', 'warrantyReminder', 'warrantyMonths', 'lowStockThreshold', 'serialCaseSensitive',
];

/** The hub's refusal of a product create or change, as errors next to the fields. */
export function productErrorsFrom(err: unknown): ProductErrors {
  if (!(err instanceof ApiError)) return { form: (err as Error).message };
  switch (err.code) {
    case 'PART_NUMBER_TAKEN':
      return { partNumber: 'Another product already has this part number.' };
    case 'MODE_CHANGE_REFUSED':
      return { serialMode: err.message.charAt(0).toUpperCase() + err.message.slice(1) + '.' };
    case 'FORBIDDEN':
      return { form: 'Only a supervisor may create or change products.' };
    case 'VALIDATION_FAILED': {
      const issues = (err.details as { issues?: { path: string; message: string }[] } | undefined)?.issues ?? [];
      const out: ProductErrors = {};
      for (const i of issues) {
        const field = i.path.split('.')[0] ?? '';
        if (FIELDS.includes(field)) out[field as ProductField] = i.message;
        else out.form = `${i.path || 'request'}: ${i.message}`;
      }
      return Object.keys(out).length ? out : { form: err.message };
    }
    default:
      return { form: err.message };
  }
}

export class ShProductForm extends LitElement {
  static override styles = [sharedStyles, productFormStyles];

  @state() private localErrors: ProductErrors = {};

  /** The product being changed; empty when creating one. */
  @property({ attribute: false }) product?: Product;
  /** Errors from the hub, by field. */
  @property({ attribute: false }) errors: ProductErrors = {};
  /** Text of the submit button. */
  @property() submitLabel = 'Create product';
  /** Shows a Cancel button that fires `sh-product-cancel`. */
  @property({ type: Boolean }) cancellable = false;
  /** Turns the form off while the hub answers. */
  @property({ type: Boolean }) busy = false;

  private read(form: HTMLFormElement): { values?: ProductValues; errors: ProductErrors } {
    const f = new FormData(form);
    const text = (k: string) => String(f.get(k) ?? '').trim();
    const errors: ProductErrors = {};
    const partNumber = text('partNumber');
    if (!PART_NUMBER_PATTERN.test(partNumber)) errors.partNumber = 'Give 1 to 40 letters, digits or symbols (spaces only inside).';
    const name = text('name');
    if (!name) errors.name = 'Give the product a name.';
    else if (name.length > 120) errors.name = 'At most 120 characters.';
    const priceCents = parseMoney(text('price'));
    if (priceCents === null) errors.priceCents = 'Type a price like 12.50.';
    else if (priceCents > MAX_CENTS) errors.priceCents = `At most ${formatCents(MAX_CENTS)}.`;
    const whole = (k: string, max: number) => {
      const t = text(k);
      const n = t === '' ? 0 : Number(t);
      return Number.isInteger(n) && n >= 0 && n <= max ? n : null;
    };
    const warrantyReminder = f.get('warrantyReminder') === 'on';
    const warrantyMonths = whole('warrantyMonths', 600);
    if (warrantyMonths === null) errors.warrantyMonths = 'Whole months, 0 to 600.';
    else if (warrantyReminder && warrantyMonths === 0) errors.warrantyMonths = 'A warranty reminder needs the warranty length in months.';
    const lowStockThreshold = whole('lowStockThreshold', 1_000_000);
    if (lowStockThreshold === null) errors.lowStockThreshold = 'A whole number, 0 or more.';
    if (Object.keys(errors).length) return { errors };
    return {
      errors,
      values: {
        partNumber, name, priceCents: priceCents!, serialMode: text('serialMode') as SerialMode, warrantyReminder,
        warrantyMonths: warrantyMonths!, lowStockThreshold: lowStockThreshold!, serialCaseSensitive: f.get('serialCaseSensitive') === 'on',
      },
    };
  }

  private handleSubmit(e: SubmitEvent) {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const { values, errors } = this.read(form);
    this.localErrors = errors;
    if (!values) {
      const first = Object.keys(errors)[0];
      form.querySelector<HTMLElement>(`[data-field="${first}"]`)?.focus();
      return;
    }
    this.dispatchEvent(new CustomEvent('sh-product-submit', { detail: { values }, bubbles: true, composed: true }));
  }

  private handleModeChange(e: Event) {
    const serialMode = (e.target as HTMLSelectElement).value as SerialMode;
    this.dispatchEvent(new CustomEvent('sh-product-mode-change', { detail: { serialMode }, bubbles: true, composed: true }));
  }

  private handleFieldInput(field: ProductField) {
    if (this.localErrors[field]) this.localErrors = { ...this.localErrors, [field]: undefined };
  }

  private error(field: ProductField) {
    const text = this.localErrors[field] ?? this.errors[field];
    return text ? html`<span class="field-error" id="err-${field}" role="alert">${text}</span>` : nothing;
  }

  private invalid(field: ProductField) {
    return this.localErrors[field] ?? this.errors[field] ? 'true' : 'false';
  }

  override render() {
    const p = this.product;
    return html`<form novalidate @submit=${this.handleSubmit}>
      <div class="grid">
        <label>Part number
          <input name="partNumber" data-field="partNumber" maxlength="40" autocomplete="off" spellcheck="false" required
            .value=${p?.partNumber ?? ''} aria-invalid=${this.invalid('partNumber')} aria-describedby="err-partNumber"
            @input=${() => this.handleFieldInput('partNumber')} />
          ${this.error('partNumber')}
        </label>
        <label class="span3">Name
          <input name="name" data-field="name" maxlength="120" autocomplete="off" required .value=${p?.name ?? ''}
            aria-invalid=${this.invalid('name')} aria-describedby="err-name" @input=${() => this.handleFieldInput('name')} />
          ${this.error('name')}
        </label>
        <label>Price
          <input name="price" data-field="priceCents" inputmode="decimal" autocomplete="off" placeholder="0.00" required
            .value=${p ? (p.priceCents / 100).toFixed(2) : ''} aria-invalid=${this.invalid('priceCents')} aria-describedby="err-priceCents"
            @input=${() => this.handleFieldInput('priceCents')} />
          ${this.error('priceCents')}
        </label>
        <label class="span3">Serial numbers
          <select name="serialMode" data-field="serialMode" .value=${p?.serialMode ?? 'none'} aria-invalid=${this.invalid('serialMode')}
            aria-describedby="err-serialMode" @change=${this.handleModeChange}>
            ${SERIAL_MODES.map((m) => html`<option value=${m} ?selected=${(p?.serialMode ?? 'none') === m}>${MODE_TEXT[m]}</option>`)}
          </select>
          ${this.error('serialMode')}
        </label>
        <div class="wide"><slot></slot></div>
        <label class="check span2">
          <input type="checkbox" name="serialCaseSensitive" data-field="serialCaseSensitive" .checked=${p?.serialCaseSensitive ?? false} />
          Serials are case-sensitive (otherwise a–z are read as A–Z)
          ${this.error('serialCaseSensitive')}
        </label>
        <label>Low-stock warning at
          <input name="lowStockThreshold" data-field="lowStockThreshold" type="number" min="0" step="1" inputmode="numeric"
            .value=${String(p?.lowStockThreshold ?? 0)} aria-invalid=${this.invalid('lowStockThreshold')}
            aria-describedby="err-lowStockThreshold" @input=${() => this.handleFieldInput('lowStockThreshold')} />
          ${this.error('lowStockThreshold')}
        </label>
        <span></span>
        <label class="check span2">
          <input type="checkbox" name="warrantyReminder" data-field="warrantyReminder" .checked=${p?.warrantyReminder ?? false} />
          Warranty reminder (sold serials go to the customer's service record)
        </label>
        <label>Warranty (months)
          <input name="warrantyMonths" data-field="warrantyMonths" type="number" min="0" max="600" step="1" inputmode="numeric"
            .value=${String(p?.warrantyMonths ?? 0)}
            aria-invalid=${this.invalid('warrantyMonths')} aria-describedby="err-warrantyMonths"
            @input=${() => this.handleFieldInput('warrantyMonths')} />
          ${this.error('warrantyMonths')}
        </label>
      </div>
      ${this.errors.form ? html`<p class="error" role="alert">${this.errors.form}</p>` : nothing}
      <div class="row">
        <button class="primary" ?disabled=${this.busy}>${this.busy ? 'Saving…' : this.submitLabel}</button>
        ${this.cancellable
          ? html`<button type="button" @click=${() => this.dispatchEvent(new CustomEvent('sh-product-cancel', { bubbles: true, composed: true }))}>Cancel</button>`
          : nothing}
      </div>
    </form>`;
  }

  /** Clears the fields (after a product was created) and focuses the part number. */
  reset() {
    this.renderRoot.querySelector('form')?.reset();
    this.localErrors = {};
    this.focusFirst();
  }

  /** Focuses the part number field. */
  focusFirst() {
    void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLInputElement>('input[name=partNumber]')?.focus());
  }
}
