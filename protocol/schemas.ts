/**
 * zod schemas for every request body, query and path parameter, plus the shapes the hub answers with.
 * The hub validates every inbound payload with these before anything touches Redis.
 */
import { z } from 'zod';
import type { StoreEvent } from './events.js';
import type { Alert } from './socket.js';

/** Upper bounds that keep one request from hogging the hub (one script runs alone in Redis while it writes). */
export const MAX_SERIALS_PER_RECEIPT = 100_000;
export const MAX_RECEIPT_LINES = 500;
export const MAX_SALE_LINES = 200;
/** All lines of a sale, or of a return, together. */
export const MAX_SERIALS_PER_SALE = 10_000;
export const MAX_SERIALS_PER_RETURN = 10_000;
export const MAX_PAGE = 500;

export const ROLES = ['cashier', 'stock_clerk', 'supervisor'] as const;
export const Role = z.enum(ROLES);
export type Role = z.infer<typeof Role>;

export const SERIAL_MODES = ['none', 'solicit', 'enforced'] as const;
export const SerialMode = z.enum(SERIAL_MODES);
export type SerialMode = z.infer<typeof SerialMode>;

export const StoreId = z.string().regex(/^[a-z0-9][a-z0-9-]{0,31}$/, 'lower-case letters, digits and dashes, at most 32');
/**
 * A numeric id: a JSON number, or its decimal digits (path parameters are strings). Not true, [1], "0x1",
 * "1e3" or " 1 ", which z.coerce would all turn into some other record's id.
 */
const WholeId = z
  .union([z.number(), z.string().regex(/^\d{1,15}$/, 'a whole number').transform(Number)])
  .pipe(z.number().int().positive().max(2 ** 40));
export const ProductId = WholeId;
/** Ids the client chooses (sale, receipt, return): a UUID or any 8-64 url-safe characters. */
export const ClientId = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, '8 to 64 letters, digits, _ or -');
/** Integer cents, at most 10 million in money (Lua's cjson keeps 14 significant digits). */
export const MAX_CENTS = 1_000_000_000;
export const Cents = z.number().int().min(0).max(MAX_CENTS);
/** A serial as typed or scanned; the hub normalises it (see normalizeSerial). */
export const RawSerial = z.string().min(1).max(200);
export const Token = z.number().int().positive();
export const Text = (max: number) => z.string().trim().min(1).max(max);

export const StaffCode = z.string().regex(/^[A-Za-z0-9]{2,16}$/, '2 to 16 letters or digits');
export const Pin = z.string().regex(/^\d{4,12}$/, '4 to 12 digits');

// ---- stores, staff, sessions, terminals

export const CreateStoreBody = z.strictObject({
  storeId: StoreId,
  name: Text(120),
  supervisor: z.strictObject({ code: StaffCode, name: Text(80), pin: Pin }),
});
export const LoginBody = z.strictObject({ storeId: StoreId, staffCode: StaffCode, pin: z.string().min(1).max(64) });
export const CreateStaffBody = z.strictObject({ code: StaffCode, name: Text(80), role: Role, pin: Pin });
export const UpdateStaffBody = z
  .strictObject({ name: Text(80), role: Role, pin: Pin, active: z.boolean() })
  .partial()
  .refine((b) => Object.keys(b).length > 0, 'nothing to change');
/** A refinement: the serials of all `lines` together are at most `max` (each line has its own cap too). */
function totalSerialsAtMost(max: number, what: string) {
  return (body: { lines: { serials?: unknown[] | undefined }[] }, ctx: z.RefinementCtx) => {
    const total = body.lines.reduce((n, l) => n + (l.serials?.length ?? 0), 0);
    if (total > max) {
      ctx.addIssue({ code: 'custom', path: ['lines'], message: `at most ${max.toLocaleString('en-US')} serials per ${what} (this one has ${total})` });
    }
  };
}

export const CreatePairingCodeBody = z.strictObject({ terminalName: Text(40) });
export const PairBody = z.strictObject({ storeId: StoreId, code: z.string().regex(/^\d{8}$/, '8 digits') });

// ---- products

/** 1 to 40 printable ASCII characters, spaces only inside. */
export const PART_NUMBER_PATTERN = /^[\x21-\x7E]([\x20-\x7E]{0,38}[\x21-\x7E])?$/;

const ProductFields = {
  partNumber: z.string().trim().regex(PART_NUMBER_PATTERN, '1 to 40 printable characters'),
  name: Text(120),
  priceCents: Cents,
  serialMode: SerialMode,
  warrantyReminder: z.boolean(),
  warrantyMonths: z.number().int().min(0).max(600),
  serialCaseSensitive: z.boolean(),
  lowStockThreshold: z.number().int().min(0).max(1_000_000),
};
/**
 * A warranty reminder puts the sold serial in the customer's service record with its warranty end: it needs
 * warranty months and a product that takes serials. updateProduct checks the same on the product as edited.
 */
