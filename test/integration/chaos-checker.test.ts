/**
 * The chaos checker must be able to fail: fabricated store states with one broken rule each are reported,
 * and a clean one is not. Fencing is checked for every invoice in Redis, whatever the history says of it.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { checkStore } from '../chaos/checker.js';
import type { Operation } from '../chaos/history.js';
import { redisUrl } from '../helpers/hub.js';

const test = suite<{ redis: Redis }>('chaos checker');
test.before((ctx) => {
  ctx.redis = new Redis(redisUrl());
});
test.after(async (ctx) => {
  await ctx.redis.quit();
});

const inv = (saleId: string, at: number, serials: string[], returns: string[] = []) =>
  JSON.stringify({ saleId, completedAt: at, returns, lines: [{ productId: 1, serialMode: 'enforced', quantity: serials.length, serials, returnedSerials: [], returnedQuantity: 0 }] });
const op = (o: Partial<Operation> & Pick<Operation, 'op' | 'phase'>): Operation =>
  ({ id: randomUUID(), who: 'r0', args: {}, invokedAt: 1, endedAt: 2, result: {}, code: undefined, ...o }) as Operation;

/** A store where serial A was received, held by sale s1 with token 1, and sold by it; B is in stock. */
async function cleanStore(redis: Redis) {
  const storeId = `cc-${randomUUID().slice(0, 8)}`;
  const P = `sh:{s:${storeId}}:`;
  await redis.zadd(`${P}products`, 1, '1');
  await redis.hset(`${P}product:1`, { id: 1, partNumber: 'X', serialMode: 'enforced', qty: 0 });
  await redis.zadd(`${P}receipts`, 1, 'rc1');
  await redis.set(`${P}rcpt:rc1`, JSON.stringify({ receiptId: 'rc1', receivedAt: 1, lines: [{ productId: 1, quantity: 2, serials: ['A', 'B'] }] }));
  await redis.zadd(`${P}invoices`, 10, 's1');
  await redis.set(`${P}inv:s1`, inv('s1', 10, ['A']));
  await redis.zadd(`${P}sold:1`, 10, 'A');
  await redis.zadd(`${P}in:1`, 0, 'B');
  await redis.hset(`${P}tl`, 'A', [
    JSON.stringify({ k: 'received', p: 1, at: 1 }), JSON.stringify({ k: 'held', p: 1, at: 5, r: 's1' }), JSON.stringify({ k: 'sold', p: 1, at: 10, r: 's1' }),
  ].join('\n'));
  const ops = [
    op({ op: 'receive', phase: 'ok', args: { receiptId: 'rc1' }, result: { serials: [['A', 'B']] } }),
    op({ op: 'hold', phase: 'ok', args: { saleId: 's1', productId: 1, serial: 'A', via: 'live' }, invokedAt: 4, endedAt: 5, result: { token: 1 } }),
    complete('ok', { invokedAt: 9, endedAt: 10, result: { serials: [['A']] } }),
  ];
  return { storeId, P, ops };
}

/** Sale s1's completion of serial A with token 1 (live unless `via` says otherwise). */
const complete = (phase: Operation['phase'], o: Partial<Operation> = {}, via = 'live') =>
  op({ op: 'complete', phase, args: { saleId: 's1', via, lines: [{ productId: 1, serial: 'A', token: 1, mode: 'enforced' }] }, invokedAt: 9, endedAt: phase === 'unknown' ? null : 10, ...o });
/** Sale s9 (another register) took A with token 2 after s1's hold, before s1's sale: s1's token 1 is stale. */
const staleGrant = () => op({ op: 'hold', phase: 'ok', args: { saleId: 's9', productId: 1, serial: 'A' }, invokedAt: 6, endedAt: 7, result: { token: 2 } });
const rules = (r: { violations: { rule: string }[] }) => new Set(r.violations.map((v) => v.rule));

test('a clean history and state has no violation', async ({ redis }) => {
  const { storeId, ops } = await cleanStore(redis);
  const r = await checkStore(redis, storeId, ops);
  assert.equal(r.violations, []);
  assert.is(r.lost, 0);
});

test('a serial sold twice without a return is reported', async ({ redis }) => {
  const { storeId, P, ops } = await cleanStore(redis);
  await redis.zadd(`${P}invoices`, 20, 's2');
  await redis.set(`${P}inv:s2`, inv('s2', 20, ['A']));
  const r = await checkStore(redis, storeId, ops);
  assert.ok(r.violations.some((v) => v.rule === 'sold-twice'), JSON.stringify(r.violations));
});

test('a sale with a stale token is reported', async ({ redis }) => {
  const { storeId, ops } = await cleanStore(redis);
  ops.splice(2, 0, staleGrant());
  const r = await checkStore(redis, storeId, ops);
  assert.ok(r.violations.some((v) => v.rule === 'fencing'), JSON.stringify(r.violations));
});

test('a stale-token sale is reported when its completion is unknown but it is in Redis', async ({ redis }) => {
  const { storeId, ops } = await cleanStore(redis);
  ops.splice(2, 1, staleGrant(), complete('unknown', { code: 'TIMEOUT' }));
  const r = await checkStore(redis, storeId, ops);
  assert.ok(rules(r).has('fencing'), JSON.stringify(r.violations));
});

