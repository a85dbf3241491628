import { ShDashboard } from './dashboard.component.js';

customElements.define('sh-dashboard', ShDashboard);

declare global {
  interface HTMLElementTagNameMap {
    'sh-dashboard': ShDashboard;
  }
}
