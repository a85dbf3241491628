/**
 * The supervisor's dashboard: stock per product (available, held, sold today, low stock), registers and
 * their open sales, every live hold with force-release, a feed of sales, returns and receipts, charts, and
 * alerts. One snapshot to start (the live state plus GET /api/dashboard), then store events only (live, or
 * replayed after an outage); after a reconnection or a full resync the summary is loaded again, since alerts
 * are not replayed and a snapshot carries no events. Lists are paged and the screen redraws at most once per frame.
 */
import { consume } from '@lit/context';
import { LitElement, html, nothing } from 'lit';
import { state } from 'lit/decorators.js';
import type { StoreEvent } from '../../../protocol/events.js';
import type { DashboardSummary, Hold, Product } from '../../../protocol/schemas.js';
import type { Alert, Presence } from '../../../protocol/socket.js';
import { ApiError } from '../../api/http.js';
import { appContext, type AppServices } from '../../context/session.js';
import { NamesController } from '../../controllers/names-controller.js';
import { SyncController } from '../../controllers/sync-controller.js';
import { navigate, toast } from '../../events/index.js';
import { formatCents, formatDateTime, formatTimeLeft } from '../../format.js';
import { sharedStyles } from '../../styles/shared.js';
import { HubClock } from '../../sync/hub-clock.js';
import { dashboardStyles } from './dashboard.styles.js';

const PAGE = 25;
const FEED_LENGTH = 50;
const MAX_ALERTS = 100;
/** A hold older than this many minutes is worth a look. @default 10 */
const DEFAULT_OLD_HOLD_MINUTES = 10;

/** When this browser's supervisor last cleared the alerts (ms). */
const ALERTS_CLEARED_KEY = 'serialhub.alertsClearedAt';

/** online: connected; reconnecting: gone, but inside its grace period (its holds are kept); offline: gone. */
export type RegisterStatus = 'online' | 'reconnecting' | 'offline';

/**
 * A register's status from its presence: a register that disconnected keeps its holds for one lease
 * (HOLD_LEASE_MS, from GET /api/dashboard) from the moment it went offline (`since`, Redis clock).
 */
export function registerStatus(t: Presence, hubNow: number, leaseMs: number | null): RegisterStatus {
  if (t.online) return 'online';
  if (!t.lastSeen || leaseMs === null) return 'offline';
  return hubNow - t.since < leaseMs ? 'reconnecting' : 'offline';
}

interface ShownAlert {
  kind: 'serial_conflict' | 'solicit_repeat' | 'hold_old' | 'offline_sale';
  message: string;
  at: number;
}

function startOfToday(): number {
  const d = new Date();
  d.setHours(0, 0, 0, 0);
  return d.getTime();
}

export class ShDashboard extends LitElement {
  static override styles = [sharedStyles, dashboardStyles];

  @consume({ context: appContext, subscribe: true }) services?: AppServices;

  private readonly live = new SyncController(this, () => this.services?.sync, (ev, replayed) => {
    this.clock.learn(ev, replayed);
    this.handleEvent(ev);
  });
  /** Staff names (supervisors read the staff list) for the codes in registers, holds and the feed. */
  private readonly names = new NamesController(this, () => this.services);

  @state() private summary: DashboardSummary | null = null;
  @state() private pushed: ShownAlert[] = [];
  @state() private stockFilter = '';
  @state() private stockPage = 0;
  @state() private holdPage = 0;
  @state() private releasing: string | null = null;
  @state() private releaseError = '';
  @state() private pairingCode: { code: string; terminalName: string; expiresAt: number } | null = null;
  /** The register whose Unpair waits for a second, confirming tap. */
  @state() private confirmingUnpair: string | null = null;
  @state() private oldHoldMinutes = DEFAULT_OLD_HOLD_MINUTES;
  @state() private error = '';

