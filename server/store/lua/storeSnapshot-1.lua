--[[
  A consistent picture of the store at one sequence number, for a register too far behind to replay:
  products with stock, live holds, registers' presence, and this register's open sale. Read-only.
  Input:
    KEYS[1] store meta key
  Output: {ok, seq, products, holds, terminals, openSales}
]]
-- @include "base"
-- @include "products"
local products = {}
for _, pid in ipairs(redis.call('ZRANGE', K.products, 0, -1)) do
  products[#products + 1] = productView(pid)
end
local holds = {}
for _, raw in ipairs(redis.call('HVALS', K.holds)) do holds[#holds + 1] = cjson.decode(raw) end
local terminals = {}
local all = redis.call('HGETALL', K.terminals)
for i = 1, #all, 2 do
  local t = cjson.decode(all[i + 1])
  if not t.revokedAt then
    local raw = redis.call('HGET', K.presence, t.id)
    local p = raw and cjson.decode(raw) or {}
    terminals[#terminals + 1] = { terminalId = t.id, name = t.name, online = p.online == true,
      staffId = p.staffId or t.staffId or cjson.null, since = p.since or t.pairedAt, lastSeen = p.lastSeen or 0 }
  end
end
local openSales = {}
for i = 1, #all, 2 do
  local open = redis.call('GET', terminalSaleKey(all[i]))
  local raw = open and redis.call('GET', cartKey(open))
  if raw then openSales[#openSales + 1] = cjson.decode(raw) end
end
local seq = tonumber(redis.call('HGET', K.meta, 'seq') or '0')
return ok({ seq = seq, products = products, holds = holds, terminals = terminals, openSales = openSales })
