--[[
  Marks a register online (it connected to a hub) or offline (its last socket left); tells the store when
  that changes.
  Input:
    KEYS[1] store meta key
    ARGV[1] terminal id   ARGV[2] "online" | "offline"   ARGV[3] hub id   ARGV[4] staff code or ""
  Output: {ok, presence, changed}
]]
-- @include "base"
local tid, online, hub, staffId = ARGV[1], ARGV[2] == 'online', ARGV[3], ARGV[4]
local now = nowMs()
local raw = redis.call('HGET', K.presence, tid)
local old = raw and cjson.decode(raw) or nil
if not online and old and old.hub ~= hub then
  -- the register already moved to another hub: that hub's word counts
  return ok({ presence = old, changed = false })
end
local changed = not old or old.online ~= online
local p = { terminalId = tid, online = online, hub = hub, staffId = staffId ~= '' and staffId or cjson.null,
  since = changed and now or old.since, lastSeen = now }
redis.call('HSET', K.presence, tid, cjson.encode(p))
if changed or (old and old.staffId ~= p.staffId) then emit('presence_changed', { presence = p }) end
return ok({ presence = p, changed = changed })
