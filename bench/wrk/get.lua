-- GETs the same URL path every time: the path (with its query string) in
-- the file named after `--`, e.g.
--   wrk -t2 -c32 -d10s --latency -s bench/wrk/get.lua URL -- path.txt
-- Sent as a browser or CDN would, accepting gzip.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "report.lua")

function init(args)
  local f = assert(io.open(args[1], "rb"), "usage: -- PATH.txt")
  wrk.path = f:read("*l")
  f:close()
  wrk.method = "GET"
  wrk.headers["Accept-Encoding"] = "gzip"
end
