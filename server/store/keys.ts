/**
 * Every Redis key the hub uses, built in one place. All keys of one store share the hash tag `{s:<storeId>}`,
 * so every script touches one Redis Cluster slot. Lua scripts build the same names from the meta key
 * (server/store/lua/includes/base.lua); a unit test keeps the two in step.
 */
export const GLOBAL_STORES_KEY = 'sh:stores';
/** Per-staff and per-address login throttles (rate-limiter-flexible) use this prefix. */
export const LOGIN_LIMIT_PREFIX = 'sh:login';

export function storePrefix(storeId: string): string {
  return `sh:{s:${storeId}}:`;
}

export function storeKeys(storeId: string) {
  const p = storePrefix(storeId);
  return {
    meta: `${p}meta`,
    events: `${p}events`,
    products: `${p}products`,
    partNumbers: `${p}partnums`,
    productIndex: `${p}pidx`,
    holds: `${p}holds`,
    holdExpiry: `${p}hexp`,
    timeline: `${p}tl`,
    soldInfo: `${p}si`,
    invoices: `${p}invoices`,
    invoiceNumbers: `${p}invnum`,
    receipts: `${p}receipts`,
    receiptNumbers: `${p}rcptnum`,
    customers: `${p}customers`,
    customerIndex: `${p}cidx`,
    staff: `${p}staff`,
    terminals: `${p}terminals`,
    terminalTokens: `${p}termtok`,
    presence: `${p}presence`,
    alerts: `${p}alerts`,
    product: (pid: number) => `${p}product:${pid}`,
    inStock: (pid: number) => `${p}in:${pid}`,
    held: (pid: number) => `${p}held:${pid}`,
    sold: (pid: number) => `${p}sold:${pid}`,
    terminalHolds: (tid: string) => `${p}th:${tid}`,
    invoice: (saleId: string) => `${p}inv:${saleId}`,
    receipt: (id: string) => `${p}rcpt:${id}`,
    return: (id: string) => `${p}ret:${id}`,
    customerInvoices: (cid: number) => `${p}cinv:${cid}`,
    serviceRecords: (cid: number) => `${p}csvc:${cid}`,
    session: (hash: string) => `${p}sess:${hash}`,
    staffSessions: (code: string) => `${p}ss:${code}`,
    pairing: (code: string) => `${p}pair:${code}`,
    cart: (saleId: string) => `${p}cart:${saleId}`,
    terminalSale: (tid: string) => `${p}tsale:${tid}`,
  };
}

export type StoreKeys = ReturnType<typeof storeKeys>;
