--[[
  Removes a persisted message from the tail, unless it changed since it was persisted.
  KEYS[1] tail
  ARGV[1] seq    ARGV[2] rev that the store now has
  Returns 1 when removed, 0 when absent or newer than ARGV[2].
]]
local json = redis.call("HGET", KEYS[1], ARGV[1])
if not json then return 0 end
if tonumber(cjson.decode(json).rev) > tonumber(ARGV[2]) then return 0 end
redis.call("HDEL", KEYS[1], ARGV[1])
return 1
