/**
 * Receiving, products and the product page in the browser: a clerk scans serials (duplicates and serials in
 * stock flagged before sending), pastes lists whose serials in stock or sold are flagged by the hub's batch
 * check before sending (with a progress bar for big ones), pastes 500 at once while the check is unreachable
 * (the hub's refusal shows instead), a supervisor creates and edits a product, and the product page shows a
 * register's hold live and drops it live when released.
 */
import { readFileSync } from 'node:fs';
import * as assert from 'uvu/assert';
import type { Browser, Page } from 'playwright-core';
import { createStore, newSaleId, productWithStock, startTestHub, type TestStore } from '../helpers/hub.js';
import { browserSuite, type TestHub as Hub, loginAt, registerContext, screenshot } from '../helpers/browser.js';

const test = browserSuite('e2e receiving, products, product page');

/** The `name` (or aria-label) of the element that has the focus, through shadow roots. */
function focusedName(page: Page): Promise<string> {
  return page.evaluate(() => {
    let el: Element | null = document.activeElement;
    while (el?.shadowRoot?.activeElement) el = el.shadowRoot.activeElement;
    return el?.getAttribute('name') ?? el?.getAttribute('aria-label') ?? el?.tagName ?? '';
  });
}

async function openAs(browser: Browser, hub: Hub, store: TestStore, staffCode: string, pin: string, route: string) {
  const context = await registerContext(browser);
  const page = await context.newPage();
  await loginAt(page, hub.url, { storeId: store.storeId, staffCode, pin });
  await page.evaluate((r) => (location.hash = r), route);
  return { context, page };
}

/** Scans like a barcode scanner: the characters fast, then Enter, into whatever has the focus. */
async function scan(page: Page, serial: string) {
  await page.keyboard.type(serial);
  await page.keyboard.press('Enter');
}

test('a clerk scans serials: a duplicate and a serial in stock are flagged, fixed, received, then listed as available', async ({ hub, browser }) => {
  const store = await createStore(hub);
  const product = await productWithStock(store, { partNumber: 'PH-RCV', name: 'Phone for receiving', serialMode: 'enforced' }, ['RCV-OLD-1']);
  const { context, page } = await openAs(browser, hub, store, '3001', '3333', '#/receiving');

  const picker = page.getByLabel('Add a product: part number or name');
  await picker.fill('PH-RCV');
  await picker.press('Enter');
  await page.getByLabel('Scan serial (one per unit)').waitFor();
  assert.is(await focusedName(page), 'scan', 'after picking an enforced product the focus is in the scan field');

  await scan(page, 'rcv-001');
  await scan(page, 'RCV-002');
  // The draft survives a trip to another view, and the focus comes back to the scan field.
  await page.evaluate(() => (location.hash = '#/products'));
  await page.locator('sh-products').waitFor();
  await page.evaluate(() => (location.hash = '#/receiving'));
  await page.locator('sh-receiving tr[data-serial="RCV-002"]').waitFor();
  assert.is(await focusedName(page), 'scan', 'back on receiving, the focus is in the scan field');

  for (const s of ['RCV-001', 'rcv-old-1', 'RCV-003']) {
    await scan(page, s);
    assert.is(await focusedName(page), 'scan', `focus stays in the scan field after ${s}`);
  }
  const rows = page.locator('sh-receiving .serials tr[data-serial]');
  await page.locator('tr[data-serial="RCV-OLD-1"][data-verdict="in_stock"]').waitFor();
  assert.is(await rows.count(), 5);
  assert.is(await page.locator('tr[data-serial="RCV-001"][data-verdict="duplicate"]').count(), 2, 'both copies highlighted');
  assert.is(await page.locator('tr[data-serial="RCV-002"]').getAttribute('data-verdict'), 'ok');
  assert.match(await page.locator('[data-check="duplicates"]').innerText(), /1 duplicate/);
  assert.match(await page.locator('[data-check="in-stock"]').innerText(), /1 already in stock/);
  assert.match(await page.locator('[data-check="count"]').innerText(), /5 serials \/ quantity 5/);
  const receive = page.getByRole('button', { name: /^Receive stock/ });
  assert.ok(await receive.isDisabled(), 'flagged serials keep the receipt from being sent');
  await screenshot(page, 'receiving');

  await page.getByRole('button', { name: 'Remove flagged' }).click();
  await page.waitForFunction(() => document.querySelector('sh-app')?.shadowRoot?.querySelector('sh-receiving')?.shadowRoot
    ?.querySelectorAll('.serials tr[data-serial]').length === 3);
  assert.is(await focusedName(page), 'scan', 'after a fix the focus is back in the scan field');
  assert.match(await page.locator('[data-check="count"]').innerText(), /3 serials \/ quantity 3/);
  await receive.click();

  await page.locator('[data-total="units"]').waitFor();
  assert.is(await page.locator('[data-total="lines"]').innerText(), '1');
  assert.is(await page.locator('[data-total="units"]').innerText(), '3');
  assert.is(await page.locator('[data-total="serials"]').innerText(), '3');

  const inStock = await store.clerk.get(`/api/products/${product.id}/serials?limit=10`);
  assert.equal(inStock.body.items.map((i: { serial: string }) => i.serial), ['RCV-001', 'RCV-002', 'RCV-003', 'RCV-OLD-1']);

  await page.locator('sh-receiving .summary a').first().click();
  await page.locator('sh-product-serials tr[data-serial="RCV-003"]').waitFor();
  const listed = await page.locator('sh-product-serials tbody tr').evaluateAll((trs) => trs.map((t) => t.getAttribute('data-serial')));
  assert.equal(listed, ['RCV-001', 'RCV-002', 'RCV-003', 'RCV-OLD-1']);
  assert.is(await page.locator('[data-figure="stock"]').innerText(), '4');
  await context.close();
});

