-- POST /api/quiz/{id}/submit over a list of quizzes prepared by bench/quiz.sh, each submitted once.
-- QUIZ_LIST: one quiz a line, "<token index>\t<quiz id>\t<submit body>"; QUIZ_TOKENS: one access
-- token a line (line i = token index i). Thread k of n takes the lines i with i % n == k, in order,
-- so no two connections ever submit the same quiz. A thread that runs out of quizzes sends
-- GET /api/quiz/exhausted (a 404) and counts it: the run is then too long for the list.
-- done() prints the WRKJSON line of the peers' report.lua, then a QUIZJSON line with the status
-- counts (200, 409, other) and how many quizzes were left unused.
dofile(os.getenv("PEERS_WRK_DIR") .. "/report.lua")

local threads = {}
local counter = 0

function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

local reqs = {}
nreq, next_req = 0, 1 -- globals: done() reads them through thread:get
local exhausted_req
n200, n409, nother, nexhausted = 0, 0, 0, 0

function init(args)
  local nthreads = tonumber(os.getenv("QUIZ_THREADS"))
  local tokens = {}
  for line in io.lines(os.getenv("QUIZ_TOKENS")) do
    tokens[#tokens + 1] = line
  end
  local i = 0
  for line in io.lines(os.getenv("QUIZ_LIST")) do
    if i % nthreads == tid then
      local t, id, body = line:match("^(%d+)\t([^\t]+)\t(.*)$")
      nreq = nreq + 1
      reqs[nreq] = wrk.format("POST", "/api/quiz/" .. id .. "/submit",
        { ["Authorization"] = "Bearer " .. tokens[tonumber(t)], ["Content-Type"] = "application/json" }, body)
    end
    i = i + 1
  end
  exhausted_req = wrk.format("GET", "/api/quiz/exhausted")
end

function request()
  if next_req > nreq then
    nexhausted = nexhausted + 1
    return exhausted_req
  end
  local r = reqs[next_req]
  next_req = next_req + 1
  return r
end

function response(status, headers, body)
  if status == 200 then
    n200 = n200 + 1
  elseif status == 409 then
    n409 = n409 + 1
    if n409 <= 3 then
      io.stderr:write("quiz_submit.lua: status 409: " .. string.sub(body or "", 1, 200) .. "\n")
    end
  else
    nother = nother + 1
    if nother <= 3 then
      io.stderr:write("quiz_submit.lua: status " .. status .. ": " .. string.sub(body or "", 1, 200) .. "\n")
    end
  end
end

function done(summary, latency, requests)
  report_done(summary, latency, requests)
  local a, b, c, d, unused = 0, 0, 0, 0, 0
  for _, t in ipairs(threads) do
    a = a + t:get("n200")
    b = b + t:get("n409")
    c = c + t:get("nother")
    d = d + t:get("nexhausted")
    unused = unused + math.max(0, t:get("nreq") - (t:get("next_req") - 1))
  end
  io.write(string.format('QUIZJSON {"s200":%d,"s409":%d,"s_other":%d,"exhausted":%d,"unused":%d}\n', a, b, c, d, unused))
end
