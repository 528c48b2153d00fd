--[[
  Grouped appends (issue 17): append-only sends queued on one thread, each one request as
  append-messages-4 would run it, in order, in one call; several threads' groups may share a call.
  Per group g (the keys and arguments of the groups follow one another):
    KEYS: lease, seq, tail, then one request key per request (ignored when it has no request id)
    ARGV: epoch, expected last seq (before the group's first request), dedup ttl ms, r (requests),
          then per request: has request id ("1"/"0"), fingerprint, if_last_seq (-1: none), n,
          n message JSONs carrying seqs as if every request before it in the group was appended.
  Returns one reply per group: -1 when fenced (no request of the group runs), -3 when the seq
  counter is not the expected last seq (another writer moved it; nothing of the group was
  written), or a table with one outcome per request, each as append-messages-4 answers it:
  {"appended", seqs} | {"duplicate", seqs} | {"mismatch"} | {"seq_conflict", last} |
  {"not_run"}: an earlier request of the group was refused, so this one's pre-assigned seqs no
  longer follow the counter; the writer builds it (and every later one, also "not_run") again.
  Each request is all or none and keeps its own dedup entry; a refusal fails only that request.
]]
--- @include "includes/holds-epoch"

-- One request: the outcome, and whether the counter moved as the writer assumed.
local function appendOne(tail, seqKey, requestKey, last, want, hasId, fingerprint, ifLast, ttl, first, n)
  if hasId == "1" then
    local prior = redis.call("GET", requestKey)
    if prior then
      local bar = string.find(prior, "|", 1, true)
      if string.sub(prior, 1, bar - 1) ~= fingerprint then return {"mismatch"}, last end
      return {"duplicate", string.sub(prior, bar + 1)}, last
    end
  end
  if ifLast >= 0 and ifLast ~= last then return {"seq_conflict", last}, last end
  if last ~= want then return nil, last end
  local seqs = {}
  for i = 1, n do
    redis.call("HSET", tail, last + i, ARGV[first + i - 1])
    seqs[i] = last + i
  end
  local list = table.concat(seqs, ",")
  if hasId == "1" then
    redis.call("SET", requestKey, fingerprint .. "|" .. list, "PX", ttl)
  end
  return {"appended", list}, last + n
end

local replies = {}
local k, a = 1, 1
while a <= #ARGV do
  local lease, seqKey, tail = KEYS[k], KEYS[k + 1], KEYS[k + 2]
  local epoch, want, ttl, r = ARGV[a], tonumber(ARGV[a + 1]), ARGV[a + 2], tonumber(ARGV[a + 3])
  k, a = k + 3, a + 4
  local reply
  if not holdsEpoch(lease, epoch) then reply = -1 end
  local start = tonumber(redis.call("GET", seqKey) or "0")
  local last, refused, stopped = start, false, false
  local outcomes = {}
  for i = 1, r do
    local requestKey = KEYS[k]
    local hasId, fingerprint = ARGV[a], ARGV[a + 1]
    local ifLast, n = tonumber(ARGV[a + 2]), tonumber(ARGV[a + 3])
    local first = a + 4
    k, a = k + 1, first + n
    if reply == nil then
      local outcome
      if not stopped then
        outcome, last = appendOne(tail, seqKey, requestKey, last, want, hasId, fingerprint, ifLast, ttl, first, n)
      end
      if outcome == nil and not refused then
        -- Nothing was refused before, so nothing was assumed wrongly: the counter moved.
        reply = -3
      elseif outcome == nil then
        stopped = true
        outcome = {"not_run"}
      elseif outcome[1] ~= "appended" then
        refused = true
      end
      outcomes[i] = outcome
      want = want + n
    end
  end
  if reply == nil then
    if last ~= start then redis.call("SET", seqKey, last) end
    reply = outcomes
  end
  replies[#replies + 1] = reply
end
return replies
