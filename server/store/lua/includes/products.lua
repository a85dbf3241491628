--[[ Product reads shared by scripts: the product as the hub shows it (mirrors productFromHash in server/services/catalog.ts). ]]
local function productView(pid)
  local h = redis.call('HGETALL', productKey(pid))
  if #h == 0 then return nil end
  local p = {}
  for i = 1, #h, 2 do p[h[i]] = h[i + 1] end
  local st = stockOf(pid)
  return {
    id = tonumber(p.id), partNumber = p.partNumber, name = p.name, priceCents = tonumber(p.priceCents),
    serialMode = p.serialMode, warrantyReminder = p.warrantyReminder == '1',
    warrantyMonths = tonumber(p.warrantyMonths), serialCaseSensitive = p.serialCaseSensitive == '1',
    lowStockThreshold = tonumber(p.lowStockThreshold), stock = st.stock, held = st.held,
    createdAt = tonumber(p.createdAt), updatedAt = tonumber(p.updatedAt),
  }
end

-- Replaces a product's words in the search index (words come from TypeScript, which knows Unicode).
local function indexProduct(pid, words)
  local old = redis.call('HGET', productKey(pid), 'words')
  if old then
    for w in string.gmatch(old, '[^\n]+') do redis.call('ZREM', K.productIndex, w .. '\0' .. pid) end
  end
  for _, w in ipairs(words) do redis.call('ZADD', K.productIndex, 0, w .. '\0' .. pid) end
  redis.call('HSET', productKey(pid), 'words', table.concat(words, '\n'))
end
