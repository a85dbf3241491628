--[[
  Receives a receipt, all or nothing. Enforced lines carry exactly `quantity` serials (already normalised),
  none repeated, none in stock, held or sold (unreturned) for that product; other lines carry no serials.
  Serials the hub found invalid are left out of the lines and come as pre-rejections, so one answer lists
  every problem (each line's invalid serials first, then its other problems; they count as serials given).
  Idempotent on the receipt id: the same staff member's retry with the same fingerprint of note and lines
  (stored as requestHash) answers the stored receipt; another request is RECEIPT_ID_CONFLICT
  different_request (a receipt stored before fingerprints has none: it matches any retry).
  Input:
    KEYS[1] store meta key
    ARGV[1] json {receiptId, staffId, terminalId, note, lines: [{productId, quantity, serials}],
                 invalid: [{line, serial}] (the first ones), invalidPerLine: [count per line]}
    ARGV[2] largest number of serials an event lists per line (bigger lines send counts only)
  Output: {ok, receipt, replayed} | RECEIPT_REJECTED {rejections: [{line, serial?, reason}], total}
          | RECEIPT_ID_CONFLICT {reason: different_request}?
]]
-- @include "base"
local MAX_REJECTIONS = 1000
local ZADD_CHUNK = 500

local r = cjson.decode(ARGV[1])
local eventSerialLimit = tonumber(ARGV[2])
local ls = {}
local invalidPerLine = r.invalidPerLine ~= cjson.null and r.invalidPerLine or {}
for i, line in ipairs(r.lines) do
  ls[i] = { line.productId, line.quantity, line.serials ~= cjson.null and line.serials or {}, invalidPerLine[i] or 0 }
end
local fingerprint = requestFingerprint({ 'receipt', r.note or '', ls })
ls = nil
local existing = redis.call('GET', receiptKey(r.receiptId))
if existing then
  local old = cjson.decode(existing)
  if old.staffId ~= r.staffId then return fail('RECEIPT_ID_CONFLICT', 'receipt id ' .. r.receiptId .. ' is used') end
  if old.requestHash and old.requestHash ~= fingerprint then
    return fail('RECEIPT_ID_CONFLICT', 'receipt id ' .. r.receiptId .. ' was received with other lines or note: use a new receipt id',
      { reason = 'different_request' })
  end
  old.requestHash = nil
  return ok({ receipt = old, replayed = true })
end

local rejections, total = {}, 0
local function reject(line, serial, reason)
  total = total + 1
  if #rejections < MAX_REJECTIONS then rejections[#rejections + 1] = { line = line, serial = serial, reason = reason } end
end

local listedInvalid = {}
for _, x in ipairs(r.invalid ~= cjson.null and r.invalid or {}) do
  listedInvalid[x.line + 1] = listedInvalid[x.line + 1] or {}
  table.insert(listedInvalid[x.line + 1], x.serial)
end

local modes, seen = {}, {}
for i, line in ipairs(r.lines) do
  local mode = redis.call('HGET', productKey(line.productId), 'serialMode')
  modes[i] = mode
  local serials = line.serials ~= cjson.null and line.serials or {}
  local invalidCount = invalidPerLine[i] or 0
  local listed = listedInvalid[i] or {}
  for _, s in ipairs(listed) do reject(i - 1, s, 'invalid') end
  total = total + invalidCount - #listed
  if not mode then
    reject(i - 1, nil, 'product_not_found')
  elseif mode == 'enforced' then
    if #serials + invalidCount ~= line.quantity then reject(i - 1, nil, 'serial_count') end
    local inKey, heldK, soldK = inStockKey(line.productId), heldKey(line.productId), soldKey(line.productId)
    for _, s in ipairs(serials) do
      local id = line.productId .. ':' .. s
      if seen[id] then reject(i - 1, s, 'duplicate')
      elseif redis.call('ZSCORE', inKey, s) then reject(i - 1, s, 'in_stock')
      elseif redis.call('ZSCORE', heldK, s) then reject(i - 1, s, 'held')
      elseif redis.call('ZSCORE', soldK, s) then reject(i - 1, s, 'sold')
      end
      seen[id] = true
    end
  elseif #serials + invalidCount > 0 then
    reject(i - 1, nil, 'serials_not_expected')
  end
end
if total > 0 then
  return fail('RECEIPT_REJECTED', total .. ' problem(s) in the receipt; nothing was received',
    { rejections = rejections, total = total })
end

local now = nowMs()
local receiptNumber = redis.call('HINCRBY', K.meta, 'receipt', 1)
redis.call('HSET', K.receiptNumbers, receiptNumber,
  cjson.encode({ r = r.receiptId, at = now, s = r.staffId, t = r.terminalId }))
local eventLines, touched = {}, {}
for i, line in ipairs(r.lines) do
  local serials = line.serials ~= cjson.null and line.serials or {}
  if modes[i] == 'enforced' then
    local key, args = inStockKey(line.productId), {}
    for j, s in ipairs(serials) do
      args[#args + 1] = 0
      args[#args + 1] = s
      if #args >= ZADD_CHUNK * 2 or j == #serials then
        redis.call('ZADD', key, unpack(args))
        args = {}
      end
      appendTimeline(s, receivedEntry(receiptNumber, line.productId))
    end
  else
    redis.call('HINCRBY', productKey(line.productId), 'qty', line.quantity)
  end
  touched[line.productId] = true
  eventLines[#eventLines + 1] = {
    productId = line.productId, quantity = line.quantity,
    serials = (#serials <= eventSerialLimit) and serials or nil,
  }
end
local stock = {}
for pid in pairs(touched) do stock[#stock + 1] = stockOf(pid) end

local receipt = { receiptId = r.receiptId, receivedAt = now, staffId = r.staffId, terminalId = r.terminalId,
  note = r.note, lines = r.lines, requestHash = fingerprint }
redis.call('SET', receiptKey(r.receiptId), cjson.encode(receipt))
receipt.requestHash = nil
redis.call('ZADD', K.receipts, now, r.receiptId)
emit('stock_received', { receiptId = r.receiptId, staffId = r.staffId, lines = eventLines, stock = stock })
return ok({ receipt = receipt, replayed = false })
