--[[
  Shared by every script. Every script takes KEYS[1] = "<store prefix>meta" (e.g. "sh:{s:demo}:meta") and
  builds the store's other keys from that prefix, so all of them share the store's hash tag and slot.
  Key names mirror server/store/keys.ts (a unit test compares them).
]]
local P = string.sub(KEYS[1], 1, -5)
local K = {
  meta = KEYS[1],                      -- hash: store name, counters (seq, token, product, customer, invoice, receipt, terminal)
  events = P .. 'events',              -- stream: one entry per store change, id "<seq>-0"
  products = P .. 'products',          -- zset: product id (score = id)
  partNumbers = P .. 'partnums',       -- hash: upper-cased part number -> product id
  productIndex = P .. 'pidx',          -- zset (lex): "<lower-case word>\0<product id>"
  holds = P .. 'holds',                -- hash: "<pid>:<serial>" -> hold json
  holdExpiry = P .. 'hexp',            -- zset: "<pid>:<serial>" -> expiry (ms)
  timeline = P .. 'tl',                -- hash: serial -> timeline entries (json), one per line
  soldInfo = P .. 'si',                -- hash: "<pid>:<sold member>" -> {saleId, invoiceNumber, line, customerId, at, earlier?}
  invoices = P .. 'invoices',          -- zset: sale id -> completed at (ms)
  invoiceNumbers = P .. 'invnum',      -- hash: invoice number (as printed on the receipt) -> sale id
  receipts = P .. 'receipts',          -- zset: receipt id -> received at (ms)
  receiptNumbers = P .. 'rcptnum',     -- hash: receipt number -> {r: receipt id, at, s: staff, t: terminal} (json)
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
-- zset: sold member -> sold at (ms). The member "<serial>" is the serial's latest unreturned sale (so ZSCORE of
-- the serial says "sold"); a solicit serial sold again before a return keeps each earlier unreturned sale as
-- "<serial>\0<saleId>", listed (oldest first) in `earlier` of the latest one's soldInfo.
local function soldKey(pid) return P .. 'sold:' .. pid end
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

-- The fingerprint of a write's normalised request (sha1 of its json), stored with the record as requestHash,
-- so a retry of the same client id can be told from another request that reuses it. `parts` holds arrays
-- only (cjson writes an array's items in order, so the text is canonical; no object key order to depend on).
local function requestFingerprint(parts)
  return redis.sha1hex(cjson.encode(parts))
end

-- Splits "<pid>:<serial>" (product ids are digits, so the first colon separates them).
local function splitHoldId(id)
  local c = string.find(id, ':', 1, true)
  return tonumber(string.sub(id, 1, c - 1)), string.sub(id, c + 1)
end

-- The serial timeline: one json entry per transition, newest last. Bounded at TIMELINE_MAX entries, so a
-- register holding and releasing one serial all day cannot grow it without end. Past the bound the oldest hold
-- entry goes (held, released, expired, force_released); if there is none, the oldest entry other than a receipt
-- (adjusted, sold, returned: a solicit serial sold and returned over and over); only when every entry is a
-- receipt (one serial received on many products) the oldest receipt. So receipts, sales and returns stay while
-- holds come and go.
-- A serial's "received" entry, the one every serial in stock has, is stored short: "@<receipt number>:<product
-- id>". Its receipt's who, where and when are kept once, in K.receiptNumbers: a receipt of 100,000 serials would
-- otherwise store them 100,000 times (about 80 of the bytes an in-stock serial costs). Readers expand it.
local RECEIVED_MARK = 64 -- '@'
local function receivedEntry(receiptNumber, pid)
  return '@' .. receiptNumber .. ':' .. pid
end
-- The kind and product of one stored timeline line.
local function timelineStep(line)
  if string.byte(line, 1) == RECEIVED_MARK then
    return 'received', tonumber(string.match(line, ':(%d+)$'))
  end
  local e = cjson.decode(line)
  return e.k, e.p
end

local TIMELINE_MAX = 200
local HOLD_ENTRIES = { held = true, released = true, expired = true, force_released = true }
local function appendTimeline(serial, entry)
  local line = type(entry) == 'string' and entry or cjson.encode(entry)
  local old = redis.call('HGET', K.timeline, serial)
  if old then
    local _, count = string.gsub(old, '\n', '')
    if count + 1 >= TIMELINE_MAX then
      -- an entry's kind is its "k" (cjson escapes quotes inside values, so this finds the key itself)
      local entries, kinds = {}, {}
      for e in string.gmatch(old, '[^\n]+') do
        entries[#entries + 1] = e
        kinds[#entries] = string.byte(e, 1) == RECEIVED_MARK and 'received' or string.match(e, '"k":"([%w_]+)"')
      end
      local drop
      for i = 1, #entries do
        if HOLD_ENTRIES[kinds[i]] then drop = i break end
      end
      if not drop then
        for i = 1, #entries do
          if kinds[i] ~= 'received' then drop = i break end
        end
      end
      table.remove(entries, drop or 1)
      old = table.concat(entries, '\n')
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
