--[[
  Appends the pending event batches of many threads in one call (the node's write combiner,
  append-combiner.ts): per request (one thread, one epoch), fenced and offset-checked, all of its
  batches or none, so a retried or stale batch can never duplicate or interleave events.
  Requests are independent: one refused request leaves the others' writes standing.
  Variable keys (numkeys first); per request r, in order:
    KEYS  lease of the thread, its watchers key (live-followers.ts), then the event list of
          each of its batches
    ARGV  epoch, number of batches b, then per batch: first offset, ttl ms (set on the log when
          the batch closes its message, else 0), event count n, then n event JSONs
  Returns a flat array, three integers per request: code (0 written, -1 fenced, -2 a log's
  length is not its batch's first offset), the index (0-based) of the conflicting batch (else 0),
  and 1 when the watchers key exists (another node follows the thread live), else 0.
  Standalone Redis only: every key of a call must hash to one slot on a Cluster.
]]
--- @include "includes/holds-epoch"
local replies = {}
local k, a = 1, 1
while a <= #ARGV do
  local lease, watchers, epoch, batches = KEYS[k], KEYS[k + 1], ARGV[a], tonumber(ARGV[a + 1])
  local firstKey, firstArg = k + 2, a + 2
  -- Find where the request ends (and check every batch) before writing any of it.
  local code, conflict = 0, 0
  if not holdsEpoch(lease, epoch) then code = -1 end
  -- A long message comes as several batches of one log: each starts where the one before ends.
  local lengths = {}
  local arg = firstArg
  for b = 0, batches - 1 do
    local key, n = KEYS[firstKey + b], tonumber(ARGV[arg + 2])
    local length = lengths[key] or redis.call("LLEN", key)
    if code == 0 and length ~= tonumber(ARGV[arg]) then code, conflict = -2, b end
    lengths[key] = length + n
    arg = arg + 3 + n
  end
  if code == 0 then
    arg = firstArg
    for b = 0, batches - 1 do
      local key, ttl, n = KEYS[firstKey + b], tonumber(ARGV[arg + 1]), tonumber(ARGV[arg + 2])
      redis.call("RPUSH", key, unpack(ARGV, arg + 3, arg + 2 + n))
      if ttl > 0 then redis.call("PEXPIRE", key, ttl) end
      arg = arg + 3 + n
    end
  end
  replies[#replies + 1] = code
  replies[#replies + 1] = conflict
  replies[#replies + 1] = redis.call("EXISTS", watchers)
  k, a = firstKey + batches, arg
end
return replies
