#!lua flags=no-writes
--[[
  Reads where serials of one enforced product stand, before a receipt: writes nothing (Redis refuses a write
  from a no-writes script). The hub cleans each serial up both ways, upper-cased and with its case kept; the
  script picks the list by the product's case rule, so a check is one round trip.
  Input:
    KEYS[1] store meta key
    ARGV[1] product id
    ARGV[2] json array: the serials cleaned up and upper-cased
    ARGV[3] json array: the same serials cleaned up with their case kept, or "" when it equals ARGV[2]
  Output: {ok, caseSensitive, states: [one per serial: new | returned | in_stock | held | sold]}
          | PRODUCT_NOT_FOUND | NOT_ENFORCED
]]
-- @include "base"
local pid = ARGV[1]
local h = redis.call('HMGET', productKey(pid), 'serialMode', 'serialCaseSensitive')
if not h[1] then return fail('PRODUCT_NOT_FOUND', 'no product ' .. pid) end
if h[1] ~= 'enforced' then
  return fail('NOT_ENFORCED', 'product ' .. pid .. ' is not serial-enforced: it takes no serials at receiving')
end
local caseSensitive = h[2] == '1'
local serials = cjson.decode((caseSensitive and ARGV[3] ~= '') and ARGV[3] or ARGV[2])
local numericPid = tonumber(pid)

-- A serial in none of the product's lists is `returned` when its last entry on this product says so
-- (returned while the product did not stock serials), else `new`.
local function lastStepOnProduct(serial)
  local raw = redis.call('HGET', K.timeline, serial)
  if not raw then return nil end
  local last
  for line in string.gmatch(raw, '[^\n]+') do
    local kind, p = timelineStep(line)
    if p == numericPid then last = kind end
  end
  return last
end

local inKey, heldK, soldK = inStockKey(pid), heldKey(pid), soldKey(pid)
local states = {}
for i, s in ipairs(serials) do
  local state
  if redis.call('ZSCORE', inKey, s) then state = 'in_stock'
  elseif redis.call('ZSCORE', heldK, s) then state = 'held'
  elseif redis.call('ZSCORE', soldK, s) then state = 'sold'
  elseif lastStepOnProduct(s) == 'returned' then state = 'returned'
  else state = 'new'
  end
  states[i] = state
end
return ok({ caseSensitive = caseSensitive, states = states })
