/** Completing sales (atomic, idempotent on the register's sale id) and returns against invoice lines. */
import type { Invoice } from '../../protocol/schemas.js';
import type { Caller, Deps } from '../deps.js';
import { HubError } from '../store/errors.js';
import { storeKeys } from '../store/keys.js';
import { normalizeInvoice, type ReturnRecord } from '../store/scripts.js';
import { completeSaleWithAlerts } from './alerts.js';
import { requireTerminal } from './inventory.js';
import { numericCursor } from './paging.js';
import { cleanSerial, serialRules } from './productFlags.js';

export interface CompleteSaleInput {
  saleId: string;
  customerId?: number;
  lines: { productId: number; quantity: number; serials?: { serial: string; token?: number }[] }[];
  payments: { method: 'cash' | 'card'; amountCents: number }[];
}

export class SalesService {
  constructor(private readonly deps: Deps) {}

  async complete(caller: Caller, sale: CompleteSaleInput) {
    const terminalId = requireTerminal(caller);
    const rules = await serialRules(this.deps.redis, caller.storeId, sale.lines.map((l) => l.productId));
    const lines = sale.lines.map((line, i) => ({
      productId: line.productId,
      quantity: line.quantity,
      serials: (line.serials ?? []).map((s) => ({
        serial: cleanSerial(s.serial, rules.get(line.productId), { line: i }),
        ...(s.token !== undefined ? { token: s.token } : {}),
      })),
    }));
    return completeSaleWithAlerts(this.deps, caller, {
      saleId: sale.saleId, customerId: sale.customerId ?? null, lines, payments: sale.payments,
      terminalId, staffId: caller.staffId,
    });
  }

  async getInvoice(storeId: string, saleId: string): Promise<Invoice> {
    const raw = await this.deps.redis.get(storeKeys(storeId).invoice(saleId));
    if (!raw) throw new HubError('INVOICE_NOT_FOUND', `no invoice ${saleId}`);
    return normalizeInvoice(JSON.parse(raw) as Invoice);
  }

  /** The invoice printed as number `number` on its receipt. */
  async invoiceByNumber(storeId: string, number: number): Promise<Invoice> {
    const k = storeKeys(storeId);
    const saleId = (await this.deps.redis.hget(k.invoiceNumbers, String(number))) ?? (await this.unindexedInvoice(storeId, number));
    if (!saleId) throw new HubError('INVOICE_NOT_FOUND', `no invoice number ${number}`);
    return this.getInvoice(storeId, saleId);
  }

  /**
   * Invoices completed before the number index existed. Numbers are given in completion order, so invoice N
   * sits at rank N-1 of the invoices by time, or next to it when two completed in the same millisecond.
   */
  private async unindexedInvoice(storeId: string, number: number): Promise<string | null> {
    const k = storeKeys(storeId);
    const ids = await this.deps.redis.zrange(k.invoices, Math.max(0, number - 3), number + 1);
    if (ids.length === 0) return null;
    const raw = await this.deps.redis.mget(...ids.map((id) => k.invoice(id)));
    const found = raw.map((r) => (r ? (JSON.parse(r) as Invoice) : null)).find((inv) => inv?.number === number);
    return found?.saleId ?? null;
  }

  async listInvoices(storeId: string, q: { cursor?: string; limit: number }) {
    const k = storeKeys(storeId);
    const offset = numericCursor(q.cursor);
    const ids = await this.deps.redis.zrevrange(k.invoices, offset, offset + q.limit);
    const page = ids.slice(0, q.limit);
    const raw = page.length ? await this.deps.redis.mget(...page.map((id) => k.invoice(id))) : [];
    return {
      items: raw.filter((r): r is string => r !== null).map((r) => normalizeInvoice(JSON.parse(r) as Invoice)),
      nextCursor: ids.length > q.limit ? String(offset + q.limit) : null,
    };
  }

  async returnItems(
    caller: Caller,
    body: { returnId: string; saleId: string; reason?: string; lines: { line: number; quantity: number; serials?: string[] }[] },
  ) {
    const invoice = await this.getInvoice(caller.storeId, body.saleId);
    const rules = await serialRules(this.deps.redis, caller.storeId, invoice.lines.map((l) => l.productId));
    const lines = body.lines.map((l) => {
      const pid = invoice.lines[l.line]?.productId;
      return {
        line: l.line,
        quantity: l.quantity,
        serials: (l.serials ?? []).map((s) => cleanSerial(s, pid ? rules.get(pid) : undefined, { line: l.line })),
      };
    });
    return this.deps.scripts.returnSale(caller.storeId, {
      returnId: body.returnId, saleId: body.saleId, reason: body.reason, lines,
      staffId: caller.staffId, terminalId: caller.terminalId ?? '',
    });
  }

  async getReturn(storeId: string, returnId: string): Promise<ReturnRecord> {
    const raw = await this.deps.redis.get(storeKeys(storeId).return(returnId));
    if (!raw) throw new HubError('RETURN_NOT_FOUND', `no return ${returnId}`);
    const { requestHash: _, ...r } = JSON.parse(raw) as ReturnRecord & { requestHash?: string };
    return { ...r, lines: (Array.isArray(r.lines) ? r.lines : []).map((l) => ({ ...l, serials: Array.isArray(l.serials) ? l.serials : [] })) };
  }
}
