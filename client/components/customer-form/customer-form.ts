import { ShCustomerForm } from './customer-form.component.js';

customElements.define('sh-customer-form', ShCustomerForm);

declare global {
  interface HTMLElementTagNameMap {
    'sh-customer-form': ShCustomerForm;
  }
}
