/**
 * CSV export of a product's serials (available, held or sold). The hub lists them a page at a time, so an
 * export of 100,000 serials is 200 requests of 500; the file is built with papaparse and downloaded as a Blob.
 */
import Papa from 'papaparse';
import type { Hold, Page, Product } from '../../../protocol/schemas.js';
import type { HubApi } from '../../api/http.js';

/** The hub's largest page. */
const EXPORT_PAGE = 500;
/** Cells starting like a spreadsheet formula are escaped (a serial like "=1+2" must not run in Excel). */
const FORMULA_START = /^[=+@\t\r]/;

export type ExportStatus = 'available' | 'held' | 'sold';

interface SoldRow {
  serial: string;
  saleId?: string;
  line?: number;
  at?: number;
  customerId?: number;
}

const iso = (ms: number | undefined) => (ms ? new Date(ms).toISOString() : '');

async function allPages<T extends { serial: string }>(api: HubApi, path: string, onProgress: (n: number) => void): Promise<T[]> {
  const out: T[] = [];
  const seen = new Set<string>();
  let cursor: string | null = null;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const page: Page<T> = await api.get<Page<T>>(`${path}${sep}limit=${EXPORT_PAGE}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    // Offset cursors (sold, held) shift when a sale lands mid-export: drop repeats.
    for (const item of page.items) if (!seen.has(item.serial)) (seen.add(item.serial), out.push(item));
    onProgress(out.length);
    cursor = page.nextCursor;
  } while (cursor);
  return out;
}

/** The CSV text of one list; `terminalName` names registers for held serials. */
export async function serialsCsv(
  api: HubApi,
  product: Product,
  status: ExportStatus,
  terminalName: (id: string) => string,
  onProgress: (n: number) => void,
): Promise<{ csv: string; count: number }> {
  const path = `/api/products/${product.id}/serials?status=${status}`;
  const options = { escapeFormulae: FORMULA_START, newline: '\r\n' };
  if (status === 'available') {
    const rows = await allPages<{ serial: string }>(api, path, onProgress);
    return { csv: Papa.unparse({ fields: ['serial'], data: rows.map((r) => [r.serial]) }, options), count: rows.length };
  }
  if (status === 'held') {
    const rows = await allPages<Hold>(api, path, onProgress);
    return {
      csv: Papa.unparse({
        fields: ['serial', 'register', 'register_id', 'staff', 'held_at', 'expires_at'],
        data: rows.map((h) => [h.serial, terminalName(h.terminalId), h.terminalId, h.staffId, iso(h.heldAt), iso(h.expiresAt)]),
      }, options),
      count: rows.length,
    };
  }
  const rows = await allPages<SoldRow>(api, path, onProgress);
  return {
    csv: Papa.unparse({
      fields: ['serial', 'invoice', 'invoice_line', 'sold_at', 'customer_id'],
      data: rows.map((r) => [r.serial, r.saleId ?? '', r.line === undefined ? '' : r.line + 1, iso(r.at), r.customerId ?? '']),
    }, options),
    count: rows.length,
  };
}

/** Saves text as a file through a temporary link. */
export function downloadText(filename: string, text: string, type = 'text/csv;charset=utf-8') {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1_000);
}
