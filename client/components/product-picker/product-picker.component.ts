/**
 * Picks a product by part number or name (GET /api/products?q=): type or scan a part number, arrows move,
 * Enter picks the highlighted one (an exact part number wins), Escape closes. Emits `sh-product-picked`.
 */
import { consume } from '@lit/context';
import { LitElement, html, nothing } from 'lit';
import { property, query, state } from 'lit/decorators.js';
import type { Page, Product } from '../../../protocol/schemas.js';
import { appContext, type AppServices } from '../../context/session.js';
import { sharedStyles } from '../../styles/shared.js';
import { productPickerStyles } from './product-picker.styles.js';

/** Wait this long after the last keystroke before searching. */
const SEARCH_DEBOUNCE_MS = 150;
/** Products offered at most. */
const RESULTS_SHOWN = 8;

export const MODE_LABEL: Record<Product['serialMode'], string> = {
  none: 'No serials',
  solicit: 'Serial at sale',
  enforced: 'Serial enforced',
};

export interface ProductPickedDetail {
  product: Product;
}
export type ProductPickedEvent = CustomEvent<ProductPickedDetail>;

export class ShProductPicker extends LitElement {
  static override styles = [sharedStyles, productPickerStyles];

  @consume({ context: appContext, subscribe: true }) services?: AppServices;

  @query('input') private input!: HTMLInputElement;

  @state() private results: Product[] = [];
  @state() private open = false;
  @state() private activeIndex = 0;
  @state() private searchError = '';

  /** Label of the search field. */
  @property() label = 'Product';
  /** Turns the field off. */
  @property({ type: Boolean }) disabled = false;

  private searchTimer: ReturnType<typeof setTimeout> | undefined;
  private searched = '';
  private searching: Promise<void> | null = null;
  private requestSeq = 0;

  override disconnectedCallback() {
    super.disconnectedCallback();
    clearTimeout(this.searchTimer);
  }

  private search(text: string): Promise<void> {
    const q = text.trim();
    this.searched = text;
    const seq = ++this.requestSeq;
    if (!q || !this.services) {
      this.results = [];
      this.open = false;
      return Promise.resolve();
    }
    this.searching = (async () => {
      try {
        const page = await this.services!.api.get<Page<Product>>(`/api/products?limit=${RESULTS_SHOWN}&q=${encodeURIComponent(q)}`);
        if (seq !== this.requestSeq) return;
        this.results = page.items;
        this.activeIndex = Math.max(0, page.items.findIndex((p) => p.partNumber.toLowerCase() === q.toLowerCase()));
        this.open = true;
        this.searchError = '';
      } catch (err) {
        if (seq === this.requestSeq) this.searchError = (err as Error).message;
      }
    })();
    return this.searching;
  }

  private pick(product: Product) {
    this.input.value = '';
    this.searched = '';
    this.results = [];
    this.open = false;
    this.dispatchEvent(new CustomEvent<ProductPickedDetail>('sh-product-picked', { detail: { product }, bubbles: true, composed: true }));
  }

  private handleInput() {
    clearTimeout(this.searchTimer);
    this.searchError = '';
    this.searchTimer = setTimeout(() => void this.search(this.input.value), SEARCH_DEBOUNCE_MS);
  }

  private async handleKeydown(e: KeyboardEvent) {
    switch (e.key) {
      case 'ArrowDown':
      case 'ArrowUp': {
        e.preventDefault();
        if (!this.open) return void (this.open = this.results.length > 0);
        const n = this.results.length;
        if (n) this.activeIndex = (this.activeIndex + (e.key === 'ArrowDown' ? 1 : n - 1)) % n;
        return;
      }
      case 'Escape':
        if (this.open) {
          e.stopPropagation();
          this.open = false;
        }
        return;
      case 'Enter': {
        e.preventDefault();
        const text = this.input.value;
        if (!text.trim()) return;
        // A scanned part number ends with Enter before the debounced search ran: search now, then pick.
        clearTimeout(this.searchTimer);
        if (text !== this.searched) await this.search(text);
        else await this.searching;
        const chosen = this.results[this.activeIndex];
        if (chosen) this.pick(chosen);
        else this.searchError = `No product matches “${text.trim()}”.`;
        return;
      }
      default:
    }
  }

  override render() {
    const active = this.open ? this.results[this.activeIndex] : undefined;
    return html`
      <label>
        ${this.label}
        <input
          role="combobox"
          aria-autocomplete="list"
          aria-controls="product-results"
          aria-expanded=${this.open ? 'true' : 'false'}
          aria-activedescendant=${active ? `product-${active.id}` : nothing}
          aria-invalid=${this.searchError ? 'true' : 'false'}
          autocomplete="off"
          spellcheck="false"
          placeholder="Part number or name"
          ?disabled=${this.disabled}
          @input=${this.handleInput}
          @keydown=${this.handleKeydown}
          @blur=${() => setTimeout(() => (this.open = false), 150)}
          @focus=${() => (this.open = this.results.length > 0)}
        />
      </label>
      ${this.searchError ? html`<p class="error" role="alert">${this.searchError}</p>` : nothing}
      ${this.open
        ? html`<ul id="product-results" role="listbox" aria-label="Products found">
            ${this.results.length === 0
              ? html`<li class="empty muted" role="option" aria-disabled="true">No product found</li>`
              : this.results.map(
                  (p, i) => html`<li
                    id="product-${p.id}"
                    role="option"
                    aria-selected=${i === this.activeIndex ? 'true' : 'false'}
                    @mousedown=${(e: Event) => e.preventDefault()}
                    @click=${() => this.pick(p)}
                  >
                    <span class="part mono">${p.partNumber}</span><span class="name">${p.name}</span>
                    <span class="pill">${MODE_LABEL[p.serialMode]}</span>
                  </li>`,
                )}
          </ul>`
        : nothing}
    `;
  }

  /** Puts the focus in the search field. */
  focusSearch() {
    void this.updateComplete.then(() => this.input?.focus());
  }
}
