--[[ Open sales (carts): one per register, kept in Redis so a reload, crash or reconnect finds it again. ]]
local function loadCart(saleId)
  local raw = redis.call('GET', cartKey(saleId))
  if not raw then return nil end
  local cart = cjson.decode(raw)
  if cart.customerId == cjson.null then cart.customerId = nil end
  return cart
end

local function cartTotal(cart)
  local total = 0
  for _, l in ipairs(cart.lines) do total = total + l.unitPriceCents * l.quantity end
  return total
end

-- Writes the cart and tells the store (the register itself and the supervisors' dashboard).
local function saveCart(cart, at)
  cart.updatedAt = at
  cart.totalCents = cartTotal(cart)
  redis.call('SET', cartKey(cart.saleId), cjson.encode(cart))
  emit('open_sale_changed', { terminalId = cart.terminalId, saleId = cart.saleId, sale = cart })
end

local function closeCart(cart)
  redis.call('DEL', cartKey(cart.saleId))
  if redis.call('GET', terminalSaleKey(cart.terminalId)) == cart.saleId then
    redis.call('DEL', terminalSaleKey(cart.terminalId))
  end
  emit('open_sale_changed', { terminalId = cart.terminalId, saleId = cart.saleId, sale = cjson.null })
end

local function findLine(cart, lineId)
  for i, l in ipairs(cart.lines) do
    if l.lineId == lineId then return l, i end
  end
  return nil
end

-- A hold ended outside the register's own cart editing: its line forgets the serial (released) or is flagged.
local function markCartHold(hold, kind, note, at)
  local cart = loadCart(hold.saleId)
  if not cart then return end
  local changed = false
  for _, l in ipairs(cart.lines) do
    if l.productId == hold.productId and l.serial == hold.serial and l.token == hold.token then
      if kind == 'released' then
        l.serial, l.token, l.expiresAt = cjson.null, cjson.null, cjson.null
      else
        l.lost = { reason = kind, note = note, at = at }
      end
      changed = true
    end
  end
  if changed then saveCart(cart, at) end
end

-- The register's open sale, checked to be its own.
local function ownCart(saleId, tid)
  local cart = loadCart(saleId)
  if not cart or cart.terminalId ~= tid then return nil end
  return cart
end
