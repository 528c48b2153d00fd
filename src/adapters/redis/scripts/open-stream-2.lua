--[[
  Counts an open stream (SSE, WS subscription) against two caps across nodes: each set is a
  sorted set of stream ids scored by the ms their lease ends; the node renews its streams'
  scores while they are open, so a crashed node's entries lapse by themselves.
  KEYS[1] end user's streams (zset)    KEYS[2] tenant's streams (zset)
  ARGV[1] stream id    ARGV[2] lease ms    ARGV[3] cap A (0: unchecked)    ARGV[4] cap B (0: unchecked)
  Returns {1, 0} opened (or renewed) | {0, 1|2} the cap of set 1 or 2 is reached
  Side effects: drops lapsed entries of both sets; on success adds the id to both, PEXPIREs them.
]]
local time = redis.call("TIME")
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local lease = tonumber(ARGV[2])
local caps = { tonumber(ARGV[3]), tonumber(ARGV[4]) }
for i = 1, 2 do
  redis.call("ZREMRANGEBYSCORE", KEYS[i], "-inf", now)
  if caps[i] > 0 and not redis.call("ZSCORE", KEYS[i], ARGV[1]) then
    if redis.call("ZCARD", KEYS[i]) >= caps[i] then return { 0, i } end
  end
end
for i = 1, 2 do
  redis.call("ZADD", KEYS[i], now + lease, ARGV[1])
  redis.call("PEXPIRE", KEYS[i], lease)
end
return { 1, 0 }
