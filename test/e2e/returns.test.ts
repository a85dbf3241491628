/**
 * Returns in the browser: a cashier returns an enforced serial sold to a customer, starting from the
 * customer's page; the serial is back in stock and the customer's page shows it returned. A supervisor who
 * had the same return open (found by the receipt number) is refused in words when confirming it, the serial
 * scanned in the finder says it came back already, and a stock clerk is not offered returns.
 */
import * as assert from 'uvu/assert';
import type { Browser, Page } from 'playwright-core';
import { createStore, PINS, productWithStock, sellToCustomer, type TestStore } from '../helpers/hub.js';
import { browserSuite, type TestHub as Hub, loginAt, registerContext, screenshot } from '../helpers/browser.js';

const test = browserSuite('e2e returns');

async function openPage(browser: Browser, hub: Hub, store: TestStore, who: 'cashier2' | 'supervisor' | 'clerk'): Promise<Page> {
  const page = await (await registerContext(browser)).newPage();
  const staff = { cashier2: ['2002', PINS.cashier2], supervisor: ['1001', PINS.supervisor], clerk: ['3001', PINS.clerk] }[who];
  await loginAt(page, hub.url, {
    storeId: store.storeId, staffCode: staff[0]!, pin: staff[1]!,
    ...(who === 'cashier2'
      ? { pairing: { terminalId: store.terminals[1]!.id, terminalName: 'Register 2', deviceToken: store.terminals[1]!.deviceToken } }
      : {}),
  });
  return page;
}


async function chooseAndReview(page: Page, serial: string, reason: string) {
  await page.locator(`sh-returns input[data-serial="${serial}"]`).check();
  await page.getByLabel('Reason for the return').fill(reason);
  await page.getByRole('button', { name: 'Review return (1 unit)' }).click();
  await page.locator('sh-returns section.review').waitFor();
}

