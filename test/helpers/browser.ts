/**
 * Browser-test helpers: Debian's chromium driven by playwright-core (no browser downloads), pages logged in
 * as a register or the back office, and screenshots of every view into docs/screenshots.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { suite } from 'uvu';
import { startTestHub } from './hub.js';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Screenshots go to test-results/ (ignored); `npm run screenshots` refreshes the ones in docs/ for the README. */
const SCREENSHOTS = new URL(process.env.UPDATE_SCREENSHOTS ? '../../docs/screenshots/' : '../../test-results/screenshots/', import.meta.url);

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} not found: install the Debian package chromium (apt-get install chromium)`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage',
    ],
  });
}

/** A register's browser: its own context (storage), a 1024x768 touch screen. */
export async function registerContext(browser: Browser): Promise<BrowserContext> {
  return browser.newContext({ viewport: { width: 1024, height: 768 }, hasTouch: true });
}

/** Pairs the page's register (stores its device token the way the app does) and logs staff in. */
export async function loginAt(
  page: Page,
  url: string,
  who: { storeId: string; staffCode: string; pin: string; pairing?: { terminalId: string; terminalName: string; deviceToken: string } },
) {
  await page.goto(url);
  if (who.pairing) {
    await page.evaluate(
      ([p, storeId]) => localStorage.setItem('serialhub.pairing', JSON.stringify({ ...(p as object), storeId })),
      [who.pairing, who.storeId] as const,
    );
    await page.reload();
  } else {
    await page.getByLabel('Store').fill(who.storeId);
  }
  await page.getByLabel('Staff code').fill(who.staffCode);
  await page.getByLabel('PIN').fill(who.pin);
  await page.getByRole('button', { name: 'Log in', exact: true }).last().click();
  await page.locator('sh-connection-badge [data-status=online]').waitFor({ timeout: 10_000 });
}

/** Saves a screenshot of the page as it is (`fullPage`: the whole page, at the viewport's width). */
export async function screenshot(page: Page, name: string, opts: { fullPage?: boolean } = {}) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: new URL(`${name}.png`, SCREENSHOTS).pathname, fullPage: opts.fullPage ?? false });
}

export type TestHub = Awaited<ReturnType<typeof startTestHub>>;

/** A uvu suite whose context holds a hub and a browser for all its tests, closed after them. */
export function browserSuite<Extra extends object = object>(name: string, hubEnv: Record<string, string> = {}) {
  const test = suite<{ hub: TestHub; browser: Browser } & Extra>(name);
  test.before(async (ctx) => {
    ctx.hub = await startTestHub(hubEnv);
    ctx.browser = await launchBrowser();
  });
  test.after(async (ctx) => {
    await ctx.browser.close();
    await ctx.hub.close();
  });
  return test;
}
