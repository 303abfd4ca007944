-- POSTs the same GraphQL request every time: the JSON body in the file
-- named after `--`, e.g.
--   wrk -t2 -c32 -d10s --latency -s bench/wrk/graphql.lua URL -- body.json
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "report.lua")

function init(args)
  local f = assert(io.open(args[1], "rb"), "usage: -- BODY.json")
  wrk.body = f:read("*a")
  f:close()
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end
