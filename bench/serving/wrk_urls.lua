-- Rotates over the URLs in the file named by WRK_URLS, sending WRK_HEADER (e.g. an Authorization) and WRK_RANGE if set.
local urls = {}
for line in io.lines(os.getenv("WRK_URLS")) do urls[#urls + 1] = line end
local header = os.getenv("WRK_HEADER")
local range = os.getenv("WRK_RANGE")
local i = 0
request = function()
  i = i % #urls + 1
  local headers = {}
  if header and #header > 0 then
    local name, value = header:match("^([^:]+):%s*(.*)$")
    headers[name] = value
  end
  if range and #range > 0 then headers["Range"] = range end
  return wrk.format("GET", urls[i], headers)
end
