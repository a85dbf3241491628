/**
 * Names for the codes the hub sends (staff codes, customer ids, register ids), wherever this viewer may read
 * them (protocol/permissions.ts): staff names come from the staff list (staff:manage, supervisors), from the
 * viewer's own session, and from live logins (staff_logged_in carries the name to every register); customer
 * names need customers:read. One directory per session is shared by every view (one staff list, one request
 * per customer); a view re-renders when a name it asked for arrives.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { StoreEvent } from '../../protocol/events.js';
import { allows } from '../../protocol/permissions.js';
import type { Customer } from '../../protocol/schemas.js';
import type { HubApi } from '../api/http.js';
import type { AppServices } from '../context/session.js';

class NameDirectory {
  readonly staff = new Map<string, string>();
  /** Customer names by id; null: asked, not (yet) known. */
  readonly customers = new Map<number, string | null>();
  private readonly listeners = new Set<() => void>();
  private staffLoaded = false;

  constructor(private readonly services: AppServices) {
    this.staff.set(services.session.staffId, services.session.name);
    services.sync.subscribe((why, ev) => ev && this.learn(ev, why === 'replayed'));
  }

  get canReadStaff() {
    return allows(this.services.session.role, 'staff:manage');
  }

  get canReadCustomers() {
    return allows(this.services.session.role, 'customers:read');
  }

  onChange(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private changed() {
    for (const fn of this.listeners) fn();
  }

  private learn(ev: StoreEvent, replayed: boolean) {
    const d = ev.data as { staffId?: string; name?: string };
    if (ev.type === 'staff_logged_in' && d.staffId && d.name && this.staff.get(d.staffId) !== d.name) {
      this.staff.set(d.staffId, d.name);
      this.changed();
    } else if ((ev.type === 'staff_created' || ev.type === 'staff_updated') && !replayed && this.staffLoaded) {
      this.staffLoaded = false;
      void this.loadStaff();
    }
  }

  /** Loads the staff list once, for the roles that may read it. */
  async loadStaff() {
    if (this.staffLoaded || !this.canReadStaff) return;
    this.staffLoaded = true;
    try {
      const { items } = await this.services.api.get<{ items: { code: string; name: string }[] }>('/api/staff');
      for (const s of items) this.staff.set(s.code, s.name);
      this.changed();
    } catch {
      this.staffLoaded = false; // codes are shown meanwhile; the next view that asks tries again
    }
  }

  async loadCustomer(id: number) {
    if (this.customers.has(id) || !this.canReadCustomers) return;
    this.customers.set(id, null);
    try {
      this.customers.set(id, (await this.services.api.get<{ customer: Customer }>(`/api/customers/${id}`)).customer.name);
      this.changed();
    } catch {
      this.customers.delete(id);
    }
  }
}

const directories = new WeakMap<HubApi, NameDirectory>();

function directoryFor(services: AppServices): NameDirectory {
  let d = directories.get(services.api);
  if (!d) directories.set(services.api, (d = new NameDirectory(services)));
  return d;
}

export class NamesController implements ReactiveController {
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly services: () => AppServices | undefined,
  ) {
    host.addController(this);
  }

  hostConnected() {
    const s = this.services();
    if (!s) return;
    this.unsubscribe = directoryFor(s).onChange(() => this.host.requestUpdate());
  }

  hostDisconnected() {
    this.unsubscribe?.();
    this.unsubscribe = null;
  }

  private directory(): NameDirectory | null {
    const s = this.services();
    if (!s) return null;
    if (!this.unsubscribe) this.hostConnected(); // services arrived through context after connecting
    return directoryFor(s);
  }

  /** Whether this viewer may read customers (and so their names and pages). */
  get canReadCustomers(): boolean {
    return this.directory()?.canReadCustomers ?? false;
  }

  /** A staff member's name where this viewer may know it, else "staff <code>". */
  staff(code: string | null | undefined): string {
    if (!code) return '—';
    const d = this.directory();
    const name = d?.staff.get(code);
    if (name) return name;
    void d?.loadStaff();
    return `staff ${code}`;
  }

  /** A customer's name, or null while it is not known (or this viewer may not read customers). */
  customer(id: number | null | undefined): string | null {
    if (!id) return null;
    const d = this.directory();
    const name = d?.customers.get(id);
    if (name) return name;
    void d?.loadCustomer(id);
    return null;
  }

  /** A register's name from the live state, else its id. */
  register(terminalId: string | null | undefined): string {
    if (!terminalId) return 'back office';
    return this.services()?.sync.state.terminals.get(terminalId)?.name ?? `register ${terminalId}`;
  }
}
