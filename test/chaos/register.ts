/**
 * One simulated register, in its own process: it rings up sales against a small pool of serials (so
 * registers collide), removes lines, voids, retries completions with the same sale id, and returns units,
 * recording every operation in its history file. SIGUSR2 cuts its network for a while; the orchestrator
 * also freezes it with SIGSTOP. Config comes as JSON in CHAOS_REGISTER.
 */
import { randomUUID } from 'node:crypto';
import { RequestError, StoreSync } from '../../client/sync/store-sync.js';
import type { OpenSale } from '../../protocol/socket.js';
import { HistoryWriter } from './history.js';
import { rng } from './random.js';

export interface RegisterConfig {
  index: number;
  hubUrl: string;
  token: string;
  enforced: { productId: number; serials: string[] }[];
  solicitId: number;
  noneId: number;
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
const sync = new StoreSync({
  url: cfg.hubUrl, token: cfg.token,
  socketOptions: { reconnectionDelay: 100, reconnectionDelayMax: 1000, forceNew: true },
});
const sold: { saleId: string; line: number; serial: string | null; productId: number }[] = [];

process.on('SIGUSR2', () => {
  const ms = random.int(100, cfg.maxCutMs);
  sync.socket.disconnect();
  setTimeout(() => sync.socket.connect(), ms);
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const code = (err: unknown) => (err instanceof RequestError ? err.code : 'ERROR');

function lineOf(sale: OpenSale, productId: number, serial: string) {
  return sale.lines.find((l) => l.productId === productId && l.serial === serial);
}

async function openSale(): Promise<OpenSale> {
  return (await sync.request('sale:open', {}, REQUEST_MS)).sale;
}

/** Holds a serial on a new line (enforced) or records a typed one (solicit); quantity lines for none. */
async function addLine(sale: OpenSale): Promise<OpenSale> {
  const kind = random.next();
  if (kind < 0.7) {
    const pool = random.pick(cfg.enforced);
    let serial = random.pick(pool.serials);
    if (random.chance(0.6)) {
      const page = await sync.request('serials:available', { productId: pool.productId, limit: 20 }, REQUEST_MS).catch(() => null);
      if (page?.items.length) serial = random.pick(page.items).serial;
    }
    const r = await history.record(
      'hold', { saleId: sale.saleId, productId: pool.productId, serial },
      () => sync.request('sale:addLine', { saleId: sale.saleId, productId: pool.productId, serial }, REQUEST_MS),
      (v) => ({ token: lineOf(v.sale, pool.productId, serial)?.token ?? null, lineId: v.lineId }),
    );
    return r.sale;
  }
  if (kind < 0.85) {
    const r = await sync.request('sale:addLine', { saleId: sale.saleId, productId: cfg.solicitId, serial: `S${random.int(1, 50)}` }, REQUEST_MS);
    return r.sale;
  }
  return (await sync.request('sale:addLine', { saleId: sale.saleId, productId: cfg.noneId, quantity: random.int(1, 2) }, REQUEST_MS)).sale;
}

async function complete(sale: OpenSale) {
  const args = {
    saleId: sale.saleId,
    lines: sale.lines.map((l) => ({ productId: l.productId, serial: l.serial, token: l.token, mode: l.serialMode, lost: !!l.lost })),
  };
  const send = () =>
    history.record('complete', args,
      () => sync.request('sale:complete', { saleId: sale.saleId, payments: [{ method: 'card', amountCents: sale.totalCents }] }, REQUEST_MS),
      (v) => ({ number: v.invoice.number, replayed: v.replayed, serials: v.invoice.lines.map((l) => l.serials) }));
  // Retried completions: sometimes two at once; after an unknown outcome, again with the same sale id.
  if (random.chance(0.1)) await Promise.allSettled([send(), send()]);
  for (let attempt = 0; attempt < 6; attempt++) {
    try {
      const r = await send();
      r.invoice.lines.forEach((l, i) => sold.push({ saleId: r.invoice.saleId, line: i, serial: l.serials[0] ?? null, productId: l.productId }));
      return;
    } catch (err) {
      if (code(err) !== 'TIMEOUT') return; // refused: the sale stays open; the next round voids or fixes it
      await sync.ready(30_000).catch(() => undefined);
    }
  }
}

async function returnOne() {
  const s = sold.splice(random.int(0, sold.length - 1), 1)[0];
  if (!s) return;
  const returnId = randomUUID();
  const body = { returnId, saleId: s.saleId, lines: [{ line: s.line, quantity: 1, ...(s.serial ? { serials: [s.serial] } : {}) }] };
  for (let attempt = 0; attempt < 4; attempt++) {
    try {
      await history.record('return', { returnId, saleId: s.saleId, serial: s.serial, productId: s.productId }, async () => {
        let res: Response;
        try {
          res = await fetch(`${cfg.hubUrl}/api/returns`, {
            method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${cfg.token}` },
            body: JSON.stringify(body), signal: AbortSignal.timeout(REQUEST_MS),
          });
        } catch {
          throw new RequestError('TIMEOUT', 'no answer');
        }
        const json = (await res.json().catch(() => ({}))) as { code?: string; message?: string };
        if (res.status >= 500) throw new RequestError('TIMEOUT', json.message ?? 'hub error');
        if (!res.ok) throw new RequestError(json.code ?? 'ERROR', json.message ?? 'refused');
        return json;
      });
      return;
    } catch (err) {
      if (code(err) !== 'TIMEOUT') return;
      await sleep(300);
    }
  }
}

async function round() {
  await sync.ready(30_000);
  let sale = await openSale();
  // a sale left open by an earlier round (refused, or lines lost): fix it or void it
  if (sale.lines.some((l) => l.lost || (l.serialMode !== 'none' && !l.serial)) || random.chance(0.15)) {
    await history.record('void', { saleId: sale.saleId }, () => sync.request('sale:void', { saleId: sale.saleId }, REQUEST_MS));
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
    sale = (await history.record('release', { saleId: sale.saleId, productId: l.productId, serial: l.serial, token: l.token },
      () => sync.request('sale:removeLine', { saleId: sale.saleId, lineId: l.lineId }, REQUEST_MS))).sale;
  }
  if (sale.lines.length === 0) return;
  await sleep(random.int(0, 300));
  await complete(sale);
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
