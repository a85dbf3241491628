/**
 * Every REST route of the hub, as data: method, path, who may call it, and its handler. The app mounts this
 * table, the role-matrix test walks it, and protocol/README.md documents it. Handlers validate with the zod
 * schemas from protocol/ before anything touches Redis.
 */
import type { z } from 'zod';
import * as S from '../protocol/schemas.js';
import { PROTOCOL_VERSION } from '../protocol/version.js';
import type { Permission } from './access.js';
import type { Caller } from './deps.js';
import type { Services } from './services/index.js';
import { HubError } from './store/errors.js';

/** 'public': anyone; 'admin': the operator's ADMIN_TOKEN; 'session': any logged-in staff; else a permission. */
export type RouteAccess = 'public' | 'admin' | 'session' | Permission;

export interface RequestContext {
  params: Record<string, string>;
  query: unknown;
  body: unknown;
  headers: Record<string, string | string[] | undefined>;
  address: string;
  /** Set for every route except public and admin ones. */
  caller: Caller | null;
}

export interface RouteSpec {
  method: 'get' | 'post' | 'patch' | 'delete';
  path: string;
  access: RouteAccess;
  summary: string;
  /** Returns the json body; `status` overrides 200. */
  handler: (ctx: RequestContext) => Promise<unknown>;
  status?: number;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * The path of the first string in validated input that is not well-formed Unicode (a lone UTF-16 surrogate,
 * which JSON allows as `\ud800`), or null. Such text cannot be stored as UTF-8: Redis' cjson refuses it.
 * Only validated (so shallow) input is walked.
 */
export function illFormedTextPath(value: unknown, path: string[] = []): string | null {
  if (typeof value === 'string') return LONE_SURROGATE.test(value) ? path.join('.') : null;
  if (value === null || typeof value !== 'object') return null;
  for (const [k, v] of Object.entries(value)) {
    const found = LONE_SURROGATE.test(k) ? [...path, k].join('.') : illFormedTextPath(v, [...path, k]);
    if (found !== null) return found;
  }
  return null;
}

/** VALIDATION_FAILED for validated input that carries ill-formed text (see illFormedTextPath). */
export function refuseIllFormedText(value: unknown, where: string): void {
  const path = illFormedTextPath(value);
  if (path !== null) {
    throw new HubError('VALIDATION_FAILED', `invalid ${where}`, {
      issues: [{ path, message: 'text must be valid Unicode (it has a lone surrogate)' }],
    });
  }
}

/** Validates input with a protocol schema; a failure is VALIDATION_FAILED listing each problem. */
export function parse<T extends z.ZodType>(schema: T, value: unknown, where = 'body'): z.infer<T> {
  const r = schema.safeParse(value ?? {});
  if (r.success) {
    refuseIllFormedText(r.data, where);
    return r.data;
  }
  throw new HubError('VALIDATION_FAILED', `invalid ${where}`, {
    issues: r.error.issues.slice(0, 20).map((i) => ({ path: i.path.map(String).join('.'), message: i.message })),
  });
}

function caller(ctx: RequestContext): Caller {
  if (!ctx.caller) throw new HubError('UNAUTHENTICATED', 'log in first');
  return ctx.caller;
}
const param = <T extends z.ZodType>(ctx: RequestContext, name: string, schema: T): z.infer<T> =>
  parse(schema, ctx.params[name], `path parameter ${name}`);

export function routeTable(s: Services): RouteSpec[] {
  return [
    { method: 'get', path: '/api/version', access: 'public', summary: 'protocol version of this hub',
      handler: async () => ({ protocolVersion: PROTOCOL_VERSION }) },

    // ---- operator
    { method: 'post', path: '/api/admin/stores', access: 'admin', status: 201, summary: 'create a store and its first supervisor',
      handler: async (ctx) => {
        return { store: await s.access.createStore(parse(S.CreateStoreBody, ctx.body)) };
      } },

    // ---- sessions and registers
    { method: 'post', path: '/api/sessions', access: 'public', status: 201, summary: 'log in with staff code and PIN',
      handler: async (ctx) => {
        const body = parse(S.LoginBody, ctx.body);
        const device = ctx.headers['x-device-token'];
        return s.access.login({ ...body, deviceToken: typeof device === 'string' ? device : undefined, address: ctx.address });
      } },
    { method: 'get', path: '/api/session', access: 'session', summary: 'the current session',
      handler: async (ctx) => ({ session: caller(ctx).session }) },
    { method: 'delete', path: '/api/session', access: 'session', summary: 'log out',
      handler: async (ctx) => { await s.access.logout(caller(ctx)); return { ok: true }; } },
    { method: 'post', path: '/api/terminals/pair', access: 'public', status: 201, summary: 'pair a register with a one-time code',
      handler: async (ctx) => {
        const body = parse(S.PairBody, ctx.body);
        return s.access.pair(body.storeId, body.code, ctx.address);
      } },
    { method: 'post', path: '/api/pairing-codes', access: 'terminals:manage', status: 201, summary: 'make a one-time pairing code',
      handler: async (ctx) => s.access.createPairingCode(caller(ctx), parse(S.CreatePairingCodeBody, ctx.body).terminalName) },
    { method: 'get', path: '/api/terminals', access: 'terminals:manage', summary: 'list registers',
      handler: async (ctx) => ({ items: await s.access.listTerminals(caller(ctx).storeId) }) },
    { method: 'delete', path: '/api/terminals/:terminalId', access: 'terminals:manage', summary: 'unpair a register',
      handler: async (ctx) => ({ terminal: await s.access.revokeTerminal(caller(ctx), param(ctx, 'terminalId', S.IdParam)) }) },

    // ---- staff
    { method: 'get', path: '/api/staff', access: 'staff:manage', summary: 'list staff',
      handler: async (ctx) => ({ items: await s.access.listStaff(caller(ctx).storeId) }) },
    { method: 'post', path: '/api/staff', access: 'staff:manage', status: 201, summary: 'add a staff member',
      handler: async (ctx) => ({ staff: await s.access.createStaff(caller(ctx), parse(S.CreateStaffBody, ctx.body)) }) },
    { method: 'patch', path: '/api/staff/:code', access: 'staff:manage', summary: 'change a staff member (role, PIN, active)',
      handler: async (ctx) =>
        s.access.updateStaff(caller(ctx), param(ctx, 'code', S.StaffCode), parse(S.UpdateStaffBody, ctx.body)) },
    { method: 'delete', path: '/api/staff/:code/sessions', access: 'staff:manage', summary: "end a staff member's sessions",
      handler: async (ctx) => s.access.revokeStaffSessions(caller(ctx), param(ctx, 'code', S.StaffCode)) },

    // ---- products
    { method: 'get', path: '/api/products', access: 'products:read', summary: 'list or search products',
      handler: async (ctx) => s.catalog.listProducts(caller(ctx).storeId, parse(S.ListQuery, ctx.query, 'query')) },
    { method: 'post', path: '/api/products', access: 'products:write', status: 201, summary: 'create a product',
      handler: async (ctx) => ({ product: await s.catalog.createProduct(caller(ctx), parse(S.CreateProductBody, ctx.body)) }) },
    { method: 'get', path: '/api/products/:productId', access: 'products:read', summary: 'one product with its stock',
      handler: async (ctx) => ({ product: await s.catalog.getProduct(caller(ctx).storeId, param(ctx, 'productId', S.ProductId)) }) },
    { method: 'patch', path: '/api/products/:productId', access: 'products:write', summary: 'change a product',
      handler: async (ctx) => ({
        product: await s.catalog.updateProduct(caller(ctx), param(ctx, 'productId', S.ProductId), parse(S.UpdateProductBody, ctx.body)),
      }) },
    { method: 'get', path: '/api/products/:productId/serials', access: 'products:read', summary: "a product's available, held or sold serials",
      handler: async (ctx) =>
        s.catalog.listSerials(caller(ctx).storeId, param(ctx, 'productId', S.ProductId), parse(S.SerialListQuery, ctx.query, 'query')) },

    // ---- receiving
    { method: 'post', path: '/api/products/:productId/serials/check', access: 'stock:receive',
      summary: "where serials stand on an enforced product before receiving them (read-only)",
      handler: async (ctx) => {
        const productId = param(ctx, 'productId', S.ProductId);
        return s.inventory.checkSerials(caller(ctx).storeId, productId, parse(S.SerialCheckBody, ctx.body).serials);
      } },
    { method: 'post', path: '/api/receipts', access: 'stock:receive', status: 201, summary: 'receive stock (all or nothing)',
      handler: async (ctx) => s.inventory.receive(caller(ctx), parse(S.ReceiptBody, ctx.body)) },
    { method: 'get', path: '/api/receipts/:receiptId', access: 'receipts:read', summary: 'one receipt',
      handler: async (ctx) => ({ receipt: await s.inventory.getReceipt(caller(ctx).storeId, param(ctx, 'receiptId', S.ClientId)) }) },

    // ---- holds
    { method: 'get', path: '/api/holds', access: 'serials:read', summary: 'live holds of the store (or of ?terminalId=)',
      handler: async (ctx) => {
        const q = parse(S.HoldsQuery, ctx.query, 'query');
        return { items: await s.inventory.listHolds(caller(ctx).storeId, q.terminalId) };
      } },
    { method: 'post', path: '/api/holds', access: 'holds:use', status: 201, summary: "hold an enforced serial for this register's sale",
      handler: async (ctx) => s.inventory.hold(caller(ctx), parse(S.HoldBody, ctx.body)) },
    { method: 'post', path: '/api/holds/renew', access: 'holds:use', summary: "renew this register's holds",
      handler: async (ctx) => s.inventory.renew(caller(ctx), parse(S.RenewBody, ctx.body).saleId) },
    { method: 'post', path: '/api/holds/release', access: 'holds:use', summary: 'release one of this register’s holds',
      handler: async (ctx) => ({ released: await s.inventory.release(caller(ctx), parse(S.ReleaseBody, ctx.body)) }) },
    { method: 'post', path: '/api/holds/release-sale', access: 'holds:use', summary: 'release every hold of a sale (void)',
      handler: async (ctx) => ({ released: await s.inventory.releaseSale(caller(ctx), parse(S.ReleaseSaleBody, ctx.body).saleId) }) },
    { method: 'post', path: '/api/holds/force-release', access: 'holds:force', summary: "release any register's hold, with a reason",
      handler: async (ctx) => ({ released: await s.inventory.forceRelease(caller(ctx), parse(S.ForceReleaseBody, ctx.body)) }) },

    // ---- sales, invoices, returns
    { method: 'post', path: '/api/sales', access: 'sales:complete', summary: 'complete a sale (idempotent on saleId)',
      handler: async (ctx) => s.sales.complete(caller(ctx), parse(S.CompleteSaleBody, ctx.body)) },
    { method: 'get', path: '/api/invoices', access: 'invoices:read', summary: 'invoices, newest first',
      handler: async (ctx) => s.sales.listInvoices(caller(ctx).storeId, parse(S.ListQuery, ctx.query, 'query')) },
    { method: 'get', path: '/api/invoices/number/:number', access: 'invoices:read', summary: 'one invoice by the number on its receipt',
      handler: async (ctx) => ({ invoice: await s.sales.invoiceByNumber(caller(ctx).storeId, param(ctx, 'number', S.InvoiceNumberParam)) }) },
    { method: 'get', path: '/api/invoices/:saleId', access: 'invoices:read', summary: 'one invoice',
      handler: async (ctx) => ({ invoice: await s.sales.getInvoice(caller(ctx).storeId, param(ctx, 'saleId', S.ClientId)) }) },
    { method: 'post', path: '/api/returns', access: 'sales:return', summary: 'return units of invoice lines (idempotent on returnId)',
      handler: async (ctx) => s.sales.returnItems(caller(ctx), parse(S.ReturnBody, ctx.body)) },
    { method: 'get', path: '/api/returns/:returnId', access: 'invoices:read', summary: 'one return',
      handler: async (ctx) => ({ return: await s.sales.getReturn(caller(ctx).storeId, param(ctx, 'returnId', S.ClientId)) }) },

    // ---- serials
    { method: 'get', path: '/api/serials/:serial', access: 'serials:read', summary: 'where a serial is, its timeline and warranty',
      handler: async (ctx) => s.inventory.lookup(caller(ctx).storeId, param(ctx, 'serial', S.RawSerial)) },

    // ---- supervisors
    { method: 'get', path: '/api/dashboard', access: 'dashboard:view', summary: "today's sales per product and hour, and the latest feed",
      handler: async (ctx) => {
        const q = parse(S.DashboardQuery, ctx.query, 'query');
        const since = Math.max(q.since, Date.now() - 2 * 86_400_000);
        return s.dashboard.summary(caller(ctx).storeId, since);
      } },

    // ---- customers
    { method: 'get', path: '/api/customers', access: 'customers:read', summary: 'list or search customers',
      handler: async (ctx) => s.catalog.listCustomers(caller(ctx).storeId, parse(S.ListQuery, ctx.query, 'query')) },
    { method: 'post', path: '/api/customers', access: 'customers:write', status: 201, summary: 'create a customer',
      handler: async (ctx) => ({ customer: await s.catalog.createCustomer(caller(ctx), parse(S.CreateCustomerBody, ctx.body)) }) },
    { method: 'get', path: '/api/customers/:customerId', access: 'customers:read', summary: 'one customer',
      handler: async (ctx) => ({ customer: await s.catalog.getCustomer(caller(ctx).storeId, param(ctx, 'customerId', S.CustomerIdParam)) }) },
    { method: 'get', path: '/api/customers/:customerId/history', access: 'customers:read', summary: "a customer's invoices with serials",
      handler: async (ctx) =>
        s.catalog.customerHistory(caller(ctx).storeId, param(ctx, 'customerId', S.CustomerIdParam), parse(S.ListQuery, ctx.query, 'query')) },
    { method: 'get', path: '/api/customers/:customerId/service-records', access: 'customers:read', summary: "a customer's service records",
      handler: async (ctx) => ({
        items: await s.catalog.serviceRecords(caller(ctx).storeId, param(ctx, 'customerId', S.CustomerIdParam)),
      }) },
  ];
}
