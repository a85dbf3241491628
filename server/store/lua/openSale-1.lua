--[[
  Opens the register's sale (cart), or returns the one it already has open (one open sale per register).
  Input:
    KEYS[1] store meta key
    ARGV[1] terminal id   ARGV[2] staff code   ARGV[3] sale id the register proposes
  Output: {ok, sale, created} | SALE_ID_CONFLICT
]]
-- @include "base"
-- @include "carts"
local tid, staffId, saleId = ARGV[1], ARGV[2], ARGV[3]
local open = redis.call('GET', terminalSaleKey(tid))
if open then
  local cart = loadCart(open)
  if cart then return ok({ sale = cart, created = false }) end
end
if redis.call('EXISTS', cartKey(saleId)) == 1 or redis.call('EXISTS', invoiceKey(saleId)) == 1 then
  return fail('SALE_ID_CONFLICT', 'sale id ' .. saleId .. ' is already used')
end
local now = nowMs()
local cart = { saleId = saleId, terminalId = tid, staffId = staffId, customerId = cjson.null, lines = {},
  nextLine = 1, totalCents = 0, createdAt = now, updatedAt = now }
redis.call('SET', terminalSaleKey(tid), saleId)
saveCart(cart, now)
return ok({ sale = cart, created = true })
