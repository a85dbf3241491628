/**
 * Several hub processes on one Redis, real registers on each (socket.io-client): holds made on one hub reach
 * registers on the other; races across hubs have one winner; kill -9 of a hub under load loses no completed
 * sale and sells nothing twice, and its registers come back to their open sales.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { StoreSync } from '../../client/sync/store-sync.js';
import { holdKey } from '../../client/sync/store-state.js';
import { Client, createStore, login, PINS, productWithStock, type TestStore } from '../helpers/hub.js';
import { connectRegister, spawnHub, until, type HubProcess } from '../helpers/live.js';

const test = suite<{ hubs: HubProcess[]; open: StoreSync[] }>('live-cluster');

test.before(async (ctx) => {
  ctx.hubs = await Promise.all([spawnHub(), spawnHub()]);
  ctx.open = [];
});
test.after.each((ctx) => {
  for (const s of ctx.open.splice(0)) s.close();
});
test.after(async (ctx) => {
  await Promise.all(ctx.hubs.map((h) => h.kill()));
});

/** Pairs `n` registers and logs the store's cashier in on each; returns their session tokens. */
async function pairRegisters(url: string, store: TestStore, n: number): Promise<string[]> {
  const tokens: string[] = [];
  for (let i = 0; i < n; i++) {
    const code = await store.supervisor.post('/api/pairing-codes', { terminalName: `Lane ${i + 1}` });
    const paired = await new Client(url).post('/api/terminals/pair', { storeId: store.storeId, code: code.body.code });
    tokens.push((await login(url, store.storeId, '2001', PINS.cashier, paired.body.deviceToken)).token!);
  }
  return tokens;
}

test('20 registers on 2 hub processes race for one serial, round after round: one winner, everyone sees it', async (ctx) => {
  const [h1, h2] = ctx.hubs;
  const store = await createStore(h1!);
  const rounds = 8;
  const p = await productWithStock(store, { serialMode: 'enforced' }, Array.from({ length: rounds }, (_, i) => `RACE-${i}`));
  const tokens = await pairRegisters(h1!.url, store, 20);
  const regs = tokens.map((t, i) => connectRegister((i % 2 ? h2 : h1)!.url, t));
  ctx.open.push(...regs);
  await Promise.all(regs.map((r) => r.ready()));
  const sales = await Promise.all(regs.map((r) => r.request('sale:open', {})));
  for (let round = 0; round < rounds; round++) {
    const serial = `RACE-${round}`;
    const results = await Promise.allSettled(
      regs.map((r, i) => r.request('sale:addLine', { saleId: sales[i]!.sale.saleId, productId: p.id, serial })),
    );
    const winners = results.filter((r) => r.status === 'fulfilled');
    assert.is(winners.length, 1, `round ${round}: ${winners.length} winners`);
    for (const r of results) if (r.status === 'rejected') assert.is((r.reason as { code: string }).code, 'SERIAL_HELD');
    await until(() => regs.every((r) => r.state.holds.has(holdKey(p.id, serial))), 3000, `round ${round} seen by all`);
  }
  const winnersByHub = new Set(regs.filter((r) => [...r.state.openSales.values()].length > 0).map((_, i) => i % 2));
  assert.ok(winnersByHub.size >= 1);
});

test('kill -9 of a hub under load: its registers come back to their open sales; no sale lost or doubled', async (ctx) => {
  const [h1, h2] = ctx.hubs;
  const store = await createStore(h1!);
  const perRegister = 12;
  const registersCount = 6;
  const serials = Array.from({ length: perRegister * registersCount }, (_, i) => `K-${i}`);
  const p = await productWithStock(store, { serialMode: 'enforced', priceCents: 100 }, serials);
  const tokens = await pairRegisters(h1!.url, store, registersCount);
  const regs = tokens.map((t, i) => connectRegister((i % 2 ? h2 : h1)!.url, t));
  ctx.open.push(...regs);
  await Promise.all(regs.map((r) => r.ready()));

  const acknowledged = new Map<string, string>(); // saleId -> serial
  /** A register sells its own serials one by one, retrying each step through outages with the same ids. */
  async function work(reg: StoreSync, mine: string[]) {
    for (const serial of mine) {
      // Once a completion was sent, retries send the same sale id: the hub answers the same invoice.
      let completing: string | null = null;
      for (;;) {
        try {
          await reg.ready(20_000);
          if (!completing) {
            const { sale } = await reg.request('sale:open', {}, 3000);
            if (!sale.lines.some((l) => l.serial === serial)) {
              await reg.request('sale:addLine', { saleId: sale.saleId, productId: p.id, serial }, 3000);
            }
            completing = sale.saleId;
          }
          const done = await reg.request('sale:complete', { saleId: completing, payments: [{ method: 'cash', amountCents: 100 }] }, 3000);
          if (acknowledged.has(done.invoice.saleId)) retriedAcks++;
          acknowledged.set(done.invoice.saleId, serial);
          break;
        } catch (err) {
          const code = (err as { code?: string }).code;
          if (code !== 'TIMEOUT' && code !== 'SERIAL_HELD' && code !== 'INTERNAL' && code !== 'UNAVAILABLE') throw err;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    }
  }
  let retriedAcks = 0;
  const running = regs.map((r, i) => work(r, serials.slice(i * perRegister, (i + 1) * perRegister)));
  await until(() => acknowledged.size >= 10, 15_000, 'some sales');
  await h2!.kill('SIGKILL');
  const restarted = await spawnHub({}, h2!.port);
  ctx.hubs[1] = restarted;
  await Promise.all(running);

  assert.is(acknowledged.size, serials.length);
  const supervisor = new Client(h1!.url, store.supervisor.token);
  for (const [saleId, serial] of acknowledged) {
    const inv = await supervisor.get(`/api/invoices/${saleId}`);
    assert.is(inv.status, 200, `sale ${saleId} lost`);
    assert.equal(inv.body.invoice.lines[0].serials, [serial]);
  }
  const all = await supervisor.get('/api/invoices?limit=500');
  assert.is(all.body.items.length, serials.length, 'no invoice doubled');
  const sold = await supervisor.get(`/api/products/${p.id}/serials?status=sold&limit=500`);
  assert.is(sold.body.items.length, serials.length);
  const product = (await supervisor.get(`/api/products/${p.id}`)).body.product;
  assert.is(product.stock, 0);
  assert.is(product.held, 0);
  // every register ends with no open sale and the same picture as the hub
  await until(() => regs.every((r) => r.state.openSales.size === 0 && r.state.products.get(p.id)?.stock === 0), 5000, 'registers caught up');
});

test.run();
