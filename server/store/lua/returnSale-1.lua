--[[
  Takes back units of an invoice's lines. Only serials sold on that line come back, each once. Stock goes
  back by the product's serial mode now (it may have changed since the sale): an enforced product takes its
  serials back into stock, other products take the quantity back on the shelf (solicit serials are recorded
  as returned in their timeline). The customer's service records of returned serials get `returnedAt`.
  Idempotent on the return id chosen by the register: a retry for the same sale with the same fingerprint of
  reason and lines (stored as requestHash) answers the stored return; another request is RETURN_ID_CONFLICT
  (different_request when only the lines or reason differ; a return stored before fingerprints has none: it
  matches any retry for the same sale).
  Input:
    KEYS[1] store meta key
    ARGV[1] json {returnId, saleId, terminalId, staffId, reason, lines: [{line, quantity, serials}]}
  Output: {ok, return, invoice, replayed} | RETURN_ID_CONFLICT {reason: different_request}? | INVOICE_NOT_FOUND
          | RETURN_REJECTED {line, serial?, reason: no_line | quantity | serial_count | serials_not_expected
                             | not_on_line | already_returned | in_stock | sold_elsewhere | mode_changed}
]]
-- @include "base"
local r = cjson.decode(ARGV[1])
local ls = {}
for i, rl in ipairs(r.lines) do ls[i] = { rl.line, rl.quantity, rl.serials ~= cjson.null and rl.serials or {} } end
local fingerprint = requestFingerprint({ 'return', r.saleId, r.reason or '', ls })
ls = nil
local existing = redis.call('GET', returnKey(r.returnId))
if existing then
  local old = cjson.decode(existing)
  if old.saleId ~= r.saleId then return fail('RETURN_ID_CONFLICT', 'return id ' .. r.returnId .. ' is used') end
  if old.requestHash and old.requestHash ~= fingerprint then
    return fail('RETURN_ID_CONFLICT', 'return id ' .. r.returnId .. ' was used for other lines or reason: use a new return id',
      { reason = 'different_request' })
  end
  old.requestHash = nil
  return ok({ ['return'] = old, invoice = cjson.decode(redis.call('GET', invoiceKey(r.saleId))), replayed = true })
end
local raw = redis.call('GET', invoiceKey(r.saleId))
if not raw then return fail('INVOICE_NOT_FOUND', 'no invoice ' .. r.saleId) end
local inv = cjson.decode(raw)

-- each line's serials as sets, built once (a line may carry thousands)
local onLine, returnedOnLine = {}, {}
local function serialSets(index)
  if not onLine[index] then
    local line, a, b = inv.lines[index + 1], {}, {}
    for _, x in ipairs(line.serials) do a[x] = true end
    for _, x in ipairs(line.returnedSerials) do b[x] = true end
    onLine[index], returnedOnLine[index] = a, b
  end
  return onLine[index], returnedOnLine[index]
end

-- 1. check
local asked, seen, modes = {}, {}, {}
for _, rl in ipairs(r.lines) do
  local line = inv.lines[rl.line + 1]
  if not line then return fail('RETURN_REJECTED', 'the invoice has no line ' .. rl.line, { line = rl.line, reason = 'no_line' }) end
  asked[rl.line] = (asked[rl.line] or 0) + rl.quantity
  if asked[rl.line] > line.quantity - line.returnedQuantity then
    return fail('RETURN_REJECTED', 'line ' .. rl.line .. ': only ' .. (line.quantity - line.returnedQuantity) ..
      ' unit(s) left to return', { line = rl.line, reason = 'quantity' })
  end
  local serials = rl.serials ~= cjson.null and rl.serials or {}
  if line.serialMode ~= 'none' and #serials ~= rl.quantity then
    return fail('RETURN_REJECTED', 'line ' .. rl.line .. ': name one serial per unit returned', { line = rl.line, reason = 'serial_count' })
  end
  if line.serialMode == 'none' and #serials > 0 then
    return fail('RETURN_REJECTED', 'line ' .. rl.line .. ': this product takes no serials', { line = rl.line, reason = 'serials_not_expected' })
  end
  -- stock goes back by the product's mode now (it may have changed since the sale)
  local mode = redis.call('HGET', productKey(line.productId), 'serialMode') or line.serialMode
  modes[rl.line] = mode
  if mode == 'enforced' and line.serialMode == 'none' then
    return fail('RETURN_REJECTED', 'line ' .. rl.line .. ': the product is now serial-enforced and this unit has no serial',
      { line = rl.line, reason = 'mode_changed' })
  end
  local sold, returned = serialSets(rl.line)
  for _, sn in ipairs(serials) do
    local why
    if not sold[sn] then why = 'not_on_line'
    elseif returned[sn] or seen[rl.line .. ':' .. sn] then why = 'already_returned'
    elseif mode == 'enforced' and (redis.call('ZSCORE', inStockKey(line.productId), sn) or redis.call('ZSCORE', heldKey(line.productId), sn)) then
      why = 'in_stock'
    elseif mode == 'enforced' then
      -- the serial may have been returned and sold again since: only its latest sale can take it back
      local info = redis.call('HGET', K.soldInfo, line.productId .. ':' .. sn)
      if not info or cjson.decode(info).saleId ~= r.saleId then why = 'sold_elsewhere' end
    end
    if why then
      return fail('RETURN_REJECTED', 'line ' .. rl.line .. ': serial ' .. sn .. ' cannot be returned (' .. why .. ')',
        { line = rl.line, serial = sn, reason = why })
    end
    seen[rl.line .. ':' .. sn] = true
  end
