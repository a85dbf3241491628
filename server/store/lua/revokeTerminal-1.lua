--[[
  Unpairs a register: its device token stops working, its session ends, its open sale is voided and its
  holds go back to stock. Unpairing an unpaired register changes nothing.
  Input:
    KEYS[1] store meta key
    ARGV[1] terminal id
    ARGV[2] staff code of the supervisor
  Output: {ok, terminal, endedSession (hash or false)} | TERMINAL_NOT_FOUND
]]
-- @include "base"
-- @include "holds"
local raw = redis.call('HGET', K.terminals, ARGV[1])
if not raw then return fail('TERMINAL_NOT_FOUND', 'no terminal ' .. ARGV[1]) end
local t = cjson.decode(raw)
if t.revokedAt then return ok({ terminal = t, endedSession = false }) end
local ended = t.sessionHash or false
if t.sessionHash and t.staffId then emit('staff_logged_out', { terminalId = ARGV[1], staffId = t.staffId }) end
if t.tokenHash then redis.call('HDEL', K.terminalTokens, t.tokenHash) end
if t.sessionHash then
  local s = redis.call('GET', sessionKey(t.sessionHash))
  if s then redis.call('SREM', staffSessionsKey(cjson.decode(s).staffId), t.sessionHash) end
  redis.call('DEL', sessionKey(t.sessionHash))
end
-- its open sale is voided: nobody can finish it, and its holds go back to stock now
local now = nowMs()
releaseTerminalHolds(ARGV[1], nil, now, ARGV[2], 'register unpaired', true)
local open = redis.call('GET', terminalSaleKey(ARGV[1]))
local cart = open and loadCart(open)
if cart then closeCart(cart) end
t.tokenHash, t.sessionHash, t.staffId = nil, nil, nil
t.revokedAt = now
t.revokedBy = ARGV[2]
redis.call('HSET', K.terminals, ARGV[1], cjson.encode(t))
emit('terminal_revoked', { terminalId = ARGV[1], by = ARGV[2] })
return ok({ terminal = t, endedSession = ended })
