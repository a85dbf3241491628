--[[
  Picks the serial of a line of the register's open sale. Enforced: the new serial is held first (if that
  fails nothing changes), then the line's previous hold is released. Solicit: the typed serial is recorded.
  Picking again clears a line's "hold lost" flag.
  Input:
    KEYS[1] store meta key
    ARGV[1] json {saleId, terminalId, staffId, lineId, serial (normalised), leaseMs}
  Output: {ok, sale} | SALE_NOT_FOUND | NOT_FOUND (line) | SALE_REJECTED {reason} | SERIAL_HELD
          | SERIAL_NOT_IN_STOCK
]]
-- @include "base"
-- @include "holds"
local a = cjson.decode(ARGV[1])
local cart = ownCart(a.saleId, a.terminalId)
if not cart then return fail('SALE_NOT_FOUND', 'no open sale ' .. a.saleId .. ' on this register') end
local line = findLine(cart, a.lineId)
if not line then return fail('NOT_FOUND', 'the sale has no line ' .. a.lineId) end
if line.serialMode == 'none' then
  return fail('SALE_REJECTED', 'this product takes no serial', { reason = 'serials_not_expected' })
end
local now = nowMs()
if line.serialMode == 'solicit' then
  line.serial = a.serial
  saveCart(cart, now)
  return ok({ sale = cart })
end
for _, l in ipairs(cart.lines) do
  if l.lineId ~= line.lineId and l.productId == line.productId and l.serial == a.serial then
    return fail('SERIAL_HELD', 'serial ' .. a.serial .. ' is already on this sale', { serial = a.serial, sameSale = true })
  end
end
local hold, err = takeHold(line.productId, a.serial, a.terminalId, a.staffId, a.saleId, a.leaseMs, now)
if not hold then return err end
if line.serial ~= cjson.null and line.serial ~= a.serial and line.lost == cjson.null then
  local old = readHold(line.productId, line.serial)
  if old and old.terminalId == a.terminalId and old.saleId == a.saleId then
    dropHold(old, 'released', now, a.staffId, a.terminalId, nil, true)
  end
end
line.serial, line.token, line.expiresAt, line.lost = a.serial, hold.token, hold.expiresAt, cjson.null
saveCart(cart, now)
return ok({ sale = cart })
