-- wrk script for tests/bench/login.sh, which prepends the table `logins`
-- (card numbers of demo members, who all have the demo password). Each
-- request logs in as the next member of the list, so that no account's
-- row is hot and every request pays the whole Argon2id verification.
-- Statuses are counted, because a 429 (throttled) or 503 (the task
-- threads' queue full) answers much faster than a login and would flatter
-- the figure.

local n = 0
local statuses = {}

function setup(thread)
	table.insert(statuses, thread)
end

request = function()
	n = n + 1
	local card = logins[(n % #logins) + 1]
	return wrk.format("POST", "/api/v1/auth/login",
	    { ["Content-Type"] = "application/json" },
	    '{"login":"' .. card .. '","password":"handbook-demo"}')
end

local counts = {}
response = function(status, headers, body)
	counts[status] = (counts[status] or 0) + 1
end

done = function(summary, latency, requests)
	io.write(string.format("LOGIN p50 %.1f p95 %.1f p99 %.1f rps %.2f requests %d non2xx %d\n",
	    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
	    latency:percentile(99) / 1000,
	    summary.requests / (summary.duration / 1e6), summary.requests,
	    summary.errors.status))
end
