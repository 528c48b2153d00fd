--[[
  Renews the leases of open streams (one call per end user set; the tenant set rides along).
  KEYS[1] end user's streams (zset)    KEYS[2] tenant's streams (zset)
  ARGV[1] lease ms    ARGV[2 ..] stream ids
  Returns the number of ids renewed (ids no longer present are not re-added: XX).
  Side effects: ZADD XX with score now + lease on both sets; PEXPIRE both.
]]
local time = redis.call("TIME")
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local lease = tonumber(ARGV[1])
local renewed = 0
for i = 2, #ARGV do
  renewed = renewed + redis.call("ZADD", KEYS[1], "XX", "CH", now + lease, ARGV[i])
  redis.call("ZADD", KEYS[2], "XX", now + lease, ARGV[i])
end
redis.call("PEXPIRE", KEYS[1], lease)
redis.call("PEXPIRE", KEYS[2], lease)
return renewed
