-- wrk script for bench/run.py: each request takes the next (path, cookie) pair from the
-- file named after "--" (one "path<TAB>cookie" per line; the cookie may be empty), so a
-- page is loaded as several users at once; at the end one JSON line, prefixed WRKJSON.

local targets = {}
local position = 0

function init(args)
  local file = assert(io.open(args[1], "r"))
  for line in file:lines() do
    local path, cookie = line:match("^([^\t]+)\t?(.*)$")
    if path then
      table.insert(targets, { path, cookie })
    end
  end
  file:close()
  position = math.random(#targets) - 1
end

function request()
  position = position % #targets + 1
  local target = targets[position]
  local headers = {}
  if target[2] ~= "" then
    headers["Cookie"] = target[2]
  end
  return wrk.format("GET", target[1], headers)
end

function done(summary, latency, requests)
  io.write(string.format(
    'WRKJSON {"requests": %d, "duration_us": %d, "bytes": %d, '
      .. '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, '
      .. '"latency_us": {"p50": %d, "p90": %d, "p99": %d, "max": %d, "mean": %.1f}}\n',
    summary.requests, summary.duration, summary.bytes,
    summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.status, summary.errors.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, latency.mean
  ))
end
