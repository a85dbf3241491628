--[[
  Starts a staff session. On a register, the register's previous session ends (one person at a register).
  Input:
    KEYS[1] store meta key
    ARGV[1] sha256 of the session token
    ARGV[2] session json {id, staffId, name, role, terminalId, createdAt, expiresAt}
    ARGV[3] time to live in seconds
  Output: {ok, replaced (previous session hash or false)} | DEVICE_TOKEN_INVALID (the register was unpaired)
]]
-- @include "base"
local hash, session, ttl = ARGV[1], cjson.decode(ARGV[2]), tonumber(ARGV[3])
local onRegister = session.terminalId ~= cjson.null and session.terminalId
local traw = onRegister and redis.call('HGET', K.terminals, session.terminalId)
if onRegister and (not traw or cjson.decode(traw).revokedAt) then
  -- unpaired between the device check and now
  return fail('DEVICE_TOKEN_INVALID', 'this register was unpaired: pair it again')
end
redis.call('SET', sessionKey(hash), ARGV[2], 'EX', ttl)
redis.call('SADD', staffSessionsKey(session.staffId), hash)
redis.call('EXPIRE', staffSessionsKey(session.staffId), ttl)
local replaced = false
if onRegister then
  local terminal = cjson.decode(traw)
  if terminal.sessionHash and terminal.sessionHash ~= hash then
    local old = redis.call('GET', sessionKey(terminal.sessionHash))
    if old then
      redis.call('DEL', sessionKey(terminal.sessionHash))
      redis.call('SREM', staffSessionsKey(cjson.decode(old).staffId), terminal.sessionHash)
      replaced = terminal.sessionHash
    end
  end
  terminal.sessionHash = hash
  terminal.staffId = session.staffId
  terminal.lastLoginAt = session.createdAt
  redis.call('HSET', K.terminals, session.terminalId, cjson.encode(terminal))
  emit('staff_logged_in', { terminalId = session.terminalId, staffId = session.staffId, name = session.name })
end
return ok({ replaced = replaced })
