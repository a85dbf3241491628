/**
 * Serials from what a clerk gives us: a pasted list, a CSV file's rows, or one scan. Clean-up is the hub's own
 * normalizeSerial, so what the screen checks is what the hub will store.
 */
import { normalizeSerial } from '../../../protocol/serials.js';

/** A CSV header cell that names the serial column ("serial", "Serial number", "serial_no", "SN"). */
const SERIAL_HEADER = /^(serial([ _-]?(number|no|#))?|s\/?n)$/i;

/** One serial per line, or separated by commas, semicolons or white space. */
export function splitSerialText(text: string): string[] {
  return text.split(/[\s,;]+/).filter((s) => s.length > 0);
}

/**
 * The serials of parsed CSV rows: the column headed "serial" (any case) if the first row names one, else the
 * first column of every row.
 */
export function serialsFromCsvRows(rows: string[][]): string[] {
  const header = rows[0] ?? [];
  const column = header.findIndex((cell) => SERIAL_HEADER.test(String(cell).trim()));
  const body = column >= 0 ? rows.slice(1) : rows;
  const at = Math.max(column, 0);
  return body.map((r) => String(r[at] ?? '').trim()).filter((s) => s.length > 0);
}

export interface CleanedSerials {
  /** Normalised, in the order given (repeats kept: the batch shows them as duplicates). */
  valid: string[];
  /** As given, for the clerk to see what was refused. */
  invalid: string[];
}

export function cleanSerials(raws: readonly string[], caseSensitive: boolean): CleanedSerials {
  const valid: string[] = [];
  const invalid: string[] = [];
  for (const raw of raws) {
    const s = normalizeSerial(raw, caseSensitive);
    if (s === null) invalid.push(raw);
    else valid.push(s);
  }
  return { valid, invalid };
}
