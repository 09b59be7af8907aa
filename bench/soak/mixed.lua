-- The soak's traffic: of every ten requests, five DICOM downloads with a Range, two exam list pages, two result-file
-- uploads (64 KiB PUT, replacing the same file) and one STOW-RS of an instance. Paths and bodies come from the files
-- bench/soak/run.py writes (SOAK_DIR).
local dir = os.getenv("SOAK_DIR")
local function read(name)
  local file = assert(io.open(dir .. "/" .. name, "rb"))
  local text = file:read("*a")
  file:close()
  return text
end
local token = read("token"):gsub("%s+$", "")
local paths = {}
for line in io.lines(dir .. "/paths") do paths[#paths + 1] = line end
local upload = read("upload.bin")
local stow = read("stow.bin")
local stowType = read("stow.type"):gsub("%s+$", "")
local i = 0
request = function()
  i = i % 10 + 1
  local headers = { ["Authorization"] = "Bearer " .. token }
  if i <= 5 then
    headers["Range"] = "bytes=0-65535"
    return wrk.format("GET", paths[1], headers)
  elseif i <= 7 then
    return wrk.format("GET", paths[2], headers)
  elseif i <= 9 then
    headers["Content-Type"] = "application/octet-stream"
    return wrk.format("PUT", paths[3], headers, upload)
  end
  headers["Content-Type"] = stowType
  return wrk.format("POST", paths[4], headers, stow)
end

-- wrk prints the count of answers that are not 2xx or 3xx itself ("Non-2xx or 3xx responses").
done = function(summary, latency, requests)
  io.write(string.format("latency_p50_ms %.2f\nlatency_p99_ms %.2f\n", latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
