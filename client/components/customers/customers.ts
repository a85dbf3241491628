import '../customer-form/customer-form.js';
import { ShCustomers } from './customers.component.js';

customElements.define('sh-customers', ShCustomers);

declare global {
  interface HTMLElementTagNameMap {
    'sh-customers': ShCustomers;
  }
}
