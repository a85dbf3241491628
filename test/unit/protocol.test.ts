/**
 * Pins the protocol version and keeps the Lua scripts, key names and error codes in step with TypeScript, and
 * the protocol doc's tables of events and codes in step with protocol/.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ERROR_CODES, ERROR_STATUS, isErrorCode } from '../../protocol/errors.js';
import { STORE_EVENT_TYPES } from '../../protocol/events.js';
import { CONNECT_ERROR_CODES } from '../../protocol/socket.js';
import { PROTOCOL_VERSION } from '../../protocol/version.js';
import { storeKeys } from '../../server/store/keys.js';
import { loadScriptSources } from '../../server/store/scripts.js';

const test = suite('protocol');
const LUA = new URL('../../server/store/lua/', import.meta.url);

test('the protocol version is pinned: bump it, and this test, on a breaking change', () => {
  assert.is(PROTOCOL_VERSION, 2);
});

test('every error code a Lua script returns is a protocol error code', () => {
  for (const file of readdirSync(LUA).filter((f) => f.endsWith('.lua'))) {
    const src = readFileSync(new URL(file, LUA), 'utf8');
    for (const [, code] of src.matchAll(/fail\('([A-Z_]+)'/g)) assert.ok(isErrorCode(code), `${file}: ${code}`);
  }
});

test('every error code maps to a 4xx or 5xx status', () => {
  for (const [code, status] of Object.entries(ERROR_STATUS)) assert.ok(status >= 400 && status < 600, code);
});

test('script files are named <name>-<numberOfKeys>.lua, start with a header, and includes resolve', () => {
  const sources = loadScriptSources();
  assert.ok(sources.length >= 15);
  for (const s of sources) {
    assert.is(s.numberOfKeys, 1, s.name);
    assert.not.match(s.lua, /-- @include/, `${s.name}: unresolved include`);
    const own = readFileSync(new URL(`${s.name}-${s.numberOfKeys}.lua`, LUA), 'utf8');
    // A read-only script may declare Redis 7 flags on a first shebang line (#!lua flags=no-writes).
    assert.match(own, /^(#!lua flags=[\w,-]+\n)?--\[\[\n[\s\S]*Input:[\s\S]*Output:/, `${s.name}: header with Input and Output`);
  }
});

test('Lua key names mirror server/store/keys.ts, all inside the store hash tag', () => {
  const base = readFileSync(new URL('includes/base.lua', LUA), 'utf8');
  const k = storeKeys('s1');
  const prefix = 'sh:{s:s1}:';
  let compared = 0;
  for (const [, name, suffix] of base.matchAll(/^\s+(\w+) = P \.\. '([\w:]+)',/gm)) {
    compared++;
    const ts = (k as unknown as Record<string, unknown>)[name!];
    assert.is(ts, prefix + suffix, `K.${name}`);
  }
  for (const [, fn, suffix] of base.matchAll(/^local function (\w+)Key\(\w+\) return P \.\. '([\w:]+)' \.\. \w+ end/gm)) {
    compared++;
    const ts = (k as unknown as Record<string, (x: string | number) => string>)[fn!];
    assert.type(ts, 'function', `${fn}Key has a TypeScript twin`);
    assert.is(ts!('X' as never), `${prefix}${suffix}X`, `${fn}Key`);
  }
  assert.ok(compared >= 25, `only ${compared} key names compared`);
  for (const v of Object.values(k)) {
    const key = typeof v === 'function' ? (v as (x: string) => string)('1') : v;
    assert.ok(key.startsWith(prefix), key);
  }
});

/** The backticked names in the first column of the doc's table whose header row starts with `header`. */
function firstColumn(doc: string, header: string): string[] {
  const at = doc.indexOf(`\n${header}`);
  assert.ok(at >= 0, `no table "${header}" in protocol/README.md`);
  const names: string[] = [];
  for (const row of doc.slice(at + 1).split('\n').slice(2)) {
    if (!row.startsWith('|')) break;
    for (const [, name] of row.split('|')[1]!.matchAll(/`([^`]+)`/g)) names.push(name!);
  }
  return names.sort();
}

test('protocol/README.md has a row for every store event type, connect error code and error code, and no others', () => {
  const doc = readFileSync(new URL('../../protocol/README.md', import.meta.url), 'utf8');
  assert.equal(firstColumn(doc, '| type | sent when | `data` |'), [...STORE_EVENT_TYPES].sort(), 'section 9: store events');
  assert.equal(firstColumn(doc, '| `err.data.code` | why | what to do |'), [...CONNECT_ERROR_CODES].sort(), 'section 10.2: refused connections');
  assert.equal(firstColumn(doc, '| code | HTTP | when |'), [...ERROR_CODES].sort(), 'section 7: every code');
});

test.run();