test('a paste of 500 serials, a CSV import and a quantity line go out as one receipt; a serial the hub refuses is shown and fixed', async ({ hub, browser }) => {
  const store = await createStore(hub);
  const bulk = await productWithStock(store, { partNumber: 'BULK-500', name: 'Bulk phone', serialMode: 'enforced' }, ['BLK-00007']);
  const fromCsv = await productWithStock(store, { partNumber: 'CSV-P', name: 'Router from a CSV', serialMode: 'enforced' }, 0);
  const cable = await productWithStock(store, { partNumber: 'CBL-1', name: 'Cable', serialMode: 'none' }, 0);
  const { context, page } = await openAs(browser, hub, store, '3001', '3333', '#/receiving');
  const picker = page.getByLabel('Add a product: part number or name');

  // With the live check unreachable the pasted serials stay unchecked: the hub finds the one already in stock.
  await page.route('**/serials/check', (route) => route.abort());
  await picker.fill('BULK-500');
  await picker.press('Enter');
  await page.getByText('Paste a list').click();
  const serials = Array.from({ length: 500 }, (_, i) => `BLK-${String(i + 1).padStart(5, '0')}`);
  await page.getByLabel('Paste serials').fill(serials.join('\n'));
  await page.getByRole('button', { name: 'Add pasted serials' }).click();
  await page.locator('[data-check="count"]', { hasText: '500 serials / quantity 500' }).waitFor();

  // A CSV whose serial column is not the first one, imported once its line is the one being filled.
  await picker.fill('CSV-P');
  await picker.press('Enter');
  await page.locator('tr[data-part="CSV-P"][aria-current="true"]').waitFor();
  await page.getByLabel('Import CSV').setInputFiles({
    name: 'delivery.csv', mimeType: 'text/csv', buffer: Buffer.from('Part,Serial\nCSV-P,rt-0001\nCSV-P,RT-0002\n'),
  });
  await page.locator('[data-check="count"]', { hasText: '2 serials / quantity 2' }).waitFor();
  assert.ok(await page.locator('tr[data-serial="RT-0001"]').isVisible());

  await picker.fill('CBL-1');
  await picker.press('Enter');
  const qty = page.getByLabel('Quantity of CBL-1');
  await qty.waitFor();
  assert.is(await focusedName(page), 'Quantity of CBL-1', 'a quantity-only product puts the focus on its quantity');
  await qty.fill('5');

  await page.getByRole('button', { name: 'Receive stock (507 units)' }).click();
  const refusal = page.locator('sh-receiving .refusal');
  await refusal.waitFor();
  assert.match(await refusal.innerText(), /Nothing was received/);
  assert.match(await refusal.locator('li[data-reason="in_stock"]').innerText(), /BULK-500 · BLK-00007: Already in stock/);

  await page.locator('tr[data-part="BULK-500"]').click();
  await page.locator('tr[data-serial="BLK-00007"][data-verdict="in_stock"]').waitFor();
  await page.getByRole('button', { name: 'Remove flagged' }).click();
  await page.locator('[data-check="count"]', { hasText: '499 serials / quantity 499' }).waitFor();
  await page.getByRole('button', { name: 'Receive stock (506 units)' }).click();

  await page.locator('[data-total="units"]').waitFor();
  assert.is(await page.locator('[data-total="lines"]').innerText(), '3');
  assert.is(await page.locator('[data-total="units"]').innerText(), '506');
  assert.is(await page.locator('[data-total="serials"]').innerText(), '501');

  assert.is((await store.clerk.get(`/api/products/${bulk.id}`)).body.product.stock, 500);
  assert.is((await store.clerk.get(`/api/products/${cable.id}`)).body.product.stock, 5);
  const routers = await store.clerk.get(`/api/products/${fromCsv.id}/serials`);
  assert.equal(routers.body.items.map((i: { serial: string }) => i.serial), ['RT-0001', 'RT-0002']);
  await context.close();
});

