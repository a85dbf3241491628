/**
 * Checkout in two registers' browsers: a serial picked on one is locked live on the other, the sale
 * completes with a printable receipt, solicit lines need their serial, and a register that goes offline and
 * back resyncs by itself.
 */
import * as assert from 'uvu/assert';
import type { Browser, Page } from 'playwright-core';
import { createStore, productWithStock, startTestHub, type TestStore } from '../helpers/hub.js';
import { until } from '../helpers/live.js';
import { browserSuite, type TestHub as Hub, loginAt, registerContext, screenshot } from '../helpers/browser.js';

const test = browserSuite('e2e checkout');

async function register(browser: Browser, hub: Hub, store: TestStore, i: 0 | 1, staff: [string, string]): Promise<Page> {
  const context = await registerContext(browser);
  const page = await context.newPage();
  await loginAt(page, hub.url, {
    storeId: store.storeId, staffCode: staff[0], pin: staff[1],
    pairing: { terminalId: store.terminals[i]!.id, terminalName: `Register ${i + 1}`, deviceToken: store.terminals[i]!.deviceToken },
  });
  await page.locator('#scan').waitFor();
  return page;
}

async function scan(page: Page, text: string) {
  await page.locator('#scan').fill(text);
  await page.locator('#scan').press('Enter');
}

test('register A picks a serial; register B sees it locked within a second and cannot pick it; A completes', async ({ hub, browser }) => {
  const store = await createStore(hub);
  const phone = await productWithStock(store, { partNumber: 'PH-1', name: 'Phone One', serialMode: 'enforced', priceCents: 49_900, warrantyReminder: true, warrantyMonths: 12 }, ['SN-AAA', 'SN-BBB']);
  const a = await register(browser, hub, store, 0, ['2001', '2222']);
  const b = await register(browser, hub, store, 1, ['2002', '2323']);

  // A scans the serial itself: the line is added with the serial held
  await scan(a, 'sn-aaa');
  await a.locator('td.serial .pill.held').waitFor();
  assert.match(await a.locator('td.serial').first().innerText(), /SN-AAA/);

  // B adds the product and opens the picker: SN-AAA shows locked with register A's name
  await scan(b, 'PH-1');
  await b.getByRole('button', { name: 'Pick' }).click();
  const started = Date.now();
  await b.locator('[data-locked="SN-AAA"]').waitFor({ timeout: 1000 });
  assert.ok(Date.now() - started < 1000);
  assert.match(await b.locator('[data-locked="SN-AAA"]').innerText(), /Register 1/);
  await screenshot(b, 'checkout-locked');
  // typing it on B is refused with a message a cashier understands
  await b.getByLabel('Serial for Phone One').fill('SN-AAA');
  await b.getByLabel('Serial for Phone One').press('Enter');
  await b.getByText('held by another register').waitFor();
  // B picks the other one from the list
  await b.getByRole('button', { name: 'SN-BBB' }).click();
  await b.locator('td.serial .pill.held').waitFor();

  // A attaches a customer (made at the counter) and pays cash
  const customer = (await store.supervisor.post('/api/customers', { name: 'Wanda Buyer', phone: '555 0199' })).body.customer;
  await a.getByLabel('Find customer').fill('Wanda');
  await a.locator(`[data-customer-id="${customer.id}"]`).click();
  await a.getByRole('button', { name: 'Remove customer from sale' }).waitFor();
  await screenshot(a, 'checkout');
  await a.locator('#tendered').fill('500');
  await a.getByRole('button', { name: 'Pay cash' }).click();
  await a.locator('.receipt').waitFor();
  const receipt = await a.locator('.receipt').innerText();
  assert.match(receipt, /S\/N SN-AAA/);
  assert.match(receipt, /warranty until/);
  assert.match(receipt, /Change/);
  // people by name: the cashier's own, and the customer's
  assert.match(receipt, /served by Cal/);
  await a.locator('.receipt [data-receipt-customer]', { hasText: 'Wanda Buyer' }).waitFor();
  await screenshot(a, 'receipt');
  const sold = await store.supervisor.get(`/api/products/${phone.id}/serials?status=sold`);
  assert.equal(sold.body.items.map((i: { serial: string }) => i.serial), ['SN-AAA']);
  assert.is(sold.body.items[0].customerId, customer.id);

  // the product page shows SN-AAA sold to that customer; the customer's page shows the service record
  await a.goto(`${hub.url}/#/product/${phone.id}`);
  await a.getByRole('tab', { name: /Sold/ }).or(a.getByRole('button', { name: /^Sold/ })).first().click();
  // the row is drawn first, the customer's name filled in when it has loaded
  await a.locator('tr[data-serial="SN-AAA"]', { hasText: 'Wanda Buyer' }).waitFor({ timeout: 5000 });
  await a.goto(`${hub.url}/#/customer/${customer.id}`);
  await a.getByText('Under warranty').first().waitFor();
  await a.locator('sh-customer-detail').getByText('SN-AAA').first().waitFor();
});

