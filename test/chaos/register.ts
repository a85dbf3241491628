/**
 * One simulated register, in its own process: it rings up sales against a small pool of serials (so
 * registers collide), live (an open sale on the hub) or, some rounds, over REST (its own cart, holds taken,
 * renewed and released with the /api/holds routes, the sale sent whole with each serial's token). It removes
 * lines, voids, retries completions with the same sale id, and returns units, recording every operation in
 * its history file. SIGUSR2 cuts its network (socket and REST) for a while; the orchestrator also freezes it
 * with SIGSTOP. Config comes as JSON in CHAOS_REGISTER.
 */
import { randomUUID } from 'node:crypto';
import { RequestError, StoreSync } from '../../client/sync/store-sync.js';
import type { Hold } from '../../protocol/schemas.js';
import type { OpenSale } from '../../protocol/socket.js';
import { HistoryWriter, isDefiniteRefusal } from './history.js';
import { rng } from './random.js';

export interface RegisterConfig {
  index: number;
  hubUrl: string;
  token: string;
  enforced: { productId: number; serials: string[] }[];
  solicitId: number;
  noneId: number;
  /** Every product's price (the REST sale pays it exactly). */
  priceCents: number;
  seed: number;
  deadline: number;
  historyFile: string;
  /** The longest network cut on SIGUSR2. */
  maxCutMs: number;
}

const cfg = JSON.parse(process.env.CHAOS_REGISTER ?? '{}') as RegisterConfig;
const random = rng(cfg.seed);
const history = new HistoryWriter(cfg.historyFile, `r${cfg.index}`);
const REQUEST_MS = 4_000;
/** Share of rounds rung up over REST instead of live. */
const REST_ROUND_SHARE = 0.3;
/** Attempts of one completion (same sale id) while its outcome stays unknown. */
const COMPLETE_ATTEMPTS = 6;
/** Timers firing this late mean the process was frozen (SIGSTOP); Node cannot listen for SIGCONT. */
const WAKE_GAP_MS = 2_000;
const sync = new StoreSync({
  url: cfg.hubUrl, token: cfg.token,
  socketOptions: { reconnectionDelay: 100, reconnectionDelayMax: 1000, forceNew: true },
});
const sold: { saleId: string; line: number; serial: string | null; productId: number }[] = [];
let cutUntil = 0;
let woke = false;
let lastTick = Date.now();
setInterval(() => {
  if (Date.now() - lastTick > WAKE_GAP_MS) woke = true;
  lastTick = Date.now();
}, 100).unref();
/** True once after a freeze: the register then sells what it had, as if it had never stopped. */
function justWoke() {
  const w = woke;
  woke = false;
  return w;
}

