-- wrk script for benchmarks/bench_load.py: each connection walks the request mix
-- (one path per line in $LOTSE_PATHS) from its own offset; done() prints one JSON line.
local paths = {}
for line in io.lines(os.getenv("LOTSE_PATHS")) do
  if #line > 0 then paths[#paths + 1] = line end
end
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("offset", counter * 997)
end

function init(args)
  position = offset or 0
end

function request()
  position = position + 1
  return wrk.format("GET", paths[(position % #paths) + 1], {["Accept-Encoding"] = "gzip"})
end

function done(summary, latency, requests)
  io.write(string.format(
    'LOTSE_RESULT {"requests": %d, "seconds": %.3f, "p50_ms": %.3f, "p95_ms": %.3f, "p99_ms": %.3f, "max_ms": %.3f, ' ..
    '"non_2xx": %d, "errors": {"connect": %d, "read": %d, "write": %d, "timeout": %d}}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000, summary.errors.status, summary.errors.connect,
    summary.errors.read, summary.errors.write, summary.errors.timeout))
end
