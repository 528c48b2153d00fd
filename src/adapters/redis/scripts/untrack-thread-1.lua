--[[
  Drops a thread from the in-progress index unless a writer refreshed it meanwhile.
  KEYS[1] in-progress index (zset thread_id -> ms tracked)
  ARGV[1] thread id    ARGV[2] the score the caller read
  Returns 1 when removed, 0 when absent or refreshed (a newer in-progress message may exist).
]]
local score = redis.call("ZSCORE", KEYS[1], ARGV[1])
if not score or tonumber(score) ~= tonumber(ARGV[2]) then return 0 end
redis.call("ZREM", KEYS[1], ARGV[1])
return 1
