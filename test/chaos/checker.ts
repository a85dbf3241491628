/**
 * The chaos checker: reads the run's history and the store's state straight from Redis (by the documented
 * key layout, not through the hub's code) and lists every violation of the hard rules.
 */
import type { Redis } from 'ioredis';
import type { Operation } from './history.js';

export interface Violation {
  rule: string;
  detail: string;
}

interface InvoiceLine { productId: number; serialMode: string; quantity: number; serials: string[]; returnedSerials: string[]; returnedQuantity: number }
interface Invoice { saleId: string; completedAt: number; lines: InvoiceLine[]; returns: string[] }
interface ReturnRec { returnId: string; saleId: string; returnedAt: number; lines: { line: number; productId: number; quantity: number; serials: string[] }[] }
interface Receipt { receiptId: string; receivedAt: number; lines: { productId: number; quantity: number; serials: string[] }[] }
interface Hold { productId: number; serial: string; terminalId: string; saleId: string; token: number; expiresAt: number }
interface TimelineEntry { k: string; p: number; at: number; r?: string }

const list = <T>(v: unknown): T[] => (Array.isArray(v) ? (v as T[]) : []);

async function getJson<T>(redis: Redis, keys: string[]): Promise<(T | null)[]> {
  const out: (T | null)[] = [];
  for (let i = 0; i < keys.length; i += 500) {
    const raw = keys.length ? await redis.mget(...keys.slice(i, i + 500)) : [];
    out.push(...raw.map((r) => (r ? (JSON.parse(r) as T) : null)));
  }
  return out;
}

