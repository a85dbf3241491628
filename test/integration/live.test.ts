/**
 * The live hub over real Socket.IO: holds reach every register of the store (and no other store), open
 * sales live in Redis, a register that leaves keeps its holds for the grace period, and resync after an
 * outage (replay or snapshot) leaves the register's state equal to the hub's.
 */
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { connect } from 'node:net';
import { Redis } from 'ioredis';
import { io, type Socket } from 'socket.io-client';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { StoreSync } from '../../client/sync/store-sync.js';
import { holdKey, stateFromSnapshot, type StoreState } from '../../client/sync/store-state.js';
import { PROTOCOL_VERSION } from '../../protocol/version.js';
import { storeKeys } from '../../server/store/keys.js';
import { freePort } from '../../server/redis/embedded.js';
import { loadScriptSources } from '../../server/store/scripts.js';
import { createStore, login, newSaleId, PINS, productWithStock, redisUrl, startTestHub, type TestStore } from '../helpers/hub.js';
import { connectRegister, until } from '../helpers/live.js';

type Hub = Awaited<ReturnType<typeof startTestHub>>;
const test = suite<{ hub: Hub; short: Hub; open: StoreSync[] }>('live');

test.before(async (ctx) => {
  ctx.hub = await startTestHub();
  ctx.short = await startTestHub({ HOLD_LEASE_MS: '2500' });
  ctx.open = [];
});
test.after.each((ctx) => {
  for (const s of ctx.open.splice(0)) s.close();
});
test.after(async (ctx) => {
  await Promise.all([ctx.hub.close(), ctx.short.close()]);
});

async function registers(ctx: { open: StoreSync[] }, url: string, ...tokens: string[]) {
  const syncs = tokens.map((t) => connectRegister(url, t));
  ctx.open.push(...syncs);
  await Promise.all(syncs.map((s) => s.ready()));
  return syncs;
}

/** The hub's own picture of the store, for comparing with a register's. */
async function serverState(hub: Hub, storeId: string): Promise<StoreState> {
  return stateFromSnapshot(await hub.deps.scripts.storeSnapshot(storeId));
}

function comparable(s: StoreState) {
  return {
    seq: s.seq,
    products: [...s.products.values()].map(({ updatedAt: _u, ...p }) => p).sort((a, b) => a.id - b.id),
    holds: [...s.holds.keys()].sort(),
    openSales: [...s.openSales.values()].map((o) => ({ saleId: o.saleId, lines: o.lines.map((l) => [l.lineId, l.serial, l.lost?.reason ?? null]) })),
    online: [...s.terminals.values()].map((t) => [t.terminalId, t.online]).sort(),
  };
}

test('a hold on one register reaches every other register of the store, and no other store', async (ctx) => {
  const store = await createStore(ctx.hub);
  const other = await createStore(ctx.hub);
  const p = await productWithStock(store, { serialMode: 'enforced' }, ['LIVE-1', 'LIVE-2']);
  const [a, b, o] = await registers(ctx, ctx.hub.url, store.cashier.token!, store.cashier2.token!, other.cashier.token!);
  const heardByOther: string[] = [];
  o!.subscribe((why, ev) => ev && heardByOther.push(ev.type));

  const { sale } = await a!.request('sale:open', {});
  const added = await a!.request('sale:addLine', { saleId: sale.saleId, productId: p.id, serial: 'live-1' });
  assert.is(added.sale.lines[0]!.serial, 'LIVE-1');
  await until(() => b!.state.holds.has(holdKey(p.id, 'LIVE-1')), 2000, 'B to see the hold');
  const h = b!.state.holds.get(holdKey(p.id, 'LIVE-1'))!;
  assert.is(h.terminalId, store.terminals[0]!.id);
  assert.is(b!.state.products.get(p.id)!.held, 1);
  // B cannot take it
  const { sale: saleB } = await b!.request('sale:open', {});
  try {
    await b!.request('sale:addLine', { saleId: saleB.saleId, productId: p.id, serial: 'LIVE-1' });
    assert.unreachable('B took a held serial');
  } catch (err) {
    assert.is((err as { code: string }).code, 'SERIAL_HELD');
  }
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(heardByOther.filter((t) => t.startsWith('hold')), []);
  assert.is(o!.state.products.has(p.id), false);
});

