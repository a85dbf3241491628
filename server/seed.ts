/** The demo store a first start seeds: products in all three modes, serials in stock, staff, two registers. */
import type { Hub } from './hub.js';
import type { Caller } from './deps.js';
import type { SessionRecord } from './store/scripts.js';

export const DEMO_STORE = 'demo';
export const DEMO_STAFF = [
  { code: '1001', name: 'Sam Supervisor', role: 'supervisor', pin: '1111' },
  { code: '2001', name: 'Casey Cashier', role: 'cashier', pin: '2222' },
  { code: '3001', name: 'Stacy Stock', role: 'stock_clerk', pin: '3333' },
] as const;

const DEMO_PRODUCTS = [
  { partNumber: 'PH-X12', name: 'Phone X12 128 GB', priceCents: 79_900, serialMode: 'enforced', warrantyReminder: true, warrantyMonths: 12, serialPrefix: 'X12-' },
  { partNumber: 'DR-18V', name: 'Cordless drill 18 V', priceCents: 14_900, serialMode: 'enforced', warrantyReminder: true, warrantyMonths: 24, serialPrefix: 'DR18-' },
  { partNumber: 'BK-CITY', name: 'City bike 28"', priceCents: 54_900, serialMode: 'enforced', warrantyReminder: false, warrantyMonths: 0, serialPrefix: 'BK' },
  { partNumber: 'SAW-CIRC', name: 'Circular saw 1400 W', priceCents: 12_900, serialMode: 'solicit', warrantyReminder: true, warrantyMonths: 12, quantity: 8 },
  { partNumber: 'CASE-X12', name: 'Phone X12 case', priceCents: 1_999, serialMode: 'none', warrantyReminder: false, warrantyMonths: 0, quantity: 40 },
  { partNumber: 'CBL-USBC', name: 'USB-C cable 1 m', priceCents: 899, serialMode: 'none', warrantyReminder: false, warrantyMonths: 0, quantity: 100 },
] as const;

/** Seeds the demo store when Redis holds no store yet; returns what to print, or null when it did nothing. */
export async function seedDemo(hub: Hub): Promise<{ registers: { name: string; deviceToken: string }[] } | null> {
  const { access, catalog, inventory } = hub.services;
  if ((await access.listStores()).length > 0) return null;
  const [sup, ...others] = DEMO_STAFF;
  await access.createStore({ storeId: DEMO_STORE, name: 'Demo Hardware & Phones', supervisor: sup });
  const session: SessionRecord = {
    id: 'seed', storeId: DEMO_STORE, staffId: sup.code, name: sup.name, role: 'supervisor', terminalId: null,
    createdAt: Date.now(), expiresAt: Date.now() + 60_000,
  };
  const caller: Caller = { storeId: DEMO_STORE, session, sessionHash: 'seed', staffId: sup.code, terminalId: null };
  for (const s of others) await access.createStaff(caller, s);
  for (const p of DEMO_PRODUCTS) {
    const { serialPrefix, quantity, ...fields } = { serialPrefix: '', quantity: 0, ...p };
    const product = await catalog.createProduct(caller, { ...fields, serialCaseSensitive: false, lowStockThreshold: 3 });
    const serials = fields.serialMode === 'enforced'
      ? Array.from({ length: 12 }, (_, i) => `${serialPrefix}${String(1001 + i).padStart(6, '0')}`)
      : undefined;
    await inventory.receive(caller, {
      note: 'opening stock',
      lines: [{ productId: product.id, quantity: serials?.length ?? quantity, ...(serials ? { serials } : {}) }],
    });
  }
  const registers = [];
  for (const name of ['Register 1', 'Register 2']) {
    const { code } = await access.createPairingCode(caller, name);
    const { deviceToken } = await access.pair(DEMO_STORE, code, 'seed');
    registers.push({ name, deviceToken });
  }
  return { registers };
}
