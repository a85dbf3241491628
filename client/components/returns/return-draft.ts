/**
 * A return being put together against one invoice: what the cashier chose per line, the request it makes,
 * what goes back to stock, and the hub's refusals in a cashier's words. Pure functions over plain data.
 */
import type { Invoice, InvoiceLine, Role, SerialMode } from '../../../protocol/schemas.js';
import type { ApiError } from '../../api/http.js';

/** Who may take returns: mirrors `sales:return` in server/access.ts (a unit test keeps the two in step). */
export const RETURN_ROLES: readonly Role[] = ['cashier', 'supervisor'];
export const canReturn = (role: Role | undefined) => !!role && RETURN_ROLES.includes(role);

/** Reasons offered in the reason field (any text up to 200 characters is fine). */
export const COMMON_REASONS = ['Defective', 'Damaged in transit', 'Wrong item', 'Changed mind', 'Not as described'];
export const REASON_MAX = 200;

/** A return as the hub answers it (POST /api/returns, GET /api/returns/:returnId; protocol/README.md). */
export interface ReturnRecord {
  returnId: string;
  saleId: string;
  terminalId: string;
  staffId: string;
  reason?: string;
  lines: { line: number; productId: number; quantity: number; serials: string[] }[];
  refundCents: number;
  returnedAt: number;
}

/** Per invoice line: the serials chosen (serialized lines) or the units chosen (`none` lines). */
export interface ReturnChoice {
  serials: Set<string>;
  units: number;
}
export type ReturnChoices = Map<number, ReturnChoice>;

export interface ReturnRequestLine {
  line: number;
  quantity: number;
  serials?: string[];
}

/** Units still to return on a line, and the serials still out with the customer. */
export function leftOnLine(l: InvoiceLine) {
  const returned = new Set(l.returnedSerials);
  return { units: l.quantity - l.returnedQuantity, serials: l.serials.filter((s) => !returned.has(s)) };
}

export const hasSomethingLeft = (inv: Invoice) => inv.lines.some((l) => l.quantity > l.returnedQuantity);

/** The request lines for what was chosen (lines with nothing chosen are left out). */
export function requestLines(inv: Invoice, choices: ReturnChoices): ReturnRequestLine[] {
  const out: ReturnRequestLine[] = [];
  inv.lines.forEach((l, line) => {
    const c = choices.get(line);
    if (!c) return;
    if (l.serialMode === 'none') {
      if (c.units > 0) out.push({ line, quantity: c.units });
    } else if (c.serials.size > 0) {
      // in the invoice's order, so the confirmation and the request list them alike
      const serials = l.serials.filter((s) => c.serials.has(s));
      out.push({ line, quantity: serials.length, serials });
    }
  });
  return out;
}

export type StockOutcome = 'serial_stock' | 'shelf' | 'refused';

/**
 * Where returned units go, by the product's serial mode now (it may have changed since the sale):
 * enforced serials back into serial stock; otherwise the units back on the shelf (solicit serials recorded as
 * returned); a unit sold without a serial cannot go back into a product that now enforces serials.
 */
export function stockOutcome(soldAs: SerialMode, modeNow: SerialMode): StockOutcome {
  if (modeNow === 'enforced') return soldAs === 'none' ? 'refused' : 'serial_stock';
  return 'shelf';
}

export const OUTCOME_TEXT: Record<StockOutcome, (units: number) => string> = {
  serial_stock: (n) => `Back in stock: ${n === 1 ? 'this serial' : 'these serials'} can be sold again.`,
  shelf: (n) => `${n} ${n === 1 ? 'unit goes' : 'units go'} back on the shelf; serials are recorded as returned.`,
  refused: () => 'Cannot go back into stock: this product now needs a serial per unit and this unit was sold without one.',
};

export const refundOf = (inv: Invoice, lines: ReturnRequestLine[]) =>
  lines.reduce((sum, r) => sum + (inv.lines[r.line]?.unitPriceCents ?? 0) * r.quantity, 0);

/** A return id: a UUID (randomUUID needs a secure context; a store LAN on plain http has none). */
export function newReturnId(): string {
  if (typeof crypto.randomUUID === 'function') return `ret-${crypto.randomUUID()}`;
  const b = crypto.getRandomValues(new Uint8Array(16));
  return `ret-${Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')}`;
}

/** Serials of the request that the invoice, as it is now, lists as returned (someone was quicker). */
export function returnedMeanwhile(now: Invoice, lines: ReturnRequestLine[]): string[] {
  return lines.flatMap((r) => {
    const returned = new Set(now.lines[r.line]?.returnedSerials ?? []);
    return (r.serials ?? []).filter((s) => returned.has(s));
  });
}

/**
 * What a refusal means, in words a cashier understands; `unknownOutcome` when a retry is the answer.
 * `meanwhile`: the chosen serials returned since the invoice was opened (the hub names the first problem it
 * meets, e.g. a line with no units left, where the cashier wants to hear which serial came back already).
 */
export function explainReturnError(
  err: ApiError, inv: Invoice | null, meanwhile: string[] = [],
): { text: string; unknownOutcome?: boolean; reload?: boolean } {
  const d = (err.details ?? {}) as { line?: number; serial?: string; reason?: string };
  const name = d.line !== undefined ? (inv?.lines[d.line]?.name ?? `line ${d.line + 1}`) : 'this item';
  const serial = d.serial ? `Serial ${d.serial}` : 'A serial';
  switch (err.code) {
    case 'RETURN_REJECTED': {
      if ((d.reason === 'quantity' || d.reason === 'already_returned') && meanwhile.length) {
        const many = meanwhile.length > 1;
        return {
          text: `${many ? 'Serials' : 'Serial'} ${meanwhile.join(', ')} of ${name} ${many ? 'were' : 'was'} already returned. Nothing was returned this time.`,
          reload: true,
        };
      }
      const text: Record<string, string> = {
        already_returned: `${serial} of ${name} was already returned. Nothing was returned this time.`,
        sold_elsewhere: `${serial} was returned earlier and sold again on a later invoice: take it back from that invoice. Nothing was returned.`,
        in_stock: `${serial} is already in stock: it cannot be taken back twice. Nothing was returned.`,
        not_on_line: `${serial} was not sold on this invoice. Nothing was returned.`,
        quantity: `Fewer units of ${name} are left to return than chosen (some were returned meanwhile). Nothing was returned.`,
        serial_count: `Choose one serial per unit of ${name}. Nothing was returned.`,
        mode_changed: `${name} now needs a serial per unit and was sold without one: it cannot go back into stock. Ask a supervisor. Nothing was returned.`,
      };
      return { text: text[d.reason ?? ''] ?? `${err.message}. Nothing was returned.`, reload: true };
    }
    case 'RETURN_ID_CONFLICT':
      return { text: 'This return’s number was used by another return: it has a new one now. Press “Confirm return” again.' };
    case 'INVOICE_NOT_FOUND':
      return { text: 'This invoice does not exist in this store.' };
    case 'FORBIDDEN':
      return { text: 'Your role may not take returns: ask a cashier or a supervisor.' };
    case 'OFFLINE':
    case 'INTERNAL':
    case 'UNAVAILABLE':
      return {
        text: `${err.message} It is not known whether the return went through: press “Confirm return” again. That is safe: this return can only be taken once.`,
        unknownOutcome: true,
      };
    default:
      return { text: `${err.message}. Nothing was returned.` };
  }
}
