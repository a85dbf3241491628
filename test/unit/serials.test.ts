import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { gs1Serial, normalizeSerial, SERIAL_PATTERN, unmarkedGs1Serial, validGtin } from '../../protocol/serials.js';

const GS = '\x1d';
const GTIN = '09506000134352';

// ---- normalizeSerial: plain input

test('normalizeSerial trims whitespace, tabs and scanner line endings', () => {
  assert.is(normalizeSerial('  abc123  '), 'ABC123');
  assert.is(normalizeSerial('abc123\r\n'), 'ABC123');
  assert.is(normalizeSerial('\tabc123\n'), 'ABC123');
  assert.is(normalizeSerial('\r\nSN-1\r'), 'SN-1');
});

test('normalizeSerial upper-cases unless the product is case-sensitive', () => {
  assert.is(normalizeSerial('aBc-dEf'), 'ABC-DEF');
  assert.is(normalizeSerial('aBc-dEf', false), 'ABC-DEF');
  assert.is(normalizeSerial('aBc-dEf', true), 'aBc-dEf');
  assert.is(normalizeSerial('  aBc  ', true), 'aBc');
  assert.is(normalizeSerial('ABC', true), 'ABC');
});

test('normalizeSerial keeps printable punctuation and digits as they are', () => {
  assert.is(normalizeSerial('SN/2024#01.a_b:c'), 'SN/2024#01.A_B:C');
  assert.is(normalizeSerial('0001'), '0001');
  assert.is(normalizeSerial('!'), '!');
  assert.is(normalizeSerial('~'), '~');
});

test('normalizeSerial accepts 1 to 64 characters, refuses more', () => {
  assert.is(normalizeSerial('x'), 'X');
  assert.is(normalizeSerial('x'.repeat(64)), 'X'.repeat(64));
  assert.is(normalizeSerial('x'.repeat(65)), null);
  assert.is(normalizeSerial('x'.repeat(70)), null);
  // surrounding whitespace does not count
  assert.is(normalizeSerial(`   ${'x'.repeat(64)}   `), 'X'.repeat(64));
});

test('normalizeSerial refuses empty, blank, inner spaces and control characters', () => {
  for (const bad of ['', ' ', '   ', '\r\n', '\t', 'a b', 'a\tb', 'ab\ncd', 'AB\x07C', 'AB\x00C', 'AB\x7fC', `AB${GS}CD`]) {
    assert.is(normalizeSerial(bad), null, JSON.stringify(bad));
    assert.is(normalizeSerial(bad, true), null, JSON.stringify(bad));
  }
});

test('normalizeSerial refuses non-ASCII, also letters that upper-case to ASCII', () => {
  for (const bad of ['äbc', 'ÄBC', 'serial€', 'Ω1', '１２３', 'straße', 'ß', 'ﬁle', 'ſn1', 'ı1']) {
    assert.is(normalizeSerial(bad), null, JSON.stringify(bad));
    assert.is(normalizeSerial(bad, true), null, JSON.stringify(bad));
  }
});

test('whatever normalizeSerial returns matches SERIAL_PATTERN and is stable', () => {
  const inputs = ['  abc ', 'x'.repeat(64), `(01)${GTIN}(21)abc`, `]C101${GTIN}21Q${GS}10L`, 'a/b', 'ZZ'];
  for (const raw of inputs) {
    for (const cs of [false, true]) {
      const s = normalizeSerial(raw, cs);
      assert.ok(s !== null && SERIAL_PATTERN.test(s), raw);
      assert.is(normalizeSerial(s!, cs), s, `idempotent: ${raw}`);
    }
  }
});

// ---- normalizeSerial: GS1

