-- STOW-RS load: each request stores one new instance, made from the template (STOW_TEMPLATE) by writing fresh study,
-- series and SOP instance UIDs over its placeholders (50 instances per series, one series per study). Threads number
-- their UIDs apart, so no two requests anywhere store the same instance.
local counter = 0
-- thread_id is a global: setup() sets it in each thread's own Lua state (a local here would hide it).
thread_id = 0
local template
local boundary = "benchstowboundary"
local header = os.getenv("WRK_HEADER")

-- Runs once per thread before it starts: thread ids are 10 × STOW_RUN + 1, 2, ... (a warm-up run is another STOW_RUN).
local next_thread = 0
function setup(thread)
  next_thread = next_thread + 1
  thread:set("thread_id", 10 * tonumber(os.getenv("STOW_RUN") or "0") + next_thread)
end

function init(args)
  local f = assert(io.open(os.getenv("STOW_TEMPLATE"), "rb"))
  template = f:read("*a")
  f:close()
end

-- The template's placeholder UIDs ("2.25.7" and 20 zeros for the study, 8 the series, 9 the instance) as Lua patterns.
function placeholder(kind)
  return ("2.25." .. kind .. string.rep("0", 20)):gsub("%.", "%%.")
end

request = function()
  local n = counter
  counter = counter + 1
  local group = math.floor(n / 50)
  local study = string.format("2.25.7%03d%017d", thread_id, group)
  local series = string.format("2.25.8%03d%017d", thread_id, group)
  local sop = string.format("2.25.9%03d%017d", thread_id, n)
  local body = template:gsub(placeholder("7"), study):gsub(placeholder("8"), series):gsub(placeholder("9"), sop)
  local headers = { ["Content-Type"] = 'multipart/related; type="application/dicom"; boundary=' .. boundary }
  if header and #header > 0 then
    local name, value = header:match("^([^:]+):%s*(.*)$")
    headers[name] = value
  end
  return wrk.format("POST", os.getenv("STOW_PATH"),
    headers, "--" .. boundary .. "\r\nContent-Type: application/dicom\r\n\r\n" .. body .. "\r\n--" .. boundary .. "--\r\n")
end
