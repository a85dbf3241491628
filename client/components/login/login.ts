import { ShLogin } from './login.component.js';

customElements.define('sh-login', ShLogin);

declare global {
  interface HTMLElementTagNameMap {
    'sh-login': ShLogin;
  }
}
