/**
 * The receipt being put together: its lines, and the checks the clerk sees before sending it (count against
 * quantity, serials twice in the batch, serials the hub's stock check found in stock, held or sold, and what
 * the hub refused last time). Pure functions over plain data, so the view stays a view.
 */
import type { Product, SerialCheckState } from '../../../protocol/schemas.js';

export interface DraftLine {
  /** Stable key of the line on this screen (not sent). */
  key: number;
  product: Product;
  quantity: number;
  /** The quantity follows the serial list until the clerk types a quantity of their own. */
  quantityFollows: boolean;
  /** Cleaned-up serials in the order entered (enforced products only); replaced, never mutated. */
  serials: readonly string[];
}

export const REJECTION_REASONS = [
  'serial_count', 'duplicate', 'in_stock', 'held', 'sold', 'invalid', 'serials_not_expected', 'product_not_found',
] as const;
export type RejectionReason = (typeof REJECTION_REASONS)[number];

/** What each refusal of the hub means, in a clerk's words. */
export const REJECTION_TEXT: Record<RejectionReason, string> = {
  serial_count: 'The number of serials does not match the quantity: one serial per unit.',
  duplicate: 'Scanned twice in this receipt.',
  in_stock: 'Already in stock: this unit was received before.',
  held: 'Already in stock and held at a register right now.',
  sold: 'Already sold (not returned): this serial was received before.',
  invalid: 'Not a serial: 1–64 letters, digits or symbols, no spaces.',
  serials_not_expected: 'This product takes no serials at receiving: give a quantity only.',
  product_not_found: 'This product no longer exists.',
};
/** Short labels for the serial list. */
export const VERDICT_LABEL: Record<SerialVerdict, string> = {
  ok: 'New',
  returned: 'Returned before',
  checking: 'Checking…',
  duplicate: 'Twice in batch',
  in_stock: 'Already in stock',
  held: 'Held at a register',
  sold: 'Already sold',
  invalid: 'Not a serial',
  serial_count: 'Count',
  serials_not_expected: 'No serials',
  product_not_found: 'No product',
};

export interface Rejection {
  line: number;
  serial?: string;
  reason: RejectionReason;
}

/** The hub's refusals of one line, from the last attempt. */
export interface LineRejections {
  line: RejectionReason[];
  serials: Map<string, RejectionReason>;
}

/** The live stock check of one serial: under way, or what the hub found. */
export type StockCheck = 'checking' | SerialCheckState;
/** What the stock check found that a receipt would refuse. */
export const BLOCKING_CHECKS = ['in_stock', 'held', 'sold', 'invalid'] as const;
export type BlockingCheck = (typeof BLOCKING_CHECKS)[number];
export const isBlocking = (c: StockCheck | undefined): c is BlockingCheck => (BLOCKING_CHECKS as readonly string[]).includes(c ?? '');
/** `returned`: sold here and returned earlier, not in stock; it can be received again. */
export type SerialVerdict = 'ok' | 'checking' | 'returned' | RejectionReason;
export const RETURNED_TEXT = 'Sold here and returned earlier, not in stock: it can be received again.';

export const stockCheckKey = (productId: number, serial: string) => `${productId}:${serial}`;

export interface LineCheck {
  /** Serials in the list. */
  count: number;
  /** Serials present more than once, with their number of copies. */
  repeats: Map<string, number>;
  /** Copies beyond the first, over all repeats. */
  extraCopies: number;
  /** Serials the live check found in stock (`found.in_stock`), kept for the chips. */
  inStock: number;
  /** Distinct serials the live check found that a receipt would refuse, by what it found. */
  found: Record<BlockingCheck, number>;
  /** Serials still being checked. */
  checking: number;
  /** Serials the hub refused last time that are still in the list. */
  refused: number;
  /** What keeps the line from being received, in words; empty when it is ready. */
  problems: string[];
}

interface ListIndex {
  unique: Set<string>;
  repeats: Map<string, number>;
}
const indexCache = new WeakMap<readonly string[], ListIndex>();

/** The distinct serials of a list and those listed more than once (cached: lists are replaced, never changed). */
function indexOf(serials: readonly string[]): ListIndex {
  let index = indexCache.get(serials);
  if (!index) {
    const counts = new Map<string, number>();
    for (const s of serials) counts.set(s, (counts.get(s) ?? 0) + 1);
    index = { unique: new Set(counts.keys()), repeats: new Map([...counts].filter(([, n]) => n > 1)) };
    indexCache.set(serials, index);
  }
  return index;
}

export const repeatsOf = (serials: readonly string[]) => indexOf(serials).repeats;

