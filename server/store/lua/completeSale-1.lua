--[[
  Completes a sale in one step: checks every line, then writes the invoice (indexed by its number), stock, serials, customer history
  and service records, or writes nothing. Idempotent on the sale id chosen by the register: the same request
  again answers the invoice, another request with that id is SALE_ID_CONFLICT different_request. "The same":
    lines given (REST): the fingerprint of customer, lines (product, quantity, serials; not the tokens) and
      payments matches the invoice's requestHash (an invoice written before fingerprints has none: it matches);
    fromOpenSale (live): the open sale is closed once completed, so a retry names only the sale id and the
      payments: the payments match the invoice's.
  Enforced lines present, per serial, a hold this register still owns for this sale with its current token.
  Solicit lines carry one non-empty serial per unit (not checked against stock); a solicit serial already
  sold and not returned is flagged in the event (repeatedSolicitSerials) and kept as a supervisor alert
  (kind solicit_repeat, in the store's alerts list, written with the sale). Holds of the sale that the invoice
  does not use are released.
  Two modes:
    lines given (REST): the caller's lines and customer, at today's prices (REST callers cannot set prices).
    fromOpenSale (live): the register's open sale (cart) is read here and gives the lines, their prices and
      the customer. It is checked first, in this order: not this register's open sale -> the invoice of that
      sale id if there is one (below), else SALE_NOT_FOUND; no lines -> SALE_REJECTED empty; then line by
      line a lost hold -> HOLD_LOST {line, lineId, serial, reason} or a serial still missing ->
      SALE_REJECTED serial_required {line, lineId}. Only then the invoice and the checks of both modes.
  Input:
    KEYS[1] store meta key (an open sale is read from cart:<saleId>)
    ARGV[1] json {saleId, storeId, terminalId, staffId, payments: [{method, amountCents}], alertsKept?} and either
                 {customerId|null, lines: [{productId, quantity, serials: [{serial, token}]}]}
                 or {fromOpenSale: true}
  Output: {ok, invoice, replayed, alerts: [alert]} (alerts: the ones this sale raised, for the hub to send
          live; none on a replay) | SALE_ID_CONFLICT {reason: different_request}? | CUSTOMER_NOT_FOUND | PRODUCT_NOT_FOUND {line}
          | HOLD_LOST {line, serial, reason} | OUT_OF_STOCK {line}
          | SALE_REJECTED {line?, reason: serial_count | serials_not_expected | duplicate | underpaid | card_overpaid
                           | total_too_large}
          fromOpenSale also: SALE_NOT_FOUND | SALE_REJECTED {reason: empty} | HOLD_LOST {line, lineId, serial, reason}
          | SALE_REJECTED {line, lineId, reason: serial_required}
]]
-- @include "base"
-- @include "holds"
-- @include "dates"
-- Lua's cjson keeps 14 significant digits: one sale stays well below that.
local MAX_TOTAL_CENTS = 1e13
-- Solicit serials sold again get one alert each, up to this many per sale.
local MAX_REPEAT_ALERTS = 10

-- JavaScript's text of a value that may be null (messages read as the hub's own did).
local function text(v)
  if v == nil or v == cjson.null then return 'null' end
  return tostring(v)
end

-- The lines of the register's open sale as a sale's lines (with the prices they showed), or the refusal of
-- the first thing to fix: no lines, else the first line whose hold was lost or that still needs a serial.
local function openSaleLines(cart)
  if #cart.lines == 0 then return nil, fail('SALE_REJECTED', 'the sale has no lines', { reason = 'empty' }) end
  local lines = {}
  for i, l in ipairs(cart.lines) do
    if l.lost ~= nil and l.lost ~= cjson.null then
      return nil, fail('HOLD_LOST', 'line ' .. i .. ': the hold on ' .. text(l.serial) .. ' was lost (' .. text(l.lost.reason) .. '): pick the serial again',
        { line = i - 1, lineId = l.lineId, serial = l.serial == nil and cjson.null or l.serial, reason = l.lost.reason })
    end
    local hasSerial = l.serial ~= nil and l.serial ~= cjson.null and l.serial ~= ''
    if l.serialMode ~= 'none' and not hasSerial then
      return nil, fail('SALE_REJECTED', 'line ' .. i .. ': ' .. text(l.name) .. ' needs a serial',
        { line = i - 1, lineId = l.lineId, reason = 'serial_required' })
    end
    lines[i] = { productId = l.productId, quantity = l.quantity, unitPriceCents = l.unitPriceCents,
      serials = hasSerial and { { serial = l.serial, token = l.token } } or {} }
  end
  return lines
