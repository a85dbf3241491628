/** Products and customers: create, change, find, and the product's serial lists. */
import type { Redis } from 'ioredis';
import { normalizeSerial } from '../../protocol/serials.js';
import type { Customer, Hold, Page, Product, SerialMode, ServiceRecord } from '../../protocol/schemas.js';
import type { Caller, Deps } from '../deps.js';
import { HubError } from '../store/errors.js';
import { storeKeys } from '../store/keys.js';
import { normalizeInvoice } from '../store/scripts.js';
import type { Invoice } from '../../protocol/schemas.js';
import { numericCursor, pageOfIds } from './paging.js';
import { queryWords, searchWords } from './text.js';

/** A prefix search of sold serials scans at most this many batches per page (few round trips: ~50,000 entries). */
const SOLD_SCAN_BATCHES = 10;
const SOLD_SCAN_COUNT = 5_000;
/** A prefix search of held serials reads the held set (by expiry) in batches of this many, at most 50 per page. */
const HELD_SCAN_BATCH = 1_000;
const HELD_SCAN_BATCHES = 50;
/** Index entries read per round trip while a search walks its rarest word's range (the whole range is walked). */
const INDEX_BATCH = 2_000;
/** Candidates whose words are read per round trip when a search has more than one word. */
const CANDIDATE_BATCH = 500;

type ProductFields = Omit<Product, 'id' | 'stock' | 'held' | 'createdAt' | 'updatedAt'>;

export function productFromHash(h: Record<string, string>, inStock: number, held: number): Product {
  const enforced = h.serialMode === 'enforced';
  return {
    id: Number(h.id),
    partNumber: h.partNumber!,
    name: h.name!,
    priceCents: Number(h.priceCents),
    serialMode: h.serialMode as SerialMode,
    warrantyReminder: h.warrantyReminder === '1',
    warrantyMonths: Number(h.warrantyMonths),
    serialCaseSensitive: h.serialCaseSensitive === '1',
    lowStockThreshold: Number(h.lowStockThreshold),
    stock: enforced ? inStock + held : Number(h.qty ?? 0),
    held: enforced ? held : 0,
    createdAt: Number(h.createdAt),
    updatedAt: Number(h.updatedAt),
  };
}

/** Reads products in one round trip (pipelined); missing ones are left out. */
export async function loadProducts(redis: Redis, storeId: string, ids: number[]): Promise<Product[]> {
  if (ids.length === 0) return [];
  const k = storeKeys(storeId);
  const pipe = redis.pipeline();
  for (const id of ids) pipe.hgetall(k.product(id)).zcard(k.inStock(id)).zcard(k.held(id));
  const res = (await pipe.exec()) ?? [];
  const out: Product[] = [];
  for (let i = 0; i < ids.length; i++) {
    const [[e1, h], [, inStock], [, held]] = [res[i * 3]!, res[i * 3 + 1]!, res[i * 3 + 2]!];
    if (e1) throw e1;
    const hash = h as Record<string, string>;
    if (hash && hash.id) out.push(productFromHash(hash, Number(inStock), Number(held)));
  }
  return out;
}

/** The lex range of index entries ("<word>\0<id>") whose word starts with `w`. */
function prefixRange(w: string): [string, Buffer] {
  // The upper bound is the byte 0xff, which no UTF-8 text contains ('\xff' as a string is U+00FF, two bytes,
  // and would cut off words whose next character is beyond U+00FF, e.g. every Cyrillic or Greek prefix).
  return [`[${w}`, Buffer.concat([Buffer.from(`[${w}`), Buffer.from([0xff])])];
}

/** The indexed words of records, by id (null for a record that is gone). */
type WordsOf = (ids: number[]) => Promise<(string[] | null)[]>;

/**
 * One page (ids ascending, after the cursor id) of the records whose index words start with every query word.
 * It walks the whole range of the rarest query word (ZLEXCOUNT) in batches, then keeps, in id order, the
 * candidates whose own words match every other query word, until the page is full: no word's popularity can
 * hide a match.
 */
