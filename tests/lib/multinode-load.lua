-- The load of tests/integration/multinode.sh, for wrk: each thread keeps
-- one connection (run wrk with as many threads as connections), so that
-- its requests and answers strictly alternate and each answer can be
-- written down beside the request it answers. It cycles through a
-- document read and a search (both reads the replica may answer) and a
-- reading event with a fresh UUID (a write), and writes one line per
-- answer to $MN_OUT.<thread>:
--
--   <unix second> <read|search|event> <status> <X-Request-Id> <event id> <event status>
--
-- (event id and status "-" for reads). A request that gets no HTTP answer
-- at all is not written here; wrk counts it as a socket error, which the
-- test requires to be zero (HAProxy always answers the client).

local token = os.getenv("MN_TOKEN")
local doc = os.getenv("MN_DOC")
local out = os.getenv("MN_OUT")
local nthreads = 0

function setup(thread)
	nthreads = nthreads + 1
	thread:set("tid", nthreads)
end

local file, n, kind, id

function init(args)
	-- tid was set by setup() in this thread's Lua state.
	math.randomseed(os.time() * 1000 + tid)
	file = io.open(out .. "." .. tid, "w")
	file:setvbuf("line")
	n = 0
end

local function uuid()
	return (string.gsub("xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx", "[xy]",
	    function(c)
		    local v = c == "x" and math.random(0, 15) or math.random(8, 11)
		    return string.format("%x", v)
	    end))
end

function request()
	local auth = { Authorization = "Bearer " .. token }
	n = n + 1
	if n % 3 == 0 then
		kind, id = "read", "-"
		return wrk.format("GET", "/api/v1/documents/" .. doc .. "?lang=vi", auth)
	elseif n % 3 == 1 then
		kind, id = "search", "-"
		return wrk.format("GET", "/api/v1/search?q=ngh%E1%BB%8B+quy%E1%BA%BFt", auth)
	end
	kind, id = "event", uuid()
	auth["Content-Type"] = "application/json"
	return wrk.format("POST", "/api/v1/events", auth, string.format(
	    '{"events":[{"id":"%s","kind":"opened","document_id":%s,' ..
	    '"version":1,"lang":"vi","occurred_at":"%s"}]}',
	    id, doc, os.date("!%Y-%m-%dT%H:%M:%SZ")))
end

function response(status, headers, body)
	local acc = "-"
	if kind == "event" and status == 200 then
		acc = string.match(body, '"status":"(%a+)"') or "?"
	end
	file:write(string.format("%d %s %d %s %s %s\n", os.time(), kind, status,
	    headers["X-Request-Id"] or headers["x-request-id"] or "-", id, acc))
end
