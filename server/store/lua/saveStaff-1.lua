--[[
  Creates or changes a staff member. A change of role or PIN, or a deactivation, ends their sessions.
  Input:
    KEYS[1] store meta key
    ARGV[1] "create" | "update"
    ARGV[2] json {code, name?, role?, pinHash?, active?}
  Output: {ok, staff (without pinHash), sessionsRevoked, ended (session hashes)} | STAFF_CODE_TAKEN | STAFF_NOT_FOUND
          | LAST_SUPERVISOR (the change would leave the store without an active supervisor)
]]
-- @include "base"
local change = cjson.decode(ARGV[2])
local raw = redis.call('HGET', K.staff, change.code)
local staff
if ARGV[1] == 'create' then
  if raw then return fail('STAFF_CODE_TAKEN', 'staff code ' .. change.code .. ' is taken') end
  staff = change
  staff.createdAt = nowMs()
else
  if not raw then return fail('STAFF_NOT_FOUND', 'no staff member ' .. change.code) end
  staff = cjson.decode(raw)
  for k, v in pairs(change) do staff[k] = v end
end
if ARGV[1] == 'update' and (staff.role ~= 'supervisor' or staff.active == false) then
  -- a store always keeps one active supervisor (someone must be able to pair registers and manage staff)
  local others = 0
  for _, raw in ipairs(redis.call('HVALS', K.staff)) do
    local o = cjson.decode(raw)
    if o.code ~= staff.code and o.role == 'supervisor' and o.active ~= false then others = others + 1 end
  end
  local was = cjson.decode(raw)
  if others == 0 and was.role == 'supervisor' and was.active ~= false then
    return fail('LAST_SUPERVISOR', 'this is the store\'s last active supervisor: make another supervisor first')
  end
end
redis.call('HSET', K.staff, staff.code, cjson.encode(staff))
local revoked, ended = 0, {}
if ARGV[1] == 'update' and (change.role or change.pinHash or change.active == false) then
  for _, h in ipairs(redis.call('SMEMBERS', staffSessionsKey(staff.code))) do
    local sraw = redis.call('GET', sessionKey(h))
    revoked = revoked + redis.call('DEL', sessionKey(h))
    ended[#ended + 1] = h
    -- A register this session was open on shows nobody logged in (as revokeSession does).
    local tid = sraw and cjson.decode(sraw).terminalId
    local traw = tid and tid ~= cjson.null and redis.call('HGET', K.terminals, tid)
    if traw then
      local t = cjson.decode(traw)
      if t.sessionHash == h then
        t.sessionHash, t.staffId = nil, nil
        redis.call('HSET', K.terminals, tid, cjson.encode(t))
        emit('staff_logged_out', { terminalId = tid, staffId = staff.code })
      end
    end
  end
  redis.call('DEL', staffSessionsKey(staff.code))
end
staff.pinHash = nil
-- by code only: the staff list itself is for supervisors (GET /api/staff)
emit(ARGV[1] == 'create' and 'staff_created' or 'staff_updated', { staffId = staff.code, sessionsRevoked = revoked })
return ok({ staff = staff, sessionsRevoked = revoked, ended = ended })
