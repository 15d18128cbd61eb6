-- wrk script for api-bench.sh and write-bench.sh.
-- BENCH_MODE unset or "get": with BENCH_IDS_FILE set, every request is GET <BENCH_PATH_PREFIX><random
-- id from the file>; otherwise the URL given to wrk is requested as is.
-- BENCH_MODE "report": POST <prefix><random id>/statuses from one of BENCH_ADAPTERS (comma-separated),
--   observed_generation 1, observed_time now (microseconds), Available True or False at random.
-- BENCH_MODE "create": POST <prefix> with a new cluster (name unique per BENCH_RUN, thread, request).
-- BENCH_MODE "patch": PATCH <prefix><random id> with a spec that differs from every earlier one.
-- At the end prints one machine-readable line:
--   BENCH requests=N duration_us=N non2xx=N socket_errors=N p50_us=N p90_us=N p99_us=N p999_us=N max_us=N

local ids_file = os.getenv("BENCH_IDS_FILE")
if ids_file == "" then ids_file = nil end
local prefix = os.getenv("BENCH_PATH_PREFIX") or "/api/hyperfleet/v1/clusters/"
local mode = os.getenv("BENCH_MODE") or "get"
if mode == "" then mode = "get" end
local run = (os.getenv("BENCH_RUN") or "run"):lower():gsub("[^a-z0-9]", "-")
local adapters = {}
for name in (os.getenv("BENCH_ADAPTERS") or "validation,dns,pullsecret,hypershift"):gmatch("[^,]+") do
    adapters[#adapters + 1] = name
end
local ids = nil
local counter = 0
local threads = {}
-- Reports refused as out of order (409): two connections sent the same adapter of the same cluster
-- within a millisecond and the older arrived second. Counted apart from errors.
conflicts = 0
local sent = 0
local json = { ["Content-Type"] = "application/json" }

-- Wall-clock time with microseconds (LuaJIT's FFI; os.time has whole seconds only, and two reports
-- of one adapter in the same second with the older one last would be refused as out of order).
local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_usec; } bench_timeval;
int gettimeofday(bench_timeval *tv, void *tz);
]]
local tv = ffi.new("bench_timeval")
local function now_rfc3339()
    ffi.C.gettimeofday(tv, nil)
    return os.date("!%Y-%m-%dT%H:%M:%S", tonumber(tv.tv_sec)) .. string.format(".%06dZ", tonumber(tv.tv_usec))
end

function setup(thread)
    counter = counter + 1
    thread:set("thread_number", counter)
    threads[#threads + 1] = thread
end

function init(args)
    if ids_file then
        ids = {}
        for line in io.lines(ids_file) do
            -- Each request is formatted once here: formatting it per request in Lua cost wrk about
            -- 3 us of the machine's CPU per request (benchmarks/README.md), which the API, sharing the
            -- machine, then lacked.
            if #line > 0 then ids[#ids + 1] = (mode == "get") and wrk.format("GET", prefix .. line) or line end
        end
        assert(#ids > 0, "no ids in " .. ids_file)
        math.randomseed(os.time() * 100 + (thread_number or 0))
    end
end

if mode == "report" then
    response = function(status)
        if status == 409 then conflicts = conflicts + 1 end
    end
    request = function()
        local available = (math.random(2) == 1) and "True" or "False"
        local body = '{"adapter":"' .. adapters[math.random(#adapters)] .. '","observed_generation":1,"observed_time":"'
            .. now_rfc3339() .. '","conditions":[{"type":"Available","status":"' .. available
            .. '","reason":"Bench","message":"write benchmark"},{"type":"Health","status":"True"}]}'
        return wrk.format("POST", prefix .. ids[math.random(#ids)] .. "/statuses", json, body)
    end
elseif mode == "create" then
    request = function()
        sent = sent + 1
        local body = '{"kind":"Cluster","name":"' .. run .. "-" .. (thread_number or 0) .. "-" .. sent
            .. '","labels":{"env":"bench"},"spec":{"region":"us-east-1","nodes":3}}'
        return wrk.format("POST", prefix, json, body)
    end
elseif mode == "patch" then
    request = function()
        sent = sent + 1
        local body = '{"spec":{"region":"us-east-1","bench":"' .. run .. "-" .. (thread_number or 0) .. "-" .. sent .. '"}}'
        return wrk.format("PATCH", prefix .. ids[math.random(#ids)], json, body)
    end
elseif ids_file then
    request = function()
        return ids[math.random(#ids)]
    end
end

function done(summary, latency, requests)
    local e = summary.errors
    local refused = 0
    for _, thread in ipairs(threads) do refused = refused + (thread:get("conflicts") or 0) end
    io.write(string.format(
        "BENCH requests=%d duration_us=%d non2xx=%d socket_errors=%d p50_us=%d p90_us=%d p99_us=%d p999_us=%d max_us=%d conflicts=%d\n",
        summary.requests, summary.duration, e.status - refused, e.connect + e.read + e.write + e.timeout,
        latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9), latency.max, refused))
end
