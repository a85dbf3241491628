--[[
  Releases holds whose lease has run out (the sweeper calls it; several hubs may, harmlessly).
  Input:
    KEYS[1] store meta key
    ARGV[1] largest number of holds to release in one call
  Output: {ok, released: [hold], nextExpiry (ms or false)}
]]
-- @include "base"
-- @include "holds"
local now = nowMs()
local released = {}
for _, id in ipairs(redis.call('ZRANGEBYSCORE', K.holdExpiry, '-inf', now, 'LIMIT', 0, tonumber(ARGV[1]))) do
  local pid, serial = splitHoldId(id)
  local hold = readHold(pid, serial)
  if hold then
    released[#released + 1] = dropHold(hold, 'expired', now, 'system', '')
  else
    redis.call('ZREM', K.holdExpiry, id)
  end
end
local next = redis.call('ZRANGE', K.holdExpiry, 0, 0, 'WITHSCORES')
return ok({ released = released, nextExpiry = next[2] and tonumber(next[2]) or false })
