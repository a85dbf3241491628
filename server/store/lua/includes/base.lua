--[[
  Shared by every script. Every script takes KEYS[1] = "<store prefix>meta" (e.g. "sh:{s:demo}:meta") and
  builds the store's other keys from that prefix, so all of them share the store's hash tag and slot.
  Key names mirror server/store/keys.ts (a unit test compares them).
]]
local P = string.sub(KEYS[1], 1, -5)
local K = {
  meta = KEYS[1],                      -- hash: store name, counters (seq, token, product, customer, invoice, terminal)
  events = P .. 'events',              -- stream: one entry per store change, id "<seq>-0"
  products = P .. 'products',          -- zset: product id (score = id)
  partNumbers = P .. 'partnums',       -- hash: upper-cased part number -> product id
  productIndex = P .. 'pidx',          -- zset (lex): "<lower-case word>\0<product id>"
  holds = P .. 'holds',                -- hash: "<pid>:<serial>" -> hold json
  holdExpiry = P .. 'hexp',            -- zset: "<pid>:<serial>" -> expiry (ms)
  timeline = P .. 'tl',                -- hash: serial -> timeline entries (json), one per line
  soldInfo = P .. 'si',                -- hash: "<pid>:<serial>" -> {sale, invoice number, line, customer, at} of its last sale
  invoices = P .. 'invoices',          -- zset: sale id -> completed at (ms)
  receipts = P .. 'receipts',          -- zset: receipt id -> received at (ms)
  customers = P .. 'customers',        -- hash: customer id -> customer json
  customerIndex = P .. 'cidx',         -- zset (lex): "<lower-case word>\0<customer id>"
  staff = P .. 'staff',                -- hash: staff code -> staff json
  terminals = P .. 'terminals',        -- hash: terminal id -> terminal json
  terminalTokens = P .. 'termtok',     -- hash: sha256(device token) -> terminal id
  presence = P .. 'presence',          -- hash: terminal id -> presence json {online, since, lastSeen, hub, staffId}
  alerts = P .. 'alerts',              -- list: the latest supervisor alerts (json, newest first; by the hub and completeSale)
}
local function productKey(pid) return P .. 'product:' .. pid end      -- hash: the product's fields
local function inStockKey(pid) return P .. 'in:' .. pid end           -- zset (lex, score 0): serials in stock
local function heldKey(pid) return P .. 'held:' .. pid end            -- zset: held serial -> expiry (ms)
local function soldKey(pid) return P .. 'sold:' .. pid end            -- zset: sold serial -> sold at (ms)
local function terminalHoldsKey(tid) return P .. 'th:' .. tid end     -- set: "<pid>:<serial>" held by a terminal
local function invoiceKey(id) return P .. 'inv:' .. id end            -- string: invoice json
local function receiptKey(id) return P .. 'rcpt:' .. id end           -- string: receipt json
local function returnKey(id) return P .. 'ret:' .. id end             -- string: return json
local function customerInvoicesKey(cid) return P .. 'cinv:' .. cid end -- zset: sale id -> completed at
local function serviceRecordsKey(cid) return P .. 'csvc:' .. cid end  -- list: service record json
local function sessionKey(hash) return P .. 'sess:' .. hash end       -- string (with TTL): session json
local function staffSessionsKey(code) return P .. 'ss:' .. code end   -- set: session hashes of a staff member
local function pairingKey(code) return P .. 'pair:' .. code end       -- string (with TTL): pairing code json
local function cartKey(saleId) return P .. 'cart:' .. saleId end      -- string: an open sale (cart) json
local function terminalSaleKey(tid) return P .. 'tsale:' .. tid end   -- string: the register's open sale id

local EVENTS_MAXLEN = 10000

local function nowMs()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- Events: every change gets the store's next sequence number and goes into the bounded stream.
local EMITTED = {}
local function emit(kind, data)
  local seq = redis.call('HINCRBY', K.meta, 'seq', 1)
  local body = cjson.encode(data)
  redis.call('XADD', K.events, 'MAXLEN', '~', EVENTS_MAXLEN, seq .. '-0', 't', kind, 'd', body)
  EMITTED[#EMITTED + 1] = { seq = seq, type = kind, data = data }
  return seq
end

-- Replies are one json string: {ok=true, ...} or {ok=false, code, message, details}.
local function ok(result)
  result.ok = true
  result.events = EMITTED
  return cjson.encode(result)
end
local function fail(code, message, details)
  return cjson.encode({ ok = false, code = code, message = message, details = details })
end

-- Splits "<pid>:<serial>" (product ids are digits, so the first colon separates them).
local function splitHoldId(id)
  local c = string.find(id, ':', 1, true)
  return tonumber(string.sub(id, 1, c - 1)), string.sub(id, c + 1)
end

-- The serial timeline: one json entry per transition, newest last. Bounded: past TIMELINE_MAX entries the
-- oldest holds and releases go first (receipts, sales and returns stay), so a register holding and
-- releasing one serial all day cannot grow it without end.
local TIMELINE_MAX = 200
local function appendTimeline(serial, entry)
  local line = cjson.encode(entry)
  local old = redis.call('HGET', K.timeline, serial)
  if old then
    local _, count = string.gsub(old, '\n', '')
    if count + 1 >= TIMELINE_MAX then
      local kept, dropped = {}, false
      for e in string.gmatch(old, '[^\n]+') do
        if not dropped and (string.find(e, '"k":"held"', 1, true) or string.find(e, '"k":"released"', 1, true)) then
          dropped = true
        else
          kept[#kept + 1] = e
        end
      end
      if not dropped then table.remove(kept, 1) end
      old = table.concat(kept, '\n')
    end
    line = old .. '\n' .. line
  end
  redis.call('HSET', K.timeline, serial, line)
end

local function productExists(pid)
  return redis.call('EXISTS', productKey(pid)) == 1
end

-- Stock figures of a product, as sent in events.
local function stockOf(pid)
  local mode = redis.call('HGET', productKey(pid), 'serialMode')
  if mode == 'enforced' then
    local held = redis.call('ZCARD', heldKey(pid))
    return { productId = tonumber(pid), stock = redis.call('ZCARD', inStockKey(pid)) + held, held = held }
  end
  return { productId = tonumber(pid), stock = tonumber(redis.call('HGET', productKey(pid), 'qty') or '0'), held = 0 }
end
