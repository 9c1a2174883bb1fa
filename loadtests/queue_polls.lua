-- wrk script for the waiting room's poll capacity (loadtests/poll_capacity.py): GET the queue of one event,
-- each request as the next of the waiting buyers (one bearer token per line of the file given).
-- wrk -s loadtests/queue_polls.lua URL -- /api/events/<id>/queue tokens.txt
local tokens, path, i = {}, nil, 0

function init(args)
  path = args[1]
  for line in io.lines(args[2]) do
    tokens[#tokens + 1] = line
  end
  i = math.random(#tokens) -- each thread starts at another buyer
end

function request()
  i = i % #tokens + 1
  return wrk.format("GET", path, { ["Authorization"] = "Bearer " .. tokens[i] })
end
