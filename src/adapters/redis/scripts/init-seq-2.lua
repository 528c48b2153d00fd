--[[
  Restores a thread's seq counter (from the store) when the hot tier has none, fenced.
  KEYS[1] lease    KEYS[2] seq
  ARGV[1] epoch    ARGV[2] seq
  Returns 1 when set or already present, -1 when fenced.
]]
--- @include "includes/holds-epoch"
if not holdsEpoch(KEYS[1], ARGV[1]) then return -1 end
redis.call("SET", KEYS[2], ARGV[2], "NX")
return 1
