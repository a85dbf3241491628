--[[ Hold reads, takes and removals shared by the hold, release, sweep, cart and sale scripts. ]]
-- @include "carts"
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
-- The open sale that held it forgets the serial (released) or flags the line (expired, force_released),
-- unless the caller is editing that sale itself (cartDone).
local function dropHold(hold, kind, at, staffId, terminalId, reason, cartDone)
  forgetHold(hold)
  if not cartDone then markCartHold(hold, kind, reason, at) end
  redis.call('ZADD', inStockKey(hold.productId), 0, hold.serial)
  appendTimeline(hold.serial, { k = kind, p = hold.productId, at = at, s = staffId, t = terminalId, r = hold.saleId, why = reason })
  local st = stockOf(hold.productId)
  emit('hold_released', {
    productId = hold.productId, serial = hold.serial, terminalId = hold.terminalId, saleId = hold.saleId,
    token = hold.token, reason = kind, note = reason, by = staffId, stock = st.stock, held = st.held,
  })
  return hold
end

-- Holds a serial of an enforced product for a register's sale, or renews the lease when that register and
-- sale hold it already (same token). An expired hold the sweeper has not reached yet is released first.
-- Returns the hold and whether it was a renewal, or nil and a failure reply.
local function takeHold(pid, serial, tid, staffId, saleId, lease, now)
  local hold = readHold(pid, serial)
  if hold then
    if hold.expiresAt <= now then
      dropHold(hold, 'expired', now, 'system', '')
    elseif hold.terminalId == tid and hold.saleId == saleId then
      hold.expiresAt = now + lease
      writeHold(hold)
      return hold, true
    else
      local who = hold.terminalId == tid and 'this register, for another sale' or 'another register'
      return nil, fail('SERIAL_HELD', 'serial ' .. serial .. ' is held by ' .. who,
        { terminalId = hold.terminalId, expiresAt = hold.expiresAt, serial = serial })
    end
  end
  if not redis.call('ZSCORE', inStockKey(pid), serial) then
    local state = redis.call('ZSCORE', soldKey(pid), serial) and 'sold' or 'unknown'
    return nil, fail('SERIAL_NOT_IN_STOCK', 'serial ' .. serial .. ' is not in stock', { state = state, serial = serial })
  end
  hold = { productId = pid, serial = serial, terminalId = tid, saleId = saleId, staffId = staffId,
    token = redis.call('HINCRBY', K.meta, 'token', 1), heldAt = now, expiresAt = now + lease }
  redis.call('ZREM', inStockKey(pid), serial)
  writeHold(hold)
  appendTimeline(serial, { k = 'held', p = pid, at = now, s = staffId, t = tid, r = saleId })
  local st = stockOf(pid)
  emit('hold_created', { hold = hold, stock = st.stock, held = st.held })
  return hold, false
end

-- Releases a register's holds back to stock: those of one sale, or all of them (saleId nil).
local function releaseTerminalHolds(tid, saleId, at, staffId, reason, cartDone)
  local released = {}
  for _, id in ipairs(redis.call('SMEMBERS', terminalHoldsKey(tid))) do
    local pid, serial = splitHoldId(id)
    local hold = readHold(pid, serial)
    if hold and (saleId == nil or hold.saleId == saleId) then
      released[#released + 1] = dropHold(hold, 'released', at, staffId, tid, reason, cartDone)
    end
  end
  return released
end

-- Renews the leases of a register's live holds (of one sale, or all: saleId nil). A lapsed lease is never
-- revived: such holds are released as expired and returned as lost.
local function renewTerminalHolds(tid, saleId, lease, now)
  local renewed, lost = {}, {}
  for _, id in ipairs(redis.call('SMEMBERS', terminalHoldsKey(tid))) do
    local pid, serial = splitHoldId(id)
    local hold = readHold(pid, serial)
    if not hold then
      redis.call('SREM', terminalHoldsKey(tid), id)
    elseif saleId == nil or hold.saleId == saleId then
      if hold.expiresAt <= now then
        lost[#lost + 1] = dropHold(hold, 'expired', now, 'system', '')
      else
        hold.expiresAt = now + lease
        writeHold(hold)
        renewed[#renewed + 1] = hold
      end
    end
  end
  return renewed, lost
end
