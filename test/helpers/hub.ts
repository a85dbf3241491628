/**
 * Test helpers: an in-process hub on a free port against the test run's redis-server (TEST_REDIS_URL),
 * a fresh store per test file or test, staff logged in on paired registers, and a small JSON client.
 */
import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { loadConfig, type Config } from '../../server/config.js';
import { startHub, type Hub } from '../../server/hub.js';
import type { LiveHubOptions } from '../../server/socket/live.js';

export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';

export function redisUrl(): string {
  const url = process.env.TEST_REDIS_URL;
  if (!url) throw new Error('TEST_REDIS_URL is not set: run the tests with `npm test`');
  return url;
}

/** A hub on a free port; `url` of a Redis the test started itself, else the test run's redis-server; `live`: its live hub's options. */
export async function startTestHub(env: Record<string, string> = {}, url = redisUrl(), live: LiveHubOptions = {}): Promise<Hub & { url: string }> {
  const config: Config = loadConfig({
    PORT: '0', HOST: '127.0.0.1', ADMIN_TOKEN, SEED_DEMO: '0', LOG_LEVEL: 'silent', SWEEP_INTERVAL_MS: '100',
    LOGIN_ATTEMPTS: '1000', ...env,
  });
  const hub = await startHub(config, pino({ level: 'silent' }), url, live);
  return Object.assign(hub, { url: `http://127.0.0.1:${hub.port}` });
}

export interface Reply<T = any> {
  status: number;
  body: T;
}

/** A JSON client for one caller (session token and, on a register, its device token). */
export class Client {
  constructor(
    readonly baseUrl: string,
    public token?: string,
    public deviceToken?: string,
  ) {}