test('the events of one write come in one message, in sequence order', async (ctx) => {
  const store = await createStore(ctx.hub);
  const p = await productWithStock(store, { serialMode: 'enforced' }, ['ONE-MSG-1']);
  const [a, b] = await registers(ctx, ctx.hub.url, store.cashier.token!, store.cashier2.token!);
  const messages: { seq: number; type: string }[][] = [];
  b!.socket.on('events', (evs) => messages.push(evs.map((e) => ({ seq: e.seq, type: e.type }))));
  const { sale } = await a!.request('sale:open', {});
  await a!.request('sale:addLine', { saleId: sale.saleId, productId: p.id, serial: 'ONE-MSG-1' });
  await until(() => b!.state.holds.has(holdKey(p.id, 'ONE-MSG-1')), 2000, 'B to see the hold');
  const scan = messages.find((m) => m.some((e) => e.type === 'hold_created'))!;
  assert.equal(scan.map((e) => e.type).sort(), ['hold_created', 'open_sale_changed']);
  assert.is(scan[1]!.seq, scan[0]!.seq + 1);
  assert.is(b!.state.seq, scan[1]!.seq);
});

test('an open sale lives in Redis: a new connection of the register finds it; completing it sells and closes it', async (ctx) => {
  const store = await createStore(ctx.hub);
  const enforced = await productWithStock(store, { serialMode: 'enforced', priceCents: 1000 }, ['OS-1']);
  const solicit = await productWithStock(store, { serialMode: 'solicit', priceCents: 500 }, 3);
  const plain = await productWithStock(store, { serialMode: 'none', priceCents: 100 }, 10);
  const [a, watcher] = await registers(ctx, ctx.hub.url, store.cashier.token!, store.supervisor.token!);
  const { sale } = await a!.request('sale:open', {});
  await a!.request('sale:addLine', { saleId: sale.saleId, productId: enforced.id, serial: 'OS-1' });
  const withSolicit = await a!.request('sale:addLine', { saleId: sale.saleId, productId: solicit.id });
  const solicitLine = withSolicit.sale.lines[1]!.lineId;
  await a!.request('sale:addLine', { saleId: sale.saleId, productId: plain.id, quantity: 2 });
  await a!.request('sale:addLine', { saleId: sale.saleId, productId: plain.id, quantity: 1 });

  // a reload of the register: a fresh connection gets the same open sale back
  a!.close();
  const [again] = await registers(ctx, ctx.hub.url, store.cashier.token!);
  const reopened = await again!.request('sale:open', {});
  assert.is(reopened.sale.saleId, sale.saleId);
  assert.equal(reopened.sale.lines.map((l) => [l.productId, l.quantity]), [[enforced.id, 1], [solicit.id, 1], [plain.id, 3]]);
  assert.is(reopened.sale.totalCents, 1000 + 500 + 300);

  // the solicit line needs its serial before the sale can complete
  try {
    await again!.request('sale:complete', { saleId: sale.saleId, payments: [{ method: 'cash', amountCents: 2000 }] });
    assert.unreachable('completed without the solicit serial');
  } catch (err) {
    assert.is((err as { code: string }).code, 'SALE_REJECTED');
  }
  await again!.request('sale:pickSerial', { saleId: sale.saleId, lineId: solicitLine, serial: ' saw-77 ' });
  const done = await again!.request('sale:complete', { saleId: sale.saleId, payments: [{ method: 'cash', amountCents: 2000 }] });
  assert.is(done.invoice.totalCents, 1800);
  assert.is(done.invoice.changeCents, 200);
  assert.equal(done.invoice.lines.map((l) => l.serials), [['OS-1'], ['SAW-77'], []]);
  // a retry of the completion (say the ack was lost) answers the same invoice
  const retry = await again!.request('sale:complete', { saleId: sale.saleId, payments: [{ method: 'cash', amountCents: 2000 }] });
  assert.is(retry.invoice.number, done.invoice.number);
  assert.is(retry.replayed, true);
  await until(() => !watcher!.state.openSales.has(store.terminals[0]!.id) && watcher!.state.products.get(plain.id)!.stock === 7, 2000, 'watcher');
  assert.is(watcher!.state.holds.size, 0);
  assert.is(watcher!.state.products.get(enforced.id)!.stock, 0);
  assert.equal(comparable(watcher!.state), comparable(await serverState(ctx.hub, store.storeId)));
});

