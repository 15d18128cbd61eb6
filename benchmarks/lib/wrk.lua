-- wrk script for api-bench.sh.
-- BENCH_IDS_FILE set: every request is GET <BENCH_PATH_PREFIX><random id from the file>.
-- Otherwise the URL given to wrk is requested as is.
-- At the end prints one machine-readable line:
--   BENCH requests=N duration_us=N non2xx=N socket_errors=N p50_us=N p90_us=N p99_us=N p999_us=N max_us=N

local ids_file = os.getenv("BENCH_IDS_FILE")
if ids_file == "" then ids_file = nil end
local prefix = os.getenv("BENCH_PATH_PREFIX") or "/api/hyperfleet/v1/clusters/"
local ids = nil
local counter = 0

function setup(thread)
    counter = counter + 1
    thread:set("thread_number", counter)
end

function init(args)
    if ids_file then
        ids = {}
        for line in io.lines(ids_file) do
            -- Each request is formatted once here: formatting it per request in Lua cost wrk about
            -- 3 us of the machine's CPU per request (benchmarks/README.md), which the API, sharing the
            -- machine, then lacked.
            if #line > 0 then ids[#ids + 1] = wrk.format("GET", prefix .. line) end
        end
        assert(#ids > 0, "no ids in " .. ids_file)
        math.randomseed(os.time() * 100 + (thread_number or 0))
    end
end

if ids_file then
    request = function()
        return ids[math.random(#ids)]
    end
end

function done(summary, latency, requests)
    local e = summary.errors
    io.write(string.format(
        "BENCH requests=%d duration_us=%d non2xx=%d socket_errors=%d p50_us=%d p90_us=%d p99_us=%d p999_us=%d max_us=%d\n",
        summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
        latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9), latency.max))
end
