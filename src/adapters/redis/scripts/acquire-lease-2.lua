--[[
  Grants a thread's lease to a node, or tells who holds it.
  KEYS[1] lease key     KEYS[2] epoch key
  ARGV[1] node id       ARGV[2] ttl ms
  Every grant takes a new epoch (INCR), also when the lease is still recorded for this node id:
  that is an earlier incarnation of the node (restarted with the same id), which must be fenced.
  A missing counter (a new thread, or one whose keys a delete removed: no key may name a deleted
  thread) starts at the server's clock in ms, above any epoch an earlier counter of the thread
  reached (they grow by one a grant), so a writer from before a delete stays fenced.
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
local epoch
if redis.call("EXISTS", KEYS[2]) == 1 then
  epoch = redis.call("INCR", KEYS[2])
else
  local now = redis.call("TIME")
  epoch = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
  redis.call("SET", KEYS[2], string.format("%d", epoch))
end
redis.call("SET", KEYS[1], string.format("%d", epoch) .. ":" .. ARGV[1], "PX", ARGV[2])
return {1, epoch}
