/**
 * The protocol doc's walk-through "write your own register client" (protocol/README.md, section 11), run as
 * written: its `js` blocks, in order, are one ES module, and two copies of it are two registers of a real hub
 * (real redis-server, real socket.io-client). One scans an enforced serial into its sale (a hold), the other
 * hears the hold at once and cannot take the serial, the first completes the sale; both end with the hub's
 * state. The test only supplies what the walk-through says is the register's own (its "yours" table).
 */
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { stateFromSnapshot, type StoreState } from '../../client/sync/store-state.js';
import type { Invoice } from '../../protocol/schemas.js';
import type { OpenSale, OpenSaleLine } from '../../protocol/socket.js';
import { eventSeq } from '../helpers/fuzz.js';
import { createStore, PINS, productWithStock, redisUrl, startTestHub, type TestStore } from '../helpers/hub.js';
import { until } from '../helpers/live.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const README = readFileSync(join(ROOT, 'protocol/README.md'), 'utf8');
const HOOKS = Symbol.for('serialhub.walkthrough');

/** Section 11's `js` blocks, in order, with the indentation of blocks inside list items taken off. */
function walkthroughBlocks(readme: string): string[] {
  const start = readme.indexOf('\n## 11. Write your own register client');
  const end = readme.indexOf('\n## 12. ', start);
  assert.ok(start > 0 && end > start, 'section 11 of protocol/README.md');
  const section = readme.slice(start, end);
  return [...section.matchAll(/^( *)```js\n([\s\S]*?)^\1```$/gm)].map(([, indent, body]) =>
    body!.split('\n').map((l) => (l.startsWith(indent!) ? l.slice(indent!.length) : l)).join('\n'),
  );
}