export async function checkStore(redis: Redis, storeId: string, ops: Operation[]) {
  const P = `sh:{s:${storeId}}:`;
  const violations: Violation[] = [];
  const v = (rule: string, detail: string) => violations.push({ rule, detail });

  // ---- read the state
  const pids = (await redis.zrange(`${P}products`, 0, -1)).map(Number);
  const products = new Map<number, Record<string, string>>();
  for (const pid of pids) products.set(pid, await redis.hgetall(`${P}product:${pid}`));
  const saleIds = await redis.zrange(`${P}invoices`, 0, -1);
  const invoices = (await getJson<Invoice>(redis, saleIds.map((s) => `${P}inv:${s}`))).filter((x): x is Invoice => !!x);
  const returnIds = invoices.flatMap((i) => list<string>(i.returns));
  const returns = (await getJson<ReturnRec>(redis, returnIds.map((r) => `${P}ret:${r}`))).filter((x): x is ReturnRec => !!x);
  const receiptIds = await redis.zrange(`${P}receipts`, 0, -1);
  const receipts = (await getJson<Receipt>(redis, receiptIds.map((r) => `${P}rcpt:${r}`))).filter((x): x is Receipt => !!x);
  const holds = Object.values(await redis.hgetall(`${P}holds`)).map((h) => JSON.parse(h) as Hold);
  const timeline = await redis.hgetall(`${P}tl`);

  // ---- rule 1: an enforced serial is never sold twice without a return in between
  const lifeOf = new Map<string, { at: number; kind: 'sold' | 'returned'; ref: string }[]>();
  const push = (pid: number, serial: string, e: { at: number; kind: 'sold' | 'returned'; ref: string }) => {
    const k = `${pid}:${serial}`;
    lifeOf.set(k, [...(lifeOf.get(k) ?? []), e]);
  };
  for (const inv of invoices) for (const l of list<InvoiceLine>(inv.lines)) {
    if (l.serialMode === 'enforced') for (const s of list<string>(l.serials)) push(l.productId, s, { at: inv.completedAt, kind: 'sold', ref: inv.saleId });
  }
  for (const r of returns) for (const l of list<ReturnRec['lines'][number]>(r.lines)) {
    const mode = invoices.find((i) => i.saleId === r.saleId)?.lines[l.line]?.serialMode;
    if (mode === 'enforced') for (const s of list<string>(l.serials)) push(l.productId, s, { at: r.returnedAt, kind: 'returned', ref: r.returnId });
  }
  for (const [key, events] of lifeOf) {
    events.sort((a, b) => a.at - b.at || (a.kind === 'sold' ? -1 : 1));
    let expect: 'sold' | 'returned' = 'sold';
    for (const e of events) {
      if (e.kind !== expect) {
        v('sold-twice', `${key}: ${e.kind} (${e.ref}) when ${expect} was due: ${JSON.stringify(events)}`);
        break;
      }
      expect = expect === 'sold' ? 'returned' : 'sold';
    }
  }

  // ---- rule 2: every successful sale presented the hold's current fencing token
  const grants = ops.filter((o) => o.op === 'hold' && o.phase !== 'fail');
  for (const c of ops.filter((o) => o.op === 'complete' && o.phase === 'ok' && !o.result.replayed)) {
    for (const l of list<{ productId: number; serial: string | null; token: number | null; mode: string }>(c.args.lines)) {
      if (l.mode !== 'enforced' || !l.serial) continue;
      const before = grants.filter((g) => g.args.productId === l.productId && g.args.serial === l.serial && g.invokedAt <= (c.endedAt ?? Infinity));
      if (before.some((g) => g.phase === 'unknown')) continue; // a hold whose outcome is unknown may hold a later token
      const latest = before.filter((g) => g.phase === 'ok').sort((a, b) => (a.endedAt ?? 0) - (b.endedAt ?? 0)).pop();
      if (!latest || latest.result.token !== l.token || latest.args.saleId !== c.args.saleId) {
        v('fencing', `sale ${String(c.args.saleId)} sold ${l.serial} with token ${l.token}; the latest grant was ${JSON.stringify(latest?.result)} for ${String(latest?.args.saleId)}`);
      }
      // and the serial's own timeline agrees: its last hold before this sale was this sale's
      const entries = (timeline[l.serial] ?? '').split('\n').filter(Boolean).map((x) => JSON.parse(x) as TimelineEntry).filter((e) => e.p === l.productId);
      const soldAt = entries.findIndex((e) => e.k === 'sold' && e.r === c.args.saleId);
      const lastHold = entries.slice(0, soldAt).filter((e) => e.k === 'held').pop();
      if (soldAt < 0 || lastHold?.r !== c.args.saleId) v('fencing', `${l.serial}: timeline does not show sale ${String(c.args.saleId)} holding it when sold`);
    }
  }

  // ---- rule 4: every acknowledged sale, receipt and return is in Redis with its serials
  let lost = 0;
  const invoiceById = new Map(invoices.map((i) => [i.saleId, i]));
  for (const c of ops.filter((o) => o.op === 'complete' && o.phase === 'ok')) {
    const inv = invoiceById.get(String(c.args.saleId));
    if (!inv) {
      lost++;
      v('lost-write', `acknowledged sale ${String(c.args.saleId)} is missing`);
    } else if (JSON.stringify(list<InvoiceLine>(inv.lines).map((l) => list(l.serials))) !== JSON.stringify(c.result.serials)) {
      v('lost-write', `sale ${inv.saleId}: serials differ from the acknowledgement`);
    }
  }
  const returnSet = new Set(returns.map((r) => r.returnId));
  for (const r of ops.filter((o) => o.op === 'return' && o.phase === 'ok')) {
    if (!returnSet.has(String(r.args.returnId))) {
      lost++;
      v('lost-write', `acknowledged return ${String(r.args.returnId)} is missing`);
    }
  }
  const receiptSet = new Set(receipts.map((r) => r.receiptId));
  for (const r of ops.filter((o) => o.op === 'receive' && o.phase === 'ok')) {
    if (!receiptSet.has(String(r.args.receiptId))) {
      lost++;
      v('lost-write', `acknowledged receipt ${String(r.args.receiptId)} is missing`);
    }
  }

  // ---- stock equals the serial sets; no serial is in two states
  for (const [pid, p] of products) {
    if (p.serialMode === 'enforced') {
      const [inStock, held, soldSet] = await Promise.all([
        redis.zrange(`${P}in:${pid}`, 0, -1), redis.zrange(`${P}held:${pid}`, 0, -1), redis.zrange(`${P}sold:${pid}`, 0, -1),
      ]);
      const sets = { in_stock: new Set(inStock), held: new Set(held), sold: new Set(soldSet) };
      for (const s of inStock) if (sets.held.has(s) || sets.sold.has(s)) v('two-states', `${pid}:${s} is in stock and ${sets.held.has(s) ? 'held' : 'sold'}`);
      for (const s of held) if (sets.sold.has(s)) v('two-states', `${pid}:${s} is held and sold`);
      const received = new Set(receipts.flatMap((r) => list<Receipt['lines'][number]>(r.lines).filter((l) => l.productId === pid).flatMap((l) => list<string>(l.serials))));
      const all = new Set([...inStock, ...held, ...soldSet]);
      for (const s of received) if (!all.has(s)) v('stock', `${pid}:${s} was received but is nowhere`);
      for (const s of all) if (!received.has(s)) v('stock', `${pid}:${s} is in a set but was never received`);
      const soldNow = new Set<string>();
      for (const [key, events] of lifeOf) if (key.startsWith(`${pid}:`) && events[events.length - 1]?.kind === 'sold') soldNow.add(key.slice(String(pid).length + 1));
      for (const s of soldNow) if (!sets.sold.has(s)) v('stock', `${pid}:${s} is sold by the invoices but not in the sold set`);
      for (const s of soldSet) if (!soldNow.has(s)) v('stock', `${pid}:${s} is in the sold set but the invoices say otherwise`);
    } else {
      const received = receipts.flatMap((r) => list<Receipt['lines'][number]>(r.lines)).filter((l) => l.productId === pid).reduce((n, l) => n + l.quantity, 0);
      const soldQty = invoices.flatMap((i) => list<InvoiceLine>(i.lines)).filter((l) => l.productId === pid).reduce((n, l) => n + l.quantity, 0);
      const returnedQty = returns.flatMap((r) => list<ReturnRec['lines'][number]>(r.lines)).filter((l) => l.productId === pid).reduce((n, l) => n + l.quantity, 0);
      if (Number(p.qty) !== received - soldQty + returnedQty) v('stock', `${p.partNumber}: qty ${p.qty} != received ${received} - sold ${soldQty} + returned ${returnedQty}`);
    }
  }

  // ---- every hold in Redis belongs to an open sale (and is indexed where the sweeper looks)
  for (const h of holds) {
    const id = `${h.productId}:${h.serial}`;
    const cartRaw = await redis.get(`${P}cart:${h.saleId}`);
    const cart = cartRaw ? (JSON.parse(cartRaw) as { lines: { productId: number; serial: string | null; token: number | null; lost: unknown }[] }) : null;
    if (!cart || !list<{ productId: number; serial: string | null; token: number | null; lost: unknown }>(cart.lines).some((l) => l.productId === h.productId && l.serial === h.serial && l.token === h.token && !l.lost)) {
      v('orphan-hold', `${id} held by ${h.terminalId} for ${h.saleId}, which has no open line for it`);
    }
    if ((await redis.zscore(`${P}hexp`, id)) === null) v('orphan-hold', `${id} is not in the expiry index`);
  }

  return { violations, lost, counts: { invoices: invoices.length, returns: returns.length, receipts: receipts.length, holds: holds.length } };
}