export const WARRANTY_REMINDER_RULE = 'a warranty reminder needs warrantyMonths of at least 1 and serialMode solicit or enforced';

export const CreateProductBody = z.strictObject({
  ...ProductFields,
  warrantyReminder: ProductFields.warrantyReminder.default(false),
  warrantyMonths: ProductFields.warrantyMonths.default(0),
  serialCaseSensitive: ProductFields.serialCaseSensitive.default(false),
  lowStockThreshold: ProductFields.lowStockThreshold.default(0),
}).superRefine((p, ctx) => {
  if (p.warrantyReminder && (p.warrantyMonths === 0 || p.serialMode === 'none')) {
    ctx.addIssue({ code: 'custom', path: ['warrantyReminder'], message: WARRANTY_REMINDER_RULE });
  }
});
/** A product's editable fields, as a create sends them. */
export type ProductInput = z.output<typeof CreateProductBody>;

export const UpdateProductBody = z
  .strictObject({
    ...ProductFields,
    /** With serialMode 'enforced' on a product that has stock: one serial per unit in stock. */
    serials: z.array(RawSerial).max(MAX_SERIALS_PER_RECEIPT),
  })
  .partial()
  .refine((b) => Object.keys(b).length > 0, 'nothing to change');

export const ListQuery = z.strictObject({
  q: z.string().max(100).optional(),
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(MAX_PAGE).default(50),
});
export const SERIAL_LISTS = ['available', 'held', 'sold'] as const;
export const SerialListQuery = ListQuery.extend({ status: z.enum(SERIAL_LISTS).default('available') });

// ---- receiving

export const ReceiptLine = z.strictObject({
  productId: ProductId,
  quantity: z.number().int().min(1).max(MAX_SERIALS_PER_RECEIPT),
  serials: z.array(RawSerial).max(MAX_SERIALS_PER_RECEIPT).optional(),
});
export const ReceiptBody = z.strictObject({
  receiptId: ClientId.optional(),
  note: z.string().max(500).optional(),
  lines: z.array(ReceiptLine).min(1).max(MAX_RECEIPT_LINES),
}).superRefine(totalSerialsAtMost(MAX_SERIALS_PER_RECEIPT, 'receipt'));

/** POST /api/products/:productId/serials/check: serials as a receipt line would carry them. */
export const SerialCheckBody = z.strictObject({
  serials: z.array(RawSerial).min(1).max(MAX_SERIALS_PER_RECEIPT),
});
/**
 * What a check finds for one serial of an enforced product: `new` (never on this product: receivable),
 * `returned` (returned earlier and not in stock: receivable), `in_stock`, `held`, `sold` (not returned) or
 * `invalid` (not a serial after clean-up); the last four would be refused by a receipt.
 */
export const SERIAL_CHECK_STATES = ['new', 'returned', 'in_stock', 'held', 'sold', 'invalid'] as const;
export type SerialCheckState = (typeof SERIAL_CHECK_STATES)[number];
export interface SerialCheckResult {
  productId: number;
  /** One per serial sent, in the order sent: the serial cleaned up (the raw text, at most 80 characters, when invalid). */
  items: { serial: string; state: SerialCheckState }[];
  counts: Record<SerialCheckState, number>;
}

// ---- holds

export const HoldBody = z.strictObject({ productId: ProductId, serial: RawSerial, saleId: ClientId });
export const RenewBody = z.strictObject({ saleId: ClientId.optional() });
export const ReleaseBody = z.strictObject({ productId: ProductId, serial: RawSerial });
export const ReleaseSaleBody = z.strictObject({ saleId: ClientId });
export const ForceReleaseBody = z.strictObject({ productId: ProductId, serial: RawSerial, reason: Text(200) });

// ---- sales and returns

export const SaleSerial = z.strictObject({ serial: RawSerial, token: Token.optional() });
export const SaleLine = z.strictObject({
  productId: ProductId,
  quantity: z.number().int().min(1).max(10_000),
  serials: z.array(SaleSerial).max(10_000).optional(),
});
export const PAYMENT_METHODS = ['cash', 'card'] as const;
export const Payment = z.strictObject({ method: z.enum(PAYMENT_METHODS), amountCents: Cents });
export const CompleteSaleBody = z.strictObject({
  saleId: ClientId,
  customerId: z.number().int().positive().max(2 ** 40).optional(),
  lines: z.array(SaleLine).min(1).max(MAX_SALE_LINES),
  payments: z.array(Payment).min(1).max(10),
}).superRefine(totalSerialsAtMost(MAX_SERIALS_PER_SALE, 'sale'));
export const ReturnBody = z.strictObject({
  returnId: ClientId,
  saleId: ClientId,
  reason: z.string().max(200).optional(),
  lines: z
    .array(
      z.strictObject({
        line: z.number().int().min(0).max(MAX_SALE_LINES),
        quantity: z.number().int().min(1).max(10_000),
        serials: z.array(RawSerial).max(10_000).optional(),
      }),
    )
    .min(1)
    .max(MAX_SALE_LINES),
}).superRefine(totalSerialsAtMost(MAX_SERIALS_PER_RETURN, 'return'));

