/**
 * The app shell: pairing and login, the menu for the staff member's role, hash routing between views, the
 * live connection (provided to every view through context), the connection badge and offline banner,
 * toasts, and the serial lookup that opens from any screen (F2 or Ctrl+K).
 */
import { provide } from '@lit/context';
import { LitElement, html, nothing } from 'lit';
import { query, state } from 'lit/decorators.js';
import { HubApi } from '../../api/http.js';
import { appContext, storage, type AppServices, type AppSession, type Role } from '../../context/session.js';
import { SyncController } from '../../controllers/sync-controller.js';
import type { NavigateEvent, ToastDetail, ToastEvent } from '../../events/index.js';
import { sharedStyles } from '../../styles/shared.js';
import { StoreSync, type SyncStatus } from '../../sync/store-sync.js';
import type { ShSerialLookup } from '../serial-lookup/serial-lookup.component.js';
import { appStyles } from './app.styles.js';

interface MenuItem {
  route: string;
  label: string;
  roles: Role[];
  needsRegister?: boolean;
}

const MENU: MenuItem[] = [
  { route: 'checkout', label: 'Checkout', roles: ['cashier', 'supervisor'], needsRegister: true },
  { route: 'receiving', label: 'Receiving', roles: ['stock_clerk', 'supervisor'] },
  { route: 'products', label: 'Products', roles: ['cashier', 'stock_clerk', 'supervisor'] },
  { route: 'customers', label: 'Customers', roles: ['cashier', 'supervisor'] },
  { route: 'returns', label: 'Returns', roles: ['cashier', 'supervisor'] },
  { route: 'lookup', label: 'Serial lookup', roles: ['cashier', 'stock_clerk', 'supervisor'] },
  { route: 'dashboard', label: 'Dashboard', roles: ['supervisor'] },
];
const TOAST_MS = 4_000;

/** What the banner says while the register is not online. */
const BANNERS: Record<Exclude<SyncStatus, 'online'>, (sync: StoreSync) => string> = {
  connecting: () => 'Connecting to the hub…',
  reconnecting: () => 'Connection lost: reconnecting to the hub… Sales in progress are kept and will resync.',
  offline: () => 'Offline: the hub cannot be reached. The sale is kept and resyncs by itself when the connection is back.',
  refused: (sync) => `The hub refused this register: ${sync.refusal?.message ?? 'no reason given'}`,
};

export class ShApp extends LitElement {
  static override styles = [sharedStyles, appStyles];

  @provide({ context: appContext }) @state() services?: AppServices;

  @query('dialog') private lookupDialog!: HTMLDialogElement;

  @state() private route = '';
  @state() private params: string[] = [];
  @state() private toasts: (ToastDetail & { id: number })[] = [];

  private readonly live = new SyncController(this, () => this.services?.sync);
  private toastId = 0;

  override connectedCallback() {
    super.connectedCallback();
    const session = storage.session();
    if (session) this.start(session);
    window.addEventListener('hashchange', this.handleHashChange);
    window.addEventListener('keydown', this.handleKeydown);
    this.addEventListener('sh-navigate', this.handleNavigate);
    this.addEventListener('sh-toast', this.handleToast);
    this.handleHashChange();
  }

  override disconnectedCallback() {
    super.disconnectedCallback();
    window.removeEventListener('hashchange', this.handleHashChange);
    window.removeEventListener('keydown', this.handleKeydown);
    this.services?.sync.close();
  }

  private menu(): MenuItem[] {
    const s = this.services?.session;
    if (!s) return [];
    return MENU.filter((m) => m.roles.includes(s.role) && (!m.needsRegister || s.terminalId));
  }

  private start(session: AppSession) {
    const api = new HubApi('', session.token);
    // A register's session says which register it is on: the hub checks the two belong together.
    const device = session.terminalId ? storage.pairing()?.deviceToken : undefined;
    const sync = new StoreSync({ url: location.origin, token: session.token, ...(device ? { deviceToken: device } : {}) });
    sync.subscribe((why) => {
      if (why === 'status' && sync.status === 'refused' && sync.refusal?.code === 'UNAUTHENTICATED') this.logout(false);
    });
    this.services = { api, session, sync };
    this.live.hostDisconnected();
    this.live.hostConnected();
  }

