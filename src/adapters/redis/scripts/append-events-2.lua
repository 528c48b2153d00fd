--[[
  Appends a batch of events to one message's log, fenced and offset-checked, so a retried or
  stale batch can never duplicate or interleave events.
  KEYS[1] lease    KEYS[2] event list of the message
  ARGV[1] epoch    ARGV[2] offset of the first event
  ARGV[3] ttl ms to set on the log (the batch closes the message), 0 to leave it
  ARGV[4 ..] event JSON
  Returns the new length; -1 when fenced, -2 when the log's length is not ARGV[2].
]]
--- @include "includes/holds-epoch"
if not holdsEpoch(KEYS[1], ARGV[1]) then return -1 end
if redis.call("LLEN", KEYS[2]) ~= tonumber(ARGV[2]) then return -2 end
local length = redis.call("RPUSH", KEYS[2], unpack(ARGV, 4))
if tonumber(ARGV[3]) > 0 then redis.call("PEXPIRE", KEYS[2], ARGV[3]) end
return length
