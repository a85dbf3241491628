import { ShProductSerials } from './product-serials.component.js';

customElements.define('sh-product-serials', ShProductSerials);

declare global {
  interface HTMLElementTagNameMap {
    'sh-product-serials': ShProductSerials;
  }
}
