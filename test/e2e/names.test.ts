/**
 * People and registers by name, not by code, wherever the viewer may read them: a supervisor reads the staff
 * list, a cashier knows their own name and customers' names, a stock clerk sees no customers. Invoices show
 * their number (as the receipt does) on the product page and in the serial lookup.
 */
import * as assert from 'uvu/assert';
import type { Browser, Page } from 'playwright-core';
import type { StoreSync } from '../../client/sync/store-sync.js';
import { createStore, productWithStock, type TestStore } from '../helpers/hub.js';
import { browserSuite, type TestHub as Hub, loginAt, registerContext } from '../helpers/browser.js';
import { connectRegister, until } from '../helpers/live.js';

const test = browserSuite<{ open: StoreSync[] }>('e2e names');
test.before((ctx) => {
  ctx.open = [];
});
test.after((ctx) => {
  for (const s of ctx.open) s.close();
});

async function openAs(browser: Browser, hub: Hub, store: TestStore, who: [string, string], route: string, register?: 0 | 1): Promise<Page> {
  const page = await (await registerContext(browser)).newPage();
  const t = register === undefined ? undefined : store.terminals[register]!;
  await loginAt(page, hub.url, {
    storeId: store.storeId, staffCode: who[0], pin: who[1],
    ...(t ? { pairing: { terminalId: t.id, terminalName: `Register ${register! + 1}`, deviceToken: t.deviceToken } } : {}),
  });
  await page.evaluate((r) => (location.hash = r), route);
  return page;
}

test('staff, customers, registers and invoices by name and number where the viewer may read them', async ({ hub, browser, open }) => {
  const store = await createStore(hub);
  const phone = await productWithStock(store, { partNumber: 'PH-N', name: 'Phone N', serialMode: 'enforced', priceCents: 10_000 }, ['N-1', 'N-2']);
  const customer = (await store.supervisor.post('/api/customers', { name: 'Nora Name' })).body.customer;
  // Cat (2002) on register 2 holds N-1 and sells it to Nora; then holds N-2
  const b = connectRegister(hub.url, store.cashier2.token!);
  open.push(b);
  await b.ready();
  const sale = (await b.request('sale:open', {})).sale;
  await b.request('sale:addLine', { saleId: sale.saleId, productId: phone.id, serial: 'N-1' });
  await b.request('sale:setCustomer', { saleId: sale.saleId, customerId: customer.id });
  const { invoice } = await b.request('sale:complete', { saleId: sale.saleId, payments: [{ method: 'card', amountCents: 10_000 }] });
  const next = (await b.request('sale:open', {})).sale;
  await b.request('sale:addLine', { saleId: next.saleId, productId: phone.id, serial: 'N-2' });

  // the supervisor reads the staff list: names on the dashboard and the product page
  const sup = await openAs(browser, hub, store, ['1001', '1111'], '#/dashboard');
  await sup.locator('[data-hold="N-2"]').waitFor();
  assert.match(await sup.locator('[data-hold="N-2"]').innerText(), /Register 2\tCat\t/);
  await until(async () => /\tCat\t/.test(await sup.locator(`[data-register="${store.terminals[1]!.id}"]`).innerText()), 3000, 'Cat on register 2');
  assert.match(await sup.locator('[data-feed=sale_completed]').first().innerText(), /Sale #1 · Register 2 · Cat · /);
  assert.match(await sup.locator('[data-feed=stock_received]').first().innerText(), /received by Cleo$/);
  await sup.evaluate((id) => (location.hash = `#/product/${id}`), phone.id);
  await sup.getByRole('tab', { name: /Held/ }).click();
  await until(async () => (await sup.locator('table.held tr[data-serial="N-2"] [data-staff]').innerText()) === 'Cat', 3000, 'the holder by name');
  await sup.getByRole('tab', { name: /Sold/ }).click();
  await sup.locator('sh-product-serials tr[data-serial="N-1"]', { hasText: 'Nora Name' }).waitFor();
  assert.match(await sup.locator('sh-product-serials tr[data-serial="N-1"] [data-invoice]').innerText(), new RegExp(`Invoice #${invoice.number}`));
  // the lookup: invoice number, customer, register and staff names in the timeline
  await sup.evaluate(() => (location.hash = '#/lookup/N-1'));
  await sup.locator('sh-serial-lookup [data-sold]').waitFor();
  await until(async () => /Nora Name/.test(await sup.locator('sh-serial-lookup [data-sold]').innerText()), 3000, 'the customer by name');
  assert.match(await sup.locator('sh-serial-lookup [data-sold]').innerText(), new RegExp(`on invoice #${invoice.number} to Nora Name`));
  const timeline = await sup.locator('sh-serial-lookup ol').innerText();
  assert.match(timeline, /Received · Cleo · back office/);
  assert.match(timeline, /Sold · Cat · Register 2/);
  assert.not.match(timeline, /staff 2002|register T/);
  await sup.evaluate(() => (location.hash = '#/lookup/N-2'));
  await sup.locator('sh-serial-lookup [data-held-by]').waitFor();
  assert.match(await sup.locator('sh-serial-lookup [data-held-by]').innerText(), /^Held at Register 2 by Cat until/);

  // a cashier may not read the staff list: other people stay codes, their own name and customers show
  const cal = await openAs(browser, hub, store, ['2001', '2222'], '#/lookup/N-1', 0);
  await cal.locator('sh-serial-lookup [data-sold]').waitFor();
  await until(async () => /Nora Name/.test(await cal.locator('sh-serial-lookup [data-sold]').innerText()), 3000, 'the customer by name');
  assert.match(await cal.locator('sh-serial-lookup ol').innerText(), /Sold · staff 2002 · Register 2/);
  await cal.evaluate((id) => (location.hash = `#/product/${id}`), phone.id);
  await cal.getByRole('tab', { name: /Held/ }).click();
  assert.is(await cal.locator('table.held tr[data-serial="N-2"] [data-staff]').innerText(), 'staff 2002');

  // a stock clerk sees no customers: no name, no link
  const cleo = await openAs(browser, hub, store, ['3001', '3333'], '#/lookup/N-1');
  await cleo.locator('sh-serial-lookup [data-sold]').waitFor();
  await cleo.waitForTimeout(300);
  const sold = await cleo.locator('sh-serial-lookup [data-sold]').innerText();
  assert.match(sold, new RegExp(`on invoice #${invoice.number} to customer ${customer.id}\\.`));
  assert.is(await cleo.locator('sh-serial-lookup [data-sold] a').count(), 0);
});

test.run();
