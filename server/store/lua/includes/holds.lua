--[[ Hold reads and removals shared by the hold, release, sweep and sale scripts. ]]
local function holdId(pid, serial) return pid .. ':' .. serial end

local function readHold(pid, serial)
  local raw = redis.call('HGET', K.holds, holdId(pid, serial))
  if not raw then return nil end
  return cjson.decode(raw)
end

local function writeHold(hold)
  local id = holdId(hold.productId, hold.serial)
  redis.call('HSET', K.holds, id, cjson.encode(hold))
  redis.call('ZADD', K.holdExpiry, hold.expiresAt, id)
  redis.call('ZADD', heldKey(hold.productId), hold.expiresAt, hold.serial)
  redis.call('SADD', terminalHoldsKey(hold.terminalId), id)
end

-- Forgets a hold (the serial's next state is the caller's business).
local function forgetHold(hold)
  local id = holdId(hold.productId, hold.serial)
  redis.call('HDEL', K.holds, id)
  redis.call('ZREM', K.holdExpiry, id)
  redis.call('ZREM', heldKey(hold.productId), hold.serial)
  redis.call('SREM', terminalHoldsKey(hold.terminalId), id)
end

-- Ends a hold without a sale and puts the serial back in stock.
-- kind: 'released' (by its register), 'expired' (sweeper) or 'force_released' (supervisor, with a reason).
local function dropHold(hold, kind, at, staffId, terminalId, reason)
  forgetHold(hold)
  redis.call('ZADD', inStockKey(hold.productId), 0, hold.serial)
  appendTimeline(hold.serial, { k = kind, p = hold.productId, at = at, s = staffId, t = terminalId, r = hold.saleId, why = reason })
  local st = stockOf(hold.productId)
  emit('hold_released', {
    productId = hold.productId, serial = hold.serial, terminalId = hold.terminalId, saleId = hold.saleId,
    token = hold.token, reason = kind, note = reason, by = staffId, stock = st.stock, held = st.held,
  })
  return hold
end