  private handleHashChange = () => {
    const [route = '', ...params] = location.hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
    const allowed = this.menu();
    if (this.services && !allowed.some((m) => m.route === route) && route !== 'product' && route !== 'customer') {
      const first = allowed[0];
      if (first) {
        location.hash = `#/${first.route}`;
        return;
      }
    }
    this.route = route;
    this.params = params;
  };

  private handleKeydown = (e: KeyboardEvent) => {
    if (!this.services) return;
    if (e.key === 'F2' || (e.key.toLowerCase() === 'k' && (e.ctrlKey || e.metaKey))) {
      e.preventDefault();
      this.lookupDialog.showModal();
      this.lookupDialog.querySelector<ShSerialLookup>('sh-serial-lookup')?.focusInput();
    }
  };

  private handleNavigate = (e: NavigateEvent) => {
    if (this.lookupDialog?.open) this.lookupDialog.close();
    location.hash = e.detail.to;
  };

  private handleToast = (e: ToastEvent) => {
    const id = ++this.toastId;
    this.toasts = [...this.toasts, { ...e.detail, id }];
    setTimeout(() => (this.toasts = this.toasts.filter((t) => t.id !== id)), TOAST_MS);
  };

  private handleLoggedIn(e: CustomEvent<AppSession>) {
    storage.saveSession(e.detail);
    this.start(e.detail);
    location.hash = `#/${this.menu()[0]?.route ?? 'lookup'}`;
    this.handleHashChange();
  }

  private async logout(tellHub = true) {
    const services = this.services;
    if (tellHub) await services?.api.delete('/api/session').catch(() => undefined);
    services?.sync.close();
    storage.saveSession(null);
    this.services = undefined;
  }

  private renderView() {
    const p = this.params;
    switch (this.route) {
      case 'checkout':
        return html`<sh-checkout></sh-checkout>`;
      case 'receiving':
        return html`<sh-receiving></sh-receiving>`;
      case 'products':
        return html`<sh-products></sh-products>`;
      case 'product':
        return html`<sh-product-detail .productId=${Number(p[0])}></sh-product-detail>`;
      case 'customers':
        return html`<sh-customers></sh-customers>`;
      case 'customer':
        return html`<sh-customer-detail .customerId=${Number(p[0])}></sh-customer-detail>`;
      case 'returns':
        return html`<sh-returns .saleId=${p[0] ?? ''} .serial=${p[1] ?? ''}></sh-returns>`;
      case 'lookup':
        return html`<sh-serial-lookup .serial=${p[0] ?? ''}></sh-serial-lookup>`;
      case 'dashboard':
        return html`<sh-dashboard></sh-dashboard>`;
      default:
        return nothing;
    }
  }

  override render() {
    if (!this.services) return html`<sh-login @sh-logged-in=${this.handleLoggedIn}></sh-login>`;
    const { session, sync } = this.services;
    const terminal = session.terminalId ? sync.state.terminals.get(session.terminalId)?.name ?? session.terminalId : 'Back office';
    return html`
      <header>
        <span class="brand">Serialhub</span>
        <nav>
          ${this.menu().map(
            (m) => html`<a href="#/${m.route}" aria-current=${this.route === m.route ? 'page' : 'false'}>${m.label}</a>`,
          )}
        </nav>
        <div class="who">
          <sh-connection-badge .status=${sync.status}></sh-connection-badge>
          <span class="user" title="${session.name} · ${terminal}"><span class="name">${session.name}</span><span class="where">${terminal}</span></span>
          <button @click=${() => this.logout()}>Log out</button>
        </div>
      </header>
      ${sync.status === 'online'
        ? nothing
        : html`<div class="banner ${sync.status}" role="status" data-banner=${sync.status}>${BANNERS[sync.status](sync)}</div>`}
      <main>${this.renderView()}</main>
      <dialog aria-label="Serial lookup" @close=${() => this.requestUpdate()}>
        <sh-serial-lookup compact></sh-serial-lookup>
        <div class="row" style="justify-content:flex-end"><button @click=${() => this.lookupDialog.close()}>Close</button></div>
      </dialog>
      <div class="toasts" aria-live="polite">
        ${this.toasts.map((t) => html`<div class="toast ${t.kind ?? 'info'}">${t.message}</div>`)}
      </div>
    `;
  }
}