test('a stale-token sale is reported when it was unknown and then replayed by a retry', async ({ redis }) => {
  const { storeId, ops } = await cleanStore(redis);
  ops.splice(2, 1, staleGrant(), complete('unknown', { code: 'UNAVAILABLE' }),
    complete('ok', { invokedAt: 11, endedAt: 12, result: { replayed: true, serials: [['A']] } }));
  const r = await checkStore(redis, storeId, ops);
  assert.ok(rules(r).has('fencing'), JSON.stringify(r.violations));
});

test('an old unknown hold on the serial, before the sale took its own, does not excuse a stale token', async ({ redis }) => {
  const { storeId, ops } = await cleanStore(redis);
  ops.unshift(op({ op: 'hold', phase: 'unknown', args: { saleId: 's0', productId: 1, serial: 'A' }, invokedAt: 1, endedAt: null, code: 'TIMEOUT' }));
  ops.splice(3, 0, staleGrant());
  const r = await checkStore(redis, storeId, ops);
  assert.ok(rules(r).has('fencing'), JSON.stringify(r.violations));
});

test('an unknown hold of the live sale itself, after its grant, excuses only the history: the timeline still counts', async ({ redis }) => {
  const { storeId, P, ops } = await cleanStore(redis);
  // the register may have re-held A with a token it never saw: the history alone cannot judge the sale
  ops.splice(2, 0, staleGrant(), op({ op: 'hold', phase: 'unknown', args: { saleId: 's1', productId: 1, serial: 'A' }, invokedAt: 8, endedAt: null, code: 'TIMEOUT' }));
  assert.equal((await checkStore(redis, storeId, ops)).violations, []);
  // but Redis says s9 held A between s1's hold and s1's sale
  await redis.hset(`${P}tl`, 'A', [
    JSON.stringify({ k: 'received', p: 1, at: 1 }), JSON.stringify({ k: 'held', p: 1, at: 5, r: 's1' }),
    JSON.stringify({ k: 'held', p: 1, at: 7, r: 's9' }), JSON.stringify({ k: 'sold', p: 1, at: 10, r: 's1' }),
  ].join('\n'));
  const r = await checkStore(redis, storeId, ops);
  assert.ok(r.violations.some((v) => v.rule === 'fencing' && v.detail.includes('timeline')), JSON.stringify(r.violations));
});

test('a timeline where the hold ran out before the sale is reported, whatever the history says', async ({ redis }) => {
  const { storeId, P, ops } = await cleanStore(redis);
  await redis.hset(`${P}tl`, 'A', [
    JSON.stringify({ k: 'received', p: 1, at: 1 }), JSON.stringify({ k: 'held', p: 1, at: 5, r: 's1' }),
    JSON.stringify({ k: 'expired', p: 1, at: 8, r: 's1' }), JSON.stringify({ k: 'sold', p: 1, at: 10, r: 's1' }),
  ].join('\n'));
  const r = await checkStore(redis, storeId, ops);
  assert.ok(rules(r).has('fencing'), JSON.stringify(r.violations));
});

test('a REST sale presenting a token its renewal reported lost is reported (its token is explicit: no excuse)', async ({ redis }) => {
  const { storeId, ops } = await cleanStore(redis);
  ops.splice(1, 2,
    op({ op: 'hold', phase: 'ok', args: { saleId: 's1', productId: 1, serial: 'A', via: 'rest' }, invokedAt: 4, endedAt: 5, result: { token: 1, renewed: false } }),
    op({ op: 'hold', phase: 'unknown', args: { saleId: 's1', productId: 1, serial: 'A', via: 'rest' }, invokedAt: 6, endedAt: null, code: 'TIMEOUT' }),
    op({ op: 'renew', phase: 'ok', args: { saleId: 's1', via: 'rest' }, invokedAt: 7, endedAt: 8, result: { renewed: [], lost: [{ productId: 1, serial: 'A', saleId: 's1', token: 1 }] } }),
    complete('ok', { result: { serials: [['A']] } }, 'rest'));
  const r = await checkStore(redis, storeId, ops);
  assert.ok(r.violations.some((v) => v.rule === 'fencing' && v.detail.includes('released or lost')), JSON.stringify(r.violations));
});

test('an invoice no register recorded completing is reported', async ({ redis }) => {
  const { storeId, ops } = await cleanStore(redis);
  const r = await checkStore(redis, storeId, ops.filter((o) => o.op !== 'complete'));
  assert.ok(rules(r).has('fencing'), JSON.stringify(r.violations));
});

test('an acknowledged sale missing from Redis is a lost write', async ({ redis }) => {
  const { storeId, ops } = await cleanStore(redis);
  ops.push(op({ op: 'complete', phase: 'ok', args: { saleId: 'gone', lines: [] }, result: { serials: [] } }));
  const r = await checkStore(redis, storeId, ops);
  assert.is(r.lost, 1);
});