test('a solicit line cannot be paid until its serial is typed', async ({ hub, browser }) => {
  const store = await createStore(hub);
  await productWithStock(store, { partNumber: 'SAW-1', name: 'Saw', serialMode: 'solicit', priceCents: 10_000 }, 2);
  const a = await register(browser, hub, store, 0, ['2001', '2222']);
  await scan(a, 'SAW-1');
  await a.getByText('Every serialized item needs its serial').waitFor();
  assert.ok(await a.getByRole('button', { name: 'Pay cash' }).isDisabled());
  // focus went to the serial field: a scan lands there
  assert.is(await a.evaluate(() => (document.querySelector('sh-app')!.shadowRoot!.querySelector('sh-checkout')!.shadowRoot!.activeElement as HTMLElement)?.dataset.line), 'L1');
  await a.keyboard.type(' saw-0042 ');
  await a.keyboard.press('Enter');
  await a.locator('td.serial .pill', { hasText: 'typed' }).waitFor();
  assert.not.ok(await a.getByRole('button', { name: 'Pay cash' }).isDisabled());
  // the typed serial is shown, not an empty box; Edit changes it
  assert.is(await a.getByLabel('Serial for Saw').count(), 0, 'no empty serial box once it is typed');
  assert.is(await a.locator('[data-serial-of="L1"]').innerText(), 'SAW-0042');
  await a.getByRole('button', { name: 'Change serial of Saw' }).click();
  assert.is(await a.getByLabel('Serial for Saw').inputValue(), 'SAW-0042');
  await a.getByLabel('Serial for Saw').press('Escape');
  assert.is(await a.getByLabel('Serial for Saw').count(), 0, 'Escape keeps the serial');
  await a.getByRole('button', { name: 'Change serial of Saw' }).click();
  await a.getByLabel('Serial for Saw').fill('saw-0043');
  await a.getByLabel('Serial for Saw').press('Enter');
  await a.locator('[data-serial-of="L1"]', { hasText: 'SAW-0043' }).waitFor();
  await a.getByRole('button', { name: 'Pay by card' }).click();
  await a.locator('.receipt').waitFor();
  assert.match(await a.locator('.receipt').innerText(), /S\/N SAW-0043/);
});

