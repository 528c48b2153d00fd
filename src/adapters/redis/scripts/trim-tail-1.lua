--[[
  Removes persisted messages from the tail, unless they changed since they were persisted: an
  entry goes only while it is byte for byte the version the caller read (compared by SHA-1). The
  JSON is never decoded here: cjson refuses what JSON.stringify writes for a lone surrogate
  ("\ud800"), which once made a thread's trim fail for ever and its tail grow without end.
  KEYS[1] tail
  ARGV    pairs: seq, SHA-1 hex of the entry that is now in the store (ARGV[1], ARGV[2], …)
  Returns how many entries were removed (an entry absent, or replaced since, stays).
]]
local removed = 0
for i = 1, #ARGV, 2 do
  local json = redis.call("HGET", KEYS[1], ARGV[i])
  if json and redis.sha1hex(json) == ARGV[i + 1] then
    redis.call("HDEL", KEYS[1], ARGV[i])
    removed = removed + 1
  end
end
return removed