async function searchIndex(redis: Redis, indexKey: string, q: string, cursor: string | undefined, limit: number, wordsOf: WordsOf) {
  const after = numericCursor(cursor);
  const words = queryWords(q);
  if (words.length === 0) return { ids: [], nextCursor: null };
  const counts = await Promise.all(words.map((w) => redis.zlexcount(indexKey, ...prefixRange(w))));
  const rarest = counts.indexOf(Math.min(...counts));
  if (counts[rarest] === 0) return { ids: [], nextCursor: null };
  const others = words.filter((_, i) => i !== rarest);

  const candidates = new Set<number>();
  let [min, max] = prefixRange(words[rarest]!) as [string | Buffer, Buffer];
  for (;;) {
    const members = await redis.zrangebylexBuffer(indexKey, min, max, 'LIMIT', 0, INDEX_BATCH);
    for (const m of members) {
      const id = Number(m.subarray(m.lastIndexOf(0) + 1).toString());
      if (id > after) candidates.add(id);
    }
    if (members.length < INDEX_BATCH) break;
    min = Buffer.concat([Buffer.from('('), members[members.length - 1]!]);
  }
  const sorted = [...candidates].sort((a, b) => a - b);
  if (others.length === 0) {
    const ids = sorted.slice(0, limit);
    return { ids, nextCursor: sorted.length > limit ? String(ids[ids.length - 1]) : null };
  }
  const found: number[] = [];
  for (let i = 0; i < sorted.length && found.length <= limit; i += CANDIDATE_BATCH) {
    const batch = sorted.slice(i, i + CANDIDATE_BATCH);
    const lists = await wordsOf(batch);
    batch.forEach((id, j) => {
      const own = lists[j];
      if (own && others.every((w) => own.some((x) => x.startsWith(w)))) found.push(id);
    });
  }
  const ids = found.slice(0, limit);
  return { ids, nextCursor: found.length > limit ? String(ids[ids.length - 1]) : null };
}

/** Products' index words, as createProduct and updateProduct stored them beside the product. */
function productWords(redis: Redis, storeId: string): WordsOf {
  const k = storeKeys(storeId);
  return async (ids) => {
    const pipe = redis.pipeline();
    for (const id of ids) pipe.hget(k.product(id), 'words');
    const res = (await pipe.exec()) ?? [];
    return res.map(([err, v]) => {
      if (err) throw err;
      return typeof v === 'string' ? v.split('\n') : null;
    });
  };
}

/** The words a customer is indexed by (see createCustomer). */
function customerSearchWords(c: { name: string; phone?: string; email?: string }): string[] {
  return searchWords(c.name, c.phone?.replace(/\D/g, ''), c.email);
}

function customerWords(redis: Redis, storeId: string): WordsOf {
  return async (ids) => {
    const raw = await redis.hmget(storeKeys(storeId).customers, ...ids.map(String));
    return raw.map((r) => (r ? customerSearchWords(JSON.parse(r) as Customer) : null));
  };
}

export class CatalogService {
  constructor(private readonly deps: Deps) {}

  async createProduct(caller: Caller, fields: ProductFields): Promise<Product> {
    return this.deps.scripts.createProduct(caller.storeId, fields, searchWords(fields.partNumber, fields.name));
  }

  async getProduct(storeId: string, productId: number): Promise<Product> {
    const [p] = await loadProducts(this.deps.redis, storeId, [productId]);
    if (!p) throw new HubError('PRODUCT_NOT_FOUND', `no product ${productId}`);
    return p;
  }

  async updateProduct(caller: Caller, productId: number, change: Partial<ProductFields> & { serials?: string[] }) {
    const current = await this.getProduct(caller.storeId, productId);
    const { serials: rawSerials, ...changes } = change;
    let serials: string[] | null = null;
    if (rawSerials) {
      const caseSensitive = changes.serialCaseSensitive ?? current.serialCaseSensitive;
      const bad = rawSerials.filter((s) => normalizeSerial(s, caseSensitive) === null);
      if (bad.length) throw new HubError('VALIDATION_FAILED', 'some serials are not valid', { invalid: bad.slice(0, 100) });
      serials = rawSerials.map((s) => normalizeSerial(s, caseSensitive)!);
    }
    const words = changes.partNumber || changes.name
      ? searchWords(changes.partNumber ?? current.partNumber, changes.name ?? current.name)
      : null;
    return this.deps.scripts.updateProduct(caller.storeId, {
      productId, changes, words, serials, staffId: caller.staffId, terminalId: caller.terminalId ?? '',
    });
  }

