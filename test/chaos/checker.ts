/**
 * The chaos checker: reads the run's history and the store's state straight from Redis (by the documented
 * key layout, not through the hub's code) and lists every violation of the hard rules. Fencing is checked
 * for every invoice in Redis, whatever its completion's recorded outcome, twice: against the tokens the
 * history saw (grants, renewals, releases) and against the serial's own timeline in Redis.
 */
import type { Redis } from 'ioredis';
import type { Operation } from './history.js';

export interface Violation {
  rule: string;
  detail: string;
}

// Duplicated from the hub on purpose (protocol/README.md, server/store/lua/includes/base.lua): the checker
// reads the documented layout and must not share the hub's code.
/** Past this many entries a serial's timeline drops its oldest holds and releases. */
const TIMELINE_MAX = 200;
/**
 * A hold may outlive its expiry by this much (several sweeps of SWEEP_INTERVAL_MS 200 on a busy machine) before
 * it is a leak. The orchestrator checks lease + 1.5 s after the last register left, so a hold that expired
 * with its register's grace period is past this when checked.
 */
const SWEEP_SLACK_MS = 1_000;

interface InvoiceLine { productId: number; serialMode: string; quantity: number; serials: string[]; returnedSerials: string[]; returnedQuantity: number }
interface Invoice { saleId: string; completedAt: number; lines: InvoiceLine[]; returns: string[] }
interface ReturnRec { returnId: string; saleId: string; returnedAt: number; lines: { line: number; productId: number; quantity: number; serials: string[] }[] }
interface Receipt { receiptId: string; receivedAt: number; lines: { productId: number; quantity: number; serials: string[] }[] }
interface Hold { productId: number; serial: string; terminalId: string; saleId: string; token: number; expiresAt: number }
interface TimelineEntry { k: string; p: number; at: number; r?: string }
/** A line of a completion as the register recorded it: the token it presented (live: the one it saw). */
interface SaleLineArg { productId: number; serial: string | null; token: number | null; mode: string }
interface HoldBrief { productId: number; serial: string; saleId: string; token: number }
/** What the history saw of one token of one serial: granted (or renewed) to a sale, or ended. */
interface TokenFact { saleId: string; token: number; invokedAt: number; endedAt: number; kind: 'granted' | 'dead' }

const list = <T>(v: unknown): T[] => (Array.isArray(v) ? (v as T[]) : []);
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
const serialKey = (pid: number, serial: string) => `${pid}:${serial}`;

async function getJson<T>(redis: Redis, keys: string[]): Promise<(T | null)[]> {
  const out: (T | null)[] = [];
  for (let i = 0; i < keys.length; i += 500) {
    const raw = await redis.mget(...keys.slice(i, i + 500));
    out.push(...raw.map((r) => (r ? (JSON.parse(r) as T) : null)));
  }
  return out;
}

/** Per serial, every token the history saw granted, renewed or ended, and the holds whose outcome is unknown. */
function tokenFacts(ops: Operation[]) {
  const facts = new Map<string, TokenFact[]>();
  const unknownHolds = new Map<string, Operation[]>();
  const add = (pid: unknown, serial: unknown, f: TokenFact) => {
    if (typeof pid !== 'number' || typeof serial !== 'string' || typeof f.token !== 'number') return;
    const k = serialKey(pid, serial);
    facts.set(k, [...(facts.get(k) ?? []), f]);
  };
  for (const o of ops) {
    const when = { invokedAt: o.invokedAt, endedAt: o.endedAt ?? Infinity };
    if (o.op === 'hold' && o.phase === 'unknown' && typeof o.args.productId === 'number' && typeof o.args.serial === 'string') {
      const k = serialKey(o.args.productId, o.args.serial);
      unknownHolds.set(k, [...(unknownHolds.get(k) ?? []), o]);
    }
    if (o.phase !== 'ok') continue;
    if (o.op === 'hold') add(o.args.productId, o.args.serial, { saleId: String(o.args.saleId), token: o.result.token as number, kind: 'granted', ...when });
    if (o.op === 'renew') {
      for (const h of list<HoldBrief>(o.result.renewed)) add(h.productId, h.serial, { saleId: h.saleId, token: h.token, kind: 'granted', ...when });
      for (const h of list<HoldBrief>(o.result.lost)) add(h.productId, h.serial, { saleId: h.saleId, token: h.token, kind: 'dead', ...when });
    }
    if (o.op === 'release') {
      add(o.args.productId, o.args.serial, { saleId: String(o.args.saleId), token: o.args.token as number, kind: 'dead', ...when });
      for (const h of list<HoldBrief>(o.result.released)) add(h.productId, h.serial, { saleId: h.saleId, token: h.token, kind: 'dead', ...when });
    }
  }
  return { facts, unknownHolds };
}