  private ticker = 0;
  /** The hub's time, estimated: hold ages and presence are measured against it, not the device's clock. */
  private readonly clock = new HubClock();
  /** Events heard while the summary loads: folded into it once it arrives (those after its seq). */
  private heardWhileLoading: StoreEvent[] | null = null;
  private unsubscribe: (() => void) | null = null;
  private readonly onAlert = (a: Alert) => this.pushAlert({ kind: a.kind, message: a.message, at: a.at });

  override connectedCallback() {
    super.connectedCallback();
    this.ticker = window.setInterval(() => this.requestUpdate(), 1000);
    const sync = this.services?.sync;
    sync?.socket.on('alert', this.onAlert);
    this.unsubscribe = sync?.subscribe((why) => {
      if (why === 'resync' && (sync.lastResync?.reconnected || sync.lastResync?.mode === 'snapshot')) void this.load();
    }) ?? null;
    void this.load();
  }

  override disconnectedCallback() {
    super.disconnectedCallback();
    clearInterval(this.ticker);
    this.services?.sync.socket.off('alert', this.onAlert);
    this.unsubscribe?.();
  }

  private async load() {
    const heard: StoreEvent[] = [];
    this.heardWhileLoading = heard;
    try {
      const summary = await this.services!.api.get<DashboardSummary>(`/api/dashboard?since=${startOfToday()}`);
      if (this.heardWhileLoading !== heard) return; // a newer load is on its way
      this.heardWhileLoading = null;
      this.summary = summary;
      this.clock.learnNow(summary.now, summary.holdLeaseMs);
      for (const ev of heard) this.handleEvent(ev);
      // Alerts raised before this page opened (kept by the hub), after the last Clear on this browser.
      const cleared = Number(localStorage.getItem(ALERTS_CLEARED_KEY) ?? 0);
      const seen = new Set(this.pushed.map((a) => `${a.at} ${a.message}`));
      const stored = this.summary.alerts
        .filter((a) => a.at > cleared && !seen.has(`${a.at} ${a.message}`))
        .map((a): ShownAlert => ({ kind: a.kind, message: a.message, at: a.at }));
      this.pushed = [...this.pushed, ...stored].sort((a, b) => b.at - a.at).slice(0, MAX_ALERTS);
    } catch (err) {
      if (this.heardWhileLoading === heard) this.heardWhileLoading = null;
      const message = err instanceof ApiError ? err.message : 'The dashboard could not load';
      // A reload that fails keeps the figures shown (they still follow live events): say so, do not blank them.
      if (this.summary) toast(this, `Today's figures could not be reloaded: ${message}`, 'error');
      else this.error = message;
    }
  }

  private clearAlerts() {
    localStorage.setItem(ALERTS_CLEARED_KEY, String(this.clock.now())); // compared with alerts' hub times
    this.pushed = [];
  }

  private pushAlert(a: ShownAlert) {
    if (this.pushed.some((p) => p.at === a.at && p.message === a.message)) return; // also in a reloaded summary
    this.pushed = [a, ...this.pushed].slice(0, MAX_ALERTS);
  }

  /** Folds a store event into today's figures (the live state itself is kept by the sync client). */
  private handleEvent(ev: StoreEvent) {
    this.heardWhileLoading?.push(ev);
    const s = this.summary;
    if (!s || ev.seq <= s.seq) return;
    const d = ev.data as Record<string, any>;
    if (ev.type === 'sale_completed') {
      for (const l of d.lines as { productId: number; quantity: number }[]) s.soldByProduct[l.productId] = (s.soldByProduct[l.productId] ?? 0) + l.quantity;
      const hour = Math.floor((this.clock.now() - s.since) / 3_600_000);
      while (s.salesPerHour.length <= hour) s.salesPerHour.push({ at: s.since + s.salesPerHour.length * 3_600_000, count: 0, totalCents: 0 });
      s.salesPerHour[hour]!.count++;
      s.salesPerHour[hour]!.totalCents += d.totalCents as number;
      s.salesPerHour = [...s.salesPerHour];
      // a solicit serial sold again comes as an alert from the hub (kept there, so a reload shows it too)
    }
    if (ev.type === 'sale_completed' || ev.type === 'return_completed' || ev.type === 'stock_received') {
      s.feed = [ev, ...s.feed].slice(0, FEED_LENGTH);
    }
    s.seq = ev.seq;
  }

