/** The returns screen's pure parts: who sees it, the request it builds, where units go, and refusals in words. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Invoice, InvoiceLine } from '../../protocol/schemas.js';
import { ApiError } from '../../client/api/http.js';
import {
  RETURN_ROLES, canReturn, explainReturnError, hasSomethingLeft, leftOnLine, refundOf, requestLines, stockOutcome,
} from '../../client/components/returns/return-draft.js';
import { PERMISSIONS } from '../../server/access.js';

const test = suite('returns draft');

const line = (over: Partial<InvoiceLine>): InvoiceLine => ({
  productId: 1, partNumber: 'P', name: 'Phone', serialMode: 'enforced', quantity: 1, unitPriceCents: 1000, totalCents: 1000,
  serials: [], returnedQuantity: 0, returnedSerials: [], ...over,
});
const invoice = (lines: InvoiceLine[]): Invoice => ({
  saleId: 'sale-0001', number: 7, storeId: 's', terminalId: 'T1', staffId: '2001', customerId: 3, lines, totalCents: 0,
  payments: [], changeCents: 0, completedAt: 0, returns: [],
});

test('the screen is offered to exactly the roles the hub lets return', () => {
  assert.equal([...RETURN_ROLES].sort(), [...PERMISSIONS['sales:return']].sort());
  assert.ok(canReturn('cashier'));
  assert.not.ok(canReturn('stock_clerk'));
  assert.not.ok(canReturn(undefined));
});

test('the request names chosen serials in invoice order and chosen units; nothing chosen, no line', () => {
  const inv = invoice([
    line({ quantity: 3, serials: ['A', 'B', 'C'], returnedQuantity: 1, returnedSerials: ['B'] }),
    line({ serialMode: 'none', quantity: 4, unitPriceCents: 250 }),
    line({ serialMode: 'solicit', serials: ['S1'] }),
  ]);
  assert.equal(leftOnLine(inv.lines[0]!), { units: 2, serials: ['A', 'C'] });
  const choices = new Map([
    [0, { serials: new Set(['C', 'A']), units: 0 }],
    [1, { serials: new Set<string>(), units: 2 }],
    [2, { serials: new Set<string>(), units: 0 }],
  ]);
  const lines = requestLines(inv, choices);
  assert.equal(lines, [{ line: 0, quantity: 2, serials: ['A', 'C'] }, { line: 1, quantity: 2 }]);
  assert.is(refundOf(inv, lines), 2 * 1000 + 2 * 250);
  assert.ok(hasSomethingLeft(inv));
  assert.not.ok(hasSomethingLeft(invoice([line({ quantity: 1, returnedQuantity: 1 })])));
});

test('units go back by the product mode now', () => {
  assert.is(stockOutcome('enforced', 'enforced'), 'serial_stock');
  assert.is(stockOutcome('solicit', 'enforced'), 'serial_stock');
  assert.is(stockOutcome('enforced', 'solicit'), 'shelf');
  assert.is(stockOutcome('none', 'none'), 'shelf');
  assert.is(stockOutcome('none', 'enforced'), 'refused');
});

test('refusals read as a cashier would say them; a lost answer asks for the same return again', () => {
  const inv = invoice([line({ name: 'Drill', serials: ['D-1'] })]);
  const again = explainReturnError(new ApiError(422, 'RETURN_REJECTED', 'x', { line: 0, serial: 'D-1', reason: 'already_returned' }), inv);
  assert.is(again.text, 'Serial D-1 of Drill was already returned. Nothing was returned this time.');
  assert.ok(again.reload);
  assert.match(explainReturnError(new ApiError(422, 'RETURN_REJECTED', 'x', { line: 0, serial: 'D-1', reason: 'sold_elsewhere' }), inv).text,
    /sold again on a later invoice/);
  const lost = explainReturnError(new ApiError(0, 'OFFLINE', 'The hub cannot be reached.'), inv);
  assert.ok(lost.unknownOutcome);
  assert.match(lost.text, /only be taken once/);
  assert.match(explainReturnError(new ApiError(403, 'FORBIDDEN', 'a stock_clerk may not do this'), inv).text, /may not take returns/);
});

test.run();
