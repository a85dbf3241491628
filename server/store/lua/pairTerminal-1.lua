--[[
  Pairs a register with a one-time pairing code made by a supervisor; the code is used up.
  Input:
    KEYS[1] store meta key
    ARGV[1] pairing code
    ARGV[2] sha256 of the new device token
  Output: {ok, terminal} | PAIRING_CODE_INVALID
]]
-- @include "base"
local raw = redis.call('GET', pairingKey(ARGV[1]))
if not raw then return fail('PAIRING_CODE_INVALID', 'the pairing code is wrong, used or expired') end
redis.call('DEL', pairingKey(ARGV[1]))
local code = cjson.decode(raw)
local id = 'T' .. redis.call('HINCRBY', K.meta, 'terminal', 1)
local terminal = { id = id, name = code.terminalName, pairedAt = nowMs(), pairedBy = code.by, tokenHash = ARGV[2] }
redis.call('HSET', K.terminals, id, cjson.encode(terminal))
redis.call('HSET', K.terminalTokens, ARGV[2], id)
terminal.tokenHash = nil
emit('terminal_paired', { terminal = terminal })
return ok({ terminal = terminal })