test('void and remove line release holds live; picking another serial releases the old one', async (ctx) => {
  const store = await createStore(ctx.hub);
  const p = await productWithStock(store, { serialMode: 'enforced' }, ['V-1', 'V-2', 'V-3']);
  const [a, b] = await registers(ctx, ctx.hub.url, store.cashier.token!, store.cashier2.token!);
  const { sale } = await a!.request('sale:open', {});
  const s1 = await a!.request('sale:addLine', { saleId: sale.saleId, productId: p.id, serial: 'V-1' });
  await a!.request('sale:addLine', { saleId: sale.saleId, productId: p.id, serial: 'V-2' });
  await a!.request('sale:pickSerial', { saleId: sale.saleId, lineId: s1.sale.lines[0]!.lineId, serial: 'V-3' });
  await until(() => b!.state.holds.has(holdKey(p.id, 'V-3')) && !b!.state.holds.has(holdKey(p.id, 'V-1')), 2000, 'swap seen');
  await a!.request('sale:removeLine', { saleId: sale.saleId, lineId: s1.sale.lines[0]!.lineId });
  await until(() => !b!.state.holds.has(holdKey(p.id, 'V-3')), 2000, 'remove seen');
  await a!.request('sale:void', { saleId: sale.saleId });
  await until(() => b!.state.holds.size === 0 && b!.state.products.get(p.id)!.held === 0, 2000, 'void seen');
  assert.is(b!.state.openSales.has(store.terminals[0]!.id), false);
  assert.equal(comparable(b!.state), comparable(await serverState(ctx.hub, store.storeId)));
});

test('a register that disconnects keeps its holds for the grace period, then they are released and its line is flagged', async (ctx) => {
  const store = await createStore(ctx.short);
  const p = await productWithStock(store, { serialMode: 'enforced' }, ['G-1']);
  const [a, b] = await registers(ctx, ctx.short.url, store.cashier.token!, store.cashier2.token!);
  const { sale } = await a!.request('sale:open', {});
  await a!.request('sale:addLine', { saleId: sale.saleId, productId: p.id, serial: 'G-1' });
  // while connected, the hub renews the hold past its 2.5 s lease
  await new Promise((r) => setTimeout(r, 3500));
  assert.ok(b!.state.holds.has(holdKey(p.id, 'G-1')), 'hold renewed while connected');
  await until(() => b!.state.terminals.get(store.terminals[0]!.id)?.online === true, 2000, 'A online');
  a!.close();
  await until(() => b!.state.terminals.get(store.terminals[0]!.id)?.online === false, 2000, 'A offline');
  await new Promise((r) => setTimeout(r, 700));
  assert.ok(b!.state.holds.has(holdKey(p.id, 'G-1')), 'still held within the grace period');
  await until(() => !b!.state.holds.has(holdKey(p.id, 'G-1')), 6000, 'released after the grace period');
  // A comes back: its open sale shows the line flagged, not silently kept
  const [back] = await registers(ctx, ctx.short.url, store.cashier.token!);
  const line = back!.state.openSales.get(store.terminals[0]!.id)!.lines[0]!;
  assert.is(line.lost?.reason, 'expired');
  try {
    await back!.request('sale:complete', { saleId: sale.saleId, payments: [{ method: 'cash', amountCents: 100_000 }] });
    assert.unreachable('sold a lost hold');
  } catch (err) {
    assert.is((err as { code: string }).code, 'HOLD_LOST');
  }
  // picking it again clears the flag
  const again = await back!.request('sale:pickSerial', { saleId: sale.saleId, lineId: line.lineId, serial: 'G-1' });
  assert.is(again.sale.lines[0]!.lost, null);
});

test('a supervisor force-releases a hold with a reason: the holding register is told why', async (ctx) => {
  const store = await createStore(ctx.hub);
  const p = await productWithStock(store, { serialMode: 'enforced' }, ['F-1']);
  const [a, sup] = await registers(ctx, ctx.hub.url, store.cashier.token!, store.supervisor.token!);
  const { sale } = await a!.request('sale:open', {});
  await a!.request('sale:addLine', { saleId: sale.saleId, productId: p.id, serial: 'F-1' });
  try {
    await a!.request('hold:forceRelease', { productId: p.id, serial: 'F-1', reason: 'mine now' });
    assert.unreachable('a cashier force-released');
  } catch (err) {
    assert.is((err as { code: string }).code, 'FORBIDDEN');
  }
  await sup!.request('hold:forceRelease', { productId: p.id, serial: 'F-1', reason: 'customer left the store' });
  await until(() => a!.state.openSales.get(store.terminals[0]!.id)?.lines[0]?.lost != null, 2000, 'A told');
  const lost = a!.state.openSales.get(store.terminals[0]!.id)!.lines[0]!.lost!;
  assert.is(lost.reason, 'force_released');
  assert.is(lost.note, 'customer left the store');
});

