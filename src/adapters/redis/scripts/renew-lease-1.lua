--[[
  Extends a lease, only for its exact holder.
  KEYS[1] lease key
  ARGV[1] "<epoch>:<node_id>"   ARGV[2] ttl ms
  Returns 1 when renewed, 0 when the caller no longer holds the lease.
]]
if redis.call("GET", KEYS[1]) == ARGV[1] then
  redis.call("PEXPIRE", KEYS[1], ARGV[2])
  return 1
end
return 0
