--[[
  Marks offline the registers whose hub stopped beating for them (a hub killed with -9 says nothing).
  Input:
    KEYS[1] store meta key
    ARGV[1] silence (ms) after which a register counts as offline
  Output: {ok, offline: [terminal id]}
]]
-- @include "base"
local now = nowMs()
local limit = now - tonumber(ARGV[1])
local offline = {}
local all = redis.call('HGETALL', K.presence)
for i = 1, #all, 2 do
  local p = cjson.decode(all[i + 1])
  if p.online and p.lastSeen < limit then
    p.online = false
    p.since = now
    redis.call('HSET', K.presence, all[i], cjson.encode(p))
    emit('presence_changed', { presence = p })
    offline[#offline + 1] = all[i]
  end
end
return ok({ offline = offline })
