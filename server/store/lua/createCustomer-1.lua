--[[
  Creates a customer.
  Input:
    KEYS[1] store meta key
    ARGV[1] customer json {name, phone?, email?}
    ARGV[2] search words json (array of lower-case words)
  Output: {ok, customer}
]]
-- @include "base"
local c = cjson.decode(ARGV[1])
c.id = redis.call('HINCRBY', K.meta, 'customer', 1)
c.createdAt = nowMs()
redis.call('HSET', K.customers, c.id, cjson.encode(c))
for _, w in ipairs(cjson.decode(ARGV[2])) do redis.call('ZADD', K.customerIndex, 0, w .. '\0' .. c.id) end
-- the event names the customer only by id: every register hears it, not every role may read customers
emit('customer_created', { customerId = c.id })
return ok({ customer = c })
