--[[ Calendar arithmetic in UTC (Howard Hinnant's civil-date algorithms), for warranty end dates. ]]
local DAY_MS = 86400000

local function civilFromDays(z)
  z = z + 719468
  local era = math.floor(z / 146097)
  local doe = z - era * 146097
  local yoe = math.floor((doe - math.floor(doe / 1460) + math.floor(doe / 36524) - math.floor(doe / 146096)) / 365)
  local y = yoe + era * 400
  local doy = doe - (365 * yoe + math.floor(yoe / 4) - math.floor(yoe / 100))
  local mp = math.floor((5 * doy + 2) / 153)
  local d = doy - math.floor((153 * mp + 2) / 5) + 1
  local m = mp < 10 and mp + 3 or mp - 9
  if m <= 2 then y = y + 1 end
  return y, m, d
end

local function daysFromCivil(y, m, d)
  if m <= 2 then y = y - 1 end
  local era = math.floor(y / 400)
  local yoe = y - era * 400
  local mp = m > 2 and m - 3 or m + 9
  local doy = math.floor((153 * mp + 2) / 5) + d - 1
  local doe = yoe * 365 + math.floor(yoe / 4) - math.floor(yoe / 100) + doy
  return era * 146097 + doe - 719468
end

local function daysInMonth(y, m)
  return daysFromCivil(m == 12 and y + 1 or y, m == 12 and 1 or m + 1, 1) - daysFromCivil(y, m, 1)
end

-- The same wall-clock time `months` calendar months later; the 31st clamps to the month's last day.
local function addMonths(ms, months)
  local days = math.floor(ms / DAY_MS)
  local rest = ms - days * DAY_MS
  local y, m, d = civilFromDays(days)
  local idx = (m - 1) + months
  y = y + math.floor(idx / 12)
  m = idx % 12 + 1
  d = math.min(d, daysInMonth(y, m))
  return daysFromCivil(y, m, d) * DAY_MS + rest
end