test('a cashier returns a sold serial from the customer page: back in stock, shown returned; a second return of it is refused in words', async ({ hub, browser }) => {
  const store = await createStore(hub);
  const phone = await productWithStock(
    store,
    { partNumber: 'RET-PH', name: 'Phone R5', priceCents: 49_900, serialMode: 'enforced', warrantyReminder: true, warrantyMonths: 12 },
    ['RT-1', 'RT-2'],
  );
  const customer = (await store.cashier.post('/api/customers', { name: 'Rita Return', phone: '+1 555-0199' })).body.customer;
  const invoice = await sellToCustomer(store, phone, ['RT-1'], customer.id, 'card');

  // The supervisor opens the same return first, by the number on the receipt, and leaves it at the confirmation.
  const late = await openPage(browser, hub, store, 'supervisor');
  await late.locator('nav a', { hasText: 'Returns' }).click();
  await late.getByLabel('Receipt number or serial').fill(String(invoice.number));
  await late.getByRole('button', { name: 'Find' }).click();
  await late.locator(`sh-returns header[data-sale-id="${invoice.saleId}"]`).waitFor();
  assert.match(await late.locator('sh-returns header').innerText(), /Rita Return/);
  await chooseAndReview(late, 'RT-1', 'Changed mind');

  // The serial lookup offers the return of a sold serial: it opens the invoice with that serial chosen.
  const page = await openPage(browser, hub, store, 'cashier2');
  await page.evaluate(() => (location.hash = '#/lookup/RT-1'));
  await page.locator('sh-serial-lookup .match[data-serial="RT-1"] [data-sold]').waitFor();
  await page.getByRole('button', { name: 'Return it' }).click();
  await page.locator(`sh-returns header[data-sale-id="${invoice.saleId}"]`).waitFor();
  await page.locator('sh-returns input[data-serial="RT-1"]:checked').waitFor();

  // The cashier starts from the customer's page.
  await page.evaluate((id) => (location.hash = `#/customer/${id}`), customer.id);
  await page.getByRole('button', { name: `Return items of invoice ${invoice.number}` }).click();
  await page.locator(`sh-returns header[data-sale-id="${invoice.saleId}"]`).waitFor();
  assert.not.ok(await page.locator('sh-returns input[data-serial="RT-1"]').isChecked(), 'nothing is chosen for the cashier');
  assert.ok(await page.getByRole('button', { name: /^Review return/ }).isDisabled(), 'nothing chosen, no review');
  await chooseAndReview(page, 'RT-1', 'Defective');
  const row = page.locator('sh-returns section.review tr[data-line="0"]');
  assert.is(await row.getAttribute('data-outcome'), 'serial_stock');
  assert.match(await row.innerText(), /RT-1[\s\S]*Back in stock/);
  assert.is(await page.locator('sh-returns [data-field="refund"]').innerText(), '$499.00');
  await screenshot(page, 'returns');
  await page.getByRole('button', { name: 'Confirm return' }).click();
  await page.locator('sh-returns section.done').waitFor();
  assert.is(await page.locator('sh-returns [data-field="back-in-stock"]').innerText(), 'RT-1');

  // Back in stock, for the hub and on the product page.
  const available = await store.supervisor.get(`/api/products/${phone.id}/serials?status=available`);
  assert.equal(available.body.items.map((i: { serial: string }) => i.serial), ['RT-1', 'RT-2']);
  assert.is((await store.supervisor.get('/api/serials/RT-1')).body.matches[0].state, 'in_stock');

  // The customer's page shows it returned: on the invoice, in the returns list and in the service record.
  await page.getByRole('button', { name: 'Customer page' }).click();
  await page.locator('sh-customer-detail a.serial.returned[data-serial="RT-1"]').first().waitFor();
  // The return's details are fetched after the invoices: wait for them rather than read the row at once.
  const returnRow = page.locator('sh-customer-detail .returns li[data-return-id]');
  await returnRow.waitFor();
  assert.match(await returnRow.innerText(), /Returned[\s\S]*RT-1[\s\S]*Defective/);
  assert.is(await page.locator('sh-customer-detail tr[data-serial="RT-1"]').getAttribute('data-status'), 'returned');
  assert.is(await page.getByRole('button', { name: `Return items of invoice ${invoice.number}` }).count(), 0, 'nothing left to return');

  // The supervisor confirms the return still on their screen: refused, in words, and nothing changes.
  await late.getByRole('button', { name: 'Confirm return' }).click();
  const refusal = late.locator('sh-returns [role=alert]');
  await refusal.waitFor();
  assert.is(await refusal.innerText(), 'Serial RT-1 of Phone R5 was already returned. Nothing was returned this time.');
  await late.locator('sh-returns tr[data-line="0"]', { hasText: 'All returned' }).waitFor();
  assert.ok(await late.getByRole('button', { name: /^Review return/ }).isDisabled(), 'the screen now shows nothing left to return');
  assert.is((await store.supervisor.get(`/api/invoices/${invoice.saleId}`)).body.invoice.returns.length, 1);
  assert.is((await store.supervisor.get(`/api/products/${phone.id}`)).body.product.stock, 2);

  // Scanning the serial in the finder says where it is now.
  await late.locator('nav a', { hasText: 'Returns' }).click();
  await late.getByLabel('Receipt number or serial').fill('rt-1');
  await late.getByRole('button', { name: 'Find' }).click();
  assert.match(await late.locator('sh-returns [role=alert]').innerText(), /RT-1 is in stock: it was not sold, or it was returned already/);
  await late.getByLabel('Receipt number or serial').fill('999');
  await late.getByRole('button', { name: 'Find' }).click();
  await late.locator('sh-returns [role=alert]', { hasText: 'No invoice number 999 and no serial 999' }).waitFor();

  // A stock clerk is not offered returns.
  const clerk = await openPage(browser, hub, store, 'clerk');
  assert.is(await clerk.locator('nav a', { hasText: 'Returns' }).count(), 0);
  await clerk.context().close();
  await page.context().close();
  await late.context().close();
});

test.run();
