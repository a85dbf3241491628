--[[
  Creates a product; part numbers are unique per store, case-insensitively.
  Input:
    KEYS[1] store meta key
    ARGV[1] product json {partNumber, name, priceCents, serialMode, warrantyReminder, warrantyMonths,
            serialCaseSensitive, lowStockThreshold}
    ARGV[2] search words json (array of lower-case words)
  Output: {ok, product} | PART_NUMBER_TAKEN
]]
-- @include "base"
-- @include "products"
local f = cjson.decode(ARGV[1])
local upper = string.upper(f.partNumber)
if redis.call('HEXISTS', K.partNumbers, upper) == 1 then
  return fail('PART_NUMBER_TAKEN', 'part number ' .. f.partNumber .. ' is taken')
end
local pid = redis.call('HINCRBY', K.meta, 'product', 1)
local now = nowMs()
redis.call('HSET', productKey(pid), 'id', pid, 'partNumber', f.partNumber, 'name', f.name,
  'priceCents', f.priceCents, 'serialMode', f.serialMode, 'warrantyReminder', f.warrantyReminder and '1' or '0',
  'warrantyMonths', f.warrantyMonths, 'serialCaseSensitive', f.serialCaseSensitive and '1' or '0',
  'lowStockThreshold', f.lowStockThreshold, 'qty', 0, 'createdAt', now, 'updatedAt', now)
redis.call('ZADD', K.products, pid, pid)
redis.call('HSET', K.partNumbers, upper, pid)
indexProduct(pid, cjson.decode(ARGV[2]))
local product = productView(pid)
emit('product_created', { product = product })
return ok({ product = product })