test('normalizeSerial takes AI 21 out of a bracketed GS1 string', () => {
  assert.is(normalizeSerial(`(01)${GTIN}(21)ABC123`), 'ABC123');
  assert.is(normalizeSerial(`(01)${GTIN}(21)abc123`), 'ABC123');
  assert.is(normalizeSerial(`(01)${GTIN}(21)abc123`, true), 'abc123');
  assert.is(normalizeSerial(`  (01)${GTIN}(21)ABC123\r\n`), 'ABC123');
  // AI 21 first, or followed by other AIs
  assert.is(normalizeSerial('(21)SN77(01)09506000134352'), 'SN77');
  assert.is(normalizeSerial(`(01)${GTIN}(21)SN77(10)LOT1`), 'SN77');
  // AIs 17 (expiry) and 10 (lot) before 21
  assert.is(normalizeSerial(`(01)${GTIN}(17)251231(10)LOT-9(21)XYZ`), 'XYZ');
  assert.is(normalizeSerial(`(01)${GTIN}(11)240101(21)XYZ`), 'XYZ');
});

test('normalizeSerial takes AI 21 out of a raw GS1 scan with a symbology identifier and group separators', () => {
  assert.is(normalizeSerial(`]C101${GTIN}21ABC123`), 'ABC123');
  assert.is(normalizeSerial(`]C101${GTIN}21abc123`, true), 'abc123');
  assert.is(normalizeSerial(`]d201${GTIN}21ABC123`), 'ABC123');
  assert.is(normalizeSerial(`]Q301${GTIN}21ABC123`), 'ABC123');
  // 21 ends at a group separator
  assert.is(normalizeSerial(`]C101${GTIN}21ABC123${GS}10LOT1`), 'ABC123');
  // 17 (fixed 6 digits) then 10 (variable, ends with GS) then 21
  assert.is(normalizeSerial(`]C101${GTIN}17251231${'10'}LOT1${GS}21SN-9`), 'SN-9');
  assert.is(normalizeSerial(`]C101${GTIN}10LOT1${GS}17251231${'21'}SN-9`), 'SN-9');
  // no symbology identifier but a group separator still marks a GS1 scan
  assert.is(normalizeSerial(`01${GTIN}10LOT1${GS}21SN-10`), 'SN-10');
});

test('normalizeSerial refuses a GS1 scan whose serial is not valid', () => {
  assert.is(normalizeSerial(`(01)${GTIN}(21)AB CD`), null);
  assert.is(normalizeSerial(`(01)${GTIN}(21)${'X'.repeat(65)}`), null);
  assert.is(normalizeSerial(`]C101${GTIN}21${GS}10LOT`), null);
  assert.is(normalizeSerial(`01${GTIN}10LOT1${GS}`), null);
});

// ---- normalizeSerial: GS1 without markers (what most scanners send)

test('validGtin checks the GS1 mod-10 check digit', () => {
  assert.ok(validGtin(GTIN));
  assert.ok(validGtin('4006381333931')); // EAN-13
  assert.ok(validGtin('96385074')); // EAN-8
  assert.ok(validGtin('036000291452')); // UPC-A
  assert.not.ok(validGtin('09506000134353'));
  assert.not.ok(validGtin('09506000134350'));
  assert.not.ok(validGtin('0950600013435'), 'a GTIN-13 that is the GTIN-14 without its check digit');
  assert.not.ok(validGtin('0950600013435A'));
  assert.not.ok(validGtin(''));
});

test('normalizeSerial reads a plain GS1 scan: AI 01, optional date AIs, AI 21', () => {
  assert.is(normalizeSerial(`01${GTIN}21X12-001002`), 'X12-001002');
  assert.is(normalizeSerial(`01${GTIN} 21X12-001002`), 'X12-001002');
  assert.is(normalizeSerial(`  01${GTIN} 21x12-001002\r\n`), 'X12-001002');
  assert.is(normalizeSerial(`01${GTIN}21x12-001002`, true), 'x12-001002');
  assert.is(normalizeSerial(`01${GTIN}1725123121SN9`), 'SN9');
  assert.is(normalizeSerial(`01${GTIN} 17251231 21SN9`), 'SN9');
  assert.is(normalizeSerial(`01${GTIN}11240101${'17'}26123121SN9`), 'SN9');
  assert.is(normalizeSerial(`01${GTIN}21${'9'.repeat(20)}`), '9'.repeat(20));
  assert.is(unmarkedGs1Serial(`01${GTIN}21AB/C.D-1`), 'AB/C.D-1');
});