test('resync: a short gap replays the missed events; a trimmed stream gives a snapshot; both equal the hub', async (ctx) => {
  const store = await createStore(ctx.hub);
  const p = await productWithStock(store, { serialMode: 'enforced' }, Array.from({ length: 10 }, (_, i) => `R-${i}`));
  const [a, b] = await registers(ctx, ctx.hub.url, store.cashier.token!, store.cashier2.token!);
  const replayed: string[] = [];
  b!.subscribe((why, ev) => why === 'replayed' && replayed.push(ev!.type));
  // b drops off; a keeps working
  b!.socket.disconnect();
  const { sale } = await a!.request('sale:open', {});
  for (let i = 0; i < 4; i++) await a!.request('sale:addLine', { saleId: sale.saleId, productId: p.id, serial: `R-${i}` });
  b!.socket.connect();
  await until(() => b!.resyncs.replay >= 2, 3000, 'replay');
  await b!.ready();
  assert.is(b!.resyncs.snapshot, 0);
  // listeners hear each missed event, and that the resync followed a reconnection
  assert.is(replayed.filter((t) => t === 'hold_created').length, 4);
  assert.equal(b!.lastResync?.mode, 'replay');
  assert.ok(b!.lastResync?.reconnected);
  assert.equal(comparable(b!.state), comparable(await serverState(ctx.hub, store.storeId)));

  // now b is away while the stream is trimmed past its position: it must take a snapshot
  b!.socket.disconnect();
  for (let i = 4; i < 8; i++) await a!.request('sale:addLine', { saleId: sale.saleId, productId: p.id, serial: `R-${i}` });
  await ctx.hub.redis.xtrim(storeKeys(store.storeId).events, 'MAXLEN', 1);
  b!.socket.connect();
  await until(() => b!.resyncs.snapshot >= 1, 3000, 'snapshot');
  await b!.ready();
  assert.equal(comparable(b!.state), comparable(await serverState(ctx.hub, store.storeId)));
  assert.is(b!.state.holds.size, 8);
});

test('status: reconnecting when the connection drops, offline once reconnecting keeps failing, online when the hub is back', async (ctx) => {
  const port = await freePort();
  let hub = await startTestHub({ PORT: String(port) });
  try {
    const store = await createStore(hub);
    const [a] = await registers(ctx, hub.url, store.cashier.token!);
    const seen: string[] = [];
    a!.subscribe((why) => why === 'status' && seen.push(a!.status));
    await hub.close();
    await until(() => a!.status === 'offline', 6000, 'offline');
    assert.equal(seen, ['reconnecting', 'offline']);
    hub = await startTestHub({ PORT: String(port) });
    await until(() => a!.status === 'online', 6000, 'online again');
    await a!.ready();
    assert.ok(a!.lastResync?.reconnected);
  } finally {
    await hub.close();
  }
});

test('handshake: a wrong protocol version and a bad or revoked session are refused with a named reason', async (ctx) => {
  const store = await createStore(ctx.hub);
  const old = connectRegister(ctx.hub.url, store.cashier.token!, {});
  ctx.open.push(old);
  (old.socket.auth as Record<string, unknown>).protocolVersion = 0;
  old.socket.disconnect().connect();
  await until(() => old.status === 'refused', 3000, 'refusal');
  assert.is(old.refusal!.code, 'CLIENT_TOO_OLD');
  const bad = connectRegister(ctx.hub.url, 'nope.nope');
  ctx.open.push(bad);
  await until(() => bad.status === 'refused', 3000, 'refusal');
  assert.is(bad.refusal!.code, 'UNAUTHENTICATED');

  // a session ended by a supervisor closes its socket, and it cannot come back
  const cashier = await login(ctx.hub.url, store.storeId, '2002', PINS.cashier2, store.terminals[1]!.deviceToken);
  const [live] = await registers(ctx, ctx.hub.url, cashier.token!);
  const revoked = await store.supervisor.delete('/api/staff/2002/sessions');
  assert.is(revoked.status, 200);
  await until(() => live!.status === 'refused', 3000, 'revoked socket refused on reconnect');
  assert.is(live!.refusal!.code, 'UNAUTHENTICATED');
});

