/**
 * The supervisor dashboard in the browser updates live while two registers hold, sell and release serials;
 * a force-release with a reason reaches the register; a cashier cannot open the dashboard or call its actions.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Browser } from 'playwright-core';
import type { StoreSync } from '../../client/sync/store-sync.js';
import { storeKeys } from '../../server/store/keys.js';
import { createStore, productWithStock, startTestHub } from '../helpers/hub.js';
import { launchBrowser, loginAt, registerContext, screenshot } from '../helpers/browser.js';
import { connectRegister, until } from '../helpers/live.js';

type Hub = Awaited<ReturnType<typeof startTestHub>>;
const test = suite<{ hub: Hub; browser: Browser; open: StoreSync[] }>('e2e dashboard');

test.before(async (ctx) => {
  ctx.hub = await startTestHub();
  ctx.browser = await launchBrowser();
  ctx.open = [];
});
test.after(async (ctx) => {
  for (const s of ctx.open) s.close();
  await ctx.browser.close();
  await ctx.hub.close();
});

test('the dashboard follows two registers live, and a force-release reaches the register', async ({ hub, browser, open }) => {
  const store = await createStore(hub);
  const phone = await productWithStock(store, { partNumber: 'PH-D', name: 'Phone D', serialMode: 'enforced', priceCents: 20_000 }, ['D-1', 'D-2', 'D-3']);
  await store.supervisor.patch(`/api/products/${phone.id}`, { lowStockThreshold: 2 });
  // refused before the dashboard opens: the alert is kept, and shown when it loads
  assert.is((await store.clerk.post('/api/receipts', { lines: [{ productId: phone.id, quantity: 1, serials: ['D-3'] }] })).status, 422);
  const a = connectRegister(hub.url, store.cashier.token!);
  const b = connectRegister(hub.url, store.cashier2.token!);
  open.push(a, b);
  await Promise.all([a.ready(), b.ready()]);

  const page = await (await registerContext(browser)).newPage(); // a 1024x768 screen
  await loginAt(page, hub.url, { storeId: store.storeId, staffCode: '1001', pin: '1111' });
  await page.goto(`${hub.url}/#/dashboard`);
  await page.locator('[data-kpi=online]').waitFor();
  await page.locator('[data-alert=serial_conflict]').waitFor({ timeout: 2000 });
  await until(async () => (await page.locator('[data-kpi=online]').innerText()).startsWith('2 /'), 5000, 'both registers online');

  // A holds D-1: the hold appears with its register, stock shows it held
  const saleA = (await a.request('sale:open', {})).sale;
  await a.request('sale:addLine', { saleId: saleA.saleId, productId: phone.id, serial: 'D-1' });
  await page.locator('[data-hold="D-1"]').waitFor({ timeout: 2000 });
  assert.match(await page.locator('[data-hold="D-1"]').innerText(), /Register 1/);
  assert.is(await page.locator('[data-stock="PH-D"] [data-held]').innerText(), '1');
  assert.match(await page.locator(`[data-register="${store.terminals[0]!.id}"]`).innerText(), /1 line\(s\) · \$200\.00/);

  // B holds D-2 and sells it: sold today and the feed update, available goes low
  const saleB = (await b.request('sale:open', {})).sale;
  await b.request('sale:addLine', { saleId: saleB.saleId, productId: phone.id, serial: 'D-2' });
  await b.request('sale:complete', { saleId: saleB.saleId, payments: [{ method: 'card', amountCents: 20_000 }] });
  await until(async () => (await page.locator('[data-stock="PH-D"] [data-sold-today]').innerText()) === '1', 3000, 'sold today');
  await page.locator('[data-feed=sale_completed]').first().waitFor();
  assert.match(await page.locator('[data-kpi=sales]').innerText(), /1/);
  assert.ok(await page.locator('tr.low[data-stock="PH-D"]').isVisible(), 'low stock highlighted');
  // the charts have drawn today's sale (they redraw at most once a second)
  await page.locator('sh-bar-chart[aria-label="Sales per hour"][data-state=drawn]').waitFor();
  await page.locator('sh-bar-chart[aria-label="Stock levels"][data-state=drawn]').waitFor();
  await screenshot(page, 'dashboard', { fullPage: true });

  // force-release A's hold with a reason: the register's line is flagged with it
  await page.locator('[data-hold="D-1"]').getByRole('button', { name: 'Force release' }).click();
  await page.getByLabel('Reason for releasing D-1').fill('customer walked out');
  await page.getByRole('button', { name: 'Release', exact: true }).click();
  await page.locator('[data-hold="D-1"]').waitFor({ state: 'detached', timeout: 2000 });
  await until(() => a.state.openSales.get(store.terminals[0]!.id)?.lines[0]?.lost?.note === 'customer walked out', 2000, 'register told');

  // a register that leaves with an open sale raises an alert
  a.close();
  await page.locator('[data-alert=offline_sale]').waitFor({ timeout: 5000 });
});

test('sales made while the dashboard was offline show once it is back: sales today, feed and sold today', async ({ hub, browser, open }) => {
  const store = await createStore(hub);
  const cable = await productWithStock(store, { partNumber: 'CBL-O', name: 'Cable O', serialMode: 'none', priceCents: 1_500 }, 10);
  const phone = await productWithStock(store, { partNumber: 'PH-O', name: 'Phone O', serialMode: 'enforced', priceCents: 20_000 }, ['O-1', 'O-2']);
  const b = connectRegister(hub.url, store.cashier2.token!);
  open.push(b);
  await b.ready();

  const page = await (await registerContext(browser)).newPage();
  await loginAt(page, hub.url, { storeId: store.storeId, staffCode: '1001', pin: '1111' });
  await page.goto(`${hub.url}/#/dashboard`);
  await until(async () => (await page.locator('[data-kpi=sales]').innerText()) === '0', 5000, 'no sales yet');

  await page.context().setOffline(true);
  await page.locator('sh-connection-badge :is([data-status=reconnecting], [data-status=offline])').waitFor({ timeout: 15_000 });
  // meanwhile: a sale over REST on register 1, and one rung up live on register 2
  const rest = await store.cashier.post('/api/sales', {
    saleId: crypto.randomUUID(), lines: [{ productId: cable.id, quantity: 2 }], payments: [{ method: 'card', amountCents: 3_000 }],
  });
  assert.is(rest.status, 200, JSON.stringify(rest.body));
  const sale = (await b.request('sale:open', {})).sale;
  await b.request('sale:addLine', { saleId: sale.saleId, productId: phone.id, serial: 'O-1' });
  await b.request('sale:complete', { saleId: sale.saleId, payments: [{ method: 'card', amountCents: 20_000 }] });

  await page.context().setOffline(false);
  await page.locator('sh-connection-badge [data-status=online]').waitFor({ timeout: 15_000 });
  await until(async () => (await page.locator('[data-kpi=sales]').innerText()) === '2', 5000, 'both sales counted');
  assert.match(await page.locator('.kpi', { has: page.locator('[data-kpi=sales]') }).innerText(), /\$230\.00/);
  assert.is(await page.locator('[data-stock="CBL-O"] [data-sold-today]').innerText(), '2');
  assert.is(await page.locator('[data-stock="PH-O"] [data-sold-today]').innerText(), '1');
  assert.is(await page.locator('[data-feed=sale_completed]').count(), 2);
  // it really was cut off: what it shows came through a resync after the reconnection
  assert.ok(await page.evaluate(() => (document.querySelector('sh-app') as unknown as { services: { sync: StoreSync } }).services.sync.lastResync?.reconnected));
});

test('alerts a supervisor sees, also after a reload: a solicit serial sold twice (raised by the hub), a hold older than the set time', async ({ hub, browser, open }) => {
  const store = await createStore(hub);
  const saw = await productWithStock(store, { partNumber: 'SAW-A', name: 'Saw A', serialMode: 'solicit', priceCents: 5_000 }, 5);
  const phone = await productWithStock(store, { partNumber: 'PH-A', name: 'Phone A', serialMode: 'enforced', priceCents: 20_000 }, ['H-1']);
  const sell = (c: typeof store.cashier, serial: string) => c.post('/api/sales', {
    saleId: crypto.randomUUID(), lines: [{ productId: saw.id, quantity: 1, serials: [{ serial }] }], payments: [{ method: 'card', amountCents: 5_000 }],
  });
  // before the dashboard is open: the hub keeps the alert
  assert.is((await sell(store.cashier, 'TWICE-1')).status, 200);
  assert.is((await sell(store.cashier2, 'twice-1')).status, 200);

  const page = await (await registerContext(browser)).newPage();
  await loginAt(page, hub.url, { storeId: store.storeId, staffCode: '1001', pin: '1111' });
  await page.goto(`${hub.url}/#/dashboard`);
  const repeat = page.locator('[data-alert=solicit_repeat]');
  await repeat.first().waitFor({ timeout: 5000 });
  assert.match(await repeat.first().innerText(), /Serial TWICE-1 of SAW-A \(Saw A\) was sold again on invoice #2 at Register 2: it was already sold on invoice #1/);
  await page.reload();
  await repeat.first().waitFor({ timeout: 5000 });
  assert.is(await repeat.count(), 1, 'once, after a reload too');
  // and live, while it is open
  assert.is((await sell(store.cashier, 'TWICE-1')).status, 200);
  await until(async () => (await repeat.count()) === 2, 3000, 'the live alert');
  assert.match(await repeat.first().innerText(), /invoice #3 at Register 1/);

  // a hold: no alert until it is older than the set time (10 minutes)
  const a = connectRegister(hub.url, store.cashier.token!);
  open.push(a);
  await a.ready();
  const sale = (await a.request('sale:open', {})).sale;
  await a.request('sale:addLine', { saleId: sale.saleId, productId: phone.id, serial: 'H-1' });
  await page.locator('[data-hold="H-1"]').waitFor({ timeout: 3000 });
  assert.is(await page.locator('[data-alert=hold_old]').count(), 0);
  // the same hold, as if taken 11 minutes ago (the hub keeps renewing it; heldAt stays); the stream is trimmed
  // so that the reloaded page reads the store from a snapshot, not by replaying the hold's event
  const k = storeKeys(store.storeId);
  const held = JSON.parse((await hub.redis.hget(k.holds, `${phone.id}:H-1`))!);
  await hub.redis.hset(k.holds, `${phone.id}:H-1`, JSON.stringify({ ...held, heldAt: held.heldAt - 11 * 60_000 }));
  await hub.redis.xtrim(k.events, 'MAXLEN', 1);
  await page.reload();
  await page.locator('[data-alert=hold_old]').waitFor({ timeout: 5000 });
  assert.match(await page.locator('[data-alert=hold_old]').innerText(), /Serial H-1 held at Register 1 for 11 min/);
});

test('registers are online, reconnecting while their grace period runs (holds kept), then offline', async ({ browser, open }) => {
  const hub = await startTestHub({ HOLD_LEASE_MS: '4000' });
  try {
    const store = await createStore(hub);
    const phone = await productWithStock(store, { partNumber: 'PH-G', name: 'Phone G', serialMode: 'enforced' }, ['G-1']);
    const a = connectRegister(hub.url, store.cashier.token!);
    open.push(a);
    await a.ready();
    const sale = (await a.request('sale:open', {})).sale;
    await a.request('sale:addLine', { saleId: sale.saleId, productId: phone.id, serial: 'G-1' });

    const page = await (await registerContext(browser)).newPage();
    // this screen's clock is half an hour slow: ages and time left still come out right (the hub's clock)
    await page.clock.install({ time: Date.now() - 30 * 60_000 });
    await loginAt(page, hub.url, { storeId: store.storeId, staffCode: '1001', pin: '1111' });
    await page.goto(`${hub.url}/#/dashboard`);
    await until(async () => (await page.locator('[data-kpi=sales]').innerText()) === '0', 5000, 'the summary');
    const held = await page.locator('[data-hold="G-1"]').innerText();
    assert.match(held, /\t\ds\t/, `age in seconds, not half an hour: ${held}`);
    assert.not.match(held, /expired|30m/);
    assert.is(await page.locator('[data-alert=hold_old]').count(), 0);
    const status = page.locator(`[data-register="${store.terminals[0]!.id}"] [data-status]`);
    await until(async () => (await status.getAttribute('data-status')) === 'online', 5000, 'online');
    assert.is(await page.locator(`[data-register="${store.terminals[1]!.id}"] [data-status]`).getAttribute('data-status'), 'offline', 'never seen: offline');

    // the register drops off: reconnecting while its holds are kept, offline once the grace period is over
    a.close();
    await until(async () => (await status.getAttribute('data-status')) === 'reconnecting', 3000, 'reconnecting');
    assert.match(await status.innerText(), /reconnecting/);
    assert.match(await page.locator('[data-kpi=reconnecting]').innerText(), /1 reconnecting/);
    assert.is(await page.locator('[data-hold="G-1"]').count(), 1, 'its hold is still kept');
    await until(async () => (await status.getAttribute('data-status')) === 'offline', 8000, 'offline after the grace period');
    await page.locator('[data-hold="G-1"]').waitFor({ state: 'detached', timeout: 3000 });

    // Unpair asks first
    const row = page.locator(`[data-register="${store.terminals[0]!.id}"]`);
    await row.getByRole('button', { name: 'Unpair' }).click();
    await row.getByText('Unpair Register 1? It must be paired again').waitFor();
    await row.getByRole('button', { name: 'Keep' }).click();
    const revoked = async () => (await store.supervisor.get('/api/terminals')).body.items.filter((t: { revokedAt?: number }) => t.revokedAt).length;
    assert.is(await revoked(), 0, 'kept');
    await row.getByRole('button', { name: 'Unpair' }).click();
    await row.getByRole('button', { name: 'Yes, unpair' }).click();
    await row.waitFor({ state: 'detached', timeout: 3000 });
    assert.is(await revoked(), 1);
  } finally {
    await hub.close();
  }
});

test('a cashier cannot open the dashboard or call its actions', async ({ hub, browser, open }) => {
  const store = await createStore(hub);
  const p = await productWithStock(store, { serialMode: 'enforced' }, ['X-1']);
  const page = await (await registerContext(browser)).newPage();
  await loginAt(page, hub.url, {
    storeId: store.storeId, staffCode: '2001', pin: '2222',
    pairing: { terminalId: store.terminals[0]!.id, terminalName: 'Register 1', deviceToken: store.terminals[0]!.deviceToken },
  });
  assert.not.ok((await page.locator('nav a').allTextContents()).includes('Dashboard'));
  await page.goto(`${hub.url}/#/dashboard`);
  await page.waitForTimeout(300);
  assert.is(await page.locator('sh-dashboard').count(), 0);
  assert.is((await store.cashier2.get(`/api/dashboard?since=${Date.now() - 1000}`)).status, 403);
  const c = connectRegister(hub.url, store.cashier2.token!);
  open.push(c);
  await c.ready();
  const sale = (await c.request('sale:open', {})).sale;
  await c.request('sale:addLine', { saleId: sale.saleId, productId: p.id, serial: 'X-1' });
  try {
    await c.request('hold:forceRelease', { productId: p.id, serial: 'X-1', reason: 'mine' });
    assert.unreachable();
  } catch (err) {
    assert.is((err as { code: string }).code, 'FORBIDDEN');
  }
  assert.is((await store.cashier2.post('/api/holds/force-release', { productId: p.id, serial: 'X-1', reason: 'x' })).status, 403);
});

test.run();
