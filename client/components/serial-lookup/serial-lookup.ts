import { ShSerialLookup } from './serial-lookup.component.js';

customElements.define('sh-serial-lookup', ShSerialLookup);

declare global {
  interface HTMLElementTagNameMap {
    'sh-serial-lookup': ShSerialLookup;
  }
}
