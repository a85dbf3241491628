import { ShProductPicker, type ProductPickedEvent } from './product-picker.component.js';

customElements.define('sh-product-picker', ShProductPicker);

declare global {
  interface HTMLElementTagNameMap {
    'sh-product-picker': ShProductPicker;
  }
  interface GlobalEventHandlersEventMap {
    'sh-product-picked': ProductPickedEvent;
  }
}