export function verdictOf(
  line: DraftLine,
  serial: string,
  checks: ReadonlyMap<string, StockCheck>,
  rejections: LineRejections | undefined,
): SerialVerdict {
  if (repeatsOf(line.serials).has(serial)) return 'duplicate';
  const check = checks.get(stockCheckKey(line.product.id, serial));
  if (isBlocking(check)) return check;
  const refused = rejections?.serials.get(serial);
  if (refused) return refused;
  if (check === 'checking' || check === 'returned') return check;
  return 'ok';
}

const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString()} ${n === 1 ? one : many}`;

/** The line's checks. Costs the size of the checks and refusals, not of the list (lists reach 100,000). */
export function checkLine(line: DraftLine, checks: ReadonlyMap<string, StockCheck>, rejections?: LineRejections): LineCheck {
  const problems: string[] = [];
  const enforced = line.product.serialMode === 'enforced';
  const emptyList = enforced && line.quantityFollows && line.serials.length === 0;
  if (!emptyList && (!Number.isInteger(line.quantity) || line.quantity < 1)) problems.push('Quantity must be a whole number, at least 1.');
  const { unique, repeats } = enforced ? indexOf(line.serials) : { unique: new Set<string>(), repeats: new Map<string, number>() };
  let extraCopies = 0;
  for (const n of repeats.values()) extraCopies += n - 1;
  const found: Record<BlockingCheck, number> = { in_stock: 0, held: 0, sold: 0, invalid: 0 };
  let checking = 0;
  let refused = 0;
  const keyPrefix = `${line.product.id}:`;
  for (const [key, c] of checks) {
    if (!key.startsWith(keyPrefix) || !unique.has(key.slice(keyPrefix.length))) continue;
    if (isBlocking(c)) found[c]++;
    else if (c === 'checking') checking++;
  }
  for (const s of rejections?.serials.keys() ?? []) {
    if (unique.has(s) && !repeats.has(s) && !isBlocking(checks.get(stockCheckKey(line.product.id, s)))) refused++;
  }
  const inStock = found.in_stock;
  if (enforced) {
    if (line.serials.length === 0) problems.push('Scan at least one serial: one per unit.');
    else if (line.serials.length !== line.quantity) {
      problems.push(`${plural(line.serials.length, 'serial')} for ${plural(line.quantity, 'unit')}: one serial per unit.`);
    }
    if (repeats.size) problems.push(`${plural(repeats.size, 'serial')} scanned twice (highlighted): remove the extra copies.`);
    const them = (n: number) => (n === 1 ? 'it' : 'them');
    if (inStock) problems.push(`${plural(inStock, 'serial')} already in stock: remove ${them(inStock)}.`);
    if (found.held) problems.push(`${plural(found.held, 'serial')} already in stock and held at a register: remove ${them(found.held)}.`);
    if (found.sold) problems.push(`${plural(found.sold, 'serial')} already sold and not returned: remove ${them(found.sold)}.`);
    if (found.invalid) problems.push(`${plural(found.invalid, 'entry', 'entries')} not a serial: remove ${them(found.invalid)}.`);
    if (refused) problems.push(`${plural(refused, 'serial')} refused by the hub: remove or replace ${refused === 1 ? 'it' : 'them'}.`);
  }
  for (const reason of rejections?.line ?? []) {
    if (reason !== 'serial_count' && reason !== 'duplicate') problems.push(REJECTION_TEXT[reason]);
  }
  return { count: line.serials.length, repeats, extraCopies, inStock, found, checking, refused, problems };
}

/** The list without extra copies, without serials the stock check flagged and without serials the hub refused. */
export function withoutFlagged(line: DraftLine, checks: ReadonlyMap<string, StockCheck>, rejections?: LineRejections): string[] {
  const kept = new Set<string>();
  return line.serials.filter((s) => {
    if (kept.has(s)) return false;
    if (isBlocking(checks.get(stockCheckKey(line.product.id, s))) || rejections?.serials.has(s)) return false;
    kept.add(s);
    return true;
  });
}

/** Groups the hub's refusals by the line keys of the draft that was sent. */
export function rejectionsByLine(rejections: Rejection[], sentKeys: number[]): Map<number, LineRejections> {
  const byLine = new Map<number, LineRejections>();
  for (const r of rejections) {
    const key = sentKeys[r.line];
    if (key === undefined) continue;
    let entry = byLine.get(key);
    if (!entry) byLine.set(key, (entry = { line: [], serials: new Map() }));
    if (r.serial) entry.serials.set(r.serial, r.reason);
    else if (!entry.line.includes(r.reason)) entry.line.push(r.reason);
  }
  return byLine;
}

/** A receipt id: a UUID (randomUUID needs a secure context; a store LAN on plain http has none). */
export function newReceiptId(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

export const describeCount = plural;
