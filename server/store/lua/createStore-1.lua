--[[
  Creates a store with its first supervisor.
  Input:
    KEYS[1] store meta key
    ARGV[1] store name
    ARGV[2] supervisor staff json {code, name, role, pinHash, active}
  Output: {ok, store} | STORE_EXISTS
]]
-- @include "base"
if redis.call('HEXISTS', K.meta, 'name') == 1 then return fail('STORE_EXISTS', 'a store with this id exists') end
local now = nowMs()
local staff = cjson.decode(ARGV[2])
staff.createdAt = now
redis.call('HSET', K.meta, 'name', ARGV[1], 'createdAt', now)
redis.call('HSET', K.staff, staff.code, cjson.encode(staff))
emit('store_created', { name = ARGV[1] })
return ok({ store = { name = ARGV[1], createdAt = now } })
