import { ShCheckout } from './checkout.component.js';

customElements.define('sh-checkout', ShCheckout);

declare global {
  interface HTMLElementTagNameMap {
    'sh-checkout': ShCheckout;
  }
}
