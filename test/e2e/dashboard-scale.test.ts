/**
 * The dashboard at a busy store's size (issue 5's scale): 1,000 products, 50 registers online and a sale every
 * second. It loads from one snapshot, draws paged lists (not 1,000 rows), keeps up with the sales, and the
 * supervisor's typing is answered at once while the sales come in.
 */
import * as assert from 'uvu/assert';
import type { StoreSync } from '../../client/sync/store-sync.js';
import { Client, createStore, login, newSaleId, type TestStore } from '../helpers/hub.js';
import { browserSuite, loginAt, registerContext } from '../helpers/browser.js';
import { connectRegister, until } from '../helpers/live.js';

const PRODUCTS = 1_000;
const REGISTERS = 50;
const SALES = 12;

const test = browserSuite<{ open: StoreSync[] }>('e2e dashboard at scale', { LOGIN_ATTEMPTS: '1000' });

test.after.each((ctx) => {
  for (const s of ctx.open?.splice(0) ?? []) s.close();
});

/** `count` products of the store, `parallel` requests at a time; returns the first one's id. */
async function manyProducts(store: TestStore, count: number, parallel = 10): Promise<number> {
  const ids: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < count) {
        const n = next++;
        const r = await store.supervisor.post('/api/products', {
          partNumber: `SCALE-${String(n).padStart(4, '0')}`, name: `Scale item ${n}`, priceCents: 100 + n, serialMode: 'none',
        });
        assert.is(r.status, 201, JSON.stringify(r.body));
        ids[n] = r.body.product.id as number;
      }
    }),
  );
  return ids[0]!;
}

/** `count` more registers paired in the store, each with a cashier session on it. */
async function manyRegisters(hub: { url: string }, store: TestStore, count: number): Promise<string[]> {
  const tokens: string[] = [];
  for (let i = 0; i < count; i++) {
    const code = await store.supervisor.post('/api/pairing-codes', { terminalName: `Till ${i + 3}` });
    const paired = await new Client(hub.url).post('/api/terminals/pair', { storeId: store.storeId, code: code.body.code });
    assert.is(paired.status, 201, JSON.stringify(paired.body));
    tokens.push((await login(hub.url, store.storeId, '2001', '2222', paired.body.deviceToken as string)).token!);
  }
  return tokens;
}

test('1,000 products, 50 registers and a sale a second: paged lists, every sale counted, typing answered at once', async (ctx) => {
  const { hub, browser } = ctx;
  ctx.open = [];
  const store = await createStore(hub);
  const first = await manyProducts(store, PRODUCTS);
  const received = await store.clerk.post('/api/receipts', { lines: [{ productId: first, quantity: 1_000 }] });
  assert.is(received.status, 201, JSON.stringify(received.body));
  const tokens = await manyRegisters(hub, store, REGISTERS - 2);
  const registers = [store.cashier.token!, store.cashier2.token!, ...tokens].map((t) => connectRegister(hub.url, t));
  ctx.open.push(...registers);
  await Promise.all(registers.map((r) => r.ready(30_000)));

  const page = await (await registerContext(browser)).newPage(); // a 1024x768 screen
  const requests: string[] = [];
  page.on('request', (r) => r.url().includes('/api/') && requests.push(new URL(r.url()).pathname));
  await loginAt(page, hub.url, { storeId: store.storeId, staffCode: '1001', pin: '1111' });
  await page.goto(`${hub.url}/#/dashboard`);
  await until(async () => (await page.locator('[data-kpi=online]').innerText()).startsWith(`${REGISTERS} /`), 15_000, 'every register online');
  // one snapshot (the live sync) and one summary: not a request per product
  assert.ok(requests.filter((p) => p.startsWith('/api/products')).length <= 1, requests.join(' '));
  assert.is(await page.locator('tr[data-stock]').count(), 25, 'the stock list is paged');

  // Long tasks of the page while the sales come in.
  await page.evaluate(() => {
    const w = window as unknown as { longTaskMs: number };
    w.longTaskMs = 0;
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) w.longTaskMs += e.duration;
    }).observe({ type: 'longtask', buffered: false });
  });
  const started = Date.now();
  const filter = page.getByLabel('Filter products');
  const typing: number[] = [];
  for (let i = 0; i < SALES; i++) {
    const seller = registers[i % registers.length]!;
    const { sale } = await seller.request('sale:open', { saleId: newSaleId() });
    await seller.request('sale:addLine', { saleId: sale.saleId, productId: first, quantity: 1 });
    await seller.request('sale:complete', { saleId: sale.saleId, payments: [{ method: 'card', amountCents: 100 }] });
    if (i % 3 === 0) {
      // the supervisor narrows the stock list meanwhile: the answer is on screen at once
      const t = Date.now();
      await filter.fill(`SCALE-0${String(i).padStart(2, '0')}`);
      await page.locator('tr[data-stock]').first().waitFor();
      await until(async () => (await page.locator('tr[data-stock]').count()) <= 10, 2_000, 'the filtered list');
      typing.push(Date.now() - t);
      await filter.fill('');
    }
    await new Promise((r) => setTimeout(r, Math.max(0, started + (i + 1) * 1_000 - Date.now())));
  }
  await filter.fill('SCALE-0000');
  const soldToday = page.locator('[data-stock="SCALE-0000"] [data-sold-today]');
  await soldToday.waitFor();
  await until(async () => (await soldToday.innerText()) === String(SALES), 5_000, 'every sale counted');
  const elapsed = Date.now() - started;
  const longTaskMs = await page.evaluate(() => (window as unknown as { longTaskMs: number }).longTaskMs);
  console.log(`dashboard at scale: ${SALES} sales in ${elapsed} ms; long tasks ${Math.round(longTaskMs)} ms; filter answered in ${typing.join(', ')} ms`);
  // Generous bounds for a shared 2-core machine: the page is busy well under half the time, and a filter is
  // answered in well under a second.
  assert.ok(longTaskMs < elapsed / 2, `long tasks took ${longTaskMs} ms of ${elapsed} ms`);
  assert.ok(Math.max(...typing) < 1_000, `typing answered in ${typing.join(', ')} ms`);
  await page.context().close();
});

test.run();
