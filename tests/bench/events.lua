-- wrk script for tests/bench/events_vs_copy.sh, which prepends the tables
-- tokens (one session per member), documents ({id, version, sections})
-- and the values occurred_at and run. Each request is one member's batch
-- of 100 events, as a phone sends them after reading offline: for a
-- document, opened, then each section read, then completed, then the
-- next document. Every event gets a new UUID (the run, the thread, a
-- counter), so every event is stored: the server does its full work on
-- each. Built with table.concat of preformatted pieces, so that wrk's
-- one thread spends little of the machine's two cores.

local BATCH = batch_size or 100
local counter = 0
local thread_no = 0
local threads = {}

function setup(thread)
	thread:set("thread_no", #threads + 1)
	table.insert(threads, thread)
end

function init(args)
	math.randomseed(run + thread_no)
end

local function uuid()
	counter = counter + 1
	return string.format("%08x-%04x-4%03x-8%03x-%012x", run % 4294967296,
	    thread_no, math.floor(counter / 4096) % 4096, counter % 4096,
	    counter)
end

local parts = {}

request = function()
	local token = tokens[math.random(#tokens)]
	local d = documents[math.random(#documents)]
	local n = 0
	local step = 0
	for i = 1, BATCH do
		local kind, section
		if step == 0 then
			kind, section = "opened", nil
		elseif step <= d[3] then
			kind, section = "section_read", step
		else
			kind, section = "completed", nil
		end
		local ev
		if section then
			ev = string.format('{"id":"%s","kind":"%s","document_id":%d,' ..
			    '"version":%d,"lang":"vi","section":%d,"occurred_at":"%s",' ..
			    '"seconds":%d}', uuid(), kind, d[1], d[2], section,
			    occurred_at, 20 + i % 40)
		else
			ev = string.format('{"id":"%s","kind":"%s","document_id":%d,' ..
			    '"version":%d,"lang":"vi","occurred_at":"%s","seconds":0}',
			    uuid(), kind, d[1], d[2], occurred_at)
		end
		parts[i] = ev
		step = step + 1
		if step > d[3] + 1 then
			step = 0
			d = documents[math.random(#documents)]
		end
	end
	local body = '{"events":[' .. table.concat(parts, ",", 1, BATCH) .. ']}'
	return wrk.format("POST", nil, {
		["Content-Type"] = "application/json",
		["Authorization"] = "Bearer " .. token,
	}, body)
end

done = function(summary, latency, requests)
	io.write(string.format("REPORT p50 %.2f p99 %.2f rps %.0f non2xx %d secs %.3f\n",
	    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
	    summary.requests / (summary.duration / 1e6),
	    summary.errors.status, summary.duration / 1e6))
end
