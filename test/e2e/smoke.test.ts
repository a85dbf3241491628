/** The web app loads, pairs, logs in, and shows the menu for the role. */
import * as assert from 'uvu/assert';
import type { Browser } from 'playwright-core';
import { createStore, startTestHub } from '../helpers/hub.js';
import { browserSuite, loginAt, registerContext, screenshot } from '../helpers/browser.js';

const test = browserSuite('e2e smoke');

test('login page, then a cashier on a register sees checkout; a back-office clerk does not', async ({ hub, browser }) => {
  const store = await createStore(hub);
  const ctxA = await registerContext(browser);
  const page = await ctxA.newPage();
  await page.goto(hub.url);
  await screenshot(page, 'login');
  await loginAt(page, hub.url, {
    storeId: store.storeId, staffCode: '2001', pin: '2222',
    pairing: { terminalId: store.terminals[0]!.id, terminalName: 'Register 1', deviceToken: store.terminals[0]!.deviceToken },
  });
  const menu = await page.locator('nav a').allTextContents();
  assert.ok(menu.includes('Checkout'), menu.join(','));
  assert.not.ok(menu.includes('Receiving'));
  await ctxA.close();

  const ctxB = await registerContext(browser);
  const clerk = await ctxB.newPage();
  await loginAt(clerk, hub.url, { storeId: store.storeId, staffCode: '3001', pin: '3333' });
  const clerkMenu = await clerk.locator('nav a').allTextContents();
  assert.ok(clerkMenu.includes('Receiving'));
  assert.not.ok(clerkMenu.includes('Checkout'));
  await ctxB.close();
});

test('at 1024x768 the header is one line, with every menu item and a long name', async ({ hub, browser }) => {
  const store = await createStore(hub);
  await store.supervisor.post('/api/staff', { code: '1002', name: 'Alexandra Montgomery-Whitfield', role: 'supervisor', pin: '4444' });
  const context = await registerContext(browser);
  const page = await context.newPage();
  await loginAt(page, hub.url, {
    storeId: store.storeId, staffCode: '1002', pin: '4444',
    pairing: { terminalId: store.terminals[0]!.id, terminalName: 'Register 1', deviceToken: store.terminals[0]!.deviceToken },
  });
  assert.equal(await page.locator('nav a').allTextContents(), ['Checkout', 'Receiving', 'Products', 'Customers', 'Returns', 'Serial lookup', 'Dashboard']);
  const box = await page.evaluate(() => {
    const header = document.querySelector('sh-app')!.shadowRoot!.querySelector('header')!;
    const tops = [...header.querySelectorAll('nav a, sh-connection-badge, .user, button')].map((el) => el.getBoundingClientRect());
    return { height: header.getBoundingClientRect().height, width: document.documentElement.scrollWidth, rows: new Set(tops.map((r) => Math.round(r.top + r.height / 2))).size };
  });
  assert.ok(box.height < 70, `header ${box.height}px high`);
  assert.is(box.rows, 1, 'every item on one line');
  assert.is(box.width, 1024, 'nothing sticks out sideways');
  assert.is(await page.locator('header .user').getAttribute('title'), 'Alexandra Montgomery-Whitfield · Register 1');
  await context.close();
});

test.run();
