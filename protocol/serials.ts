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

/** Whether a GTIN (8, 12, 13 or 14 digits) ends with its GS1 mod-10 check digit. */
export function validGtin(digits: string): boolean {
  if (!/^(\d{8}|\d{12,14})$/.test(digits)) return false;
  let sum = 0;
  // weights 3, 1, 3, ... from the digit left of the check digit
  for (let i = digits.length - 2, w = 3; i >= 0; i--, w = 4 - w) sum += Number(digits[i]) * w;
  return (10 - (sum % 10)) % 10 === Number(digits[digits.length - 1]);
}

/** AI 01 + GTIN-14, optional AIs 11/13/15/17 (6 digits each), AI 21 + 1-20 GS1 characters; spaces allowed between. */
const UNMARKED_GS1 = /^01(\d{14}) ?((?:1[1357]\d{6} ?)*)21([A-Za-z0-9!"%&'()*+,\-./:;<=>?_]{1,20})$/;

/**
 * A GS1 element string scanned without any marker (no brackets, symbology identifier or group separator), as
 * many scanners send it: `010950600013435221X12-001002`, or with spaces between the elements
 * `0109506000134352 21X12-001002`. Only this exact shape is read: AI 01 with a 14-digit GTIN whose check
 * digit is right, then optionally AIs 11/13/15/17 (6 digits each), then AI 21 with 1-20 characters of the GS1
 * character set (the standard's limit for a serial). Anything else (a serial that merely starts with 01 and
 * digits) gives null and is kept as it is: one in ten digit strings passes a check digit by chance, but such
 * a string must also have AI 21 at the right place and a short serial after it.
 */
export function unmarkedGs1Serial(raw: string): string | null {
  const m = UNMARKED_GS1.exec(raw);
  if (!m || !validGtin(m[1]!)) return null;
  return m[3]!;
}

/**
 * Normalises a serial as typed or scanned: GS1 strings give their AI 21, whitespace is trimmed,
 * and the serial is upper-cased unless the product says case matters.
 * Returns null when nothing valid remains.
 */
export function normalizeSerial(raw: string, caseSensitive = false): string | null {
  let s = raw.replace(/[\r\n\t]/g, ' ').trim();
  const marked = s.includes('(21)') || s.startsWith(']') || s.includes(GS1_GROUP_SEPARATOR);
  const fromGs1 = marked ? gs1Serial(s) : unmarkedGs1Serial(s);
  if (fromGs1) s = fromGs1.trim();
  // ASCII letters only: toUpperCase() would turn 'ß' into 'SS' or 'ı' into 'I' and let non-ASCII input through
  if (!caseSensitive) s = s.replace(/[a-z]+/g, (w) => w.toUpperCase());
  return SERIAL_PATTERN.test(s) ? s : null;
}
