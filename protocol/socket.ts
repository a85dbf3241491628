/**
 * The live hub's Socket.IO protocol: handshake, typed event maps (used by the hub and by clients), request
 * payload schemas and acks. Every request carries an ack callback answered `{ ok: true, ... }` or
 * `{ ok: false, code, message, details? }`.
 */
import { z } from 'zod';
import type { ErrorBody } from './errors.js';
import type { StoreEvent } from './events.js';
import { ClientId, Payment, ProductId, RawSerial, Text, type Hold, type Invoice, type Page, type Product, type SerialMode } from './schemas.js';

/** What the client sends in `io(url, { auth })`. */
export const Handshake = z.object({
  protocolVersion: z.number().int(),
  /** The staff session token from POST /api/sessions. */
  token: z.string().min(1).max(200),
  /** The register's device token (from pairing); when sent, the session must have been opened on this register. */
  deviceToken: z.string().min(1).max(200).optional(),
});
export type Handshake = z.infer<typeof Handshake>;

/** Why the hub refused a connection: `err.data.code` of the client's `connect_error`. */
export const CONNECT_ERROR_CODES = ['CLIENT_TOO_OLD', 'CLIENT_TOO_NEW', 'UNAUTHENTICATED', 'ORIGIN_REFUSED', 'VALIDATION_FAILED', 'UNAVAILABLE'] as const;
/** Refusals worth retrying by themselves: the hub could not check the session just now. */
export const RETRYABLE_CONNECT_ERRORS: readonly string[] = ['UNAVAILABLE'];
export type ConnectErrorCode = (typeof CONNECT_ERROR_CODES)[number];

// ---- requests

export const SyncRequest = z.strictObject({ lastSeq: z.number().int().min(0) });
export const OpenSaleRequest = z.strictObject({ saleId: ClientId.optional() });
export const AddLineRequest = z.strictObject({
  saleId: ClientId,
  productId: ProductId,
  quantity: z.number().int().min(1).max(10_000).default(1),
  /** Optional serial picked at once (enforced: held; solicit: recorded). */
  serial: RawSerial.optional(),
});
export const PickSerialRequest = z.strictObject({ saleId: ClientId, lineId: z.string().min(1).max(40), serial: RawSerial });
export const RemoveLineRequest = z.strictObject({ saleId: ClientId, lineId: z.string().min(1).max(40) });
export const SetQuantityRequest = z.strictObject({
  saleId: ClientId,
  lineId: z.string().min(1).max(40),
  quantity: z.number().int().min(1).max(10_000),
});
export const SetCustomerRequest = z.strictObject({ saleId: ClientId, customerId: z.number().int().positive().nullable() });
export const VoidSaleRequest = z.strictObject({ saleId: ClientId });
export const CompleteOpenSaleRequest = z.strictObject({ saleId: ClientId, payments: z.array(Payment).min(1).max(10) });
export const ForceReleaseRequest = z.strictObject({ productId: ProductId, serial: RawSerial, reason: Text(200) });
export const AvailableSerialsRequest = z.strictObject({
  productId: ProductId,
  q: z.string().max(100).optional(),
  cursor: z.string().max(200).optional(),
  limit: z.number().int().min(1).max(500).default(50),
});

// ---- state the hub sends

export interface OpenSaleLine {
  lineId: string;
  productId: number;
  partNumber: string;
  name: string;
  serialMode: SerialMode;
  unitPriceCents: number;
  quantity: number;
  /** The picked serial (enforced: held by this register; solicit: as typed), or null. */
  serial: string | null;
  /** Enforced: the hold's fencing token and expiry. */
  token: number | null;
  expiresAt: number | null;
  /** Set when the hold was lost while the sale was open: the line must be picked again. */
  lost: null | { reason: 'expired' | 'force_released'; note?: string; at: number };
}

export interface OpenSale {
  saleId: string;
  terminalId: string;
  staffId: string;
  customerId: number | null;
  lines: OpenSaleLine[];
  totalCents: number;
  createdAt: number;
  updatedAt: number;
}

export interface Presence {
  terminalId: string;
  name: string;
  online: boolean;
  staffId: string | null;
  since: number;
  lastSeen: number;
}

export interface Snapshot {
  seq: number;
  products: Product[];
  holds: Hold[];
  terminals: Presence[];
  /** Every register's open sale. */
  openSales: OpenSale[];
}

export type SyncReply =
  | { mode: 'replay'; seq: number; events: StoreEvent[] }
  | { mode: 'snapshot'; seq: number; snapshot: Snapshot };

export type Ack<T> = ({ ok: true } & T) | ({ ok: false } & ErrorBody);
type Req<P, R> = (payload: P, ack: (reply: Ack<R>) => void) => void;

export interface ClientToServerEvents {
  sync: Req<z.input<typeof SyncRequest>, SyncReply>;
  'sale:open': Req<z.input<typeof OpenSaleRequest>, { sale: OpenSale; created: boolean }>;
  'sale:addLine': Req<z.input<typeof AddLineRequest>, { sale: OpenSale; lineId: string }>;
  'sale:pickSerial': Req<z.input<typeof PickSerialRequest>, { sale: OpenSale }>;
  'sale:removeLine': Req<z.input<typeof RemoveLineRequest>, { sale: OpenSale }>;
  'sale:setQuantity': Req<z.input<typeof SetQuantityRequest>, { sale: OpenSale }>;
  'sale:setCustomer': Req<z.input<typeof SetCustomerRequest>, { sale: OpenSale }>;
  'sale:void': Req<z.input<typeof VoidSaleRequest>, { sale: null }>;
  'sale:complete': Req<z.input<typeof CompleteOpenSaleRequest>, { invoice: Invoice; replayed: boolean }>;
  'serials:available': Req<z.input<typeof AvailableSerialsRequest>, Page<{ serial: string }>>;
  'hold:forceRelease': Req<z.input<typeof ForceReleaseRequest>, { released: Hold[] }>;
}

/**
 * Something a supervisor should look at: a receipt or sale refused for a serial conflict (nothing was
 * written), or a solicit serial sold again (the sale went through).
 */
export interface Alert {
  kind: 'serial_conflict' | 'solicit_repeat';
  message: string;
  at: number;
  terminalId: string | null;
  staffId: string;
  details?: unknown;
}

export interface ServerToClientEvents {
  /**
   * The store changes of one write, in the store's sequence order: one message per write (a scan that holds a
   * serial and changes the open sale is one message of two events), so a register gets one frame per change of
   * the store, not one per event. Clients apply each seq once.
   */
  events: (events: StoreEvent[]) => void;
  /** Supervisors only: a receipt or sale refused for serial conflicts, or a solicit serial sold again. */
  alert: (alert: Alert) => void;
}

export interface InterServerEvents {
  ping: () => void;
}

export interface SocketData {
  storeId: string;
  staffId: string;
  role: 'cashier' | 'stock_clerk' | 'supervisor';
  terminalId: string | null;
  sessionId: string;
}
