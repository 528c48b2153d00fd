--[[
  Fencing check, included by every script that writes for a lease holder (BullMQ style: a line
  `--- @include "includes/holds-epoch"` is replaced by this file when the scripts load).
  The lease key holds "<epoch>:<node_id>"; a write is allowed only while the lease exists and its
  epoch is the writer's. A refused write returns -1 (scripts.ts maps the codes, in one place).
]]
local function holdsEpoch(leaseKey, epoch)
  local lease = redis.call("GET", leaseKey)
  if not lease then return false end
  return string.sub(lease, 1, string.find(lease, ":", 1, true) - 1) == epoch
end
