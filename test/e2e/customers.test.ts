/**
 * Customers in the web app: a cashier creates a customer and finds them by name and phone; the customer's
 * page follows a sale and a return made on another register (live, without a reload); the picker the
 * checkout uses picks and creates customers by keyboard; a stock clerk gets no customers.
 */
import { randomUUID } from 'node:crypto';
import * as assert from 'uvu/assert';
import type { Browser, Locator, Page } from 'playwright-core';
import { createStore, PINS, productWithStock, sellToCustomer, startTestHub, type TestStore } from '../helpers/hub.js';
import { browserSuite, type TestHub as Hub, loginAt, registerContext, screenshot } from '../helpers/browser.js';

const test = browserSuite('e2e customers');

const WAIT_MS = 10_000;

async function untilCount(locator: Locator, n: number, what: string) {
  const end = Date.now() + WAIT_MS;
  for (;;) {
    const count = await locator.count();
    if (count === n) return;
    if (Date.now() > end) throw new Error(`${what}: expected ${n}, saw ${count}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A cashier on register 2 (register 1 stays with the REST cashier who makes the sales). */
async function cashierPage(browser: Browser, hub: Hub, store: TestStore): Promise<Page> {
  const ctx = await registerContext(browser);
  const page = await ctx.newPage();
  await loginAt(page, hub.url, {
    storeId: store.storeId, staffCode: '2002', pin: PINS.cashier2,
    pairing: { terminalId: store.terminals[1]!.id, terminalName: 'Register 2', deviceToken: store.terminals[1]!.deviceToken },
  });
  return page;
}


async function search(page: Page, text: string) {
  await page.getByLabel('Search customers').fill(text);
  await page.getByLabel('Search customers').press('Enter');
}

test('a cashier creates a customer, finds them by name and phone, and their page follows a sale and a return live', async ({ hub, browser }) => {
  const store = await createStore(hub);
  const drill = await productWithStock(
    store,
    { partNumber: 'DRL-18', name: 'Cordless drill 18 V', priceCents: 12_900, serialMode: 'enforced', warrantyReminder: true, warrantyMonths: 24 },
    ['DRL-0001', 'DRL-0002'],
  );
  const page = await cashierPage(browser, hub, store);

  await page.locator('nav a', { hasText: 'Customers' }).click();
  await page.getByRole('heading', { name: 'Customers', exact: true }).waitFor();
  await page.getByText('No customers yet').waitFor();

  // Errors show next to their field, in words, and nothing is sent.
  await page.getByRole('button', { name: 'Create customer' }).click();
  assert.match(await page.locator('[data-error-for=name]').innerText(), "Enter the customer's name");
  await page.getByLabel('Name', { exact: true }).fill('Ana Lima');
  await page.getByLabel('Phone (optional)').fill('+1 555-0142');
  await page.getByLabel('E-mail (optional)').fill('ana.lima');
  await page.getByRole('button', { name: 'Create customer' }).click();
  assert.match(await page.locator('[data-error-for=email]').innerText(), 'does not look like an e-mail address');
  assert.is(await page.locator('[data-error-for=name]').count(), 0);
  assert.is((await store.cashier.get('/api/customers')).body.items.length, 0, 'nothing was created');

  await page.getByLabel('E-mail (optional)').fill('ana.lima@example.com');
  await page.getByRole('button', { name: 'Create customer' }).click();
  await page.waitForURL(/#\/customer\/\d+$/);
  const customerId = Number(/customer\/(\d+)$/.exec(page.url())![1]);
  await page.getByRole('heading', { name: 'Ana Lima' }).waitFor();
  assert.is(await page.locator('sh-customer-detail [data-field=phone]').innerText(), '+1 555-0142');
  await page.getByText('No purchases yet.').waitFor();
  const stored = await store.cashier.get(`/api/customers/${customerId}`);
  assert.equal(
    { name: stored.body.customer.name, phone: stored.body.customer.phone, email: stored.body.customer.email },
    { name: 'Ana Lima', phone: '+1 555-0142', email: 'ana.lima@example.com' },
  );

  // Another customer, so the searches have something to leave out.
  assert.is((await store.cashier.post('/api/customers', { name: 'Bruno Costa', phone: '+1 555-0199' })).status, 201);

  await page.getByRole('link', { name: '← All customers' }).click();
  const rows = page.locator('sh-customers tbody tr');
  await search(page, 'lima');
  await untilCount(rows, 1, 'customers matching "lima"');
  assert.match(await rows.first().innerText(), 'Ana Lima');
  await search(page, '+1 555-0142');
  await untilCount(rows, 1, 'customers matching the phone');
  assert.match(await rows.first().innerText(), 'Ana Lima');
  await search(page, '1555014');
  await untilCount(rows, 1, 'customers matching the start of the phone digits');
  assert.match(await rows.first().innerText(), 'Ana Lima');
  await search(page, 'nobody');
  await page.getByText('No customer matches “nobody”').waitFor();
  await search(page, '');
  await untilCount(rows, 2, 'all customers');
  await untilCount(page.locator('.toast'), 0, 'toasts');
  await screenshot(page, 'customers');

  // Keyboard: type, arrow down to the result, Enter opens it.
  await page.getByLabel('Search customers').fill('ana');
  await untilCount(rows, 1, 'customers matching "ana" as typed');
  await page.getByLabel('Search customers').press('ArrowDown');
  await page.keyboard.press('Enter');
  await page.waitForURL(new RegExp(`#/customer/${customerId}$`));
  await page.getByText('No purchases yet.').waitFor();

  // A sale on register 1 shows up on the open customer page by itself.
  const sale = await sellToCustomer(store, drill, ['DRL-0001'], customerId);
  const invoice = page.locator(`sh-customer-detail article[data-sale-id="${sale.saleId}"]`);
  await invoice.waitFor({ timeout: WAIT_MS });
  assert.is(await invoice.locator('a[data-serial="DRL-0001"]').count(), 1);
  const invoiceText = await invoice.innerText();
  assert.match(invoiceText, `Invoice #${sale.number}`);
  assert.match(invoiceText, 'Cordless drill 18 V');
  assert.match(invoiceText, '$129.00');

  const warrantyEnd = await page.evaluate((ms) => new Date(ms).toLocaleDateString(), sale.lines[0]!.warrantyEndsAt!);
  const record = page.locator('sh-customer-detail table.records tr[data-serial="DRL-0001"]');
  await record.waitFor();
  assert.is(await record.getAttribute('data-status'), 'active');
  assert.is(await record.locator('[data-field=warranty-end]').innerText(), warrantyEnd);
  assert.match(await record.innerText(), 'Under warranty');

  // A second sale, then a return of the first serial: the record says returned, the invoice shows the return.
  const second = await sellToCustomer(store, drill, ['DRL-0002'], customerId);
  await page.locator(`sh-customer-detail article[data-sale-id="${second.saleId}"]`).waitFor({ timeout: WAIT_MS });
  const returnId = `ret-${randomUUID()}`;
  const ret = await store.cashier.post('/api/returns', {
    returnId, saleId: sale.saleId, reason: 'chuck wobbles', lines: [{ line: 0, quantity: 1, serials: ['DRL-0001'] }],
  });
  assert.is(ret.status, 200, JSON.stringify(ret.body));
  await page.locator('sh-customer-detail tr[data-serial="DRL-0001"][data-status="returned"]').waitFor({ timeout: WAIT_MS });
  assert.match(await record.innerText(), 'Returned');
  await invoice.locator(`li[data-return-id="${returnId}"]`).waitFor();
  assert.match(await invoice.locator(`li[data-return-id="${returnId}"]`).innerText(), 'chuck wobbles');
  assert.is(await page.locator('sh-customer-detail tr[data-serial="DRL-0002"]').getAttribute('data-status'), 'active');
  // Newest first.
  const order = await page.locator('sh-customer-detail article[data-sale-id]').evaluateAll((els) => els.map((e) => e.getAttribute('data-sale-id')));
  assert.equal(order, [second.saleId, sale.saleId]);
  await untilCount(page.locator('.toast'), 0, 'toasts');
  await screenshot(page, 'customer-detail');

  // A serial opens its lookup.
  await page.locator('sh-customer-detail table.records a[data-serial="DRL-0002"]').click();
  await page.waitForURL(/#\/lookup\/DRL-0002$/);
  await page.locator('sh-serial-lookup .match[data-serial="DRL-0002"]').waitFor();

  // Addresses that name no customer say so in words.
  await page.goto(`${hub.url}/#/customer/9999`);
  await page.getByText('There is no such customer in this store.').waitFor();
  await page.goto(`${hub.url}/#/customer/abc`);
  await page.getByText('This address does not name a customer').waitFor();
  await page.context().close();
});

test('the customer picker finds, picks, removes and creates customers by keyboard', async ({ hub, browser }) => {
  const store = await createStore(hub);
  const ana = (await store.cashier.post('/api/customers', { name: 'Ana Lima', phone: '+1 555-0142' })).body.customer as { id: number };
  const page = await cashierPage(browser, hub, store);
  await page.goto(`${hub.url}/#/lookup`);
  // The checkout embeds the picker; here it goes into the shell alone, inside the app's context.
  await page.evaluate(() => {
    const w = window as unknown as { picked: unknown[] };
    w.picked = [];
    const picker = document.createElement('sh-customer-picker');
    picker.addEventListener('sh-customer-picked', (e) => w.picked.push(e.detail));
    document.querySelector('sh-app')!.shadowRoot!.querySelector('main')!.prepend(picker);
  });
  const picked = () => page.evaluate(() => (window as unknown as { picked: { id: number | null; name: string }[] }).picked);

  const find = page.getByLabel('Find customer');
  await find.fill('lima');
  await page.locator(`sh-customer-picker li button[data-customer-id="${ana.id}"]`).waitFor();
  await find.press('ArrowDown');
  await page.keyboard.press('Enter');
  assert.equal(await picked(), [{ id: ana.id, name: 'Ana Lima' }]);

  // The host stores the choice and passes it back; the picker shows it and can take it off.
  await page.locator('sh-customer-picker').evaluate((el, id) => ((el as unknown as { selectedId: number }).selectedId = id), ana.id);
  await page.locator('sh-customer-picker .chosen', { hasText: 'Ana Lima' }).waitFor();
  await page.getByRole('button', { name: 'Remove customer from sale' }).click();
  assert.equal((await picked())[1], { id: null, name: '' });
  await page.locator('sh-customer-picker').evaluate((el) => ((el as unknown as { selectedId: null }).selectedId = null));

  // Nobody found: "New customer" opens the inline form with what was typed as the name.
  await find.fill('Zed Quinn');
  await page.getByText('No customer matches “Zed Quinn”').waitFor();
  await page.locator('sh-customer-picker').getByRole('button', { name: 'New customer' }).click();
  assert.is(await page.getByLabel('Name', { exact: true }).inputValue(), 'Zed Quinn');
  await page.getByLabel('Phone (optional)').fill('555 7788');
  await page.getByLabel('Phone (optional)').press('Enter');
  await page.waitForFunction(() => (window as unknown as { picked: unknown[] }).picked.length === 3);
  const zed = (await picked())[2]!;
  assert.is(zed.name, 'Zed Quinn');
  const stored = await store.cashier.get(`/api/customers/${zed.id}`);
  assert.is(stored.status, 200);
  assert.is(stored.body.customer.phone, '555 7788');
  await page.context().close();
});

test('a stock clerk has no Customers menu entry and cannot open a customer', async ({ hub, browser }) => {
  const store = await createStore(hub);
  const ana = (await store.cashier.post('/api/customers', { name: 'Ana Lima' })).body.customer as { id: number };
  const ctx = await registerContext(browser);
  const page = await ctx.newPage();
  await loginAt(page, hub.url, { storeId: store.storeId, staffCode: '3001', pin: PINS.clerk });
  const menu = await page.locator('nav a').allTextContents();
  assert.not.ok(menu.includes('Customers'), menu.join(','));
  await page.goto(`${hub.url}/#/customers`);
  await page.waitForFunction(() => location.hash !== '#/customers');
  assert.is(await page.locator('sh-customers').count(), 0);
  await page.goto(`${hub.url}/#/customer/${ana.id}`);
  await page.getByText('Your role cannot see customers').waitFor();
  assert.is(await page.getByText('Ana Lima').count(), 0);
  await ctx.close();
});

test.run();
