--[[
  Appends a batch of events to one message's log, fenced and offset-checked, so a retried or
  stale batch can never duplicate or interleave events.
  KEYS[1] lease    KEYS[2] event list of the message
  ARGV[1] epoch    ARGV[2] offset of the first event
  ARGV[3] ttl ms to set on the log (the batch closes the message), 0 to leave it
  ARGV[4 ..] event JSON
  Returns the new length, 0 when fenced, -1 when the log's length is not ARGV[2].
]]
local lease = redis.call("GET", KEYS[1])
if not lease or string.sub(lease, 1, string.find(lease, ":", 1, true) - 1) ~= ARGV[1] then
  return 0
end
if redis.call("LLEN", KEYS[2]) ~= tonumber(ARGV[2]) then return -1 end
local length = redis.call("RPUSH", KEYS[2], unpack(ARGV, 4))
if tonumber(ARGV[3]) > 0 then redis.call("PEXPIRE", KEYS[2], ARGV[3]) end
return length
