/**
 * Who may call what, written out by hand, route by route and event by event: the role-matrix tests check the
 * hub against this table, not against server/access.ts (a permission widened there, or a route given the
 * wrong one, fails them). A new route or event fails them too until its line is added here.
 */
import type { Role } from '../../protocol/schemas.js';
import type { ClientToServerEvents } from '../../protocol/socket.js';

/** Anyone; the operator's ADMIN_TOKEN; any logged-in staff member; or these roles only. */
export type Decided = 'public' | 'admin' | 'session' | readonly Role[];

const ALL: readonly Role[] = ['cashier', 'stock_clerk', 'supervisor'];
const SELLERS: readonly Role[] = ['cashier', 'supervisor'];
const STOCK: readonly Role[] = ['stock_clerk', 'supervisor'];
const SUPERVISOR: readonly Role[] = ['supervisor'];

export const DECIDED_ROUTES: Record<string, Decided> = {
  'GET /api/version': 'public',
  'POST /api/admin/stores': 'admin',
  'POST /api/sessions': 'public',
  'GET /api/session': 'session',
  'DELETE /api/session': 'session',
  'POST /api/terminals/pair': 'public',
  // pairing registers and managing staff: supervisors
  'POST /api/pairing-codes': SUPERVISOR,
  'GET /api/terminals': SUPERVISOR,
  'DELETE /api/terminals/:terminalId': SUPERVISOR,
  'GET /api/staff': SUPERVISOR,
  'POST /api/staff': SUPERVISOR,
  'PATCH /api/staff/:code': SUPERVISOR,
  'DELETE /api/staff/:code/sessions': SUPERVISOR,
  // everyone looks products up; only supervisors create or edit them
  'GET /api/products': ALL,
  'POST /api/products': SUPERVISOR,
  'GET /api/products/:productId': ALL,
  'PATCH /api/products/:productId': SUPERVISOR,
  'GET /api/products/:productId/serials': ALL,
  'POST /api/products/:productId/serials/check': STOCK,
  // receiving: stock clerks and supervisors, never cashiers
  'POST /api/receipts': STOCK,
  'GET /api/receipts/:receiptId': STOCK,
  // holds and sales: the people at the till
  'GET /api/holds': ALL,
  'POST /api/holds': SELLERS,
  'POST /api/holds/renew': SELLERS,
  'POST /api/holds/release': SELLERS,
  'POST /api/holds/release-sale': SELLERS,
  'POST /api/holds/force-release': SUPERVISOR,
  'POST /api/sales': SELLERS,
  'GET /api/invoices': ALL,
  'GET /api/invoices/:saleId': ALL,
  'GET /api/invoices/number/:number': ALL,
  'POST /api/returns': SELLERS,
  'GET /api/returns/:returnId': ALL,
  'GET /api/serials/:serial': ALL,
  'GET /api/dashboard': SUPERVISOR,
  // customers' names and histories: the till and supervisors, not the stock room
  'GET /api/customers': SELLERS,
  'POST /api/customers': SELLERS,
  'GET /api/customers/:customerId': SELLERS,
  'GET /api/customers/:customerId/history': SELLERS,
  'GET /api/customers/:customerId/service-records': SELLERS,
};

/** A Record over the protocol's events: an event added to or removed from it does not compile until decided. */
export const DECIDED_EVENTS: Record<keyof ClientToServerEvents, readonly Role[]> = {
  sync: ALL,
  'sale:open': SELLERS,
  'sale:addLine': SELLERS,
  'sale:pickSerial': SELLERS,
  'sale:removeLine': SELLERS,
  'sale:setQuantity': SELLERS,
  'sale:setCustomer': SELLERS,
  'sale:void': SELLERS,
  'sale:complete': SELLERS,
  'serials:available': ALL,
  'hold:forceRelease': SUPERVISOR,
};

/** Whether `role` may call what `decided` describes (`session` and `public`: any role). */
export function decidedAllows(decided: Decided | undefined, role: Role): boolean {
  if (decided === undefined || decided === 'admin') return false;
  if (decided === 'public' || decided === 'session') return true;
  return decided.includes(role);
}