test('normalizeSerial keeps serials that only look a little like a plain GS1 string', () => {
  const keep = [
    `01${GTIN}`, // no AI 21
    `01${GTIN}21`, // AI 21 empty
    '01095060001343532', // wrong check digit, and no 21 either
    '010950600013435321X12-001002', // GTIN check digit wrong (3 instead of 2)
    `01${GTIN}10LOT21X`, // AI 10 is variable-length: only with a group separator
    `01${GTIN}99X21Y`, // unknown AI in between
    `01${GTIN}17ABCDEF21X`, // a date AI that is not 6 digits
    `01${GTIN}21${'X'.repeat(21)}`, // AI 21 is at most 20 characters
    `01${GTIN}21X#Y`, // '#' is not in the GS1 character set
    `0${GTIN}21X`, // AI 01 needs its 14 digits
    `02${GTIN}21X`, // AI 02, not 01
    `X01${GTIN}21X`, // not at the start
    `01${GTIN}  21X`, // at most one space between elements
    '0112345678901234', // a serial that merely starts with 01 and digits
    '0100000000000017',
  ];
  for (const raw of keep) {
    assert.is(unmarkedGs1Serial(raw), null, raw);
    const cleaned = normalizeSerial(raw);
    if (!raw.includes(' ')) assert.is(cleaned, raw.replace(/[a-z]+/g, (w) => w.toUpperCase()), raw);
  }
  // spaces inside the text are still refused when it is not a GS1 string
  assert.is(normalizeSerial(`01${GTIN}  21X`), null);
  assert.is(normalizeSerial('0109506000134353 21X12'), null);
});

// ---- gs1Serial directly

test('gs1Serial: bracketed element strings', () => {
  assert.is(gs1Serial(`(01)${GTIN}(21)ABC123`), 'ABC123');
  assert.is(gs1Serial(`(01)${GTIN}(21)abc`), 'abc', 'gs1Serial does not change case');
  assert.is(gs1Serial(`(01)${GTIN}(17)251231(21)S1(10)L`), 'S1');
  assert.is(gs1Serial(`]C1(01)${GTIN}(21)S2`), 'S2');
});

test('gs1Serial: unbracketed with ]C1 and \\x1d', () => {
  assert.is(gs1Serial(`]C101${GTIN}21ABC123`), 'ABC123');
  assert.is(gs1Serial(`01${GTIN}21ABC123`), 'ABC123');
  assert.is(gs1Serial(`]C101${GTIN}21ABC${GS}17251231`), 'ABC');
  assert.is(gs1Serial(`]C101${GTIN}17251231${'21'}ABC`), 'ABC');
  assert.is(gs1Serial(`]C101${GTIN}13240101${'15'}25010121ABC`), 'ABC');
  assert.is(gs1Serial(`]C101${GTIN}10LOT${GS}21ABC`), 'ABC');
  assert.is(gs1Serial(`]C101${GTIN}17251231${'10'}L${GS}21ABC${GS}`), 'ABC');
});

test('gs1Serial: inputs without a serial give null', () => {
  for (const bad of [
    '',
    'ABC123',
    '(01)09506000134352',
    `(01)${GTIN}(10)LOT1`,
    `(01)${GTIN}(21)`,
    ']C1',
    ']C1ABC',
    `]C101${GTIN}`,
    `]C101${GTIN}21`,
    `]C101${GTIN}21${GS}`,
    `]C101${GTIN}10LOT1`,
    `]C101${GTIN}10LOT1${GS}`,
    `]C101${GTIN}99XYZ`,
    `]C101${GTIN}17ABCDEF21X`,
    `]C102${GTIN}21ABC`,
    '0112345',
    // AI 01 is exactly 14 digits
    ']C101ABCDEFGHIJKLMN21X',
    ']C1010950600013435X21ABC',
  ]) {
    assert.is(gs1Serial(bad), null, JSON.stringify(bad));
  }
});

test.run();
