import { ShProducts } from './products.component.js';

customElements.define('sh-products', ShProducts);

declare global {
  interface HTMLElementTagNameMap {
    'sh-products': ShProducts;
  }
}
