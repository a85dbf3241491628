import '../customer-form/customer-form.js';
import { ShCustomerPicker } from './customer-picker.component.js';

customElements.define('sh-customer-picker', ShCustomerPicker);

declare global {
  interface HTMLElementTagNameMap {
    'sh-customer-picker': ShCustomerPicker;
  }
}
