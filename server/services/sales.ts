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
    const r = JSON.parse(raw) as ReturnRecord;
    return { ...r, lines: (Array.isArray(r.lines) ? r.lines : []).map((l) => ({ ...l, serials: Array.isArray(l.serials) ? l.serials : [] })) };
  }
}
