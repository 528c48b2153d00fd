--[[
  Grants a thread's lease to a node, or tells who holds it.
  KEYS[1] lease key     KEYS[2] epoch key
  ARGV[1] node id       ARGV[2] ttl ms
  Every grant takes a new epoch (INCR), also when the lease is still recorded for this node id:
  that is an earlier incarnation of the node (restarted with the same id), which must be fenced.
  Returns {1, epoch} when granted; {0, owner_node, owner_epoch, pttl} when another node holds it.
]]
local current = redis.call("GET", KEYS[1])
if current then
  local sep = string.find(current, ":", 1, true)
  local owner = string.sub(current, sep + 1)
  if owner ~= ARGV[1] then
    return {0, owner, tonumber(string.sub(current, 1, sep - 1)), redis.call("PTTL", KEYS[1])}
  end
end
local epoch = redis.call("INCR", KEYS[2])
redis.call("SET", KEYS[1], epoch .. ":" .. ARGV[1], "PX", ARGV[2])
return {1, epoch}
