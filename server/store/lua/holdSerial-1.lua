--[[
  Holds an enforced serial for a register's open sale: a lease until TIME + lease, with a fencing token
  from the store's counter. The same register and sale holding it again renews the lease (same token).
  An expired hold that the sweeper has not reached yet is released first.
  Input:
    KEYS[1] store meta key
    ARGV[1] product id   ARGV[2] serial (normalised)   ARGV[3] terminal id   ARGV[4] staff code
    ARGV[5] sale id      ARGV[6] lease (ms)
  Output: {ok, hold, renewed} | PRODUCT_NOT_FOUND | NOT_ENFORCED | SALE_ID_CONFLICT (sale completed)
          | SERIAL_HELD {terminalId, expiresAt}
          | SERIAL_NOT_IN_STOCK {state}
]]
-- @include "base"
-- @include "holds"
local pid, serial, tid, staffId, saleId, lease = tonumber(ARGV[1]), ARGV[2], ARGV[3], ARGV[4], ARGV[5], tonumber(ARGV[6])
local mode = redis.call('HGET', productKey(pid), 'serialMode')
if not mode then return fail('PRODUCT_NOT_FOUND', 'no product ' .. pid) end
if mode ~= 'enforced' then return fail('NOT_ENFORCED', 'only serials of enforced products are held') end
if redis.call('EXISTS', invoiceKey(saleId)) == 1 then
  return fail('SALE_ID_CONFLICT', 'sale ' .. saleId .. ' is already completed: start a new sale')
end
local cart = loadCart(saleId)
if cart and cart.terminalId ~= tid then return fail('SALE_ID_CONFLICT', 'sale ' .. saleId .. ' belongs to another register') end
local hold, renewedOrErr = takeHold(pid, serial, tid, staffId, saleId, lease, nowMs())
if not hold then return renewedOrErr end
return ok({ hold = hold, renewed = renewedOrErr })