  async listProducts(storeId: string, q: { q?: string; cursor?: string; limit: number }): Promise<Page<Product>> {
    const k = storeKeys(storeId);
    let page: { ids: number[]; nextCursor: string | null };
    if (q.q?.trim()) {
      page = await searchIndex(this.deps.redis, k.productIndex, q.q, q.cursor, q.limit, productWords(this.deps.redis, storeId));
    } else {
      const after = numericCursor(q.cursor);
      const ids = (await this.deps.redis.zrangebyscore(k.products, `(${after}`, '+inf', 'LIMIT', 0, q.limit + 1)).map(Number);
      const items = ids.slice(0, q.limit);
      page = { ids: items, nextCursor: ids.length > q.limit ? String(items[items.length - 1]) : null };
    }
    return { items: await loadProducts(this.deps.redis, storeId, page.ids), nextCursor: page.nextCursor };
  }

  /** A product's serials: available (lexical order), held (by expiry) or sold (newest first); prefix search. */
  async listSerials(
    storeId: string,
    productId: number,
    q: { status: 'available' | 'held' | 'sold'; q?: string; cursor?: string; limit: number },
  ): Promise<Page<object>> {
    const product = await this.getProduct(storeId, productId);
    const k = storeKeys(storeId);
    const redis = this.deps.redis;
    const prefix = q.q?.trim() ? (product.serialCaseSensitive ? q.q.trim() : q.q.trim().toUpperCase()) : '';
    if (q.status === 'available') {
      const min = q.cursor ? `(${q.cursor}` : prefix ? `[${prefix}` : '-';
      const max = prefix ? `[${prefix}\xff` : '+';
      const serials = await redis.zrangebylex(k.inStock(productId), min, max, 'LIMIT', 0, q.limit + 1);
      const items = serials.slice(0, q.limit);
      return { items: items.map((serial) => ({ serial })), nextCursor: serials.length > q.limit ? items[items.length - 1]! : null };
    }
    if (q.status === 'held') {
      // The cursor is a position in the held set (by expiry); a prefix search reads on from it in batches.
      const offset = numericCursor(q.cursor);
      let slice: string[];
      let nextCursor: string | null;
      if (!prefix) {
        const serials = await redis.zrange(k.held(productId), offset, offset + q.limit);
        slice = serials.slice(0, q.limit);
        nextCursor = serials.length > q.limit ? String(offset + q.limit) : null;
      } else {
        slice = [];
        nextCursor = null;
        let pos = offset;
        for (let batch = 0; batch < HELD_SCAN_BATCHES && slice.length < q.limit; batch++) {
          const serials = await redis.zrange(k.held(productId), pos, pos + HELD_SCAN_BATCH - 1);
          let read = 0;
          for (const s of serials) {
            read++;
            if (s.startsWith(prefix)) slice.push(s);
            if (slice.length === q.limit) break;
          }
          pos += read;
          nextCursor = serials.length < HELD_SCAN_BATCH && read === serials.length ? null : String(pos);
          if (nextCursor === null) break;
        }
      }
      const raw = slice.length ? await redis.hmget(k.holds, ...slice.map((s) => `${productId}:${s}`)) : [];
      return { items: raw.filter((r): r is string => r !== null).map((r) => JSON.parse(r) as Hold), nextCursor };
    }
    // sold: newest first; a prefix search scans the set inside Redis
    let serials: string[];
    let nextCursor: string | null;
    if (prefix) {
      if (q.cursor && !(/^\d{1,20}$/.test(q.cursor) && BigInt(q.cursor) < 2n ** 64n)) {
        throw new HubError('VALIDATION_FAILED', 'invalid cursor', { cursor: q.cursor.slice(0, 40) });
      }
      // Scan batches until the page is full (a batch may overfill it: ZSCAN cannot resume mid-batch).
      const found = new Set<string>();
      let cursor = q.cursor ?? '0';
      for (let batch = 0; batch < SOLD_SCAN_BATCHES; batch++) {
        const [next, flat] = await redis.zscan(k.sold(productId), cursor, 'MATCH', `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`, 'COUNT', SOLD_SCAN_COUNT);
        flat.forEach((v, i) => i % 2 === 0 && found.add(v));
        cursor = next;
        if (cursor === '0' || found.size >= q.limit) break;
      }
      serials = [...found];
      nextCursor = cursor === '0' ? null : cursor;
    } else {
      const offset = numericCursor(q.cursor);
      serials = await redis.zrevrange(k.sold(productId), offset, offset + q.limit);
      nextCursor = serials.length > q.limit ? String(offset + q.limit) : null;
      serials = serials.slice(0, q.limit);
    }
    // A member is a serial (its latest sale) or "<serial>\0<saleId>" (an earlier unreturned sale of a solicit
    // serial sold again): one item per sale either way.
    const info = serials.length ? await redis.hmget(k.soldInfo, ...serials.map((s) => `${productId}:${s}`)) : [];
    const items = serials.map((member, i) => {
      const { earlier: _, ...sale } = info[i] ? (JSON.parse(info[i]!) as { earlier?: unknown; saleId?: string; invoiceNumber?: number }) : {};
      return { serial: member.split('\0')[0]!, ...sale } as { serial: string; saleId?: string; invoiceNumber?: number };
    });
    // Serials sold before the invoice number was kept with them: read it from their invoices (once per page).
    const older = [...new Set(items.filter((i) => i.saleId && i.invoiceNumber === undefined).map((i) => i.saleId!))];
    if (older.length) {
      const invoices = await redis.mget(...older.map((id) => k.invoice(id)));
      const numbers = new Map(older.map((id, n) => [id, invoices[n] ? (JSON.parse(invoices[n]!) as Invoice).number : undefined]));
      for (const item of items) if (item.saleId && item.invoiceNumber === undefined) item.invoiceNumber = numbers.get(item.saleId);
    }
    return { items, nextCursor };
  }