test('bad requests get error acks and write nothing; unknown events get an ack too', async (ctx) => {
  const store = await createStore(ctx.hub);
  const p = await productWithStock(store, { serialMode: 'enforced' }, ['B-1']);
  const [a] = await registers(ctx, ctx.hub.url, store.cashier.token!);
  const seq = a!.state.seq;
  const codes: string[] = [];
  for (const [event, payload] of [
    ['sale:addLine', { saleId: 'x', productId: 'abc' }],
    ['sale:addLine', { saleId: newSaleId(), productId: p.id, serial: 'B-1', __proto__: { admin: true } }],
    ['sale:addLine', { saleId: newSaleId(), productId: p.id, serial: 'B-1', extra: 1 }],
    ['sale:pickSerial', null],
    ['sale:complete', { saleId: newSaleId(), payments: [] }],
    ['sync', { lastSeq: -1 }],
    ['no:such:event', {}],
  ] as const) {
    try {
      await a!.request(event as 'sync', payload as never);
      codes.push('ok');
    } catch (err) {
      codes.push((err as { code: string }).code);
    }
  }
  assert.equal(codes, ['VALIDATION_FAILED', 'SALE_NOT_FOUND', 'VALIDATION_FAILED', 'VALIDATION_FAILED', 'VALIDATION_FAILED', 'VALIDATION_FAILED', 'ROUTE_NOT_FOUND']);
  await new Promise((r) => setTimeout(r, 100));
  assert.is(a!.state.seq, seq, 'nothing was written');
  assert.is((await store.supervisor.get(`/api/products/${p.id}`)).body.product.held, 0);
});

test('a flooding socket gets RATE_LIMITED acks while another register is served normally', async (ctx) => {
  const store = await createStore(ctx.hub);
  const [flood, calm] = await registers(ctx, ctx.hub.url, store.cashier.token!, store.cashier2.token!);
  const results = await Promise.allSettled(Array.from({ length: 120 }, () => flood!.request('sync', { lastSeq: flood!.state.seq })));
  const limited = results.filter((r) => r.status === 'rejected' && (r.reason as { code: string }).code === 'RATE_LIMITED').length;
  assert.ok(limited > 0, 'some requests were limited');
  const ok = await calm!.request('sync', { lastSeq: calm!.state.seq });
  assert.is(ok.ok, true);
});

test('full snapshots are limited per session: a second one right after is RATE_LIMITED, then allowed again', async (ctx) => {
  const store = await createStore(ctx.hub);
  const [a] = await registers(ctx, ctx.hub.url, store.cashier.token!);
  // a position the hub never reached forces a snapshot
  const first = await a!.request('sync', { lastSeq: 1e12 });
  assert.is(first.mode, 'snapshot');
  try {
    await a!.request('sync', { lastSeq: 1e12 });
    assert.unreachable('a second snapshot at once');
  } catch (err) {
    assert.is((err as { code: string }).code, 'RATE_LIMITED');
  }
  await new Promise((r) => setTimeout(r, 2100));
  assert.is((await a!.request('sync', { lastSeq: 1e12 })).mode, 'snapshot');
});

test('a scan into the open sale follows the product\'s case rule; a missing product or a bad serial is refused first', async (ctx) => {
  const store = await createStore(ctx.hub);
  const cs = await productWithStock(store, { serialMode: 'enforced', serialCaseSensitive: true }, ['abC-1', 'ABC-1']);
  const ci = await productWithStock(store, { serialMode: 'enforced' }, ['XY-1']);
  const [a] = await registers(ctx, ctx.hub.url, store.cashier.token!);
  const { sale } = await a!.request('sale:open', {});
  const serialOf = async (productId: number, serial: string) => {
    const r = await a!.request('sale:addLine', { saleId: sale.saleId, productId, serial });
    return r.sale.lines[r.sale.lines.length - 1]!.serial;
  };
  assert.is(await serialOf(cs.id, ' abC-1 '), 'abC-1');
  assert.is(await serialOf(cs.id, 'ABC-1'), 'ABC-1');
  assert.is(await serialOf(ci.id, 'xy-1'), 'XY-1');
  const codeOf = (payload: { saleId: string; productId: number; serial: string }) =>
    a!.request('sale:addLine', payload).then(() => 'ok', (err: { code: string }) => err.code);
  assert.is(await codeOf({ saleId: newSaleId(), productId: 999_999, serial: 'Q-1' }), 'PRODUCT_NOT_FOUND');
  assert.is(await codeOf({ saleId: newSaleId(), productId: 999_999, serial: 'no spaces allowed' }), 'PRODUCT_NOT_FOUND');
  assert.is(await codeOf({ saleId: newSaleId(), productId: cs.id, serial: 'no spaces allowed' }), 'VALIDATION_FAILED');
  assert.is(await codeOf({ saleId: newSaleId(), productId: cs.id, serial: 'abC-1' }), 'SALE_NOT_FOUND');
  assert.is(await codeOf({ saleId: sale.saleId, productId: cs.id, serial: 'abc-1' }), 'SERIAL_NOT_IN_STOCK');
});