end

-- Customer, lines and payments as one fingerprint (invoices of both modes get one, so a REST retry of a sale
-- completed live is compared too).
local function saleFingerprint(customerId, lines, payments)
  local ls, ps = {}, {}
  for i, l in ipairs(lines) do
    local serials = {}
    for j, e in ipairs(l.serials ~= cjson.null and l.serials or {}) do serials[j] = e.serial end
    ls[i] = { l.productId, l.quantity, serials }
  end
  for i, p in ipairs(payments) do ps[i] = { p.method, p.amountCents } end
  return requestFingerprint({ 'sale', customerId or 0, ls, ps })
end

local function samePayments(a, b)
  if #a ~= #b then return false end
  for i = 1, #a do
    if a[i].method ~= b[i].method or a[i].amountCents ~= b[i].amountCents then return false end
  end
  return true
end

local s = cjson.decode(ARGV[1])
if s.customerId == cjson.null then s.customerId = nil end
local existing = redis.call('GET', invoiceKey(s.saleId))
local openCart = loadCart(s.saleId)
if s.fromOpenSale then
  if not openCart or openCart.terminalId ~= s.terminalId then
    if not existing then return fail('SALE_NOT_FOUND', 'no open sale ' .. s.saleId .. ' on this register') end
  else
    local lines, refused = openSaleLines(openCart)
    if refused then return refused end
    s.lines, s.customerId = lines, openCart.customerId
  end
end
if existing then
  local inv = cjson.decode(existing)
  if inv.terminalId ~= s.terminalId then
    return fail('SALE_ID_CONFLICT', 'sale id ' .. s.saleId .. ' belongs to another register')
  end
  local same
  if s.fromOpenSale then same = samePayments(inv.payments, s.payments)
  else same = not inv.requestHash or inv.requestHash == saleFingerprint(s.customerId, s.lines, s.payments) end
  if not same then
    return fail('SALE_ID_CONFLICT', 'sale id ' .. s.saleId .. ' was completed with other lines, customer or payments: use a new sale id',
      { reason = 'different_request' })
  end
  inv.requestHash = nil
  return ok({ invoice = inv, replayed = true })
end
if openCart and openCart.terminalId ~= s.terminalId then
  return fail('SALE_ID_CONFLICT', 'sale id ' .. s.saleId .. ' belongs to another register')
end
local customerId = s.customerId
if customerId and redis.call('HEXISTS', K.customers, customerId) == 0 then
  return fail('CUSTOMER_NOT_FOUND', 'no customer ' .. customerId)
end
local now = nowMs()