test('errors show next to their field, in words a cashier understands, and clear on the next action', async ({ hub, browser }) => {
  const store = await createStore(hub);
  await productWithStock(store, { partNumber: 'SAW-2', name: 'Saw Two', serialMode: 'solicit', priceCents: 10_000 }, 2);
  const a = await register(browser, hub, store, 0, ['2001', '2222']);
  const row = a.locator('[data-line-row="L1"]');
  const errors = a.locator('sh-checkout [role=alert]');
  await scan(a, 'SAW-2');
  await row.waitFor();

  // Enter in the cash field with a serial missing: nothing is sent, the line and the payment card say why
  await a.locator('#tendered').fill('50');
  await a.locator('#tendered').press('Enter');
  await row.locator('[data-error=line]').waitFor();
  assert.match(await row.locator('[data-error=line]').innerText(), /serial before payment/);
  assert.match(await a.locator('.pay [data-error=pay]').innerText(), /One item still needs its serial/);
  assert.is(await a.locator('[data-error=scan]').count(), 0);
  assert.is(await a.evaluate(() => (document.querySelector('sh-app')!.shadowRoot!.querySelector('sh-checkout')!.shadowRoot!.activeElement as HTMLElement)?.dataset.line), 'L1');
  assert.is(await a.locator('.receipt').count(), 0);

  // typing the serial is the next action: the errors go
  await a.keyboard.type('saw-1');
  await a.keyboard.press('Enter');
  await a.locator('[data-serial-of="L1"]').waitFor();
  assert.is(await errors.count(), 0);

  // too little cash: said in the payment card, not under the scan box
  await a.locator('#tendered').fill('50');
  await a.locator('#tendered').press('Enter');
  await a.locator('.pay [data-error=pay]').waitFor();
  assert.match(await a.locator('.pay [data-error=pay]').innerText(), /\$50\.00, is less than the total of \$100\.00/);
  assert.is(await a.locator('[data-error=scan]').count(), 0);
  // a scan is the next action: the payment error goes, the scan's own shows by the scan box
  await scan(a, 'NO-SUCH-THING');
  await a.locator('[data-error=scan]').waitFor();
  assert.is(await a.locator('[data-error=pay]').count(), 0);
  assert.match(await a.locator('[data-error=scan]').innerText(), /Nothing found for "NO-SUCH-THING"/);

  await a.locator('#tendered').fill('100');
  await a.locator('#tendered').press('Enter');
  await a.locator('.receipt').waitFor();
});

test('a whole sale rung up with the keyboard only: scans, a typed serial, F8, cash, Enter; the next scan starts a new sale', async ({ hub, browser }) => {
  const store = await createStore(hub);
  await productWithStock(store, { partNumber: 'TAB-1', name: 'Tablet', serialMode: 'enforced', priceCents: 30_000 }, ['TB-001', 'TB-002']);
  await productWithStock(store, { partNumber: 'DRILL-1', name: 'Drill', serialMode: 'solicit', priceCents: 12_000 }, 3);
  await productWithStock(store, { partNumber: 'CABLE-1', name: 'Cable', serialMode: 'none', priceCents: 1_000 }, 10);
  const a = await register(browser, hub, store, 0, ['2001', '2222']);
  /** What has the focus in checkout: a field's id or line, a button's text, or BODY when nothing does. */
  const focused = () => a.evaluate(() => {
    const el = document.querySelector('sh-app')!.shadowRoot!.querySelector('sh-checkout')!.shadowRoot!.activeElement as HTMLElement | null;
    return el ? el.id || el.dataset.line || el.textContent!.trim() || el.tagName : 'BODY';
  });
  const typeAndEnter = async (text: string) => {
    await a.keyboard.type(text, { delay: 5 });
    await a.keyboard.press('Enter');
  };
  assert.is(await focused(), 'scan');

  // an enforced serial scanned: held at once, and the scan box is ready for the next scan
  await typeAndEnter('tb-001');
  await a.locator('td.serial .pill.held').waitFor();
  assert.is(await focused(), 'scan');
  // a solicit product scanned: its serial field takes the next scan
  await typeAndEnter('DRILL-1');
  await a.locator('[data-line-row="L2"]').waitFor();
  await until(async () => (await focused()) === 'L2', 2000, 'focus on the serial field');
  await typeAndEnter('dr-77');
  await a.locator('[data-serial-of="L2"]').waitFor();
  assert.is(await focused(), 'scan');
  // F8 goes to the payment (the button says so); the cash given, Enter
  assert.match(await a.getByRole('button', { name: 'Pay cash' }).innerText(), /F8/);
  await a.keyboard.press('F8');
  assert.is(await focused(), 'tendered');
  await typeAndEnter('500');
  await a.locator('.receipt').waitFor();
  const receipt = await a.locator('.receipt').innerText();
  assert.match(receipt, /S\/N TB-001/);
  assert.match(receipt, /S\/N DR-77/);
  assert.match(receipt, /Change\s+\$80\.00/);
  // the receipt: focus on New sale, not lost on the page
  await until(async () => (await focused()) === 'New sale', 2000, 'focus on New sale');

  // the next scan, on the receipt, starts the next sale with it
  await a.keyboard.type('cable-1', { delay: 5 });
  assert.is(await a.locator('[data-next-scan]').innerText(), 'cable-1');
  await a.keyboard.press('Enter');
  await a.locator('[data-line-row]', { hasText: 'Cable' }).waitFor();
  assert.is(await a.locator('.receipt').count(), 0);
  assert.is(await a.locator('[data-total]').innerText(), '$10.00');
  assert.is(await focused(), 'scan');

  // a new customer made at the counter: after "Create and choose" the payment is next
  await a.getByLabel('Find customer').fill('Kim Keys');
  await a.getByText('No customer matches').waitFor();
  await a.getByRole('button', { name: 'New customer' }).press('Enter');
  await a.getByRole('button', { name: 'Create and choose' }).press('Enter');
  await a.getByRole('button', { name: 'Remove customer from sale' }).waitFor();
  await until(async () => (await focused()) === 'tendered', 2000, 'focus on the cash field');
  await typeAndEnter('10');
  await a.locator('.receipt').waitFor();
  await until(async () => (await focused()) === 'New sale', 2000, 'focus on New sale');
});

