-- POSTs addComment, each time as a new reader: a new name, email, body,
-- idempotency key and client address (X-Forwarded-For, which the server
-- believes from 127.0.0.1 when started with MARQUEE_TRUSTED_PROXIES=127.0.0.1).
-- So flood control and rate limits stay at their defaults and still run,
-- as they do for many readers, without refusing the load.
--   wrk ... -s bench/wrk/add_comment.lua URL -- QUERY.json-string REVIEW_ID TAG RUN
-- QUERY is the document as a JSON string (quotes included), REVIEW_ID the
-- review's global ID, TAG a word unique to this benchmark, RUN a number
-- (0-127) unique to this wrk invocation.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "report.lua")

local threads = 0
function setup(thread)
  thread:set("thread_id", threads)
  threads = threads + 1
end

local query, review, tag, run
local counter = 0
local headers = { ["Content-Type"] = "application/json" }
local sentences = {
  "Saw it twice and I am still thinking about the ending.",
  "The lighthouse scene made the whole cinema go quiet.",
  "Not sure it deserves the hype, but the lead is excellent.",
  "Reminded me of a film I saw as a child, in a good way.",
}

function init(args)
  local f = assert(io.open(args[1], "rb"), "usage: -- QUERY.json REVIEW_ID TAG RUN")
  query = f:read("*a"):gsub("%s+$", "")
  f:close()
  review, tag, run = args[2], args[3], tonumber(args[4])
end

function request()
  counter = counter + 1
  local who = string.format("%s.r%dt%dn%d", tag, run, thread_id, counter)
  headers["X-Forwarded-For"] = string.format("fd00::%x:%x:%x:%x",
    run, thread_id, math.floor(counter / 65536), counter % 65536)
  local body = string.format(
    '{"query":%s,"variables":{"input":{"reviewId":"%s","authorName":"Zoë Lefèvre %d",' ..
    '"authorEmail":"%s@example.org","body":"%s Comment %s.","idempotencyKey":"%s"}}}',
    query, review, counter, who, sentences[counter % #sentences + 1], who, who)
  return wrk.format("POST", nil, headers, body)
end
