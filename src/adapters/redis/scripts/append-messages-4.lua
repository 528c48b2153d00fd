--[[
  Appends messages to a thread atomically: fence, request-id dedup, if_last_seq, seq assignment.
  The actor (sole writer of the thread) computes the seqs from the last seq it knows; the script
  refuses if the counter moved, so a seq is never assigned twice.
  KEYS[1] lease    KEYS[2] seq    KEYS[3] tail    KEYS[4] request key (ignored when ARGV[2] = "0")
  ARGV[1] epoch    ARGV[2] has request id ("1"/"0")    ARGV[3] fingerprint
  ARGV[4] if_last_seq (-1: none)    ARGV[5] dedup ttl ms    ARGV[6] expected last seq
  ARGV[7] n    ARGV[8 .. 7+n] message JSON, already carrying seqs expected+1 .. expected+n
  Returns {"appended", seqs} | {"duplicate", seqs} | {"mismatch"} | {"seq_conflict", last};
  -1 when fenced, -3 when the seq counter is not ARGV[6] (another writer moved it).
]]
--- @include "includes/holds-epoch"
if not holdsEpoch(KEYS[1], ARGV[1]) then return -1 end
if ARGV[2] == "1" then
  local prior = redis.call("GET", KEYS[4])
  if prior then
    local bar = string.find(prior, "|", 1, true)
    if string.sub(prior, 1, bar - 1) ~= ARGV[3] then return {"mismatch"} end
    return {"duplicate", string.sub(prior, bar + 1)}
  end
end
local last = tonumber(redis.call("GET", KEYS[2]) or "0")
local ifLast = tonumber(ARGV[4])
if ifLast >= 0 and ifLast ~= last then return {"seq_conflict", last} end
if last ~= tonumber(ARGV[6]) then return -3 end
local n = tonumber(ARGV[7])
local seqs = {}
for i = 1, n do
  redis.call("HSET", KEYS[3], last + i, ARGV[7 + i])
  seqs[i] = last + i
end
redis.call("SET", KEYS[2], last + n)
local list = table.concat(seqs, ",")
if ARGV[2] == "1" then
  redis.call("SET", KEYS[4], ARGV[3] .. "|" .. list, "PX", ARGV[5])
end
return {"appended", list}