test('a register goes offline and back: it resyncs by itself and sees what changed meanwhile', async ({ hub, browser }) => {
  const store = await createStore(hub);
  const p = await productWithStock(store, { partNumber: 'BIKE', name: 'Bike', serialMode: 'enforced', priceCents: 30_000 }, ['BK-1', 'BK-2', 'BK-3']);
  const a = await register(browser, hub, store, 0, ['2001', '2222']);
  await scan(a, 'BK-1');
  await a.locator('td.serial .pill.held').waitFor();

  await a.context().setOffline(true);
  // the device has no network: the badge says Offline within a few seconds, and the banner why
  const cut = Date.now();
  await a.locator('sh-connection-badge [data-status=offline]').waitFor({ timeout: 5_000 });
  assert.ok(Date.now() - cut < 5_000);
  assert.is(await a.locator('sh-connection-badge [role=status]').innerText(), 'Offline');
  await a.getByText('Offline: the hub cannot be reached').waitFor();
  await screenshot(a, 'offline');
  // meanwhile a supervisor force-releases A's hold, and another register takes a different bike
  const released = await store.supervisor.post('/api/holds/force-release', { productId: p.id, serial: 'BK-1', reason: 'customer left' });
  assert.is(released.status, 200);
  const hold = await store.cashier2.post('/api/holds', { productId: p.id, serial: 'BK-2', saleId: crypto.randomUUID() });
  assert.is(hold.status, 201);

  await a.context().setOffline(false);
  await a.locator('sh-connection-badge [data-status=online]').waitFor({ timeout: 15_000 });
  await a.locator('.pill.lost').waitFor({ timeout: 5000 });
  assert.match(await a.locator('.lost-note').innerText(), /customer left/);
  await a.getByText('Your sale changed while the register was offline').waitFor();
  // the picker shows BK-2 locked by register 2 (learned through the resync)
  await a.getByRole('button', { name: 'Pick' }).click();
  await a.locator('[data-locked="BK-2"]').waitFor();
  await a.getByRole('button', { name: 'BK-3' }).click();
  await a.locator('td.serial .pill.held').waitFor();
});

test.run();
