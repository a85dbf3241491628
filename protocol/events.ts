/**
 * Store events: every change to a store gets the store's next sequence number, is kept in a bounded Redis
 * Stream (id "<seq>-0") and is sent to the store's registers. Clients apply them in sequence order.
 */
export const STORE_EVENT_TYPES = [
  'store_created',
  'staff_created',
  'staff_updated',
  'staff_logged_in',
  'staff_logged_out',
  'terminal_paired',
  'terminal_revoked',
  'product_created',
  'product_updated',
  'customer_created',
  'stock_received',
  'hold_created',
  'holds_renewed',
  'hold_released',
  'sale_completed',
  'return_completed',
  'open_sale_changed',
  'presence_changed',
] as const;
export type StoreEventType = (typeof STORE_EVENT_TYPES)[number];

export interface StoreEvent {
  seq: number;
  type: StoreEventType;
  data: Record<string, unknown>;
}
