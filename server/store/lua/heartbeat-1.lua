--[[
  A hub's periodic beat for the registers connected to it: renews their holds' leases and their presence.
  Holds already expired are released (and their sale lines flagged), never revived.
  Input:
    KEYS[1] store meta key
    ARGV[1] hub id   ARGV[2] lease (ms)   ARGV[3..] terminal ids
  Output: {ok, renewed (count), lost: [hold]}; event holds_renewed {terminalIds, expiresAt} when any was renewed
]]
-- @include "base"
-- @include "holds"
local hub, lease = ARGV[1], tonumber(ARGV[2])
local now = nowMs()
local renewed, lost, renewedTerminals = 0, {}, {}
for i = 3, #ARGV do
  local tid = ARGV[i]
  local kept, gone = renewTerminalHolds(tid, nil, lease, now)
  renewed = renewed + #kept
  for _, h in ipairs(gone) do lost[#lost + 1] = h end
  if #kept > 0 then renewedTerminals[#renewedTerminals + 1] = tid end
  local raw = redis.call('HGET', K.presence, tid)
  if raw then
    local p = cjson.decode(raw)
    p.lastSeen = now
    if p.hub == hub then redis.call('HSET', K.presence, tid, cjson.encode(p)) end
  end
end
-- registers show each hold's time left: they hear the new expiry
if #renewedTerminals > 0 then emit('holds_renewed', { terminalIds = renewedTerminals, expiresAt = now + lease }) end
return ok({ renewed = renewed, lost = lost })
