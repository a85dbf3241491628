/**
 * What a register's dropped connection must not change: a completion whose ack was lost and that is retried on
 * a new connection makes one invoice; a session ended while the register was away cannot come back
 * through Socket.IO's connection-state recovery (which would otherwise skip the handshake's checks); and a
 * script whose reply Redis lost on the way to the hub is not run a second time.
 */
import { Redis } from 'ioredis';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { StoreSync } from '../../client/sync/store-sync.js';
import { holdKey } from '../../client/sync/store-state.js';
import { hashToken } from '../../server/services/secrets.js';
import { storeKeys } from '../../server/store/keys.js';
import { createStore, productWithStock, redisUrl, startTestHub } from '../helpers/hub.js';
import { connectRegister, until } from '../helpers/live.js';
import { lossyLink, type LossyLink } from '../helpers/lossy-link.js';

type Hub = Awaited<ReturnType<typeof startTestHub>>;
const test = suite<{ hub: Hub; redis: Redis; open: StoreSync[]; links: LossyLink[] }>('reconnect');

test.before(async (ctx) => {
  ctx.hub = await startTestHub();
  ctx.redis = new Redis(redisUrl());
  ctx.open = [];
  ctx.links = [];
});
test.after.each(async (ctx) => {
  for (const s of ctx.open.splice(0)) s.close();
  await Promise.all(ctx.links.splice(0).map((l) => l.close()));
});
test.after(async (ctx) => {
  ctx.redis.disconnect();
  await ctx.hub.close();
});

function register(ctx: { open: StoreSync[] }, url: string, token: string) {
  const sync = connectRegister(url, token);
  ctx.open.push(sync);
  return sync;
}

test('a completion whose ack was lost to a dropped connection, retried on a new one, makes one invoice', async (ctx) => {
  const store = await createStore(ctx.hub);
  const p = await productWithStock(store, { serialMode: 'enforced', priceCents: 5000 }, ['DROP-1', 'DROP-2']);
  const k = storeKeys(store.storeId);
  const link = await lossyLink(ctx.hub.port);
  ctx.links.push(link);
  const a = register(ctx, link.url, store.cashier.token!);
  await a.ready();
  const { sale } = await a.request('sale:open', {});
  await a.request('sale:addLine', { saleId: sale.saleId, productId: p.id, serial: 'DROP-1' });
  const payments = [{ method: 'card' as const, amountCents: 5000 }];

  // The request reaches the hub, which completes the sale; its answer is lost on the way back, then the
  // connection drops.
  link.swallow();
  const lost = a.request('sale:complete', { saleId: sale.saleId, payments }, 20_000).then(() => 'acked', (e: { code: string }) => e.code);
  await until(async () => (await ctx.redis.zscore(k.invoices, sale.saleId)) !== null, 5_000, 'the invoice in Redis');
  link.cut();
  await until(() => a.status !== 'online', 5_000, 'the register to notice the drop');
  // The register reconnects (a new connection) and retries the same sale id.
  await until(() => a.status === 'online', 5_000, 'the register to reconnect');
  await a.ready();
  const retry = await a.request('sale:complete', { saleId: sale.saleId, payments });
  assert.is(retry.replayed, true);
  const again = await a.request('sale:complete', { saleId: sale.saleId, payments });
  assert.is(again.invoice.number, retry.invoice.number);
  assert.is.not(await lost, 'acked', 'the first ack was never delivered');

  assert.is(await ctx.redis.zcard(k.invoices), 1);
  const stock = await store.clerk.get(`/api/products/${p.id}`);
  assert.is(stock.body.product.stock, 1);
  const serials = await store.clerk.get(`/api/products/${p.id}/serials?status=sold`);
  assert.equal(serials.body.items.map((s: { serial: string }) => s.serial), ['DROP-1']);
  assert.is(a.state.holds.has(holdKey(p.id, 'DROP-1')), false);
});

