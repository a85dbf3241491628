import { ShSerialEntry, type SerialsEnteredEvent } from './serial-entry.component.js';

customElements.define('sh-serial-entry', ShSerialEntry);

declare global {
  interface HTMLElementTagNameMap {
    'sh-serial-entry': ShSerialEntry;
  }
  interface GlobalEventHandlersEventMap {
    'sh-serials-entered': SerialsEnteredEvent;
  }
}
