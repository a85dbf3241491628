/**
 * Serial clean-up shared by the hub and the registers: scanners add whitespace, prefixes and GS1 codes.
 */

/** After clean-up a serial is 1-64 printable ASCII characters without spaces. */
export const SERIAL_PATTERN = /^[\x21-\x7E]{1,64}$/;

const GS1_GROUP_SEPARATOR = '\x1d';

/**
 * Pulls the serial (application identifier 21) out of a GS1 element string such as
 * `(01)09506000134352(21)ABC123` or `]C1010950600013435221ABC123` (FNC1 as \x1d between variable fields).
 * Returns null when the input is not a GS1 string that carries a serial.
 */
export function gs1Serial(raw: string): string | null {
  let s = raw.replace(/^\][A-Za-z]\d/, ''); // symbology identifier, e.g. ]C1 or ]d2
  const bracketed = /\(21\)([^(]+)/.exec(s);
  if (bracketed?.[1]) return bracketed[1];
  // Unbracketed: AI 01 has a fixed 14-digit GTIN; AI 21 runs to a group separator or the end.
  if (!/^01\d{14}/.test(s) || s.length < 18) return null;
  s = s.slice(16);
  while (s.length > 0) {
    if (s.startsWith('21')) return s.slice(2).split(GS1_GROUP_SEPARATOR)[0] || null;
    // Common fixed-length AIs that may sit between 01 and 21: 11/13/15/17 are 6-digit dates.
    if (/^1[1357]\d{6}/.test(s)) s = s.slice(8);
    else if (s.startsWith('10')) s = s.slice(2).split(GS1_GROUP_SEPARATOR).slice(1).join(GS1_GROUP_SEPARATOR);
    else return null;
  }
  return null;
}

/**
 * Normalises a serial as typed or scanned: GS1 strings give their AI 21, whitespace is trimmed,
 * and the serial is upper-cased unless the product says case matters.
 * Returns null when nothing valid remains.
 */
export function normalizeSerial(raw: string, caseSensitive = false): string | null {
  let s = raw.replace(/[\r\n\t]/g, ' ').trim();
  const fromGs1 = s.includes('(21)') || s.startsWith(']') || s.includes(GS1_GROUP_SEPARATOR) ? gs1Serial(s) : null;
  if (fromGs1) s = fromGs1.trim();
  // ASCII letters only: toUpperCase() would turn 'ß' into 'SS' or 'ı' into 'I' and let non-ASCII input through
  if (!caseSensitive) s = s.replace(/[a-z]+/g, (w) => w.toUpperCase());
  return SERIAL_PATTERN.test(s) ? s : null;
}