  private terminalName(id: string) {
    return this.services?.sync.state.terminals.get(id)?.name ?? id;
  }

  /** Alerts computed from the live state every second, plus the pushed ones. */
  private alerts(): ShownAlert[] {
    const st = this.services!.sync.state;
    const now = this.clock.now();
    const computed: ShownAlert[] = [];
    for (const h of this.clock.known ? st.holds.values() : []) {
      if (now - h.heldAt > this.oldHoldMinutes * 60_000) {
        computed.push({ kind: 'hold_old', at: h.heldAt, message: `Serial ${h.serial} held at ${this.terminalName(h.terminalId)} for ${Math.floor((now - h.heldAt) / 60_000)} min` });
      }
    }
    for (const t of st.terminals.values()) {
      const sale = st.openSales.get(t.terminalId);
      if (!t.online && sale && sale.lines.length > 0) {
        computed.push({ kind: 'offline_sale', at: t.since, message: `${t.name} went offline with an open sale of ${formatCents(sale.totalCents)}` });
      }
    }
    return [...computed, ...this.pushed];
  }

  private async forceRelease(h: Hold, reason: string) {
    if (!reason.trim()) {
      this.releaseError = 'Give a reason: the register is told why.';
      return;
    }
    try {
      await this.services!.sync.request('hold:forceRelease', { productId: h.productId, serial: h.serial, reason: reason.trim() });
      this.releasing = null;
      this.releaseError = '';
      toast(this, `Released ${h.serial}`, 'success');
    } catch (err) {
      this.releaseError = (err as Error).message;
    }
  }

  private async makePairingCode(e: SubmitEvent) {
    e.preventDefault();
    const name = String(new FormData(e.target as HTMLFormElement).get('terminalName') ?? '').trim();
    try {
      this.pairingCode = await this.services!.api.post('/api/pairing-codes', { terminalName: name });
    } catch (err) {
      toast(this, (err as Error).message, 'error');
    }
  }

  private async unpair(terminalId: string) {
    this.confirmingUnpair = null;
    try {
      await this.services!.api.delete(`/api/terminals/${encodeURIComponent(terminalId)}`);
      toast(this, `${this.terminalName(terminalId)} unpaired`, 'success');
    } catch (err) {
      toast(this, (err as Error).message, 'error');
    }
  }

  private renderKpis(products: Product[]) {
    const st = this.services!.sync.state;
    const sales = this.summary?.salesPerHour.reduce((a, b) => ({ count: a.count + b.count, total: a.total + b.totalCents }), { count: 0, total: 0 });
    const now = this.clock.now();
    const statuses = [...st.terminals.values()].map((t) => registerStatus(t, now, this.clock.leaseMs));
    const online = statuses.filter((s) => s === 'online').length;
    const reconnecting = statuses.filter((s) => s === 'reconnecting').length;
    const low = products.filter((p) => p.lowStockThreshold > 0 && p.stock - p.held <= p.lowStockThreshold).length;
    return html`<div class="kpis">
      <div class="card kpi"><div class="muted">Sales today</div><div class="value" data-kpi="sales">${sales?.count ?? '…'}</div><div class="muted">${formatCents(sales?.total ?? 0)}</div></div>
      <div class="card kpi"><div class="muted">Serials held</div><div class="value" data-kpi="holds">${st.holds.size}</div></div>
      <div class="card kpi"><div class="muted">Registers online</div><div class="value" data-kpi="online">${online} / ${st.terminals.size}</div>
        ${reconnecting ? html`<div class="muted" data-kpi="reconnecting">${reconnecting} reconnecting</div>` : nothing}</div>
      <div class="card kpi"><div class="muted">Low stock</div><div class="value" data-kpi="low">${low}</div></div>
    </div>`;
  }

