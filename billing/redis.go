package billing

import "github.com/redis/go-redis/v9"

// The ledger's scripts. Every script works on the keys of one account,
// which share one hash tag, so each runs atomically on Redis Cluster too:
//
//	KEYS[1] A  hash    cur, bal, res (reserved), plan, pend (period end, unix ms;
//	               0: never paid), grace (unpaid renewal: sending stops at, ms),
//	               susp (suspension reason), nums, lowuser, lastms, al:<kind>,
//	               cancel (release at the period end), movedfrom (Move's source)
//	KEYS[2] H  hash    <kind>:<id> -> hold "allowance units allow amount pend where kind"
//	KEYS[3] E  zset    <kind>:<id> scored by the hold's expiry (ms)
//	KEYS[4] P  hash    <kind>:<id> -> the posting's stream entry id (idempotence)
//	KEYS[5] L  stream  postings, entry ids by posting time
//
// ARGV starts with now (ms), the currency and the low-balance thresholds
// (a count, then each); each script's own arguments follow, read with
// arg(i). Amounts go to Redis as integer strings (fmt) and HINCRBY keeps
// balances as exact 64-bit integers; Lua's doubles only ever hold values
// below MaxAmount times a few, where they are exact.
//
// A reply is {ok, reason, amount, balance, reserved, allowance, low,
// replay, ms}: ok 1 or 0 (2: renewal already done elsewhere); the
// amount charged, reserved or credited; low the threshold crossed
// downward or -1; replay 1 when the id had already been applied and this
// is the original result; ms the posting's time.
const luaHead = `
local A, H, E, P, L = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local now = tonumber(ARGV[1])
local nth = tonumber(ARGV[3])
local base = 3 + nth
local function arg(i) return ARGV[base + i] end
local function num(i) return tonumber(ARGV[base + i]) end
local function fmt(n) return string.format('%d', n) end
local function field(f) return tonumber(redis.call('HGET', A, f) or '0') end
local function incr(f, d)
  if d ~= 0 then return redis.call('HINCRBY', A, f, fmt(d)) end
  return field(f)
end
local function ceildiv(a, b)
  local x = a + b - 1
  return (x - x % b) / b
end
local function reply(ok, reason, amount, allow, low, replay, ms)
  return {ok, reason, amount, field('bal'), field('res'), allow, low, replay, ms}
end
local function parse(rec)
  local al, units, allow, amount, pend, where, kind = string.match(rec, '^(%S+) (%S+) (%S+) (%S+) (%S+) (%S+) (%S+)$')
  return {al = al, units = tonumber(units), allow = tonumber(allow), amount = tonumber(amount), pend = pend, where = where, kind = kind}
end
local function unhold(key)
  local rec = redis.call('HGET', H, key)
  if not rec then return nil end
  local h = parse(rec)
  incr('res', -h.amount)
  -- Allowance reserved in a period that has since renewed is not given back.
  if h.al ~= '-' and h.allow > 0 and (redis.call('HGET', A, 'pend') or '0') == h.pend then
    incr('al:' .. h.al, h.allow)
  end
  redis.call('HDEL', H, key)
  redis.call('ZREM', E, key)
  return h
end
local function crossed(old, new)
  local hit = -1
  local list = {}
  for i = 1, nth do list[#list + 1] = tonumber(ARGV[3 + i]) end
  local u = redis.call('HGET', A, 'lowuser')
  if u then list[#list + 1] = tonumber(u) end
  for _, t in ipairs(list) do
    if old >= t and new < t and (hit < 0 or t < hit) then hit = t end
  end
  return hit
end
local function post(key, id, kind, amount, units, allow, where, note, ref)
  local old = field('bal')
  local new = incr('bal', amount)
  local ms = now
  local last = field('lastms')
  if ms < last then ms = last end
  redis.call('HSET', A, 'lastms', fmt(ms))
  local sid = redis.call('XADD', L, fmt(ms) .. '-*', 'id', id, 'kind', kind, 'amt', fmt(amount), 'bal', fmt(new),
    'units', fmt(units), 'allow', fmt(allow), 'where', where, 'note', note, 'ref', ref)
  redis.call('HSET', P, key, sid)
  return new, crossed(old, new), ms
end
local function replayed(key)
  local sid = redis.call('HGET', P, key)
  if not sid then return nil end
  local e = redis.call('XRANGE', L, sid, sid)
  local f = {}
  if e[1] then
    local kv = e[1][2]
    for i = 1, #kv, 2 do f[kv[i]] = kv[i + 1] end
  end
  local amt = tonumber(f['amt'] or '0')
  local kind = f['kind'] or ''
  local ms = tonumber(string.match(sid, '^(%d+)'))
  if kind ~= 'payment' and kind ~= 'admin' and kind ~= 'bonus' then amt = -amt end
  return {1, '', amt, tonumber(f['bal'] or '0'), field('res'), tonumber(f['allow'] or '0'), -1, 1, ms}
end
local function refused()
  if redis.call('HGET', A, 'susp') then return 'suspended' end
  local g = redis.call('HGET', A, 'grace')
  if g and now >= tonumber(g) then return 'unpaid' end
  return nil
end
`

