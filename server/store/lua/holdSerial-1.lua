--[[
  Holds an enforced serial for a register's open sale: a lease until TIME + lease, with a fencing token
  from the store's counter. The same register and sale holding it again renews the lease (same token).
  An expired hold that the sweeper has not reached yet is released first.
  Input:
    KEYS[1] store meta key
    ARGV[1] product id   ARGV[2] serial (normalised)   ARGV[3] terminal id   ARGV[4] staff code
    ARGV[5] sale id      ARGV[6] lease (ms)
  Output: {ok, hold, renewed} | PRODUCT_NOT_FOUND | NOT_ENFORCED | SERIAL_HELD {terminalId, expiresAt}
          | SERIAL_NOT_IN_STOCK {state}
]]
-- @include "base"
-- @include "holds"
local pid, serial, tid, staffId, saleId, lease = tonumber(ARGV[1]), ARGV[2], ARGV[3], ARGV[4], ARGV[5], tonumber(ARGV[6])
local mode = redis.call('HGET', productKey(pid), 'serialMode')
if not mode then return fail('PRODUCT_NOT_FOUND', 'no product ' .. pid) end
if mode ~= 'enforced' then return fail('NOT_ENFORCED', 'only serials of enforced products are held') end
local now = nowMs()

local hold = readHold(pid, serial)
if hold then
  if hold.expiresAt <= now then
    dropHold(hold, 'expired', now, 'system', '')
  elseif hold.terminalId == tid and hold.saleId == saleId then
    hold.expiresAt = now + lease
    writeHold(hold)
    return ok({ hold = hold, renewed = true })
  else
    return fail('SERIAL_HELD', 'serial ' .. serial .. ' is held by another register',
      { terminalId = hold.terminalId, expiresAt = hold.expiresAt, serial = serial })
  end
end

if not redis.call('ZSCORE', inStockKey(pid), serial) then
  local state = redis.call('ZSCORE', soldKey(pid), serial) and 'sold' or 'unknown'
  return fail('SERIAL_NOT_IN_STOCK', 'serial ' .. serial .. ' is not in stock', { state = state, serial = serial })
end

hold = { productId = pid, serial = serial, terminalId = tid, saleId = saleId, staffId = staffId,
  token = redis.call('HINCRBY', K.meta, 'token', 1), heldAt = now, expiresAt = now + lease }
redis.call('ZREM', inStockKey(pid), serial)
writeHold(hold)
appendTimeline(serial, { k = 'held', p = pid, at = now, s = staffId, t = tid, r = saleId })
local st = stockOf(pid)
emit('hold_created', { hold = hold, stock = st.stock, held = st.held })
return ok({ hold = hold, renewed = false })