/** The names in the first column of the walk-through's "yours" table (`showBanner(text)` -> showBanner). */
function yoursNames(readme: string): string[] {
  const at = readme.indexOf('\n| yours | what it does |');
  assert.ok(at > 0, 'the "yours" table of section 11');
  const rows = readme.slice(at + 1).split('\n').slice(2);
  const names: string[] = [];
  for (const row of rows) {
    if (!row.startsWith('|')) break;
    for (const [, name] of row.split('|')[1]!.matchAll(/`(\w+)/g)) names.push(name!);
  }
  return names;
}

/** What the walk-through's module shows the test (appended after the blocks: test scaffolding, not the doc's). */
interface Register {
  state: StoreState;
  peek(): { sale: OpenSale | null; synced: boolean; session: { terminalId: string } };
  scan(productId: number, serial: string): Promise<OpenSaleLine | undefined>;
  checkout(payments: { method: 'cash' | 'card'; amountCents: number }[]): Promise<Invoice | undefined>;
  resync(): Promise<void>;
  logOut(): Promise<void>;
}

interface Screen {
  said: string[];
  warned: string[];
  fatal: string[];
  taken: [number, string, string][];
  freed: [number, string][];
  receipts: Invoice[];
}

/** The register's own parts (the "yours" table): settings, storage, dialogs and a screen that records. */
function yours(hubUrl: string, storeId: string, pairingCode: string, staffCode: string, pin: string) {
  const screen: Screen = { said: [], warned: [], fatal: [], taken: [], freed: [], receipts: [] };
  let device: unknown = null;
  const hooks: Record<string, unknown> = {
    settings: { hubUrl, storeId },
    loadDevice: () => device,
    saveDevice: (d: unknown) => { device = d; },
    askForPairingCode: async () => pairingCode,
    pinDialog: async () => ({ staffCode, pin }),
    showBanner: () => {},
    hideBanner: () => {},
    showFatal: (t: string) => void screen.fatal.push(t),
    tell: (t: string) => void screen.said.push(t),
    warn: (t: string) => void screen.warned.push(t),
    render: () => {},
    markTaken: (productId: number, serial: string, terminalId: string) => void screen.taken.push([productId, serial, terminalId]),
    markFree: (productId: number, serial: string) => void screen.freed.push([productId, serial]),
    printReceipt: (invoice: Invoice) => void screen.receipts.push(invoice),
  };
  return { hooks, screen };
}

type Hub = Awaited<ReturnType<typeof startTestHub>>;
const test = suite<{ hub: Hub; dir: string; running: Register[] }>('protocol walk-through');

test.before(async (ctx) => {
  // quick heartbeats, so the registers hear holds_renewed within the test
  ctx.hub = await startTestHub({}, redisUrl(), { heartbeatMs: 300 });
  // The module imports 'socket.io-client' like a reader's project would: give its folder our node_modules.
  ctx.dir = mkdtempSync(join(tmpdir(), 'serialhub-walkthrough-'));
  symlinkSync(join(ROOT, 'node_modules'), join(ctx.dir, 'node_modules'), 'dir');
  ctx.running = [];
});
test.after(async (ctx) => {
  for (const r of ctx.running) await r.logOut().catch(() => {});
  await ctx.hub.close();
  rmSync(ctx.dir, { recursive: true, force: true });
});

/** Runs the walk-through as a register called `name`: its top level pairs, logs in, connects and opens a sale. */
async function startRegister(ctx: { dir: string; running: Register[] }, name: string, hooks: Record<string, unknown>): Promise<Register> {
  const g = globalThis as unknown as Record<symbol, Record<string, unknown>>;
  g[HOOKS] = { ...g[HOOKS], [name]: hooks };
  const source = [
    `const { ${Object.keys(hooks).join(', ')} } = globalThis[Symbol.for('serialhub.walkthrough')][${JSON.stringify(name)}];`,
    ...walkthroughBlocks(README),
    'export { state, scan, checkout, resync, logOut };',
    'export const peek = () => ({ sale, synced, session });',
  ].join('\n');
  const file = join(ctx.dir, `register-${name}.mjs`);
  writeFileSync(file, source);
  const register = (await import(pathToFileURL(file).href)) as Register;
  ctx.running.push(register);
  return register;
}

async function pairingCode(store: TestStore, terminalName: string): Promise<string> {
  const r = await store.supervisor.post('/api/pairing-codes', { terminalName });
  assert.is(r.status, 201);
  return r.body.code as string;
}

function comparable(s: StoreState) {
  return {
    seq: s.seq,
    products: [...s.products.values()].map((p) => [p.id, p.stock, p.held]).sort(),
    holds: [...s.holds.keys()].sort(),
    openSales: [...s.openSales.values()].map((o) => [o.terminalId, o.saleId, o.lines.map((l) => [l.lineId, l.serial])]).sort(),
    terminals: [...s.terminals.values()].map((t) => [t.terminalId, t.name, t.online, t.staffId]).sort(),
  };
}

test('the walk-through names what is yours, and its code blocks are there', () => {
  const blocks = walkthroughBlocks(README);
  assert.ok(blocks.length >= 10, `only ${blocks.length} js blocks`);
  assert.match(blocks[0]!, /^import \{ io \} from 'socket.io-client';/);
  const { hooks } = yours('', '', '', '', '');
  assert.equal(yoursNames(README).sort(), Object.keys(hooks).sort());
});

test('run as written, two registers: one holds a serial, the other hears it at once and cannot take it, the sale completes', async (ctx) => {
  const { hub } = ctx;
  const store = await createStore(hub);
  const p = await productWithStock(store, { serialMode: 'enforced', priceCents: 4990 }, ['WALK-1', 'WALK-2']);
  const A = yours(hub.url, store.storeId, await pairingCode(store, 'Walk A'), '2001', PINS.cashier);
  const B = yours(hub.url, store.storeId, await pairingCode(store, 'Walk B'), '2002', PINS.cashier2);
  const a = await startRegister(ctx, 'a', A.hooks);
  const b = await startRegister(ctx, 'b', B.hooks);
  await until(() => a.peek().synced && b.peek().synced, 5_000, 'both registers synced');
  const aId = a.peek().session.terminalId;
  assert.ok(a.peek().sale, 'A has its sale open');

  // A scans (with scanner noise): the serial is held for A's sale.
  const line = await a.scan(p.id, ' walk-1\r\n');
  assert.is(line?.serial, 'WALK-1');
  assert.type(line?.token, 'number');
  assert.is(a.peek().sale!.lines.length, 1);

  // B hears the hold at once: its pick list greys the serial out, its state has the hold.
  await until(() => B.screen.taken.length > 0, 2_000, 'B to hear the hold');
  assert.equal(B.screen.taken, [[p.id, 'WALK-1', aId]]);
  assert.is(b.state.holds.get(`${p.id}:WALK-1`)?.terminalId, aId);
  assert.is(b.state.products.get(p.id)?.held, 1);
  // A's heartbeats renew the hold, and B's copy follows (holds_renewed): its time left stays right.
  const heardExpiry = b.state.holds.get(`${p.id}:WALK-1`)!.expiresAt;
  await until(() => b.state.holds.get(`${p.id}:WALK-1`)!.expiresAt > heardExpiry, 3_000, 'B to hear the renewal');
  // and the hub refuses it the serial
  assert.is(await b.scan(p.id, 'WALK-1'), undefined);
  assert.equal(B.screen.said, [`held by register ${aId}`]);

  // A completes; the receipt is printed and the next customer's sale is open.
  const invoice = await a.checkout([{ method: 'cash', amountCents: 5_000 }]);
  assert.ok(invoice, `no invoice: ${A.screen.warned.join('; ')}`);
  assert.equal(invoice!.lines.map((l) => l.serials), [['WALK-1']]);
  assert.is(invoice!.totalCents, 4_990);
  assert.is(invoice!.changeCents, 10);
  assert.equal(A.screen.receipts.map((i) => i.saleId), [invoice!.saleId]);
  assert.ok(a.peek().sale && a.peek().sale!.saleId !== invoice!.saleId, 'the next sale is open');

  // B sees the serial sold; both registers end with the hub's own state.
  await until(() => !b.state.holds.has(`${p.id}:WALK-1`) && b.state.products.get(p.id)?.stock === 1, 2_000, 'B to hear the sale');
  const seq = await eventSeq(hub.redis, store.storeId);
  await until(() => a.state.seq === seq && b.state.seq === seq, 2_000, 'both registers at the hub seq');
  const hubs = comparable(stateFromSnapshot(await hub.deps.scripts.storeSnapshot(store.storeId)));
  assert.equal(comparable(a.state), hubs, 'A');
  assert.equal(comparable(b.state), hubs, 'B');
  assert.equal([...A.screen.warned, ...A.screen.fatal, ...B.screen.warned, ...B.screen.fatal], []);
});

test('a sync refused RATE_LIMITED (a second snapshot within 2 s) leaves the register unsynced, and it asks again after retryAfterMs', async (ctx) => {
  const { hub } = ctx;
  const store = await createStore(hub);
  const R = yours(hub.url, store.storeId, await pairingCode(store, 'Walk C'), '2001', PINS.cashier);
  const r = await startRegister(ctx, 'c', R.hooks);
  await until(() => r.peek().synced, 5_000, 'synced');
  const seq = await eventSeq(hub.redis, store.storeId);
  // A register ahead of the hub (the hub's data restored from an older copy) gets a snapshot...
  r.state.seq = 1e9;
  await r.resync();
  assert.is(r.state.seq, seq, 'the first snapshot');
  // ...and a second one so soon is refused: nothing is applied, the state stays as it was.
  r.state.seq = 1e9;
  await r.resync();
  assert.is(r.state.seq, 1e9, 'the second snapshot was refused');
  await until(() => r.state.seq === seq, 4_000, 'the retry after retryAfterMs');
  assert.equal([...R.screen.warned, ...R.screen.fatal], []);
});

test.run();
