/** Who may do what: the hub enforces the one permission table of protocol/permissions.ts. */
export { allows, PERMISSIONS, type Permission } from '../protocol/permissions.js';