-- 1. check everything
local products, demand, seen, total = {}, {}, {}, 0
for i, line in ipairs(s.lines) do
  local pid, n = line.productId, i - 1
  if not products[pid] then
    local h = redis.call('HMGET', productKey(pid), 'serialMode', 'qty', 'priceCents', 'partNumber', 'name',
      'warrantyReminder', 'warrantyMonths')
    if not h[1] then return fail('PRODUCT_NOT_FOUND', 'line ' .. n .. ': no product ' .. pid, { line = n }) end
    products[pid] = { mode = h[1], qty = tonumber(h[2]), price = tonumber(h[3]), partNumber = h[4], name = h[5],
      warranty = h[6] == '1', months = tonumber(h[7]) }
  end
  local p = products[pid]
  local serials = line.serials ~= cjson.null and line.serials or {}
  if p.mode ~= 'none' and #serials ~= line.quantity then
    return fail('SALE_REJECTED', 'line ' .. n .. ': ' .. line.quantity .. ' unit(s) need as many serials',
      { line = n, reason = 'serial_count' })
  end
  if p.mode == 'none' and #serials > 0 then
    return fail('SALE_REJECTED', 'line ' .. n .. ': this product takes no serials', { line = n, reason = 'serials_not_expected' })
  end
  for _, e in ipairs(serials) do
    local id = pid .. ':' .. e.serial
    if seen[id] then
      return fail('SALE_REJECTED', 'line ' .. n .. ': serial ' .. e.serial .. ' is on the sale twice',
        { line = n, serial = e.serial, reason = 'duplicate' })
    end
    seen[id] = true
    if p.mode == 'enforced' then
      local hold, why = readHold(pid, e.serial), nil
      if not hold then why = 'not_held'
      elseif hold.terminalId ~= s.terminalId or hold.saleId ~= s.saleId then why = 'held_elsewhere'
      elseif e.token == cjson.null or hold.token ~= e.token then why = 'token_mismatch'
      elseif hold.expiresAt <= now then why = 'expired'
      end
      if why then
        return fail('HOLD_LOST', 'line ' .. n .. ': serial ' .. e.serial .. ' is no longer held by this register (' .. why .. ')',
          { line = n, serial = e.serial, reason = why })
      end
    end
  end
  if p.mode ~= 'enforced' then
    demand[pid] = (demand[pid] or 0) + line.quantity
    if demand[pid] > p.qty then
      return fail('OUT_OF_STOCK', 'line ' .. n .. ': only ' .. p.qty .. ' of ' .. p.partNumber .. ' in stock',
        { line = n, stock = p.qty })
    end
  end
  -- an open sale completes at the prices its lines showed; a sale sent whole (REST) at today's price
  line.price = (s.fromOpenSale and line.unitPriceCents ~= nil and line.unitPriceCents ~= cjson.null) and line.unitPriceCents or p.price
  total = total + line.price * line.quantity
end
if total > MAX_TOTAL_CENTS then
  return fail('SALE_REJECTED', 'the sale total is over the limit of one sale', { reason = 'total_too_large', totalCents = total })
end
local paid, cash = 0, 0
for _, pay in ipairs(s.payments) do
  paid = paid + pay.amountCents
  if pay.method == 'cash' then cash = cash + pay.amountCents end
end
if paid < total then
  return fail('SALE_REJECTED', 'payments of ' .. paid .. ' do not cover the total of ' .. total,
    { reason = 'underpaid', totalCents = total, paidCents = paid })
end
if paid - total > cash then
  return fail('SALE_REJECTED', 'only cash can be overpaid for change', { reason = 'card_overpaid', totalCents = total })
end

