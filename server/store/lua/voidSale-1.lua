--[[
  Voids the register's open sale: every hold of it goes back to stock and the sale is closed.
  Input:
    KEYS[1] store meta key
    ARGV[1] terminal id   ARGV[2] staff code   ARGV[3] sale id
  Output: {ok, released: [hold]} | SALE_NOT_FOUND
]]
-- @include "base"
-- @include "holds"
local tid, staffId, saleId = ARGV[1], ARGV[2], ARGV[3]
local cart = ownCart(saleId, tid)
if not cart then return fail('SALE_NOT_FOUND', 'no open sale ' .. saleId .. ' on this register') end
local now = nowMs()
local released = releaseTerminalHolds(tid, saleId, now, staffId, nil, true)
closeCart(cart)
return ok({ released = released })
