--[[
  Replaces the tail entry of one message with a newer version, fenced.
  KEYS[1] lease    KEYS[2] tail
  ARGV[1] epoch    ARGV[2] seq    ARGV[3] message JSON
  Returns 1 when written, -1 when the caller's epoch is not the lease's.
]]
--- @include "includes/holds-epoch"
if not holdsEpoch(KEYS[1], ARGV[1]) then return -1 end
redis.call("HSET", KEYS[2], ARGV[2], ARGV[3])
return 1
