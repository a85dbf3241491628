import { ShProductForm, type ProductModeChangeEvent, type ProductSubmitEvent } from './product-form.component.js';

customElements.define('sh-product-form', ShProductForm);

declare global {
  interface HTMLElementTagNameMap {
    'sh-product-form': ShProductForm;
  }
  interface GlobalEventHandlersEventMap {
    'sh-product-submit': ProductSubmitEvent;
    'sh-product-mode-change': ProductModeChangeEvent;
    'sh-product-cancel': CustomEvent<void>;
  }
}