/** The refusal of a request as the register sees it: code, message and details. */
async function refusal(p: Promise<unknown>): Promise<{ code: string; message: string; details: unknown }> {
  try {
    await p;
  } catch (err) {
    const { code, message, details } = err as { code: string; message: string; details?: unknown };
    return { code, message, details };
  }
  throw new Error('the request was not refused');
}

test('sale:complete refuses an open sale to fix in a fixed order: empty, then line by line a lost hold or a missing serial, before the payments', async (ctx) => {
  const store = await createStore(ctx.hub);
  const enforced = await productWithStock(store, { serialMode: 'enforced', priceCents: 1000 }, ['ORD-1']);
  const solicit = await productWithStock(store, { serialMode: 'solicit', name: 'Typed thing', priceCents: 500 }, 3);
  const [a, sup] = await registers(ctx, ctx.hub.url, store.cashier.token!, store.supervisor.token!);
  const alerts: { kind: string; message: string; details?: unknown }[] = [];
  sup!.socket.on('alert', (al) => alerts.push(al));
  const { sale } = await a!.request('sale:open', {});
  const underpaid = { saleId: sale.saleId, payments: [{ method: 'card' as const, amountCents: 1 }] };

  assert.equal(await refusal(a!.request('sale:complete', underpaid)), {
    code: 'SALE_REJECTED', message: 'the sale has no lines', details: { reason: 'empty' },
  });
  const first = (await a!.request('sale:addLine', { saleId: sale.saleId, productId: solicit.id })).sale.lines[0]!.lineId;
  const second = (await a!.request('sale:addLine', { saleId: sale.saleId, productId: enforced.id, serial: 'ORD-1' })).sale.lines[1]!.lineId;
  await sup!.request('hold:forceRelease', { productId: enforced.id, serial: 'ORD-1', reason: 'wrong box' });
  await until(() => a!.state.openSales.get(store.terminals[0]!.id)?.lines[1]?.lost != null, 2000, 'line 2 flagged');

  // line 1 needs a serial and line 2 lost its hold: line 1 is named
  assert.equal(await refusal(a!.request('sale:complete', underpaid)), {
    code: 'SALE_REJECTED', message: 'line 1: Typed thing needs a serial', details: { line: 0, lineId: first, reason: 'serial_required' },
  });
  await a!.request('sale:pickSerial', { saleId: sale.saleId, lineId: first, serial: 'TY-1' });
  const third = (await a!.request('sale:addLine', { saleId: sale.saleId, productId: solicit.id })).sale.lines[2]!.lineId;
  // line 2 lost its hold and line 3 needs a serial: line 2 is named, and the supervisors are told
  const lost = { line: 1, lineId: second, serial: 'ORD-1', reason: 'force_released' };
  assert.equal(await refusal(a!.request('sale:complete', underpaid)), {
    code: 'HOLD_LOST', message: 'line 2: the hold on ORD-1 was lost (force_released): pick the serial again', details: lost,
  });
  await until(() => alerts.length === 1, 2000, 'the alert');
  assert.equal(alerts.map((al) => [al.kind, al.message, al.details]), [
    ['serial_conflict', 'A sale was refused: line 2: the hold on ORD-1 was lost (force_released): pick the serial again', lost],
  ]);
  await a!.request('sale:pickSerial', { saleId: sale.saleId, lineId: second, serial: 'ORD-1' });
  assert.equal(await refusal(a!.request('sale:complete', underpaid)), {
    code: 'SALE_REJECTED', message: 'line 3: Typed thing needs a serial', details: { line: 2, lineId: third, reason: 'serial_required' },
  });
  await a!.request('sale:removeLine', { saleId: sale.saleId, lineId: third });
  // only now the payments
  assert.equal(await refusal(a!.request('sale:complete', underpaid)), {
    code: 'SALE_REJECTED', message: 'payments of 1 do not cover the total of 1500', details: { reason: 'underpaid', totalCents: 1500, paidCents: 1 },
  });
  const done = await a!.request('sale:complete', { ...underpaid, payments: [{ method: 'card', amountCents: 1500 }] });
  assert.equal(done.invoice.lines.map((l) => [l.productId, l.serials]), [[solicit.id, ['TY-1']], [enforced.id, ['ORD-1']]]);
  assert.is(alerts.length, 1, 'one alert, for the lost hold only');
});

