--[[
  Ends sessions: one by its token hash, or every session of one staff member.
  Input:
    KEYS[1] store meta key
    ARGV[1] "session" | "staff"
    ARGV[2] session token hash | staff code
  Output: {ok, revoked (count), hashes} | SESSION_NOT_FOUND | STAFF_NOT_FOUND
]]
-- @include "base"
local hashes
if ARGV[1] == 'session' then
  hashes = { ARGV[2] }
else
  if redis.call('HEXISTS', K.staff, ARGV[2]) == 0 then return fail('STAFF_NOT_FOUND', 'no staff member ' .. ARGV[2]) end
  hashes = redis.call('SMEMBERS', staffSessionsKey(ARGV[2]))
end
local revoked = 0
for _, h in ipairs(hashes) do
  local raw = redis.call('GET', sessionKey(h))
  if raw then
    local s = cjson.decode(raw)
    redis.call('DEL', sessionKey(h))
    redis.call('SREM', staffSessionsKey(s.staffId), h)
    revoked = revoked + 1
    if s.terminalId ~= cjson.null and s.terminalId then
      local traw = redis.call('HGET', K.terminals, s.terminalId)
      if traw then
        local t = cjson.decode(traw)
        if t.sessionHash == h then
          t.sessionHash = nil
          t.staffId = nil
          redis.call('HSET', K.terminals, s.terminalId, cjson.encode(t))
          emit('staff_logged_out', { terminalId = s.terminalId, staffId = s.staffId })
        end
      end
    end
  end
end
if ARGV[1] == 'session' and revoked == 0 then return fail('SESSION_NOT_FOUND', 'no such session') end
return ok({ revoked = revoked, hashes = hashes })