test('an acknowledged sale whose serials differ in Redis is a lost write', async ({ redis }) => {
  const { storeId, ops } = await cleanStore(redis);
  ops[2] = complete('ok', { result: { serials: [['B']] } });
  const r = await checkStore(redis, storeId, ops);
  assert.is(r.lost, 1, JSON.stringify(r.violations));
});

test('an acknowledged receipt whose serials differ in Redis is a lost write', async ({ redis }) => {
  const { storeId, ops } = await cleanStore(redis);
  ops[0] = op({ op: 'receive', phase: 'ok', args: { receiptId: 'rc1' }, result: { serials: [['A', 'B', 'C']] } });
  const r = await checkStore(redis, storeId, ops);
  assert.is(r.lost, 1, JSON.stringify(r.violations));
});

test('an acknowledged return is checked with its serials, on the return and on the invoice', async ({ redis }) => {
  const { storeId, P, ops } = await cleanStore(redis);
  const ret = (serials: string[]) => JSON.stringify({ returnId: 'rt1', saleId: 's1', returnedAt: 20, lines: [{ line: 0, productId: 1, quantity: 1, serials }] });
  const returned = op({ op: 'return', phase: 'ok', args: { returnId: 'rt1', saleId: 's1', line: 0, serial: 'A', productId: 1 }, invokedAt: 19, endedAt: 21, result: { serials: [['A']] } });
  const invWithReturn = (returnedSerials: string[]) =>
    JSON.stringify({ saleId: 's1', completedAt: 10, returns: ['rt1'], lines: [{ productId: 1, serialMode: 'enforced', quantity: 1, serials: ['A'], returnedSerials, returnedQuantity: returnedSerials.length }] });
  // missing altogether
  assert.is((await checkStore(redis, storeId, [...ops, returned])).lost, 1);
  // stored with another serial than acknowledged
  await redis.set(`${P}ret:rt1`, ret(['B']));
  await redis.set(`${P}inv:s1`, invWithReturn(['A']));
  assert.is((await checkStore(redis, storeId, [...ops, returned])).lost, 1);
  // stored right, but the invoice does not show the serial returned
  await redis.set(`${P}ret:rt1`, ret(['A']));
  await redis.set(`${P}inv:s1`, invWithReturn([]));
  assert.is((await checkStore(redis, storeId, [...ops, returned])).lost, 1);
  // all of it right (A back in stock)
  await redis.set(`${P}inv:s1`, invWithReturn(['A']));
  await redis.zrem(`${P}sold:1`, 'A');
  await redis.zadd(`${P}in:1`, 0, 'A');
  const r = await checkStore(redis, storeId, [...ops, returned]);
  assert.is(r.lost, 0, JSON.stringify(r.violations));
  assert.equal(r.violations, []);
});

test('a serial locked in the held set without a hold is reported', async ({ redis }) => {
  const { storeId, P, ops } = await cleanStore(redis);
  await redis.zrem(`${P}in:1`, 'B');
  await redis.zadd(`${P}held:1`, 99, 'B');
  const r = await checkStore(redis, storeId, ops);
  assert.ok(rules(r).has('locked'), JSON.stringify(r.violations));
});

test('a hold left past its expiry is reported; a live REST hold is not an orphan', async ({ redis }) => {
  const { storeId, P, ops } = await cleanStore(redis);
  const [sec] = await redis.time();
  const hold = (expiresAt: number) => {
    const h = { productId: 1, serial: 'B', terminalId: 'T1', saleId: 'r1', token: 3, expiresAt };
    return Promise.all([redis.zrem(`${P}in:1`, 'B'), redis.zadd(`${P}held:1`, expiresAt, 'B'), redis.hset(`${P}holds`, '1:B', JSON.stringify(h)), redis.zadd(`${P}hexp`, expiresAt, '1:B')]);
  };
  const restHold = op({ op: 'hold', phase: 'ok', args: { saleId: 'r1', productId: 1, serial: 'B', via: 'rest' }, invokedAt: 20, endedAt: 21, result: { token: 3 } });
  await hold(Number(sec) * 1000 + 60_000);
  assert.equal((await checkStore(redis, storeId, [...ops, restHold])).violations, []);
  await hold(Number(sec) * 1000 - 60_000);
  const r = await checkStore(redis, storeId, [...ops, restHold]);
  assert.equal([...rules(r)], ['stale-hold'], JSON.stringify(r.violations));
});

test('a serial in two states, and a hold without an open sale, are reported', async ({ redis }) => {
  const { storeId, P, ops } = await cleanStore(redis);
  await redis.zadd(`${P}held:1`, 99, 'B');
  await redis.hset(`${P}holds`, '1:B', JSON.stringify({ productId: 1, serial: 'B', terminalId: 'T1', saleId: 'nocart', token: 3, expiresAt: 99 }));
  const r = await checkStore(redis, storeId, ops);
  const rules = new Set(r.violations.map((v) => v.rule));
  assert.ok(rules.has('two-states'), JSON.stringify(r.violations));
  assert.ok(rules.has('orphan-hold'), JSON.stringify(r.violations));
});

test.run();
