--[[
  Removes a line from the register's open sale; its hold, if any, goes back to stock.
  Input:
    KEYS[1] store meta key
    ARGV[1] json {saleId, terminalId, staffId, lineId}
  Output: {ok, sale} | SALE_NOT_FOUND | NOT_FOUND (line)
]]
-- @include "base"
-- @include "holds"
local a = cjson.decode(ARGV[1])
local cart = ownCart(a.saleId, a.terminalId)
if not cart then return fail('SALE_NOT_FOUND', 'no open sale ' .. a.saleId .. ' on this register') end
local line, index = findLine(cart, a.lineId)
if not line then return fail('NOT_FOUND', 'the sale has no line ' .. a.lineId) end
local now = nowMs()
table.remove(cart.lines, index)
if line.serialMode == 'enforced' and line.serial ~= cjson.null then
  local hold = readHold(line.productId, line.serial)
  if hold and hold.terminalId == a.terminalId and hold.saleId == a.saleId then
    dropHold(hold, 'released', now, a.staffId, a.terminalId, nil, true)
  end
end
saveCart(cart, now)
return ok({ sale = cart })