test('a pasted list of 12 is checked by the hub: a serial in stock and a sold one are flagged and block Receive; a big import shows the check progress', async ({ hub, browser }) => {
  const store = await createStore(hub);
  const product = await productWithStock(store, { partNumber: 'PST-12', name: 'Pasted phone', serialMode: 'enforced' }, ['PST-IN', 'PST-SOLD']);
  const saleId = newSaleId();
  const hold = await store.cashier.post('/api/holds', { productId: product.id, serial: 'PST-SOLD', saleId });
  const sale = await store.cashier.post('/api/sales', {
    saleId, lines: [{ productId: product.id, quantity: 1, serials: [{ serial: 'PST-SOLD', token: hold.body.hold.token }] }],
    payments: [{ method: 'cash', amountCents: 100_000 }],
  });
  assert.is(sale.status, 200, JSON.stringify(sale.body));
  const { context, page } = await openAs(browser, hub, store, '3001', '3333', '#/receiving');
  const picker = page.getByLabel('Add a product: part number or name');
  await picker.fill('PST-12');
  await picker.press('Enter');
  await page.getByText('Paste a list').click();
  const fresh = Array.from({ length: 10 }, (_, i) => `pst-${String(i + 1).padStart(3, '0')}`);
  await page.getByLabel('Paste serials').fill([...fresh.slice(0, 5), 'pst-in', ...fresh.slice(5), 'PST-SOLD'].join('\n'));
  await page.getByRole('button', { name: 'Add pasted serials' }).click();

  await page.locator('tr[data-serial="PST-IN"][data-verdict="in_stock"]').waitFor();
  await page.locator('tr[data-serial="PST-SOLD"][data-verdict="sold"]').waitFor();
  assert.is(await page.locator('sh-receiving .serials tr[data-verdict="ok"]').count(), 10, 'the other ten are new');
  assert.match(await page.locator('[data-check="in-stock"]').innerText(), /1 already in stock/);
  assert.match(await page.locator('[data-check="sold"]').innerText(), /1 already sold/);
  assert.match(await page.locator('tr[data-part="PST-12"] + tr.problems').innerText(), /1 serial already sold and not returned/);
  assert.match(await page.locator('[data-check="count"]').innerText(), /12 serials \/ quantity 12/);
  const receive = page.getByRole('button', { name: /^Receive stock/ });
  assert.ok(await receive.isDisabled(), 'a serial in stock or sold keeps the receipt from being sent');
  await screenshot(page, 'receiving-check');

  await page.getByRole('button', { name: 'Remove flagged' }).click();
  await page.locator('[data-check="count"]', { hasText: '10 serials / quantity 10' }).waitFor();
  assert.ok(await receive.isEnabled());

  // A big import: the check goes out in chunks and the progress bar follows it; Receive waits for it.
  // The second chunk's answer is held back until the test has seen the bar part-way.
  let release!: () => void;
  const secondChunk = new Promise<void>((r) => (release = r));
  let calls = 0;
  await page.route('**/serials/check', async (route) => {
    if (++calls === 2) await secondChunk;
    await route.continue();
  });
  await page.getByLabel('Import CSV').setInputFiles({
    name: 'big.csv', mimeType: 'text/csv', buffer: Buffer.from(Array.from({ length: 6_000 }, (_, i) => `BIG-${i}`).join('\n')),
  });
  const progress = page.locator('sh-receiving [data-progress="check"]');
  await progress.filter({ hasText: 'Checking serials against the stock… 5,000 of 6,000' }).waitFor();
  assert.ok(await page.getByRole('button', { name: 'Checking serials…' }).isDisabled(), 'Receive waits for the check');
  release();
  await progress.waitFor({ state: 'detached' });
  await page.getByRole('button', { name: 'Receive stock (6,010 units)' }).click();
  await page.locator('[data-total="units"]', { hasText: '6,010' }).waitFor();
  assert.is((await store.clerk.get(`/api/products/${product.id}`)).body.product.stock, 6_011);
  await context.close();
});