process.on('SIGUSR2', () => {
  const ms = random.int(100, cfg.maxCutMs);
  cutUntil = Date.now() + ms;
  sync.socket.disconnect();
  setTimeout(() => sync.socket.connect(), ms);
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const code = (err: unknown) => (err instanceof RequestError ? err.code : 'ERROR');
/** Worth trying again with the same ids: the hub did not definitely refuse it. */
const retryable = (err: unknown) => !isDefiniteRefusal(code(err));

/** One REST call; no answer is TIMEOUT, a cut network OFFLINE, an error answer its code (HTTP_<status> if none). */
async function rest<T>(path: string, body: unknown): Promise<T> {
  if (Date.now() < cutUntil) throw new RequestError('OFFLINE', 'network cut');
  let res: Response;
  try {
    res = await fetch(`${cfg.hubUrl}${path}`, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${cfg.token}` },
      body: JSON.stringify(body), signal: AbortSignal.timeout(REQUEST_MS),
    });
  } catch (err) {
    const refused = (err as { cause?: { code?: string } }).cause?.code === 'ECONNREFUSED';
    throw new RequestError(refused ? 'OFFLINE' : 'TIMEOUT', `${path}: ${refused ? 'hub down' : 'no answer'}`);
  }
  const json = (await res.json().catch(() => ({}))) as { code?: string; message?: string; details?: unknown };
  if (!res.ok) throw new RequestError(json.code ?? `HTTP_${res.status}`, json.message ?? 'refused', json.details);
  return json as T;
}

function lineOf(sale: OpenSale, productId: number, serial: string) {
  return sale.lines.find((l) => l.productId === productId && l.serial === serial);
}

/** A serial to try: often one the hub lists as available, else any of the pool (it may be held or sold). */
async function pickSerial() {
  const pool = random.pick(cfg.enforced);
  let serial = random.pick(pool.serials);
  if (random.chance(0.6)) {
    const page = await sync.request('serials:available', { productId: pool.productId, limit: 20 }, REQUEST_MS).catch(() => null);
    if (page?.items.length) serial = random.pick(page.items).serial;
  }
  return { productId: pool.productId, serial };
}

async function openSale(): Promise<OpenSale> {
  return (await sync.request('sale:open', {}, REQUEST_MS)).sale;
}

/** Holds a serial on a new line (enforced) or records a typed one (solicit); quantity lines for none. */
async function addLine(sale: OpenSale): Promise<OpenSale> {
  const kind = random.next();
  if (kind < 0.7) {
    const { productId, serial } = await pickSerial();
    const r = await history.record(
      'hold', { saleId: sale.saleId, productId, serial, via: 'live' },
      () => sync.request('sale:addLine', { saleId: sale.saleId, productId, serial }, REQUEST_MS),
      (v) => ({ token: lineOf(v.sale, productId, serial)?.token ?? null, lineId: v.lineId }),
    );
    return r.sale;
  }
  if (kind < 0.85) {
    const r = await sync.request('sale:addLine', { saleId: sale.saleId, productId: cfg.solicitId, serial: `S${random.int(1, 50)}` }, REQUEST_MS);
    return r.sale;
  }
  return (await sync.request('sale:addLine', { saleId: sale.saleId, productId: cfg.noneId, quantity: random.int(1, 2) }, REQUEST_MS)).sale;
}

interface Invoiced {
  invoice: { saleId: string; number: number; lines: { productId: number; serials: string[] }[] };
  replayed: boolean;
}

/**
 * Completes a sale: sometimes two attempts at once; after any outcome that is not a definite refusal (no
 * answer, OFFLINE, UNAVAILABLE, INTERNAL), again with the same sale id, which is idempotent. True if sold.
 */
async function complete(args: Record<string, unknown>, send: () => Promise<Invoiced>): Promise<boolean> {
  const attempt = () =>
    history.record('complete', args, send, (v) => ({ number: v.invoice.number, replayed: v.replayed, serials: v.invoice.lines.map((l) => l.serials) }));
  if (random.chance(0.1)) await Promise.allSettled([attempt(), attempt()]);
  for (let n = 0; n < COMPLETE_ATTEMPTS; n++) {
    try {
      const r = await attempt();
      r.invoice.lines.forEach((l, i) => sold.push({ saleId: r.invoice.saleId, line: i, serial: l.serials[0] ?? null, productId: l.productId }));
      return true;
    } catch (err) {
      if (!retryable(err)) return false; // refused: nothing was sold
      await sync.ready(30_000).catch(() => undefined);
      await sleep(Math.min(250 * 2 ** n, 2_000));
    }
  }
  return false;
}

function completeLive(sale: OpenSale) {
  const args = {
    saleId: sale.saleId, via: 'live',
    lines: sale.lines.map((l) => ({ productId: l.productId, serial: l.serial, token: l.token, mode: l.serialMode, lost: !!l.lost })),
  };
  return complete(args, () =>
    sync.request('sale:complete', { saleId: sale.saleId, payments: [{ method: 'card', amountCents: sale.totalCents }] }, REQUEST_MS));
}

async function returnOne() {
  const s = sold.splice(random.int(0, sold.length - 1), 1)[0];
  if (!s) return;
  const returnId = randomUUID();
  const body = { returnId, saleId: s.saleId, lines: [{ line: s.line, quantity: 1, ...(s.serial ? { serials: [s.serial] } : {}) }] };
  for (let attempt = 0; attempt < 4; attempt++) {
    try {
      await history.record('return', { returnId, saleId: s.saleId, line: s.line, serial: s.serial, productId: s.productId },
        () => rest<{ return: { lines: { serials: string[] }[] } }>('/api/returns', body),
        (v) => ({ serials: v.return.lines.map((l) => l.serials) }));
      return;
    } catch (err) {
      if (!retryable(err)) return;
      await sleep(300);
    }
  }
}

interface RestLine { productId: number; serial: string | null; token: number | null; mode: 'enforced' | 'none' }

/** Renews this sale's holds; lines whose hold is not in `renewed` are lost (unless the register ignores it). */
async function renewRest(saleId: string, lines: RestLine[]): Promise<RestLine[]> {
  const brief = (h: Hold) => ({ productId: h.productId, serial: h.serial, saleId: h.saleId, token: h.token });
  const r = await history.record('renew', { saleId, via: 'rest' },
    () => rest<{ renewed: Hold[]; lost: Hold[] }>('/api/holds/renew', { saleId }),
    (v) => ({ renewed: v.renewed.map(brief), lost: v.lost.map(brief) })).catch(() => null);
  // A careless register keeps lines it was told are lost: the sale must then be refused (fencing).
  if (!r || random.chance(0.3)) return lines;
  return lines.filter((l) => l.mode !== 'enforced' || r.renewed.some((h) => h.productId === l.productId && h.serial === l.serial && h.token === l.token));
}

/** A sale rung up over REST: holds with their tokens kept here, then the sale sent whole. */
async function restRound() {
  const saleId = randomUUID();
  let lines: RestLine[] = [];
  for (let i = random.int(1, 2); i > 0; i--) {
    if (random.chance(0.2)) {
      lines.push({ productId: cfg.noneId, serial: null, token: null, mode: 'none' });
      continue;
    }
    const { productId, serial } = await pickSerial();
    try {
      const r = await history.record('hold', { saleId, productId, serial, via: 'rest' },
        () => rest<{ hold: Hold; renewed: boolean }>('/api/holds', { productId, serial, saleId }),
        (v) => ({ token: v.hold.token, renewed: v.renewed }));
      if (!lines.some((l) => l.productId === productId && l.serial === r.hold.serial)) lines.push({ productId, serial: r.hold.serial, token: r.hold.token, mode: 'enforced' });
    } catch {
      // held elsewhere, sold, or no answer (a hold taken unseen is released by the completion or the void)
    }
  }
  const held = lines.filter((l) => l.mode === 'enforced');
  if (held.length && random.chance(0.2)) {
    const l = random.pick(held);
    await history.record('release', { saleId, productId: l.productId, serial: l.serial, token: l.token, via: 'rest' },
      () => rest<{ released: Hold[] }>('/api/holds/release', { productId: l.productId, serial: l.serial }),
      (v) => ({ released: v.released.map((h) => ({ productId: h.productId, serial: h.serial, saleId: h.saleId, token: h.token })) })).catch(() => null);
    lines = lines.filter((x) => x !== l);
  }
  await sleep(random.int(0, 300));
  if (!justWoke() && random.chance(0.5)) lines = await renewRest(saleId, lines);
  const body = {
    saleId,
    lines: lines.map((l) => ({ productId: l.productId, quantity: 1, ...(l.serial ? { serials: [{ serial: l.serial, token: l.token ?? undefined }] } : {}) })),
    payments: [{ method: 'card', amountCents: cfg.priceCents * lines.length }],
  };
  const args = { saleId, via: 'rest', lines: lines.map((l) => ({ productId: l.productId, serial: l.serial, token: l.token, mode: l.mode, lost: false })) };
  if (lines.length && (await complete(args, () => rest<Invoiced>('/api/sales', body)))) return;
  // refused or abandoned: give the serials back, as a register voiding the sale would
  for (let attempt = 0; attempt < 4; attempt++) {
    try {
      await history.record('void', { saleId, via: 'rest' }, () => rest<{ released: Hold[] }>('/api/holds/release-sale', { saleId }));
      return;
    } catch (err) {
      if (!retryable(err)) return;
      await sleep(300);
    }
  }
}

async function round() {
  await sync.ready(30_000);
  if (random.chance(REST_ROUND_SHARE)) return restRound();
  let sale = await openSale();
  // frozen past its lease mid-sale, it tries to sell what it had: the hub must refuse (HOLD_LOST)
  if (justWoke() && sale.lines.some((l) => l.serialMode === 'enforced' && l.serial)) {
    await completeLive(sale);
    return;
  }
  // a sale left open by an earlier round (refused, or lines lost): fix it or void it
  if (sale.lines.some((l) => l.lost || (l.serialMode !== 'none' && !l.serial)) || random.chance(0.15)) {
    await history.record('void', { saleId: sale.saleId, via: 'live' }, () => sync.request('sale:void', { saleId: sale.saleId }, REQUEST_MS));
    sale = await openSale();
  }
  if (random.chance(0.1) && sold.length) return returnOne();
  const lines = random.int(1, 3);
  for (let i = 0; i < lines; i++) {
    try {
      sale = await addLine(sale);
    } catch {
      // held elsewhere, not in stock: the cashier tries another
    }
  }
  const held = sale.lines.filter((l) => l.serialMode === 'enforced' && l.serial);
  if (held.length && random.chance(0.2)) {
    const l = random.pick(held);
    sale = (await history.record('release', { saleId: sale.saleId, productId: l.productId, serial: l.serial, token: l.token, via: 'live' },
      () => sync.request('sale:removeLine', { saleId: sale.saleId, lineId: l.lineId }, REQUEST_MS))).sale;
  }
  if (sale.lines.length === 0) return;
  await sleep(random.int(0, 300));
  await completeLive(sale);
}

async function main() {
  while (Date.now() < cfg.deadline) {
    try {
      await round();
    } catch {
      await sleep(200);
    }
  }
  sync.close();
  process.exit(0);
}

await main();
