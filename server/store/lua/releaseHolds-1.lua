--[[
  Releases holds back to stock:
    "one":   one serial held by this register (a line removed or its serial changed);
    "sale":  every hold of one of this register's sales (the sale voided);
    "force": any register's hold on one serial, by a supervisor, with a reason the holder is told.
  Input:
    KEYS[1] store meta key
    ARGV[1] "one" | "sale" | "force"
    ARGV[2] json {terminalId, staffId, productId?, serial?, saleId?, reason?}
  Output: {ok, released: [hold]} | HOLD_NOT_FOUND
]]
-- @include "base"
-- @include "holds"
local how, a = ARGV[1], cjson.decode(ARGV[2])
local now = nowMs()
local released = {}
if how == 'sale' then
  return ok({ released = releaseTerminalHolds(a.terminalId, a.saleId, now, a.staffId) })
end
local hold = readHold(a.productId, a.serial)
if not hold or (how == 'one' and hold.terminalId ~= a.terminalId) then
  return fail('HOLD_NOT_FOUND', 'serial ' .. a.serial .. ' is not held' .. (how == 'one' and ' by this register' or ''))
end
if how == 'force' then
  released[1] = dropHold(hold, 'force_released', now, a.staffId, a.terminalId, a.reason)
else
  released[1] = dropHold(hold, 'released', now, a.staffId, a.terminalId)
end
return ok({ released = released })
