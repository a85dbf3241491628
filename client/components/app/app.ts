import { ShApp } from './app.component.js';

customElements.define('sh-app', ShApp);

declare global {
  interface HTMLElementTagNameMap {
    'sh-app': ShApp;
  }
}
