import { ShProductDetail } from './product-detail.component.js';

customElements.define('sh-product-detail', ShProductDetail);

declare global {
  interface HTMLElementTagNameMap {
    'sh-product-detail': ShProductDetail;
  }
}