// luaAccount checks that the account exists in the configured currency
// and lets go of holds whose time is up (at most 100 a call; the rest go
// next time).
const luaAccount = `
if redis.call('EXISTS', A) == 0 then return {0, 'no_account', 0, 0, 0, 0, -1, 0, 0} end
if redis.call('HGET', A, 'cur') ~= ARGV[2] then
  return redis.error_reply('billing: the account is in ' .. (redis.call('HGET', A, 'cur') or '?') .. ', not ' .. ARGV[2])
end
for _, key in ipairs(redis.call('ZRANGEBYSCORE', E, '-inf', now, 'LIMIT', 0, 100)) do unhold(key) end
`

// luaRated reads a usage script's arguments: key, kind, allowance, billed
// units, unit price, per, included, where; then the script's own.
const luaRated = `
local key, kind, al = arg(1), arg(2), arg(3)
local units, unit, per, incl, where = num(4), num(5), num(6), num(7), arg(8)
local function allowed(want)
  if incl ~= 1 or al == '-' or want <= 0 then return 0 end
  local have = field('al:' .. al)
  if have <= 0 then return 0 end
  if have < want then return have end
  return want
end
-- quote prices the event for an account that must be able to pay it:
-- a refusal, or nil, the allowance and the cost.
local function quote()
  local why = refused()
  if why then return reply(0, why, 0, 0, -1, 0, 0) end
  local allow = allowed(units)
  local cost = ceildiv((units - allow) * unit, per)
  if cost > 0 and cost > field('bal') - field('res') then return reply(0, 'funds', cost, allow, -1, 0, 0) end
  return nil, allow, cost
end
`

// openScript: ARGV plan. Creates the account unless it exists; an account
// with a plan cannot send until its first renewal is paid.
var openScript = redis.NewScript(luaHead + `
if redis.call('EXISTS', A) == 1 then
  if redis.call('HGET', A, 'cur') ~= ARGV[2] then
    return redis.error_reply('billing: the account is in ' .. (redis.call('HGET', A, 'cur') or '?') .. ', not ' .. ARGV[2])
  end
  return reply(1, 'exists', 0, 0, -1, 1, 0)
end
redis.call('HSET', A, 'cur', ARGV[2], 'bal', '0', 'res', '0', 'plan', arg(1), 'pend', '0', 'nums', '1', 'created', fmt(now))
if arg(1) ~= '' then redis.call('HSET', A, 'grace', fmt(now)) end
return reply(1, '', 0, 0, -1, 0, 0)
`)

// reserveScript: rated args, then ttl (ms). Holds the event's cost (after
// the allowance) unless the account may not send or cannot pay.
var reserveScript = redis.NewScript(luaHead + luaAccount + luaRated + `
local ttl = num(9)
local r = replayed(key)
if r then return r end
local rec = redis.call('HGET', H, key)
if rec then
  local h = parse(rec)
  redis.call('ZADD', E, fmt(now + ttl), key)
  return reply(1, '', h.amount, h.allow, -1, 1, 0)
end
local no, allow, cost = quote()
if no then return no end
incr('al:' .. al, -allow)
incr('res', cost)
local pend = redis.call('HGET', A, 'pend') or '0'
redis.call('HSET', H, key, table.concat({al, fmt(units), fmt(allow), fmt(cost), pend, where, kind}, ' '))
redis.call('ZADD', E, fmt(now + ttl), key)
return reply(1, '', cost, allow, -1, 0, 0)
`)

// extendScript: rated args (units: the new total), then ttl (ms). Grows a
// hold to cover units, or refuses: then the call must end.
var extendScript = redis.NewScript(luaHead + luaAccount + luaRated + `
local ttl = num(9)
local r = replayed(key)
if r then return r end
local rec = redis.call('HGET', H, key)
if not rec then return reply(0, 'no_hold', 0, 0, -1, 0, 0) end
local h = parse(rec)
if units <= h.units then
  redis.call('ZADD', E, fmt(now + ttl), key)
  return reply(1, '', h.amount, h.allow, -1, 1, 0)
end
local why = refused()
if why then return reply(0, why, h.amount, h.allow, -1, 0, 0) end
local extra = 0
if h.pend == (redis.call('HGET', A, 'pend') or '0') then extra = allowed(units - h.units) end
local allow = h.allow + extra
local cost = ceildiv((units - allow) * unit, per)
local delta = cost - h.amount
if delta > 0 and delta > field('bal') - field('res') then return reply(0, 'funds', cost, h.allow, -1, 0, 0) end
incr('al:' .. al, -extra)
incr('res', delta)
redis.call('HSET', H, key, table.concat({al, fmt(units), fmt(allow), fmt(cost), h.pend, where, kind}, ' '))
redis.call('ZADD', E, fmt(now + ttl), key)
return reply(1, '', cost, allow, -1, 0, 0)
`)