/** An invoice's number as printed on the receipt (GET /api/invoices/number/:number). */
export const InvoiceNumberParam = WholeId;

// ---- customers

export const CreateCustomerBody = z.strictObject({
  name: Text(120),
  phone: z.string().trim().max(40).optional(),
  email: z.string().trim().max(120).optional(),
});

export const CustomerIdParam = WholeId;
export const IdParam = z.string().min(1).max(64);

// ---- what the hub answers with

export interface Product {
  id: number;
  partNumber: string;
  name: string;
  priceCents: number;
  serialMode: SerialMode;
  warrantyReminder: boolean;
  warrantyMonths: number;
  serialCaseSensitive: boolean;
  lowStockThreshold: number;
  /** Units on hand, held ones included (for enforced products: serials in stock + held). */
  stock: number;
  /** Enforced: serials held by an open sale. */
  held: number;
  createdAt: number;
  updatedAt: number;
}

export interface Hold {
  productId: number;
  serial: string;
  terminalId: string;
  saleId: string;
  staffId: string;
  token: number;
  heldAt: number;
  expiresAt: number;
}

export interface InvoiceLine {
  productId: number;
  partNumber: string;
  name: string;
  serialMode: SerialMode;
  quantity: number;
  unitPriceCents: number;
  totalCents: number;
  serials: string[];
  /** Warranty products: the date (ms) the warranty ends. */
  warrantyEndsAt?: number;
  returnedQuantity: number;
  returnedSerials: string[];
}

export interface Invoice {
  saleId: string;
  number: number;
  storeId: string;
  terminalId: string;
  staffId: string;
  customerId: number | null;
  lines: InvoiceLine[];
  totalCents: number;
  payments: { method: (typeof PAYMENT_METHODS)[number]; amountCents: number }[];
  changeCents: number;
  completedAt: number;
  returns: string[];
}

export type SerialState = 'in_stock' | 'held' | 'sold' | 'returned';

export interface TimelineEntry {
  type: 'received' | 'held' | 'released' | 'expired' | 'force_released' | 'sold' | 'returned' | 'adjusted';
  productId: number;
  at: number;
  staffId: string;
  terminalId: string;
  /** Receipt, sale or return id, where there is one. */
  ref?: string;
  reason?: string;
  customerId?: number;
}

export interface ServiceRecord {
  productId: number;
  partNumber: string;
  name: string;
  serial: string;
  saleId: string;
  soldAt: number;
  warrantyEndsAt: number;
  /** Set when the serial was returned: the customer no longer has it. */
  returnedAt?: number;
}

export interface Customer {
  id: number;
  name: string;
  phone?: string;
  email?: string;
  createdAt: number;
}

export interface Page<T> {
  items: T[];
  /** Pass back as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

/** The dashboard's day starts at `since` (ms; the supervisor's local midnight), at most 2 days back. */
export const DashboardQuery = z.strictObject({ since: z.coerce.number().int().min(0).max(2 ** 50) });

export const HoldsQuery = z.strictObject({ terminalId: z.string().max(64).optional() });

/** A staff session as POST /api/sessions and GET /api/session answer it. */
export interface SessionInfo {
  id: string;
  storeId: string;
  staffId: string;
  name: string;
  role: Role;
  /** The paired register the session was opened on, or null (back office). */
  terminalId: string | null;
  createdAt: number;
  expiresAt: number;
}

/** GET /api/dashboard: the supervisor dashboard's first load. */
export interface DashboardSummary {
  since: number;
  seq: number;
  /** Units sold since `since`, by product id. */
  soldByProduct: Record<number, number>;
  /** One bucket per hour from `since`: sales completed and their total. */
  salesPerHour: { at: number; count: number; totalCents: number }[];
  /** Newest first. */
  feed: StoreEvent[];
  /** Supervisor alerts (the socket's `alert` messages) since `since`, newest first, at most 100. */
  alerts: Alert[];
  /** The Redis clock when this was read (hold and presence times use it): screens measure ages against it. */
  now: number;
  /** The hold lease (HOLD_LEASE_MS), which is also a disconnected register's grace period. */
  holdLeaseMs: number;
}

