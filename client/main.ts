/** The register web app's entry point (the full app arrives with the web-app issue). */
import { LitElement, css, html } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { PROTOCOL_VERSION } from '../protocol/version.js';

@customElement('sh-app')
export class ShApp extends LitElement {
  static override styles = css`
    :host { display: block; font: 16px/1.4 system-ui, sans-serif; padding: 2rem; }
  `;

  @state() private hub = 'checking…';

  override async connectedCallback() {
    super.connectedCallback();
    try {
      const r = await fetch('/api/version');
      const v = (await r.json()) as { protocolVersion: number };
      this.hub = v.protocolVersion === PROTOCOL_VERSION ? 'online' : 'version mismatch';
    } catch {
      this.hub = 'offline';
    }
  }

  override render() {
    return html`<h1>Serialhub</h1>
      <p>Hub: <strong>${this.hub}</strong>. The REST API is documented in protocol/README.md.</p>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'sh-app': ShApp;
  }
}
