/**
 * The customers page (cashier, supervisor): search by name words, e-mail or phone, a paged list, and a form
 * to create a customer. Choosing a customer opens #/customer/<id>.
 */
import { consume } from '@lit/context';
import { LitElement, html, nothing } from 'lit';
import { query } from 'lit/decorators.js';
import type { Customer } from '../../../protocol/schemas.js';
import { appContext, type AppServices } from '../../context/session.js';
import { SyncController } from '../../controllers/sync-controller.js';
import { navigate, toast } from '../../events/index.js';
import { formatDate } from '../../format.js';
import { sharedStyles } from '../../styles/shared.js';
import { CustomerSearchController } from '../customer-picker/customer-search.controller.js';
import { customersStyles } from './customers.styles.js';

/** Customers per page of the list. */
const PAGE_SIZE = 25;

/** The last search, so coming back from a customer's page shows the same list. */
let lastQuery = '';

export class ShCustomers extends LitElement {
  static override styles = [sharedStyles, customersStyles];

  @consume({ context: appContext, subscribe: true }) services?: AppServices;

  private readonly search = new CustomerSearchController(this, () => this.services?.api, { pageSize: PAGE_SIZE, listWhenEmpty: true });
  private readonly live = new SyncController(this, () => this.services?.sync, (ev) => {
    // the event carries the id only (every role hears it): read the customer with this session's rights
    if (ev.type === 'customer_created') {
      void this.services?.api.get<{ customer: Customer }>(`/api/customers/${Number(ev.data.customerId)}`)
        .then((r) => this.search.addIfListed(r.customer), () => undefined);
    }
  });

  @query('input[type=search]') private input!: HTMLInputElement;

  override firstUpdated() {
    this.input.value = lastQuery;
    void this.search.search(lastQuery, true);
    this.input.focus();
  }

  private handleInput() {
    lastQuery = this.input.value;
    void this.search.search(lastQuery);
  }

  private handleSubmit(e: SubmitEvent) {
    e.preventDefault();
    lastQuery = this.input.value;
    void this.search.search(lastQuery, true);
  }

  private handleSearchKeydown(e: KeyboardEvent) {
    if (e.key === 'ArrowDown') {
      e.preventDefault();
      this.rowLinks()[0]?.focus();
    } else if (e.key === 'Escape' && this.input.value) {
      e.preventDefault();
      this.input.value = lastQuery = '';
      void this.search.search('', true);
    }
  }

  private rowLinks(): HTMLAnchorElement[] {
    return [...this.renderRoot.querySelectorAll<HTMLAnchorElement>('tbody a')];
  }

  private handleRowKeydown(e: KeyboardEvent) {
    const links = this.rowLinks();
    const at = links.indexOf(e.target as HTMLAnchorElement);
    if (at < 0) return;
    const go = (i: number) => links[Math.max(0, Math.min(links.length - 1, i))]?.focus();
    if (e.key === 'ArrowDown') go(at + 1);
    else if (e.key === 'ArrowUp') at === 0 ? this.input.focus() : go(at - 1);
    else if (e.key === 'Escape') this.input.focus();
    else return;
    e.preventDefault();
  }

  private handleRowClick(e: MouseEvent, c: Customer) {
    if (e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return; // a new tab or window: the link does it
    e.preventDefault();
    navigate(this, `#/customer/${c.id}`);
  }

  private handleCreated(e: CustomEvent<Customer>) {
    e.stopPropagation();
    toast(this, `Customer ${e.detail.name} created.`, 'success');
    navigate(this, `#/customer/${e.detail.id}`);
  }

  private renderList() {
    const s = this.search;
    if (s.error) return html`<p class="error" role="alert">${s.error}</p>`;
    if (!s.answered) return html`<p class="muted" role="status">Loading customers…</p>`;
    if (s.items.length === 0) {
      return html`<p class="muted" role="status">
        ${s.query
          ? `No customer matches “${s.query}”. Search by the start of a name word, an e-mail address, or a phone number from its first digit.`
          : 'No customers yet. Create the first one with the form.'}
      </p>`;
    }
    return html`
      <table aria-label=${s.query ? `Customers matching ${s.query}` : 'All customers'} @keydown=${this.handleRowKeydown}>
        <thead><tr><th>Name</th><th>Phone</th><th>E-mail</th><th>Since</th></tr></thead>
        <tbody>
          ${s.items.map(
            (c) => html`<tr data-customer-id=${c.id} @click=${(e: MouseEvent) => this.handleRowClick(e, c)}>
              <td><a href="#/customer/${c.id}">${c.name}</a></td>
              <td class="contact mono">${c.phone ?? ''}</td>
              <td class="contact">${c.email ?? ''}</td>
              <td class="contact">${formatDate(c.createdAt)}</td>
            </tr>`,
          )}
        </tbody>
      </table>
      <div class="footer">
        <span class="muted grow" role="status">${s.items.length} ${s.items.length === 1 ? 'customer' : 'customers'} shown${s.nextCursor ? ', more below' : ''}</span>
        ${s.nextCursor
          ? html`<button ?disabled=${s.loading} @click=${() => this.search.more()}>${s.loading ? 'Loading…' : 'Show more customers'}</button>`
          : nothing}
      </div>
    `;
  }

  override render() {
    return html`
      <h2>Customers</h2>
      <div class="layout">
        <section class="card">
          <form class="search" role="search" @submit=${this.handleSubmit}>
            <input type="search" aria-label="Search customers" placeholder="Name, e-mail or phone" autocomplete="off" maxlength="100"
              @input=${this.handleInput} @keydown=${this.handleSearchKeydown} />
            <button class="primary">Search</button>
          </form>
          ${this.renderList()}
        </section>
        <aside class="card">
          <h3>New customer</h3>
          <sh-customer-form @sh-customer-created=${this.handleCreated}></sh-customer-form>
        </aside>
      </div>
    `;
  }
}
