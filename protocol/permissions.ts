/**
 * Who may do what: one table, deny by default. Every route and socket event names one permission here
 * (or is public); a test walks every route against every role. The hub enforces it (server/access.ts); the
 * web app reads it only to leave out what the viewer may not see (e.g. staff names need staff:manage).
 */
import type { Role } from './schemas.js';

export const PERMISSIONS = {
  'products:read': ['cashier', 'stock_clerk', 'supervisor'],
  'products:write': ['supervisor'],
  'stock:receive': ['stock_clerk', 'supervisor'],
  'receipts:read': ['stock_clerk', 'supervisor'],
  'holds:use': ['cashier', 'supervisor'],
  'holds:force': ['supervisor'],
  'sales:complete': ['cashier', 'supervisor'],
  'sales:return': ['cashier', 'supervisor'],
  'invoices:read': ['cashier', 'stock_clerk', 'supervisor'],
  'serials:read': ['cashier', 'stock_clerk', 'supervisor'],
  'customers:read': ['cashier', 'supervisor'],
  'customers:write': ['cashier', 'supervisor'],
  'staff:manage': ['supervisor'],
  'terminals:manage': ['supervisor'],
  'dashboard:view': ['supervisor'],
} as const satisfies Record<string, readonly Role[]>;

export type Permission = keyof typeof PERMISSIONS;

export function allows(role: Role, permission: Permission): boolean {
  // Deny by default: a permission missing from the table (or an inherited name such as 'constructor') allows nobody.
  if (!Object.hasOwn(PERMISSIONS, permission)) return false;
  return (PERMISSIONS[permission] as readonly Role[]).includes(role);
}
