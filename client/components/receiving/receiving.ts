import { ShReceiving } from './receiving.component.js';

customElements.define('sh-receiving', ShReceiving);

declare global {
  interface HTMLElementTagNameMap {
    'sh-receiving': ShReceiving;
  }
}