  async createCustomer(caller: Caller, c: { name: string; phone?: string; email?: string }): Promise<Customer> {
    return this.deps.scripts.createCustomer(caller.storeId, c, customerSearchWords(c));
  }

  async getCustomer(storeId: string, id: number): Promise<Customer> {
    const raw = await this.deps.redis.hget(storeKeys(storeId).customers, String(id));
    if (!raw) throw new HubError('CUSTOMER_NOT_FOUND', `no customer ${id}`);
    return JSON.parse(raw) as Customer;
  }

  async listCustomers(storeId: string, q: { q?: string; cursor?: string; limit: number }): Promise<Page<Customer>> {
    const k = storeKeys(storeId);
    // Phones are indexed as their digits only, so a phone typed with separators ("555-0101") is searched as digits.
    const query = q.q?.trim() && /^[\d\s()+./-]+$/.test(q.q) && /\d/.test(q.q) ? q.q.replace(/\D/g, '') : q.q;
    const page = query?.trim()
      ? await searchIndex(this.deps.redis, k.customerIndex, query, q.cursor, q.limit, customerWords(this.deps.redis, storeId))
      : pageOfIds((await this.deps.redis.hkeys(k.customers)).map(Number).sort((a, b) => a - b), q.cursor, q.limit);
    const raw = page.ids.length ? await this.deps.redis.hmget(k.customers, ...page.ids.map(String)) : [];
    return { items: raw.filter((r): r is string => r !== null).map((r) => JSON.parse(r) as Customer), nextCursor: page.nextCursor };
  }

  /** A customer's invoices, newest first, with their serials; and their service records. */
  async customerHistory(storeId: string, id: number, q: { cursor?: string; limit: number }) {
    await this.getCustomer(storeId, id);
    const k = storeKeys(storeId);
    const offset = numericCursor(q.cursor);
    const saleIds = await this.deps.redis.zrevrange(k.customerInvoices(id), offset, offset + q.limit);
    const page = saleIds.slice(0, q.limit);
    const raw = page.length ? await this.deps.redis.mget(...page.map((s) => k.invoice(s))) : [];
    return {
      items: raw.filter((r): r is string => r !== null).map((r) => normalizeInvoice(JSON.parse(r) as Invoice)),
      nextCursor: saleIds.length > q.limit ? String(offset + q.limit) : null,
    };
  }

  async serviceRecords(storeId: string, id: number): Promise<ServiceRecord[]> {
    await this.getCustomer(storeId, id);
    const raw = await this.deps.redis.lrange(storeKeys(storeId).serviceRecords(id), 0, -1);
    return raw.map((r) => JSON.parse(r) as ServiceRecord);
  }
}