  private renderAlerts() {
    const alerts = this.alerts();
    return html`<div class="card">
      <h3><span class="grow">Alerts (${alerts.length})</span>
        <label class="row" style="font-size:0.8rem">old hold after
          <input type="number" min="1" style="width:70px" .value=${String(this.oldHoldMinutes)}
            @change=${(e: Event) => (this.oldHoldMinutes = Math.max(1, Number((e.target as HTMLInputElement).value) || DEFAULT_OLD_HOLD_MINUTES))} /> min</label>
        ${this.pushed.length ? html`<button @click=${() => this.clearAlerts()}>Clear</button>` : nothing}
      </h3>
      ${alerts.length === 0 ? html`<p class="muted">Nothing needs you right now.</p>` : nothing}
      <ul class="alerts">${alerts.slice(0, 20).map((a) => html`<li class=${a.kind} data-alert=${a.kind}>${formatDateTime(a.at)} · ${a.message}</li>`)}</ul>
    </div>`;
  }

  private renderRegisters() {
    const st = this.services!.sync.state;
    const now = this.clock.now();
    return html`<div class="card wide">
      <h3><span class="grow">Registers</span></h3>
      <table>
        <thead><tr><th>Register</th><th>Status</th><th>Staff</th><th>Open sale</th><th>Last seen</th><th></th></tr></thead>
        <tbody>
          ${[...st.terminals.values()].map((t) => {
            const sale = st.openSales.get(t.terminalId);
            const status = registerStatus(t, now, this.clock.leaseMs);
            const graceLeft = status === 'reconnecting' ? t.since + this.clock.leaseMs! - now : 0;
            return html`<tr data-register=${t.terminalId}>
              <td>${t.name}</td>
              <td><span class="status ${status}" data-status=${status}
                title=${status === 'reconnecting' ? `Its holds are kept for ${formatTimeLeft(graceLeft)} more` : ''}><i></i>${status}</span></td>
              <td>${t.staffId ? this.names.staff(t.staffId) : '—'}</td>
              <td>${sale && sale.lines.length ? html`${sale.lines.length} line(s) · ${formatCents(sale.totalCents)}` : '—'}</td>
              <td class="muted">${t.lastSeen ? formatDateTime(t.lastSeen) : '—'}</td>
              <td>${this.confirmingUnpair === t.terminalId
                ? html`<div class="row confirm" role="group" aria-label="Unpair ${t.name}?">
                    <span>Unpair ${t.name}? It must be paired again with a new code.</span>
                    <button class="danger" @click=${() => this.unpair(t.terminalId)}>Yes, unpair</button>
                    <button @click=${() => (this.confirmingUnpair = null)}>Keep</button>
                  </div>`
                : html`<button class="danger" @click=${() => (this.confirmingUnpair = t.terminalId)}>Unpair</button>`}</td>
            </tr>`;
          })}
        </tbody>
      </table>
      <form class="row" style="margin-top:0.75rem" @submit=${this.makePairingCode}>
        <input name="terminalName" aria-label="New register name" placeholder="New register name" required />
        <button>Make pairing code</button>
      </form>
      ${this.pairingCode
        ? html`<p>Pairing code for <strong>${this.pairingCode.terminalName}</strong>: <span class="code" data-pairing-code>${this.pairingCode.code}</span>
            <span class="muted">(valid ${formatTimeLeft(this.pairingCode.expiresAt - this.clock.now())})</span></p>`
        : nothing}
    </div>`;
  }

