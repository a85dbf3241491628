import { ShCustomerDetail } from './customer-detail.component.js';

customElements.define('sh-customer-detail', ShCustomerDetail);

declare global {
  interface HTMLElementTagNameMap {
    'sh-customer-detail': ShCustomerDetail;
  }
}
