--[[
  Removes a thread's summary draft if it is still the one the caller appended.
  KEYS[1] summary-draft key (a hash: `covers` = covers_through_seq, `json` = the draft)
  ARGV[1] covers_through_seq of the draft the caller appended
  A worker may have put a newer draft meanwhile; that one is kept.
  Returns 1 when removed, 0 otherwise.
]]
if redis.call("HGET", KEYS[1], "covers") == ARGV[1] then
  redis.call("DEL", KEYS[1])
  return 1
end
return 0