test('a dropped connection comes back through connection-state recovery while its session lives', async (ctx) => {
  const store = await createStore(ctx.hub);
  const a = register(ctx, ctx.hub.url, store.cashier.token!);
  await a.ready();
  assert.is(a.socket.recovered, false);
  a.socket.io.engine.close(); // the transport drops; Socket.IO reconnects by itself
  await until(() => a.socket.connected && a.socket.recovered, 5_000, 'a recovered reconnection');
  await a.ready();
});

test('a session ended while its register is away cannot come back through connection-state recovery', async (ctx) => {
  const store = await createStore(ctx.hub);
  const a = register(ctx, ctx.hub.url, store.cashier.token!);
  await a.ready();
  a.socket.io.reconnection(false);
  a.socket.io.engine.close();
  await until(() => !a.socket.connected, 2_000, 'the drop');

  // While it is away, a supervisor ends the cashier's sessions.
  const ended = await store.supervisor.delete('/api/staff/2001/sessions');
  assert.is(ended.status, 200);

  a.socket.io.reconnection(true);
  a.socket.connect(); // offers its recovery id: the hub must still run the handshake's checks
  await until(() => a.status === 'refused', 5_000, 'the refusal');
  assert.is(a.refusal?.code, 'UNAUTHENTICATED');
  assert.is(a.socket.connected, false);
});

test('a session that ended without its sockets being told (the message lost) is closed at the next beat', async (ctx) => {
  const hub = await startTestHub({}, redisUrl(), { heartbeatMs: 200 });
  try {
    const store = await createStore(hub);
    const a = register(ctx, hub.url, store.cashier.token!);
    await a.ready();
    let dropped = false;
    a.socket.on('disconnect', () => (dropped = true));
    // the session's end reaches Redis but no hub hears of it (as if the adapter's message were lost)
    await ctx.redis.del(storeKeys(store.storeId).session(hashToken(store.cashier.token!)));
    await until(() => dropped, 3_000, 'the hub to close the socket of the ended session');
    await until(() => a.status === 'refused', 3_000, 'the reconnection to be refused');
    assert.is(a.refusal?.code, 'UNAUTHENTICATED');
  } finally {
    await hub.close();
  }
});

test('a script whose reply was lost on the way from Redis is not run again: the register hears UNAVAILABLE, and its resync shows the write', async (ctx) => {
  const port = Number(new URL(redisUrl()).port);
  const link = await lossyLink(port, 'redis');
  ctx.links.push(link);
  const hub = await startTestHub({}, link.url);
  try {
    const store = await createStore(hub);
    const p = await productWithStock(store, { serialMode: 'enforced' }, ['ONCE-1']);
    const k = storeKeys(store.storeId);
    const a = register(ctx, hub.url, store.cashier.token!);
    await a.ready();
    const { sale } = await a.request('sale:open', {});

    link.swallow('ONCE-1'); // from the moment the script's call goes out
    const outcome = a.request('sale:addLine', { saleId: sale.saleId, productId: p.id, serial: 'ONCE-1' }, 20_000).then(
      () => 'ok',
      (e: { code: string }) => e.code,
    );
    // Redis ran the script (the serial is held) but its reply never reaches the hub; then the link drops.
    await until(async () => (await ctx.redis.hexists(k.holds, `${p.id}:ONCE-1`)) === 1, 5_000, 'the hold in Redis');
    link.cut();
    // Sent again after the reconnect, the script would answer SERIAL_HELD ("already on this sale").
    assert.is(await outcome, 'UNAVAILABLE');

    // The write stands, once: the register's next look at its sale shows the line.
    const again = await a.request('sale:open', {});
    assert.is(again.sale.saleId, sale.saleId);
    assert.equal(again.sale.lines.map((l) => l.serial), ['ONCE-1']);
    await until(() => a.state.holds.has(holdKey(p.id, 'ONCE-1')), 20_000, 'the register to learn of the hold');
  } finally {
    link.cut();
    await hub.close();
  }
});

test.run();
