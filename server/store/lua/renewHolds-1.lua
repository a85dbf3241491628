--[[
  Renews the leases of a register's live holds (all of them, or one sale's). Holds already expired are
  released instead and reported as lost: a lapsed lease is never revived.
  Input:
    KEYS[1] store meta key
    ARGV[1] terminal id   ARGV[2] sale id or ""   ARGV[3] lease (ms)
  Output: {ok, renewed: [hold], lost: [hold]}
]]
-- @include "base"
-- @include "holds"
local tid, saleId, lease = ARGV[1], ARGV[2], tonumber(ARGV[3])
local now = nowMs()
local renewed, lost = renewTerminalHolds(tid, saleId ~= '' and saleId or nil, lease, now)
if #renewed > 0 then
  emit('holds_renewed', { terminalIds = { tid }, saleId = saleId ~= '' and saleId or nil, expiresAt = now + lease })
end
return ok({ renewed = renewed, lost = lost })
