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

test.run();
