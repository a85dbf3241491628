/**
 * Pairing and login. A register is paired once with a supervisor's one-time code (it keeps a device token);
 * staff then log in with their code and PIN. Without pairing, staff log in to the back office.
 */
import { LitElement, css, html } from 'lit';
import { query, state } from 'lit/decorators.js';
import type { SessionInfo } from '../../../protocol/schemas.js';
import { ApiError, HubApi } from '../../api/http.js';
import { storage, type AppSession, type Pairing } from '../../context/session.js';
import { sharedStyles } from '../../styles/shared.js';

export class ShLogin extends LitElement {
  static override styles = [
    sharedStyles,
    css`
      :host { display: grid; place-items: center; min-height: 100vh; background: var(--sh-bg); }
      .card { width: min(420px, 92vw); display: grid; gap: 0.9rem; }
      h1 { margin: 0; font-size: 1.5rem; }
      .tabs { display: flex; gap: 0.5rem; }
      .tabs button[aria-pressed='true'] { background: var(--sh-chip); font-weight: 600; }
      input { width: 100%; }
    `,
  ];

  @query('input[name=staffCode]') private staffInput?: HTMLInputElement;

  @state() private mode: 'login' | 'pair' = 'login';
  @state() private pairing: Pairing | null = storage.pairing();
  @state() private error = '';
  @state() private busy = false;

  private readonly api = new HubApi();

  override firstUpdated() {
    this.staffInput?.focus();
  }

  private async handleLogin(e: SubmitEvent) {
    e.preventDefault();
    const f = new FormData(e.target as HTMLFormElement);
    this.busy = true;
    this.error = '';
    try {
      const storeId = this.pairing?.storeId ?? String(f.get('storeId') ?? '').trim();
      const r = await this.api.post<{ token: string; session: SessionInfo }>(
        '/api/sessions',
        { storeId, staffCode: String(f.get('staffCode') ?? '').trim(), pin: String(f.get('pin') ?? '') },
        { deviceToken: this.pairing?.deviceToken },
      );
      const s = r.session;
      const session: AppSession = {
        storeId: s.storeId, token: r.token, staffId: s.staffId, name: s.name, role: s.role, terminalId: s.terminalId,
        expiresAt: s.expiresAt,
      };
      this.dispatchEvent(new CustomEvent<AppSession>('sh-logged-in', { detail: session, bubbles: true, composed: true }));
    } catch (err) {
      if (err instanceof ApiError && err.code === 'DEVICE_TOKEN_INVALID') {
        storage.savePairing(null);
        this.pairing = null;
        this.error = 'This register was unpaired. Ask a supervisor for a pairing code, or log in to the back office.';
      } else {
        this.error = err instanceof ApiError ? err.message : 'Login failed';
      }
    } finally {
      this.busy = false;
    }
  }

  private async handlePair(e: SubmitEvent) {
    e.preventDefault();
    const f = new FormData(e.target as HTMLFormElement);
    this.busy = true;
    this.error = '';
    try {
      const storeId = String(f.get('storeId') ?? '').trim();
      const r = await this.api.post<{ terminal: { id: string; name: string }; deviceToken: string }>('/api/terminals/pair', {
        storeId, code: String(f.get('code') ?? '').replace(/\s/g, ''),
      });
      this.pairing = { storeId, terminalId: r.terminal.id, terminalName: r.terminal.name, deviceToken: r.deviceToken };
      storage.savePairing(this.pairing);
      this.mode = 'login';
    } catch (err) {
      this.error = err instanceof ApiError ? err.message : 'Pairing failed';
    } finally {
      this.busy = false;
    }
  }

  private unpair() {
    storage.savePairing(null);
    this.pairing = null;
  }

  override render() {
    return html`<div class="card">
      <h1>Serialhub</h1>
      <div class="tabs" role="tablist">
        <button aria-pressed=${this.mode === 'login'} @click=${() => (this.mode = 'login')}>Log in</button>
        <button aria-pressed=${this.mode === 'pair'} @click=${() => (this.mode = 'pair')}>Pair this register</button>
      </div>
      ${this.mode === 'login' ? this.renderLogin() : this.renderPair()}
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : ''}
    </div>`;
  }

  private renderLogin() {
    return html`<form @submit=${this.handleLogin} class="card" style="border:none;padding:0">
      ${this.pairing
        ? html`<p class="muted">Register <strong>${this.pairing.terminalName}</strong> of store <strong>${this.pairing.storeId}</strong>
            · <a href="#" @click=${(e: Event) => (e.preventDefault(), this.unpair())}>forget pairing</a></p>`
        : html`<label>Store<input name="storeId" autocomplete="organization" required placeholder="e.g. demo" /></label>
            <p class="muted">Not paired: you log in to the back office (no checkout).</p>`}
      <label>Staff code<input name="staffCode" inputmode="numeric" autocomplete="username" required /></label>
      <label>PIN<input name="pin" type="password" inputmode="numeric" autocomplete="current-password" required /></label>
      <button class="primary" ?disabled=${this.busy}>Log in</button>
    </form>`;
  }

  private renderPair() {
    return html`<form @submit=${this.handlePair} class="card" style="border:none;padding:0">
      <p class="muted">A supervisor makes a one-time pairing code (Dashboard → Registers). Enter it here once.</p>
      <label>Store<input name="storeId" required placeholder="e.g. demo" /></label>
      <label>Pairing code<input name="code" inputmode="numeric" required placeholder="8 digits" /></label>
      <button class="primary" ?disabled=${this.busy}>Pair</button>
    </form>`;
  }
}
