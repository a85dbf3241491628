import { ShConnectionBadge } from './connection-badge.component.js';

customElements.define('sh-connection-badge', ShConnectionBadge);

declare global {
  interface HTMLElementTagNameMap {
    'sh-connection-badge': ShConnectionBadge;
  }
}