// settleScript: rated args (units: the actual quantity), then ref, id.
// Posts the event, releasing its hold. The service was rendered, so it is
// charged whatever the balance: a hold that lapsed, or an actual quantity
// beyond the reserved one, may take the balance below zero.
var settleScript = redis.NewScript(luaHead + luaAccount + luaRated + `
local r = replayed(key)
if r then return r end
unhold(key)
local allow = allowed(units)
local cost = ceildiv((units - allow) * unit, per)
incr('al:' .. al, -allow)
local bal, low, ms = post(key, arg(10), kind, -cost, units, allow, where, '', arg(9))
return reply(1, '', cost, allow, low, 0, ms)
`)

// chargeScript: rated args, then ref, id. Reserve and settle in one step,
// for events that are over when they are known (an inbound message).
var chargeScript = redis.NewScript(luaHead + luaAccount + luaRated + `
local r = replayed(key)
if r then return r end
local no, allow, cost = quote()
if no then return no end
incr('al:' .. al, -allow)
local bal, low, ms = post(key, arg(10), kind, -cost, units, allow, where, '', arg(9))
return reply(1, '', cost, allow, low, 0, ms)
`)

// releaseScript: ARGV key. Gives a hold back.
var releaseScript = redis.NewScript(luaHead + luaAccount + `
unhold(arg(1))
return reply(1, '', 0, 0, -1, 0, 0)
`)

// creditScript: ARGV key, kind, amount (signed), note, id. A payment,
// bonus or admin credit or debit.
var creditScript = redis.NewScript(luaHead + luaAccount + `
local r = replayed(arg(1))
if r then return r end
local amount = num(3)
local after = field('bal') + amount
if after > ` + maxAmountLua + ` or after < -` + maxAmountLua + ` then return reply(0, 'range', amount, 0, -1, 0, 0) end
local bal, low, ms = post(arg(1), arg(5), arg(2), amount, 0, 0, '-', arg(4), '')
return reply(1, '', amount, 0, low, 0, ms)
`)

// renewScript: ARGV plan, expected period end, next period end, amount
// due, key, id, note, grace (ms), then allowance count and name/amount
// pairs. Charges the period and resets the allowances, or starts the
// grace period (none for a first period).
var renewScript = redis.NewScript(luaHead + luaAccount + `
if (redis.call('HGET', A, 'plan') or '') ~= arg(1) or (redis.call('HGET', A, 'pend') or '0') ~= arg(2) then
  return reply(2, 'moved', 0, 0, -1, 0, 0)
end
local due = num(4)
if due > 0 and due > field('bal') - field('res') then
  -- replay 1: the renewal was already known to be unpaid (no new notice).
  local known = 1
  if not redis.call('HGET', A, 'grace') then
    local g = now
    if arg(2) ~= '0' then g = tonumber(arg(2)) + num(8) end
    redis.call('HSET', A, 'grace', fmt(g))
    known = 0
  end
  -- The period is over: its allowances with it.
  redis.call('HDEL', A, 'al:sms', 'al:mms', 'al:call')
  return reply(0, 'funds', due, 0, -1, known, 0)
end
local bal, low, ms = post(arg(5), arg(6), 'fee', -due, 0, 0, '-', arg(7), '')
redis.call('HSET', A, 'pend', arg(3))
redis.call('HDEL', A, 'grace', 'al:sms', 'al:mms', 'al:call')
for i = 1, num(9) do
  redis.call('HSET', A, 'al:' .. arg(8 + 2 * i), arg(9 + 2 * i))
end
return reply(1, '', due, 0, low, 0, ms)
`)

// setScript: ARGV field, value. Sets (or with "" deletes) one of the
// account's settings: susp, lowuser, nums, plan.
var setScript = redis.NewScript(luaHead + luaAccount + `
if arg(2) == '' then redis.call('HDEL', A, arg(1)) else redis.call('HSET', A, arg(1), arg(2)) end
return reply(1, '', 0, 0, -1, 0, 0)
`)

// infoScript: the account's hash, after letting lapsed holds go.
var infoScript = redis.NewScript(luaHead + luaAccount + `
return redis.call('HGETALL', A)
`)

const maxAmountLua = "10000000000000" // MaxAmount