end

-- The sold entry of this sale of a serial goes. If it was the serial's latest sale, its latest earlier
-- unreturned sale (a solicit serial sold twice) becomes the latest; else it is one of the earlier ones.
local function forgetSale(pid, sn)
  local latestId = pid .. ':' .. sn
  local raw = redis.call('HGET', K.soldInfo, latestId)
  local info = raw and cjson.decode(raw)
  local earlier = (info and info.earlier ~= nil and info.earlier ~= cjson.null) and info.earlier or {}
  if info and info.saleId == r.saleId then
    redis.call('ZREM', soldKey(pid), sn)
    redis.call('HDEL', K.soldInfo, latestId)
    local prevSale = table.remove(earlier)
    if prevSale then
      local member = sn .. '\0' .. prevSale
      local prevAt = redis.call('ZSCORE', soldKey(pid), member)
      local prevRaw = redis.call('HGET', K.soldInfo, pid .. ':' .. member)
      redis.call('ZREM', soldKey(pid), member)
      redis.call('HDEL', K.soldInfo, pid .. ':' .. member)
      if prevAt and prevRaw then
        local prev = cjson.decode(prevRaw)
        prev.earlier = #earlier > 0 and earlier or nil
        redis.call('ZADD', soldKey(pid), prevAt, sn)
        redis.call('HSET', K.soldInfo, latestId, cjson.encode(prev))
      end
    end
  elseif redis.call('ZREM', soldKey(pid), sn .. '\0' .. r.saleId) == 1 then
    redis.call('HDEL', K.soldInfo, latestId .. '\0' .. r.saleId)
    if info then
      local kept = {}
      for _, id in ipairs(earlier) do if id ~= r.saleId then kept[#kept + 1] = id end end
      info.earlier = #kept > 0 and kept or nil
      redis.call('HSET', K.soldInfo, latestId, cjson.encode(info))
    end
  end
end

-- 2. write
local now = nowMs()
local refund, touched, eventLines = 0, {}, {}
for _, rl in ipairs(r.lines) do
  local line = inv.lines[rl.line + 1]
  local pid = line.productId
  for _, sn in ipairs(rl.serials ~= cjson.null and rl.serials or {}) do
    forgetSale(pid, sn)
    if modes[rl.line] == 'enforced' then redis.call('ZADD', inStockKey(pid), 0, sn) end
    appendTimeline(sn, { k = 'returned', p = pid, at = now, s = r.staffId, t = r.terminalId, r = r.returnId, why = r.reason })
    line.returnedSerials[#line.returnedSerials + 1] = sn
  end
  if modes[rl.line] ~= 'enforced' then redis.call('HINCRBY', productKey(pid), 'qty', rl.quantity) end
  line.returnedQuantity = line.returnedQuantity + rl.quantity
  refund = refund + line.unitPriceCents * rl.quantity
  touched[pid] = true
  eventLines[#eventLines + 1] = { line = rl.line, productId = pid, quantity = rl.quantity, serials = rl.serials }
end
-- service records of returned serials say so (the customer no longer has the item)
local customerId = inv.customerId ~= cjson.null and inv.customerId or nil
if customerId then
  local key = serviceRecordsKey(customerId)
  local back = {}
  for _, rl in ipairs(r.lines) do
    for _, sn in ipairs(rl.serials ~= cjson.null and rl.serials or {}) do back[inv.lines[rl.line + 1].productId .. ':' .. sn] = true end
  end
  for i, raw in ipairs(redis.call('LRANGE', key, 0, -1)) do
    local rec = cjson.decode(raw)
    if rec.saleId == r.saleId and not rec.returnedAt and back[rec.productId .. ':' .. rec.serial] then
      rec.returnedAt = now
      redis.call('LSET', key, i - 1, cjson.encode(rec))
    end
  end
end
inv.returns[#inv.returns + 1] = r.returnId
redis.call('SET', invoiceKey(r.saleId), cjson.encode(inv))
local ret = { returnId = r.returnId, saleId = r.saleId, invoiceNumber = inv.number, terminalId = r.terminalId, staffId = r.staffId,
  reason = r.reason, lines = eventLines, refundCents = refund, returnedAt = now, requestHash = fingerprint }
redis.call('SET', returnKey(r.returnId), cjson.encode(ret))
ret.requestHash = nil
local stock = {}
for pid in pairs(touched) do stock[#stock + 1] = stockOf(pid) end
emit('return_completed', { ['return'] = ret, stock = stock })
return ok({ ['return'] = ret, invoice = inv, replayed = false })