-- 2. write it all
local number = redis.call('HINCRBY', K.meta, 'invoice', 1)
local lines, touched, repeats = {}, {}, {}
for i, line in ipairs(s.lines) do
  local pid, p = line.productId, products[line.productId]
  local sold = {}
  local warrantyEnd = (p.warranty and p.months > 0) and addMonths(now, p.months) or nil
  for _, e in ipairs(line.serials ~= cjson.null and line.serials or {}) do
    if p.mode == 'enforced' then forgetHold(readHold(pid, e.serial)) end
    local latestId, earlier = pid .. ':' .. e.serial, nil
    local prevAt = redis.call('ZSCORE', soldKey(pid), e.serial)
    if prevAt then
      -- a serial already sold and not returned (only solicit ones can be): its earlier sale keeps its own entry
      local prev = cjson.decode(redis.call('HGET', K.soldInfo, latestId) or '{}')
      if p.mode == 'solicit' then
        -- a typo or fraud, for the supervisor to look at
        repeats[#repeats + 1] = { productId = pid, serial = e.serial, previousSaleId = prev.saleId }
      end
      if prev.saleId then
        earlier = (prev.earlier ~= nil and prev.earlier ~= cjson.null) and prev.earlier or {}
        prev.earlier = nil
        redis.call('ZADD', soldKey(pid), prevAt, e.serial .. '\0' .. prev.saleId)
        redis.call('HSET', K.soldInfo, latestId .. '\0' .. prev.saleId, cjson.encode(prev))
        earlier[#earlier + 1] = prev.saleId
      end
    end
    redis.call('ZADD', soldKey(pid), now, e.serial)
    redis.call('HSET', K.soldInfo, latestId, cjson.encode({ saleId = s.saleId, invoiceNumber = number, line = i - 1,
      customerId = customerId, at = now, earlier = earlier }))
    appendTimeline(e.serial, { k = 'sold', p = pid, at = now, s = s.staffId, t = s.terminalId, r = s.saleId, c = customerId })
    sold[#sold + 1] = e.serial
    if warrantyEnd and customerId then
      redis.call('RPUSH', serviceRecordsKey(customerId), cjson.encode({ productId = pid, partNumber = p.partNumber,
        name = p.name, serial = e.serial, saleId = s.saleId, soldAt = now, warrantyEndsAt = warrantyEnd }))
    end
  end
  if p.mode ~= 'enforced' then redis.call('HINCRBY', productKey(pid), 'qty', -line.quantity) end
  touched[pid] = true
  lines[i] = { productId = pid, partNumber = p.partNumber, name = p.name, serialMode = p.mode, quantity = line.quantity,
    unitPriceCents = line.price, totalCents = line.price * line.quantity, serials = sold, warrantyEndsAt = warrantyEnd,
    returnedQuantity = 0, returnedSerials = {} }
end
local invoice = { saleId = s.saleId, number = number, storeId = s.storeId, terminalId = s.terminalId,
  staffId = s.staffId, customerId = customerId or cjson.null, lines = lines, totalCents = total,
  payments = s.payments, changeCents = paid - total, completedAt = now, returns = {},
  requestHash = saleFingerprint(customerId, s.lines, s.payments) }
redis.call('SET', invoiceKey(s.saleId), cjson.encode(invoice))
invoice.requestHash = nil
redis.call('ZADD', K.invoices, now, s.saleId)
redis.call('HSET', K.invoiceNumbers, number, s.saleId)
if customerId then redis.call('ZADD', customerInvoicesKey(customerId), now, s.saleId) end

-- the register's open sale is closed, and holds of it that the invoice did not use go back to stock
if openCart then closeCart(openCart) end
releaseTerminalHolds(s.terminalId, s.saleId, now, s.staffId)

local stock = {}
for pid in pairs(touched) do stock[#stock + 1] = stockOf(pid) end
emit('sale_completed', { saleId = s.saleId, number = number, terminalId = s.terminalId, staffId = s.staffId,
  customerId = customerId, totalCents = total, lines = lines, stock = stock, repeatedSolicitSerials = repeats })

-- A solicit serial sold again (a typo or a fraud) is kept for the supervisors with the sale itself, so a
-- dashboard opened later still shows it; the hub sends the same alerts live.
local alerts = {}
if #repeats > 0 then
  local terminal = cjson.decode(redis.call('HGET', K.terminals, s.terminalId) or '{}')
  local where = type(terminal.name) == 'string' and terminal.name or s.terminalId
  for n, r in ipairs(repeats) do
    if n > MAX_REPEAT_ALERTS then break end
    local before = r.previousSaleId and redis.call('GET', invoiceKey(r.previousSaleId))
    local previousNumber = before and cjson.decode(before).number or nil
    local p = products[r.productId]
    local alert = { kind = 'solicit_repeat', at = now, terminalId = s.terminalId, staffId = s.staffId,
      message = 'Serial ' .. r.serial .. ' of ' .. p.partNumber .. ' (' .. p.name .. ') was sold again on invoice #' .. number
        .. ' at ' .. where .. ': it was already sold' .. (previousNumber and (' on invoice #' .. previousNumber) or '')
        .. ' and not returned. A typo, or fraud?',
      details = { productId = r.productId, serial = r.serial, saleId = s.saleId, number = number,
        previousSaleId = r.previousSaleId or cjson.null, previousNumber = previousNumber or cjson.null } }
    redis.call('LPUSH', K.alerts, cjson.encode(alert))
    alerts[#alerts + 1] = alert
  end
  redis.call('LTRIM', K.alerts, 0, (tonumber(s.alertsKept) or 100) - 1)
end
return ok({ invoice = invoice, replayed = false, alerts = alerts })
