--[[
  Changes a product. Serial-mode rule (see protocol/README.md):
    none <-> solicit: always;
    -> enforced: when stock is 0, or with `serials` naming exactly one serial per unit in stock;
    enforced -> none/solicit, or a change of serialCaseSensitive on an enforced product: only with no serial
    in stock or held.
  Warranty rule, on the product as edited (so an edit of one field is checked with the others as they are):
  an edit of warrantyReminder, warrantyMonths or serialMode may not leave the reminder on with 0 months or
  with serial mode none (it could never give a service record): VALIDATION_FAILED {issues}. Other edits of a
  product that breaks the rule (made before it existed) go through.
  Input:
    KEYS[1] store meta key
    ARGV[1] json {productId, changes {...fields}, words (array|null), serials (array|null), staffId, terminalId}
  Output: {ok, product} | PRODUCT_NOT_FOUND | PART_NUMBER_TAKEN | MODE_CHANGE_REFUSED | VALIDATION_FAILED {issues}
]]
-- @include "base"
-- @include "products"
local a = cjson.decode(ARGV[1])
local pid, c = a.productId, a.changes
if not productExists(pid) then return fail('PRODUCT_NOT_FOUND', 'no product ' .. pid) end
local cur = productView(pid)
local now = nowMs()
local serials = (a.serials ~= cjson.null and a.serials) or nil

if c.partNumber and string.upper(c.partNumber) ~= string.upper(cur.partNumber) then
  if redis.call('HEXISTS', K.partNumbers, string.upper(c.partNumber)) == 1 then
    return fail('PART_NUMBER_TAKEN', 'part number ' .. c.partNumber .. ' is taken')
  end
end

local mode = c.serialMode or cur.serialMode
-- the same rule and words as WARRANTY_REMINDER_RULE in protocol/schemas.ts (creation checks it there)
if c.warrantyReminder ~= nil or c.warrantyMonths ~= nil or c.serialMode ~= nil then
  local reminder = cur.warrantyReminder
  if c.warrantyReminder ~= nil then reminder = c.warrantyReminder end
  local months = c.warrantyMonths or cur.warrantyMonths
  if reminder and (months == 0 or mode == 'none') then
    local rule = 'a warranty reminder needs warrantyMonths of at least 1 and serialMode solicit or enforced'
    return fail('VALIDATION_FAILED', 'invalid body', { issues = { { path = 'warrantyReminder', message = rule } } })
  end
end
local toEnforced = mode == 'enforced' and cur.serialMode ~= 'enforced'
if serials and not toEnforced then
  return fail('MODE_CHANGE_REFUSED', 'serials are only given when changing a product to enforced')
end
-- with stock 0, serials must be absent or empty: a product edit never creates stock
if toEnforced and (cur.stock > 0 or (serials and #serials > 0)) then
  if not serials or #serials ~= cur.stock then
    return fail('MODE_CHANGE_REFUSED', 'the product has ' .. cur.stock ..
      ' in stock: give exactly one serial per unit to make it enforced', { stock = cur.stock })
  end
  local seen = {}
  for i, s in ipairs(serials) do
    if seen[s] then return fail('MODE_CHANGE_REFUSED', 'serial ' .. s .. ' is given twice', { serial = s }) end
    seen[s] = true
    if redis.call('ZSCORE', soldKey(pid), s) then
      return fail('MODE_CHANGE_REFUSED', 'serial ' .. s .. ' is recorded as sold', { serial = s })
    end
  end
end
local leavesEnforced = cur.serialMode == 'enforced' and mode ~= 'enforced'
local caseChange = c.serialCaseSensitive ~= nil and c.serialCaseSensitive ~= cur.serialCaseSensitive
if (leavesEnforced or (caseChange and mode == 'enforced')) and cur.stock > 0 then
  return fail('MODE_CHANGE_REFUSED', 'the product has ' .. cur.stock ..
    ' serials in stock or held: sell or return them before changing its serial rules', { stock = cur.stock })
end

-- apply
if c.partNumber then
  redis.call('HDEL', K.partNumbers, string.upper(cur.partNumber))
  redis.call('HSET', K.partNumbers, string.upper(c.partNumber), pid)
end
for k, v in pairs(c) do
  if type(v) == 'boolean' then v = v and '1' or '0' end
  redis.call('HSET', productKey(pid), k, v)
end
redis.call('HSET', productKey(pid), 'updatedAt', now)
if a.words ~= cjson.null and a.words then indexProduct(pid, a.words) end
if toEnforced and serials then
  for _, s in ipairs(serials) do
    redis.call('ZADD', inStockKey(pid), 0, s)
    appendTimeline(s, { k = 'adjusted', p = pid, at = now, s = a.staffId, t = a.terminalId, why = 'product made enforced' })
  end
  redis.call('HSET', productKey(pid), 'qty', 0)
elseif leavesEnforced then
  redis.call('HSET', productKey(pid), 'qty', 0)
end
local product = productView(pid)
emit('product_updated', { product = product })
return ok({ product = product })