  private renderHolds() {
    const st = this.services!.sync.state;
    const holds = [...st.holds.values()].sort((a, b) => a.heldAt - b.heldAt);
    const pages = Math.max(1, Math.ceil(holds.length / PAGE));
    const page = Math.min(this.holdPage, pages - 1);
    const now = this.clock.now();
    return html`<div class="card wide">
      <h3><span class="grow">Holds (${holds.length})</span></h3>
      <table>
        <thead><tr><th>Serial</th><th>Product</th><th>Register</th><th>Cashier</th><th>Age</th><th>Time left</th><th></th></tr></thead>
        <tbody>
          ${holds.slice(page * PAGE, (page + 1) * PAGE).map((h) => {
            const key = `${h.productId}:${h.serial}`;
            const p = st.products.get(h.productId);
            return html`<tr data-hold=${h.serial}>
              <td class="mono">${h.serial}</td>
              <td>${p?.partNumber ?? h.productId}</td>
              <td>${this.terminalName(h.terminalId)}</td>
              <td>${this.names.staff(h.staffId)}</td>
              <td>${this.clock.known ? formatTimeLeft(now - h.heldAt) : '…'}</td>
              <td>${this.clock.known ? formatTimeLeft(h.expiresAt - now) : '…'}</td>
              <td>${this.releasing === key
                ? html`<form class="row" @submit=${(e: SubmitEvent) => {
                    e.preventDefault();
                    void this.forceRelease(h, String(new FormData(e.target as HTMLFormElement).get('reason') ?? ''));
                  }}>
                    <input name="reason" aria-label="Reason for releasing ${h.serial}" placeholder="Reason (required)" required />
                    <button class="danger">Release</button>
                    <button type="button" @click=${() => (this.releasing = null)}>Cancel</button>
                    ${this.releaseError ? html`<span class="error" role="alert">${this.releaseError}</span>` : nothing}
                  </form>`
                : html`<button @click=${() => ((this.releasing = key), (this.releaseError = ''))}>Force release</button>`}</td>
            </tr>`;
          })}
        </tbody>
      </table>
      ${holds.length === 0 ? html`<p class="muted">No serial is held.</p>` : nothing}
      ${this.renderPager(page, pages, (p) => (this.holdPage = p))}
    </div>`;
  }

  private renderPager(page: number, pages: number, go: (p: number) => void) {
    if (pages <= 1) return nothing;
    return html`<div class="pager"><button ?disabled=${page === 0} @click=${() => go(page - 1)}>Previous</button>
      <span class="muted">page ${page + 1} of ${pages}</span>
      <button ?disabled=${page >= pages - 1} @click=${() => go(page + 1)}>Next</button></div>`;
  }

  private renderStock(products: Product[]) {
    const sold = this.summary?.soldByProduct ?? {};
    const q = this.stockFilter.toLowerCase();
    const rows = products
      .filter((p) => !q || p.partNumber.toLowerCase().includes(q) || p.name.toLowerCase().includes(q))
      .sort((a, b) => a.stock - a.held - a.lowStockThreshold - (b.stock - b.held - b.lowStockThreshold));
    const pages = Math.max(1, Math.ceil(rows.length / PAGE));
    const page = Math.min(this.stockPage, pages - 1);
    return html`<div class="card wide">
      <h3><span class="grow">Stock (${products.length} products)</span>
        <input aria-label="Filter products" placeholder="Filter" .value=${this.stockFilter}
          @input=${(e: Event) => ((this.stockFilter = (e.target as HTMLInputElement).value), (this.stockPage = 0))} /></h3>
      <table>
        <thead><tr><th>Part number</th><th>Name</th><th>Mode</th><th class="num">Available</th><th class="num">Held</th><th class="num">Sold today</th><th class="num">Low at</th></tr></thead>
        <tbody>
          ${rows.slice(page * PAGE, (page + 1) * PAGE).map((p) => {
            const available = p.stock - p.held;
            const low = p.lowStockThreshold > 0 && available <= p.lowStockThreshold;
            return html`<tr class=${low ? 'low' : ''} data-stock=${p.partNumber}>
              <td><a href="#/product/${p.id}" @click=${(e: Event) => (e.preventDefault(), navigate(this, `#/product/${p.id}`))}>${p.partNumber}</a></td>
              <td>${p.name}</td><td>${p.serialMode}</td>
              <td class="num" data-available>${available}</td><td class="num" data-held>${p.held}</td>
              <td class="num" data-sold-today>${sold[p.id] ?? 0}</td><td class="num">${p.lowStockThreshold || '—'}</td>
            </tr>`;
          })}
        </tbody>
      </table>
      ${this.renderPager(page, pages, (p) => (this.stockPage = p))}
    </div>`;
  }

