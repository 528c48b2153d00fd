--[[
  Removes persisted messages from the tail, unless they changed since they were persisted.
  KEYS[1] tail
  ARGV    pairs: seq, rev that the store now has (ARGV[1], ARGV[2], ARGV[3], ARGV[4], …)
  Returns how many entries were removed (an entry absent, or newer than its rev, stays).
]]
local removed = 0
for i = 1, #ARGV, 2 do
  local json = redis.call("HGET", KEYS[1], ARGV[i])
  if json and tonumber(cjson.decode(json).rev) <= tonumber(ARGV[i + 1]) then
    redis.call("HDEL", KEYS[1], ARGV[i])
    removed = removed + 1
  end
end
return removed
