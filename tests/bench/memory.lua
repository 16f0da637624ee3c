-- wrk script for tests/bench/memory.sh, which prepends `token`, `docs`
-- (document ids) and `queries` (search words, URL-encoded). A member's
-- day in one loop: the document list, a document in Vietnamese and in
-- Khmer, a search, their own progress; so that every cache and pool of a
-- Kore worker is exercised while its memory is sampled.

local n = 0
request = function()
	n = n + 1
	local h = { ["Authorization"] = "Bearer " .. token }
	local k = n % 5
	local path
	if k == 0 then
		path = "/api/v1/documents?lang=vi"
	elseif k == 1 then
		path = "/api/v1/documents/" .. docs[(n % #docs) + 1] .. "?lang=vi"
	elseif k == 2 then
		path = "/api/v1/documents/" .. docs[(n % #docs) + 1] .. "?lang=km"
	elseif k == 3 then
		path = "/api/v1/search?q=" .. queries[(n % #queries) + 1]
	else
		path = "/api/v1/me/progress"
	end
	return wrk.format("GET", path, h)
end

done = function(summary, latency, requests)
	io.write(string.format("MIX p50 %.2f p95 %.2f p99 %.2f rps %.0f requests %d non2xx %d\n",
	    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
	    latency:percentile(99) / 1000,
	    summary.requests / (summary.duration / 1e6), summary.requests,
	    summary.errors.status))
end