  private renderCharts(products: Product[]) {
    const hours = this.summary?.salesPerHour ?? [];
    const lowest = [...products].sort((a, b) => a.stock - a.held - (b.stock - b.held)).slice(0, 12);
    return html`
      <div class="card">
        <h3>Sales per hour today</h3>
        <sh-bar-chart aria-label="Sales per hour" .labels=${hours.map((h) => `${new Date(h.at).getHours()}:00`)}
          .datasets=${[{ label: 'Sales', data: hours.map((h) => h.count), backgroundColor: '#2563eb' }]}></sh-bar-chart>
      </div>
      <div class="card">
        <h3>Stock levels (lowest first)</h3>
        <sh-bar-chart aria-label="Stock levels" horizontal stacked .labels=${lowest.map((p) => p.partNumber)}
          .datasets=${[
            { label: 'Available', data: lowest.map((p) => p.stock - p.held), backgroundColor: '#18794e' },
            { label: 'Held', data: lowest.map((p) => p.held), backgroundColor: '#f5b940' },
          ]}></sh-bar-chart>
      </div>`;
  }

  private renderFeed() {
    const feed = this.summary?.feed ?? [];
    const describe = (ev: StoreEvent) => {
      const d = ev.data as Record<string, any>;
      if (ev.type === 'sale_completed') {
        return `Sale #${d.number} · ${this.terminalName(d.terminalId)} · ${this.names.staff(d.staffId)} · ${formatCents(d.totalCents)} · ${(d.lines as unknown[]).length} line(s)`;
      }
      if (ev.type === 'return_completed') {
        const r = d.return as { saleId?: string; invoiceNumber?: number; refundCents?: number; staffId?: string } | undefined;
        const invoice = r?.invoiceNumber ? `#${r.invoiceNumber}` : String(r?.saleId).slice(0, 8);
        return `Return on invoice ${invoice} · refund ${formatCents(r?.refundCents ?? 0)}${r?.staffId ? ` · ${this.names.staff(r.staffId)}` : ''}`;
      }
      return `Receipt · ${(d.lines as { quantity: number }[]).reduce((n, l) => n + l.quantity, 0)} unit(s) received by ${this.names.staff(d.staffId)}`;
    };
    return html`<div class="card">
      <h3>Sales, returns and receipts</h3>
      ${feed.length === 0 ? html`<p class="muted">Nothing yet today.</p>` : nothing}
      <ul class="feed">${feed.map((ev) => html`<li data-feed=${ev.type}>${describe(ev)}</li>`)}</ul>
    </div>`;
  }

  override render() {
    if (!this.services) return nothing;
    if (this.error) return html`<p class="error" role="alert">${this.error}</p>`;
    const products = [...this.services.sync.state.products.values()];
    return html`
      <div class="row" style="margin-bottom:0.75rem">
        <h2 class="grow" style="margin:0">Dashboard</h2>
        <form class="row" @submit=${(e: SubmitEvent) => {
          e.preventDefault();
          const serial = String(new FormData(e.target as HTMLFormElement).get('serial') ?? '').trim();
          if (serial) navigate(this, `#/lookup/${encodeURIComponent(serial)}`);
        }}><input name="serial" aria-label="Find a serial" placeholder="Find a serial" /><button>Find</button></form>
      </div>
      ${this.renderKpis(products)}
      <div class="grid">
        ${this.renderAlerts()} ${this.renderFeed()}
        ${this.renderHolds()}
        ${this.renderRegisters()}
        ${this.renderCharts(products)}
        ${this.renderStock(products)}
      </div>
    `;
  }
}