export async function checkStore(redis: Redis, storeId: string, ops: Operation[]) {
  const P = `sh:{s:${storeId}}:`;
  const violations: Violation[] = [];
  const v = (rule: string, detail: string) => violations.push({ rule, detail });

  // ---- read the state
  const [sec, usec] = await redis.time();
  const redisNow = Number(sec) * 1000 + Math.floor(Number(usec) / 1000);
  const pids = (await redis.zrange(`${P}products`, 0, -1)).map(Number);
  const products = new Map<number, Record<string, string>>();
  for (const pid of pids) products.set(pid, await redis.hgetall(`${P}product:${pid}`));
  const saleIds = await redis.zrange(`${P}invoices`, 0, -1);
  const invoices = (await getJson<Invoice>(redis, saleIds.map((s) => `${P}inv:${s}`))).filter((x): x is Invoice => !!x);
  const ackedReturnIds = ops.filter((o) => o.op === 'return' && o.phase === 'ok').map((o) => String(o.args.returnId));
  const returnIds = [...new Set([...invoices.flatMap((i) => list<string>(i.returns)), ...ackedReturnIds])];
  const returns = (await getJson<ReturnRec>(redis, returnIds.map((r) => `${P}ret:${r}`))).filter((x): x is ReturnRec => !!x);
  const receiptIds = await redis.zrange(`${P}receipts`, 0, -1);
  const receipts = (await getJson<Receipt>(redis, receiptIds.map((r) => `${P}rcpt:${r}`))).filter((x): x is Receipt => !!x);
  const holdsById = await redis.hgetall(`${P}holds`);
  const holds = Object.values(holdsById).map((h) => JSON.parse(h) as Hold);
  const timeline = await redis.hgetall(`${P}tl`);
  const invoiceById = new Map(invoices.map((i) => [i.saleId, i]));

  // ---- rule 1: an enforced serial is never sold twice without a return in between
  const lifeOf = new Map<string, { at: number; kind: 'sold' | 'returned'; ref: string }[]>();
  const push = (pid: number, serial: string, e: { at: number; kind: 'sold' | 'returned'; ref: string }) => {
    const k = serialKey(pid, serial);
    lifeOf.set(k, [...(lifeOf.get(k) ?? []), e]);
  };
  for (const inv of invoices) for (const l of list<InvoiceLine>(inv.lines)) {
    if (l.serialMode === 'enforced') for (const s of list<string>(l.serials)) push(l.productId, s, { at: inv.completedAt, kind: 'sold', ref: inv.saleId });
  }
  for (const r of returns) for (const l of list<ReturnRec['lines'][number]>(r.lines)) {
    const mode = invoiceById.get(r.saleId)?.lines[l.line]?.serialMode;
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

  // ---- rule 3: every sale in Redis presented the hold's current fencing token, whatever its recorded outcome
  const { facts, unknownHolds } = tokenFacts(ops);
  const completionsOf = new Map<string, Operation[]>();
  for (const o of ops.filter((x) => x.op === 'complete')) completionsOf.set(String(o.args.saleId), [...(completionsOf.get(String(o.args.saleId)) ?? []), o]);
  for (const inv of invoices) {
    const attempts = completionsOf.get(inv.saleId) ?? [];
    if (attempts.length === 0) v('fencing', `sale ${inv.saleId} is an invoice, but no register recorded completing it`);
    // a REST sale sends its tokens itself; a live one completes the hub's open sale, whose tokens the register saw
    const rest = attempts.length > 0 && attempts.every((a) => a.args.via === 'rest');
    const T = inv.completedAt;
    for (const l of list<InvoiceLine>(inv.lines)) {
      if (l.serialMode !== 'enforced') continue;
      for (const serial of list<string>(l.serials)) {
        const key = serialKey(l.productId, serial);
        checkTimeline(key, l.productId, serial, inv.saleId);
        if (attempts.length === 0) continue;
        const seen = facts.get(key) ?? [];
        const grant = seen.filter((f) => f.kind === 'granted' && f.saleId === inv.saleId && f.invokedAt <= T).sort((a, b) => a.endedAt - b.endedAt).pop();
        // Only a hold of this sale whose outcome is unknown, asked for between its last known grant and its
        // sale, may have given the open sale a token the register never saw.
        const unseen = (unknownHolds.get(key) ?? []).some((u) => u.args.saleId === inv.saleId && u.invokedAt <= T && (!grant || u.invokedAt >= grant.invokedAt));
        if (!rest && unseen) continue;
        const presented = [...new Set(attempts.flatMap((a) => list<SaleLineArg>(a.args.lines))
          .filter((x) => x.productId === l.productId && x.serial === serial && x.mode === 'enforced').map((x) => x.token))];
        if (presented.length === 0) {
          v('fencing', `sale ${inv.saleId} sold ${key}, which the register never had on the sale`);
          continue;
        }
        const problems = presented.map((t) => staleToken(seen, inv.saleId, t, T));
        if (problems.every(Boolean)) v('fencing', `sale ${inv.saleId} sold ${key}: ${problems.join('; ')}`);
      }
    }
  }

  /** Why token t was not the serial's current hold for this sale at time T, or null if nothing says so. */
  function staleToken(seen: TokenFact[], saleId: string, t: number | null, T: number): string | null {
    if (typeof t !== 'number') return 'no token';
    if (!seen.some((f) => f.kind === 'granted' && f.saleId === saleId && f.token === t && f.invokedAt <= T)) return `token ${t} was never granted to it`;
    const newer = seen.find((f) => f.kind === 'granted' && f.token > t && f.endedAt < T);
    if (newer) return `token ${t} was stale: token ${newer.token} was granted to ${newer.saleId} before the sale`;
    const ended = seen.find((f) => f.kind === 'dead' && f.token === t && f.endedAt < T);
    if (ended) return `token ${t} had been released or lost before the sale`;
    return null;
  }

  /** Redis' own record: right before the serial's sale by this sale id comes this sale's hold. */
  function checkTimeline(key: string, pid: number, serial: string, saleId: string) {
    const raw = (timeline[serial] ?? '').split('\n').filter(Boolean);
    const truncated = raw.length >= TIMELINE_MAX; // its oldest holds and releases may be gone
    // "@<receipt number>:<product id>" is a serial's short "received" entry
    const entries = raw
      .map((x) => (x.startsWith('@') ? ({ k: 'received', p: Number(x.split(':')[1]) } as TimelineEntry) : (JSON.parse(x) as TimelineEntry)))
      .filter((e) => e.p === pid);
    const at = entries.findIndex((e) => e.k === 'sold' && e.r === saleId);
    if (at < 0) {
      if (!truncated) v('fencing', `${key}: the timeline has no sale by ${saleId}`);
      return;
    }
    const prev = entries[at - 1];
    if (prev?.k === 'held' && prev.r === saleId) return;
    if (!truncated || prev?.k === 'held' || prev?.k === 'sold') {
      v('fencing', `${key}: the timeline shows sale ${saleId} selling it after ${JSON.stringify(prev ?? null)}, not after its own hold`);
    }
  }

  // ---- rule 4: every acknowledged sale, receipt and return is in Redis with its serials
  const lostIds = new Set<string>();
  const lostWrite = (id: string, detail: string) => {
    if (!lostIds.has(id)) v('lost-write', detail);
    lostIds.add(id);
  };
  for (const c of ops.filter((o) => o.op === 'complete' && o.phase === 'ok')) {
    const inv = invoiceById.get(String(c.args.saleId));
    if (!inv) lostWrite(`sale:${String(c.args.saleId)}`, `acknowledged sale ${String(c.args.saleId)} is missing`);
    else if (!same(list<InvoiceLine>(inv.lines).map((l) => list(l.serials)), c.result.serials)) {
      lostWrite(`sale:${inv.saleId}`, `sale ${inv.saleId}: serials ${JSON.stringify(inv.lines.map((l) => l.serials))} differ from the acknowledgement ${JSON.stringify(c.result.serials)}`);
    }
  }
  const returnById = new Map(returns.map((r) => [r.returnId, r]));
  for (const r of ops.filter((o) => o.op === 'return' && o.phase === 'ok')) {
    const id = String(r.args.returnId);
    const stored = returnById.get(id);
    const acked = r.result.serials ?? [typeof r.args.serial === 'string' ? [r.args.serial] : []];
    if (!stored) {
      lostWrite(`return:${id}`, `acknowledged return ${id} is missing`);
      continue;
    }
    const serials = list<ReturnRec['lines'][number]>(stored.lines).map((l) => list<string>(l.serials));
    const inv = invoiceById.get(stored.saleId);
    const onInvoice = list<ReturnRec['lines'][number]>(stored.lines).every((l) =>
      list<string>(l.serials).every((s) => list<string>(inv?.lines[l.line]?.returnedSerials).includes(s)));
    if (!same(serials, acked)) lostWrite(`return:${id}`, `return ${id}: serials ${JSON.stringify(serials)} differ from the acknowledgement ${JSON.stringify(acked)}`);
    else if (!inv || !list<string>(inv.returns).includes(id) || !onInvoice) lostWrite(`return:${id}`, `return ${id}: invoice ${stored.saleId} does not show it with its serials`);
  }
  const receiptById = new Map(receipts.map((r) => [r.receiptId, r]));
  for (const r of ops.filter((o) => o.op === 'receive' && o.phase === 'ok')) {
    const id = String(r.args.receiptId);
    const stored = receiptById.get(id);
    const acked = r.result.serials ?? list<{ serials?: string[] }>(r.args.lines).map((l) => l.serials ?? []);
    if (!stored) lostWrite(`receipt:${id}`, `acknowledged receipt ${id} is missing`);
    else if (!same(list<Receipt['lines'][number]>(stored.lines).map((l) => list<string>(l.serials)), acked)) {
      lostWrite(`receipt:${id}`, `receipt ${id}: serials differ from the acknowledgement ${JSON.stringify(acked)}`);
    }
  }

  // ---- stock equals the serial sets; no serial is in two states; nothing held without a hold
  for (const [pid, p] of products) {
    if (p.serialMode === 'enforced') {
      const [inStock, held, soldSet] = await Promise.all([
        redis.zrange(`${P}in:${pid}`, 0, -1), redis.zrange(`${P}held:${pid}`, 0, -1), redis.zrange(`${P}sold:${pid}`, 0, -1),
      ]);
      const sets = { in_stock: new Set(inStock), held: new Set(held), sold: new Set(soldSet) };
      for (const s of inStock) if (sets.held.has(s) || sets.sold.has(s)) v('two-states', `${pid}:${s} is in stock and ${sets.held.has(s) ? 'held' : 'sold'}`);
      for (const s of held) if (sets.sold.has(s)) v('two-states', `${pid}:${s} is held and sold`);
      for (const s of held) {
        const id = serialKey(pid, s);
        if (!(id in holdsById) || (await redis.zscore(`${P}hexp`, id)) === null) v('locked', `${id} is in the held set with no hold or no expiry: nothing will ever release it`);
      }
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

  // ---- every hold in Redis belongs to an open sale (a live cart, or a REST sale), is indexed where the
  // sweeper looks, and has not outlived its expiry (the sweeper ran)
  const restSales = new Set(ops.filter((o) => o.op === 'hold' && o.args.via === 'rest').map((o) => String(o.args.saleId)));
  for (const h of holds) {
    const id = serialKey(h.productId, h.serial);
    const cartRaw = await redis.get(`${P}cart:${h.saleId}`);
    type CartLine = { productId: number; serial: string | null; token: number | null; lost: unknown };
    const cart = cartRaw ? (JSON.parse(cartRaw) as { lines: CartLine[] }) : null;
    if (invoiceById.has(h.saleId)) v('orphan-hold', `${id} is held for ${h.saleId}, which is already an invoice`);
    else if (cart ? !list<CartLine>(cart.lines).some((l) => l.productId === h.productId && l.serial === h.serial && l.token === h.token && !l.lost) : !restSales.has(h.saleId)) {
      v('orphan-hold', `${id} held by ${h.terminalId} for ${h.saleId}, which has no open line for it`);
    }
    if ((await redis.zscore(`${P}hexp`, id)) === null) v('orphan-hold', `${id} is not in the expiry index`);
    if (h.expiresAt < redisNow - SWEEP_SLACK_MS) v('stale-hold', `${id} expired ${redisNow - h.expiresAt} ms ago and was never swept`);
  }

  return { violations, lost: lostIds.size, counts: { invoices: invoices.length, returns: returns.length, receipts: receipts.length, holds: holds.length } };
}
