--[[
  Changes the quantity of a quantity-only line, or the customer of the register's open sale.
  Input:
    KEYS[1] store meta key
    ARGV[1] "quantity" | "customer"
    ARGV[2] json {saleId, terminalId, lineId?, quantity?, customerId? (number or null)}
  Output: {ok, sale} | SALE_NOT_FOUND | NOT_FOUND (line) | CUSTOMER_NOT_FOUND | SALE_REJECTED {reason}
]]
-- @include "base"
-- @include "carts"
local a = cjson.decode(ARGV[2])
local cart = ownCart(a.saleId, a.terminalId)
if not cart then return fail('SALE_NOT_FOUND', 'no open sale ' .. a.saleId .. ' on this register') end
if ARGV[1] == 'quantity' then
  local line = findLine(cart, a.lineId)
  if not line then return fail('NOT_FOUND', 'the sale has no line ' .. a.lineId) end
  if line.serialMode ~= 'none' then
    return fail('SALE_REJECTED', 'a serialized product is sold one unit per line', { reason = 'serialized_quantity' })
  end
  line.quantity = a.quantity
else
  local cid = a.customerId
  if cid ~= cjson.null and redis.call('HEXISTS', K.customers, cid) == 0 then
    return fail('CUSTOMER_NOT_FOUND', 'no customer ' .. tostring(cid))
  end
  cart.customerId = cid
end
saveCart(cart, nowMs())
return ok({ sale = cart })
