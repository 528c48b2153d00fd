--[[
  Gives a lease up, only for its exact holder.
  KEYS[1] lease key
  ARGV[1] "<epoch>:<node_id>"
  Returns 1 when released, 0 when the caller did not hold it.
]]
if redis.call("GET", KEYS[1]) == ARGV[1] then
  redis.call("DEL", KEYS[1])
  return 1
end
return 0