test('sale:complete of a sale id that is not this register\'s open sale: SALE_NOT_FOUND, unless it is an invoice (the same one again, or SALE_ID_CONFLICT)', async (ctx) => {
  const store = await createStore(ctx.hub);
  const plain = await productWithStock(store, { serialMode: 'none', priceCents: 100 }, 10);
  const [a, b] = await registers(ctx, ctx.hub.url, store.cashier.token!, store.cashier2.token!);
  const pay = [{ method: 'cash' as const, amountCents: 1000 }];
  const missing = newSaleId();
  assert.equal(await refusal(a!.request('sale:complete', { saleId: missing, payments: pay })), {
    code: 'SALE_NOT_FOUND', message: `no open sale ${missing} on this register`, details: undefined,
  });
  // register B's open sale, seen from A: not found (not a conflict), and B's sale is untouched
  const { sale: saleB } = await b!.request('sale:open', {});
  await b!.request('sale:addLine', { saleId: saleB.saleId, productId: plain.id, quantity: 2 });
  assert.equal(await refusal(a!.request('sale:complete', { saleId: saleB.saleId, payments: pay })), {
    code: 'SALE_NOT_FOUND', message: `no open sale ${saleB.saleId} on this register`, details: undefined,
  });
  assert.is((await b!.request('sale:open', {})).sale.lines.length, 1);

  // A completes its own sale; a retry answers the same invoice, B asking for it is a conflict
  const { sale } = await a!.request('sale:open', {});
  await a!.request('sale:addLine', { saleId: sale.saleId, productId: plain.id, quantity: 3 });
  const done = await a!.request('sale:complete', { saleId: sale.saleId, payments: pay });
  assert.is(done.replayed, false);
  const again = await a!.request('sale:complete', { saleId: sale.saleId, payments: pay });
  assert.equal(again, { ...done, replayed: true });
  assert.equal(await refusal(a!.request('sale:complete', { saleId: sale.saleId, payments: [{ method: 'card', amountCents: 1 }] })), {
    code: 'SALE_ID_CONFLICT', message: `sale id ${sale.saleId} was completed with other lines, customer or payments: use a new sale id`,
    details: { reason: 'different_request' },
  });
  assert.equal(await refusal(b!.request('sale:complete', { saleId: sale.saleId, payments: pay })), {
    code: 'SALE_ID_CONFLICT', message: `sale id ${sale.saleId} belongs to another register`, details: undefined,
  });
  // the same for an invoice made over REST
  const restId = newSaleId();
  const rest = await store.cashier.post('/api/sales', { saleId: restId, lines: [{ productId: plain.id, quantity: 1 }], payments: pay });
  assert.is(rest.status, 200, JSON.stringify(rest.body));
  const replayed = await a!.request('sale:complete', { saleId: restId, payments: pay });
  assert.equal(replayed.invoice, rest.body.invoice);
  assert.is(replayed.replayed, true);
  assert.is((await refusal(b!.request('sale:complete', { saleId: restId, payments: pay }))).code, 'SALE_ID_CONFLICT');
  assert.is((await store.supervisor.get(`/api/products/${plain.id}`)).body.product.stock, 6, 'sold 3 + 1 once each');
});

/**
 * Redis MONITOR on a socket of its own: every command Redis runs, with the client that sent it ("ip:port",
 * "lua" for a script's own calls). (Not ioredis's monitor(): it can miss the switch when lines arrive at once.)
 */