  async call<T = any>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply<T>> {
    const res = await fetch(this.baseUrl + path, {
      method,
      headers: {
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
        ...(this.deviceToken ? { 'x-device-token': this.deviceToken } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // not json
    }
    return { status: res.status, body: parsed as T };
  }

  get<T = any>(path: string) {
    return this.call<T>('GET', path);
  }
  post<T = any>(path: string, body?: unknown) {
    return this.call<T>('POST', path, body ?? {});
  }
  patch<T = any>(path: string, body: unknown) {
    return this.call<T>('PATCH', path, body);
  }
  delete<T = any>(path: string) {
    return this.call<T>('DELETE', path);
  }
}

export function uniqueStoreId(tag = 't'): string {
  return `${tag}-${randomUUID().slice(0, 8)}`;
}

export const PINS = { supervisor: '1111', cashier: '2222', cashier2: '2323', clerk: '3333' };

export interface TestStore {
  storeId: string;
  admin: Client;
  /** Back-office supervisor session (no register). */
  supervisor: Client;
  /** Supervisor logged in on register 1. */
  supervisorAtRegister: Client;
  /** Cashier on register 1 and a second cashier on register 2. */
  cashier: Client;
  cashier2: Client;
  /** Stock clerk, back office. */
  clerk: Client;
  terminals: { id: string; deviceToken: string }[];
}

export async function login(baseUrl: string, storeId: string, staffCode: string, pin: string, deviceToken?: string) {
  const c = new Client(baseUrl, undefined, deviceToken);
  const r = await c.post('/api/sessions', { storeId, staffCode, pin });
  if (r.status !== 201) throw new Error(`login ${staffCode} failed: ${JSON.stringify(r.body)}`);
  c.token = r.body.token;
  c.deviceToken = undefined;
  return c;
}

/** A new store with a supervisor, two cashiers on two paired registers and a stock clerk. */
export async function createStore(hub: { url: string }, storeId = uniqueStoreId()): Promise<TestStore> {
  const admin = new Client(hub.url, ADMIN_TOKEN);
  const created = await admin.post('/api/admin/stores', {
    storeId, name: `Test ${storeId}`, supervisor: { code: '1001', name: 'Sue', pin: PINS.supervisor },
  });
  if (created.status !== 201) throw new Error(`create store: ${JSON.stringify(created.body)}`);
  const supervisor = await login(hub.url, storeId, '1001', PINS.supervisor);
  for (const [code, name, role, pin] of [
    ['2001', 'Cal', 'cashier', PINS.cashier],
    ['2002', 'Cat', 'cashier', PINS.cashier2],
    ['3001', 'Cleo', 'stock_clerk', PINS.clerk],
  ] as const) {
    const r = await supervisor.post('/api/staff', { code, name, role, pin });
    if (r.status !== 201) throw new Error(`create staff: ${JSON.stringify(r.body)}`);
  }
  const terminals = [];
  for (const name of ['Register 1', 'Register 2']) {
    const code = await supervisor.post('/api/pairing-codes', { terminalName: name });
    const paired = await new Client(hub.url).post('/api/terminals/pair', { storeId, code: code.body.code });
    terminals.push({ id: paired.body.terminal.id as string, deviceToken: paired.body.deviceToken as string });
  }
  return {
    storeId,
    admin,
    supervisor,
    supervisorAtRegister: await login(hub.url, storeId, '1001', PINS.supervisor, terminals[0]!.deviceToken),
    cashier: await login(hub.url, storeId, '2001', PINS.cashier, terminals[0]!.deviceToken),
    cashier2: await login(hub.url, storeId, '2002', PINS.cashier2, terminals[1]!.deviceToken),
    clerk: await login(hub.url, storeId, '3001', PINS.clerk),
    terminals,
  };
}

export interface ProductInput {
  partNumber?: string;
  name?: string;
  priceCents?: number;
  serialMode: 'none' | 'solicit' | 'enforced';
  warrantyReminder?: boolean;
  warrantyMonths?: number;
  serialCaseSensitive?: boolean;
}

/** Creates a product (as the supervisor) and receives stock for it (as the clerk). */
export async function productWithStock(store: TestStore, p: ProductInput, stock: number | string[]) {
  const created = await store.supervisor.post('/api/products', {
    partNumber: p.partNumber ?? `P-${randomUUID().slice(0, 6)}`, name: p.name ?? 'Test product', priceCents: p.priceCents ?? 1000, ...p,
  });
  if (created.status !== 201) throw new Error(`create product: ${JSON.stringify(created.body)}`);
  const product = created.body.product;
  const serials = Array.isArray(stock) ? stock : undefined;
  const quantity = Array.isArray(stock) ? stock.length : stock;
  if (quantity > 0) {
    const r = await store.clerk.post('/api/receipts', { lines: [{ productId: product.id, quantity, ...(serials ? { serials } : {}) }] });
    if (r.status !== 201) throw new Error(`receive: ${JSON.stringify(r.body)}`);
  }
  return product as { id: number; partNumber: string; priceCents: number; serialMode: string };
}

export const newSaleId = () => randomUUID();

/**
 * Holds enforced serials for a sale on register 1 and sells them to a customer, over REST, paid in cash (a
 * little over, for change) or by card.
 */
export async function sellToCustomer(
  store: TestStore, product: { id: number; priceCents: number }, serials: string[], customerId: number, method: 'cash' | 'card' = 'cash',
) {
  const saleId = newSaleId();
  const held = [];
  for (const serial of serials) {
    const r = await store.cashier.post('/api/holds', { productId: product.id, serial, saleId });
    if (r.status !== 201) throw new Error(`hold ${serial}: ${JSON.stringify(r.body)}`);
    held.push({ serial, token: r.body.hold.token as number });
  }
  const total = product.priceCents * serials.length;
  const sale = await store.cashier.post('/api/sales', {
    saleId, customerId, lines: [{ productId: product.id, quantity: serials.length, serials: held }],
    payments: [{ method, amountCents: method === 'cash' ? total + 100 : total }],
  });
  if (sale.status !== 200) throw new Error(`sale: ${JSON.stringify(sale.body)}`);
  return sale.body.invoice as { saleId: string; number: number; totalCents: number; lines: { warrantyEndsAt?: number }[] };
}
