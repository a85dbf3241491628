/** Online, reconnecting or offline, at a glance. */
import { LitElement, css, html } from 'lit';
import { property } from 'lit/decorators.js';
import type { SyncStatus } from '../../sync/store-sync.js';

const LABELS: Record<SyncStatus, string> = {
  connecting: 'Connecting',
  online: 'Online',
  reconnecting: 'Reconnecting',
  offline: 'Offline',
  refused: 'Refused',
};

export class ShConnectionBadge extends LitElement {
  static override styles = css`
    span { display: inline-flex; align-items: center; gap: 0.4rem; font-size: 0.85rem; font-weight: 600; }
    i { width: 10px; height: 10px; border-radius: 50%; background: #9aa5b1; }
    .online i { background: #3ccf7a; }
    .reconnecting i, .connecting i { background: #f5b940; }
    .offline i, .refused i { background: #ef4e4e; }
  `;

  /** The live connection's status. */
  @property() status: SyncStatus = 'connecting';

  override render() {
    return html`<span class=${this.status} data-status=${this.status} role="status"><i></i>${LABELS[this.status]}</span>`;
  }
}
