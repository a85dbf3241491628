import { ShReturns } from './returns.component.js';

customElements.define('sh-returns', ShReturns);

declare global {
  interface HTMLElementTagNameMap {
    'sh-returns': ShReturns;
  }
}