async function monitorRedis(url: string) {
  const { hostname, port } = new URL(url);
  const sock = connect(Number(port), hostname);
  const seen: { source: string; command: string; line: string }[] = [];
  let buffered = '';
  sock.setEncoding('utf8');
  sock.on('data', (chunk: string) => {
    buffered += chunk;
    for (let end = buffered.indexOf('\r\n'); end >= 0; end = buffered.indexOf('\r\n')) {
      const line = buffered.slice(0, end);
      buffered = buffered.slice(end + 2);
      // +<time> [<db> <source>] "<command>" "<arg>" ...
      const m = /^\+[\d.]+ \[\d+ ([^\]]+)\] "([^"]*)"(.*)$/.exec(line);
      if (m) seen.push({ source: m[1]!, command: m[2]!.toLowerCase(), line: m[3]! });
    }
  });
  await once(sock, 'connect');
  sock.write('MONITOR\r\n');
  await until(() => buffered.startsWith('+OK') || seen.length > 0, 5000, 'MONITOR to start');
  return { seen, close: () => sock.destroy() };
}

test('sale:complete is one Redis command from the hub (the completeSale script), whatever its outcome', async () => {
  // A hub of its own that is quiet between requests (no sweeps, no heartbeats) and a bare socket (no idle
  // resyncs): every command the hub's Redis connection sends between two markers is the request's.
  const hub = await startTestHub({}, redisUrl(), { heartbeatMs: 3_600_000 });
  await hub.sweeper.stop();
  const control = new Redis(redisUrl());
  const monitor = await monitorRedis(redisUrl());
  const socket: Socket = io(hub.url, { transports: ['websocket'], forceNew: true, reconnection: false, autoConnect: false });
  try {
    const hubSource = `${hub.redis.stream.localAddress}:${hub.redis.stream.localPort}`;
    const marker = async () => {
      const tag = `marker-${randomUUID()}`;
      await control.echo(tag);
      await until(() => monitor.seen.some((c) => c.line.includes(tag)), 5000, 'MONITOR to show the marker');
      return monitor.seen.findIndex((c) => c.line.includes(tag));
    };
    // ioredis sends a script whole (EVAL) the first time on a connection, by its sha (EVALSHA) after that
    const script = loadScriptSources().find((s) => s.name === 'completeSale')!;
    const quoted = (text: string) => text.replace(/[\\"]/g, (c) => `\\${c}`).replace(/\n/g, '\\n').replace(/\t/g, '\\t');
    const isCompleteSale = (c: { command: string; line: string }) =>
      c.command === 'evalsha' ? c.line.startsWith(` "${script.sha}" `) : c.command === 'eval' && c.line.startsWith(` "${quoted(script.lua.slice(0, 300))}`);

    const store = await createStore(hub);
    const p = await productWithStock(store, { serialMode: 'enforced', priceCents: 100 }, ['ONE-1']);
    socket.auth = { protocolVersion: PROTOCOL_VERSION, token: store.cashier.token };
    socket.connect();
    const request = async (event: string, payload: unknown) => (await socket.emitWithAck(event, payload)) as { ok: boolean; code?: string } & Record<string, any>;
    const { sale } = await request('sale:open', {});
    await request('sale:addLine', { saleId: sale.saleId, productId: p.id, serial: 'ONE-1' });
    /** The reply of `sale:complete`, after checking the hub sent Redis one command for it. */
    const complete = async (saleId: string) => {
      const from = await marker();
      const reply = await request('sale:complete', { saleId, payments: [{ method: 'cash', amountCents: 100 }] });
      const to = await marker();
      const commands = monitor.seen.slice(from + 1, to).filter((c) => c.source === hubSource);
      assert.is(commands.length, 1, JSON.stringify(commands).slice(0, 500));
      assert.ok(isCompleteSale(commands[0]!), `the completeSale script: ${JSON.stringify(commands[0]).slice(0, 200)}`);
      assert.ok(commands[0]!.line.includes(saleId), 'for this sale');
      return reply;
    };
    const done = await complete(sale.saleId);
    assert.is(done.ok, true, JSON.stringify(done));
    assert.is((await complete(sale.saleId)).replayed, true);
    assert.is((await complete(newSaleId())).code, 'SALE_NOT_FOUND');
    const { sale: empty } = await request('sale:open', {});
    assert.is((await complete(empty.saleId)).code, 'SALE_REJECTED');
  } finally {
    socket.close();
    monitor.close();
    control.disconnect();
    await hub.close();
  }
});

test.run();
