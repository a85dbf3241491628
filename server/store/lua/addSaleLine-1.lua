--[[
  Adds a line to the register's open sale. A serial given at once is held (enforced) or recorded (solicit);
  if the hold fails nothing is added. Quantity-only products merge into their existing line.
  Input:
    KEYS[1] store meta key
    ARGV[1] json {saleId, terminalId, staffId, productId, quantity, serial|null (normalised, upper-cased),
                  serialExact|null (normalised, case kept), leaseMs}: the product's case rule picks the serial
  Output: {ok, sale, lineId} | SALE_NOT_FOUND | PRODUCT_NOT_FOUND | SALE_REJECTED {reason}
          | and the hold errors of holdSerial (SERIAL_HELD, SERIAL_NOT_IN_STOCK)
]]
-- @include "base"
-- @include "holds"
local a = cjson.decode(ARGV[1])
local serial = a.serial ~= cjson.null and a.serial or nil
local p = redis.call('HMGET', productKey(a.productId), 'serialMode', 'priceCents', 'partNumber', 'name', 'serialCaseSensitive')
-- With a serial the product is checked first (its case rule says what the serial is), as the protocol says.
if serial and not p[1] then return fail('PRODUCT_NOT_FOUND', 'no product ' .. a.productId) end
if serial and p[5] == '1' and a.serialExact and a.serialExact ~= cjson.null then serial = a.serialExact end
local cart = ownCart(a.saleId, a.terminalId)
if not cart then return fail('SALE_NOT_FOUND', 'no open sale ' .. a.saleId .. ' on this register') end
if not p[1] then return fail('PRODUCT_NOT_FOUND', 'no product ' .. a.productId) end
local mode = p[1]
if mode ~= 'none' and a.quantity ~= 1 then
  return fail('SALE_REJECTED', 'a serialized product is sold one unit per line', { reason = 'serialized_quantity' })
end
if mode == 'none' and serial then
  return fail('SALE_REJECTED', 'this product takes no serial', { reason = 'serials_not_expected' })
end
local now = nowMs()
if mode == 'none' then
  for _, l in ipairs(cart.lines) do
    if l.productId == a.productId then
      l.quantity = l.quantity + a.quantity
      saveCart(cart, now)
      return ok({ sale = cart, lineId = l.lineId })
    end
  end
end
local line = { lineId = 'L' .. cart.nextLine, productId = a.productId, partNumber = p[3], name = p[4], serialMode = mode,
  unitPriceCents = tonumber(p[2]), quantity = a.quantity, serial = cjson.null, token = cjson.null,
  expiresAt = cjson.null, lost = cjson.null }
if serial and mode == 'enforced' then
  for _, l in ipairs(cart.lines) do
    if l.productId == a.productId and l.serial == serial then
      return fail('SERIAL_HELD', 'serial ' .. serial .. ' is already on this sale', { serial = serial, sameSale = true })
    end
  end
  local hold, err = takeHold(a.productId, serial, a.terminalId, a.staffId, a.saleId, a.leaseMs, now)
  if not hold then return err end
  line.serial, line.token, line.expiresAt = serial, hold.token, hold.expiresAt
elseif serial then
  line.serial = serial
end
cart.nextLine = cart.nextLine + 1
cart.lines[#cart.lines + 1] = line
saveCart(cart, now)
return ok({ sale = cart, lineId = line.lineId })
