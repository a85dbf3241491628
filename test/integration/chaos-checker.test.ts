/**
 * The chaos checker must be able to fail: fabricated store states with one broken rule each are reported,
 * and a clean one is not.
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
    op({ op: 'receive', phase: 'ok', args: { receiptId: 'rc1' } }),
    op({ op: 'hold', phase: 'ok', args: { saleId: 's1', productId: 1, serial: 'A' }, invokedAt: 4, endedAt: 5, result: { token: 1 } }),
    op({ op: 'complete', phase: 'ok', args: { saleId: 's1', lines: [{ productId: 1, serial: 'A', token: 1, mode: 'enforced' }] }, invokedAt: 9, endedAt: 10, result: { serials: [['A']] } }),
  ];
  return { storeId, P, ops };
}

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
  ops.splice(2, 0, op({ op: 'hold', phase: 'ok', args: { saleId: 's9', productId: 1, serial: 'A' }, invokedAt: 6, endedAt: 7, result: { token: 2 } }));
  const r = await checkStore(redis, storeId, ops);
  assert.ok(r.violations.some((v) => v.rule === 'fencing'), JSON.stringify(r.violations));
});

test('an acknowledged sale missing from Redis is a lost write', async ({ redis }) => {
  const { storeId, ops } = await cleanStore(redis);
  ops.push(op({ op: 'complete', phase: 'ok', args: { saleId: 'gone', lines: [] }, result: { serials: [] } }));
  const r = await checkStore(redis, storeId, ops);
  assert.is(r.lost, 1);
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
