--[[
  Token buckets (src/domain/token-bucket.ts is the same arithmetic, unit-tested with a fake
  clock): takes `cost` tokens from both buckets, or from neither when either holds too few.
  A bucket is a hash {t = tokens (float), at = ms of last write}; a missing bucket is full.
  Why not rate-limiter-flexible: its RateLimiterRedis is a fixed window (points per duration),
  which lets twice the limit through across a window edge; API.md asks for token buckets.
  KEYS[1] bucket A    KEYS[2] bucket B (may equal A when only one is checked: pass capB = 0)
  ARGV[1] now ms ("" = Redis TIME, one clock for every node)    ARGV[2] cost
  ARGV[3] capacity A    ARGV[4] tokens per minute A    ARGV[5] capacity B (0: B unchecked)
  ARGV[6] tokens per minute B
  Returns {allowed 1|0, binding bucket 1|2, remaining (whole tokens), retry_after_ms, reset_ms}
  Side effects: when allowed, both checked buckets are written with PEXPIRE = time to refill full
  (+1 s), so idle buckets vanish; a refusal writes nothing.
]]
local now = tonumber(ARGV[1])
if not now then
  local time = redis.call("TIME")
  now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
end
local cost = tonumber(ARGV[2])
local rules = { { KEYS[1], tonumber(ARGV[3]), tonumber(ARGV[4]) } }
if tonumber(ARGV[5]) > 0 then rules[2] = { KEYS[2], tonumber(ARGV[5]), tonumber(ARGV[6]) } end

local tokens = {}
for i, rule in ipairs(rules) do
  local state = redis.call("HMGET", rule[1], "t", "at")
  local t = tonumber(state[1])
  if not t then
    t = rule[2]
  else
    local elapsed = math.max(0, now - tonumber(state[2]))
    t = math.min(rule[2], t + elapsed * rule[3] / 60000)
  end
  tokens[i] = t
end

for i, rule in ipairs(rules) do
  if tokens[i] < cost then
    local retry = math.ceil((cost - tokens[i]) * 60000 / rule[3])
    local reset = math.ceil((rule[2] - tokens[i]) * 60000 / rule[3])
    return { 0, i, math.floor(tokens[i]), retry, reset }
  end
end

local binding = 1
for i, rule in ipairs(rules) do
  local after = tokens[i] - cost
  local best = tokens[binding] - cost
  if after / rule[2] < best / rules[binding][2] then binding = i end
  local ttl = math.ceil((rule[2] - after) * 60000 / rule[3]) + 1000
  redis.call("HSET", rule[1], "t", tostring(after), "at", tostring(now))
  redis.call("PEXPIRE", rule[1], ttl)
end
local left = tokens[binding] - cost
local rule = rules[binding]
return { 1, binding, math.floor(left), 0, math.ceil((rule[2] - left) * 60000 / rule[3]) }
