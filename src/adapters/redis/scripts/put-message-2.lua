--[[
  Replaces the tail entry of one message with a newer version, fenced.
  KEYS[1] lease    KEYS[2] tail
  ARGV[1] epoch    ARGV[2] seq    ARGV[3] message JSON
  Returns 1 when written, 0 when the caller's epoch is not the lease's.
]]
local lease = redis.call("GET", KEYS[1])
if not lease or string.sub(lease, 1, string.find(lease, ":", 1, true) - 1) ~= ARGV[1] then
  return 0
end
redis.call("HSET", KEYS[2], ARGV[2], ARGV[3])
return 1