test('a supervisor creates a product from the products view, edits its price, and sees a refused mode change explained', async ({ hub, browser }) => {
  const store = await createStore(hub);
  const stocked = await productWithStock(store, { partNumber: 'ENF-1', name: 'Stocked enforced', serialMode: 'enforced' }, ['E-1', 'E-2']);
  const { context, page } = await openAs(browser, hub, store, '1001', '1111', '#/products');
  const enf = page.locator('sh-products tr[data-part="ENF-1"] [data-stock]');
  await enf.waitFor();
  assert.is(await enf.innerText(), '2');
  // Stock in the list follows the store live.
  const received = await store.clerk.post('/api/receipts', { lines: [{ productId: stocked.id, quantity: 1, serials: ['E-3'] }] });
  assert.is(received.status, 201);
  await page.locator('sh-products tr[data-part="ENF-1"] [data-stock="3"]').waitFor();

  await page.getByRole('button', { name: 'New product' }).click();
  await page.getByLabel('Part number').fill('TAB-9');
  await page.getByLabel('Name').fill('Tablet 9 64 GB');
  await page.getByLabel('Price').fill('twelve');
  await page.getByLabel('Serial numbers').selectOption('enforced');
  await page.getByRole('button', { name: 'Create product' }).click();
  assert.match(await page.locator('sh-product-form [role=alert]').first().innerText(), /Type a price like 12\.50/);

  await page.getByLabel('Price').fill('199.99');
  await page.getByRole('button', { name: 'Create product' }).click();
  const row = page.locator('sh-products tr[data-part="TAB-9"]');
  await row.waitFor();
  assert.match(await row.innerText(), /\$199\.99/);
  assert.match(await row.innerText(), /Serial enforced/);
  await page.getByRole('button', { name: 'Close' }).click();
  await screenshot(page, 'products');

  const search = page.getByLabel('Search products');
  await search.fill('tab');
  await page.waitForFunction(() => document.querySelector('sh-app')?.shadowRoot?.querySelector('sh-products')?.shadowRoot
    ?.querySelectorAll('tbody tr').length === 1);

  await row.click();
  await page.getByRole('button', { name: 'Edit' }).waitFor();
  await page.getByRole('button', { name: 'Edit' }).click();
  await page.getByLabel('Price').fill('149.50');
  await page.getByRole('button', { name: 'Save changes' }).click();
  await page.locator('[data-figure="price"]', { hasText: '$149.50' }).waitFor();
  const created = (await store.supervisor.get('/api/products?q=TAB-9')).body.items[0];
  assert.is(created.priceCents, 14950);

  // A product with serials in stock cannot stop enforcing them: the hub's reason shows next to the mode.
  await page.evaluate((id) => (location.hash = `#/product/${id}`), stocked.id);
  await page.locator('[data-figure="stock"]', { hasText: '3' }).waitFor();
  await page.getByRole('button', { name: 'Edit' }).click();
  await page.getByLabel('Serial numbers').selectOption('none');
  await page.getByRole('button', { name: 'Save changes' }).click();
  const refusal = page.locator('sh-product-form #err-serialMode');
  await refusal.waitFor();
  assert.match(await refusal.innerText(), /3 serials in stock or held/);
  await page.getByRole('button', { name: 'Cancel' }).click();

  // A counted product with stock becomes enforced once every unit in stock has its serial.
  const counted = await productWithStock(store, { partNumber: 'CNT-2', name: 'Counted drill', serialMode: 'none' }, 2);
  await page.evaluate((id) => (location.hash = `#/product/${id}`), counted.id);
  await page.locator('[data-figure="stock"]', { hasText: '2' }).waitFor();
  await page.getByRole('button', { name: 'Edit' }).click();
  await page.getByLabel('Serial numbers').selectOption('enforced');
  const unitScan = page.getByLabel('Serial of a unit in stock');
  await unitScan.waitFor();
  await unitScan.click();
  await scan(page, 'dr-1');
  assert.match(await page.locator('[data-check="conversion"]').innerText(), /1 of 2 serials/);
  await page.getByRole('button', { name: 'Save changes' }).click();
  assert.match(await page.locator('sh-product-form #err-serialMode').innerText(), /give one serial per unit below \(1 of 2/);
  await unitScan.click();
  await scan(page, 'dr-2');
  await page.getByRole('button', { name: 'Save changes' }).click();
  await page.locator('[data-mode="enforced"]').waitFor();
  await page.locator('sh-product-serials tr[data-serial="DR-2"]').waitFor();
  assert.is(await page.locator('sh-product-serials tbody tr').count(), 2);
  await context.close();
});

test('the product page shows a serial held by a register live, with the register and time left, and drops it when released', async ({ hub, browser }) => {
  const store = await createStore(hub);
  const product = await productWithStock(store, { partNumber: 'HLD-X', name: 'Held phone', serialMode: 'enforced' }, ['HLD-1', 'HLD-2']);
  const { context, page } = await openAs(browser, hub, store, '1001', '1111', `#/product/${product.id}`);
  await page.locator('sh-product-serials tr[data-serial="HLD-2"]').waitFor();
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Export available (CSV)' }).click(),
  ]);
  assert.is(download.suggestedFilename(), 'HLD-X-available-serials.csv');
  const csv = readFileSync((await download.path())!, 'utf8');
  assert.equal(csv.split('\r\n'), ['serial', 'HLD-1', 'HLD-2']);
  await page.getByRole('tab', { name: /Held/ }).click();
  await page.getByText('No serial of this product is held').waitFor();

  const held = await store.cashier.post('/api/holds', { productId: product.id, serial: 'hld-1', saleId: newSaleId() });
  assert.is(held.status, 201, JSON.stringify(held.body));
  const row = page.locator('table[aria-label="Held serials"] tr[data-serial="HLD-1"]');
  await row.waitFor();
  assert.is(await row.locator('[data-register]').innerText(), 'Register 1');
  assert.match(await row.locator('.time-left').innerText(), /^\d+m \d{2}s$|^\d+s$/);
  assert.is(await page.locator('[data-figure="held"]').innerText(), '1');
  assert.is(await page.locator('[data-figure="available"]').innerText(), '1');
  assert.is(await page.locator('[data-count="held"]').innerText(), '1');
  await screenshot(page, 'product-detail');

  const released = await store.cashier.post('/api/holds/release', { productId: product.id, serial: 'HLD-1' });
  assert.is(released.status, 200, JSON.stringify(released.body));
  await row.waitFor({ state: 'detached' });
  assert.is(await page.locator('[data-figure="held"]').innerText(), '0');
  assert.is(await page.locator('[data-figure="available"]').innerText(), '2');
  await context.close();
});

test.run();
