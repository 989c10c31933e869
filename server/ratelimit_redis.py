"""Rate-limit windows in Redis, so several server processes on one portal share one budget.

Each window is a sorted set of bookings scored by time; one Lua script reads every window,
finds the earliest time the request fits and books it, atomically (no read-modify-write race
between replicas). Times come from the Redis server's clock, so replicas need not agree on theirs.
`redis` is imported only when VIBECODE_REDIS_URL is set.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from server import specs
from server.errors import ConfigError
from server.ratelimit_store import Booking, Window

# KEYS: per window its zset, then its hold key; then the sequence counter.
# ARGV: book (1/0), lease seconds, then per window limit, span, cost.
# A member is "seq:units:lease end"; its score is the time its answer came, or +inf while in flight.
RESERVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local n = (#KEYS - 1) / 2
local book = tonumber(ARGV[1]) == 1
local lease = tonumber(ARGV[2])
local start = now
for i = 1, n do
  local hold = tonumber(redis.call('GET', KEYS[2 * i]) or '0')
  if hold > start then start = hold end
end
local at = start
for i = 1, n do
  local key = KEYS[2 * i - 1]
  local limit, span, cost = tonumber(ARGV[3 * i]), tonumber(ARGV[3 * i + 1]), tonumber(ARGV[3 * i + 2])
  if cost > limit then cost = limit end
  redis.call('ZREMRANGEBYSCORE', key, '-inf', string.format('%.6f', now - span))
  local rows = redis.call('ZRANGEBYSCORE', key, string.format('(%.6f', start - span), '+inf', 'WITHSCORES')
  local done, load = {}, 0
  for j = 1, #rows, 2 do
    local units, ends = string.match(rows[j], '^[^:]+:([^:]+):([^:]+)$')
    units, ends = tonumber(units), tonumber(ends)
    if rows[j + 1] ~= 'inf' then
      table.insert(done, {tonumber(rows[j + 1]), units})
      load = load + units
    elseif ends < now then
      -- a replica that died mid-request: its booking counts as answered when its lease ended
      redis.call('ZADD', key, string.format('%.6f', ends), rows[j])
      if ends > start - span then
        table.insert(done, {ends, units})
        load = load + units
      end
    else
      load = load + units
    end
  end
  table.sort(done, function(a, b) return a[1] < b[1] end)
  local fit = start
  if load + cost > limit then
    fit = start + span
    for j = 1, #done do
      load = load - done[j][2]
      if load + cost <= limit then fit = done[j][1] + span break end
    end
  end
  if fit > at then at = fit end
end
if (not book) or at > now then
  return {0, string.format('%.6f', at - now), ''}
end
local seq = redis.call('INCR', KEYS[#KEYS])
for i = 1, n do
  local key = KEYS[2 * i - 1]
  local limit, span, cost = tonumber(ARGV[3 * i]), tonumber(ARGV[3 * i + 1]), tonumber(ARGV[3 * i + 2])
  if cost > limit then cost = limit end
  redis.call('ZADD', key, '+inf', seq .. ':' .. cost .. ':' .. string.format('%.6f', now + lease))
  redis.call('PEXPIRE', key, math.ceil((lease + span) * 1000) + 1000)
end
return {1, '0', tostring(seq)}
"""

# KEYS: the booking's window zsets. ARGV: its sequence number.
RELEASE = """
local t = redis.call('TIME')
local now = string.format('%.6f', tonumber(t[1]) + tonumber(t[2]) / 1000000)
local prefix = ARGV[1] .. ':'
for i = 1, #KEYS do
  for _, member in ipairs(redis.call('ZRANGEBYSCORE', KEYS[i], '+inf', '+inf')) do
    if string.sub(member, 1, #prefix) == prefix then redis.call('ZADD', KEYS[i], now, member) end
  end
end
return 1
"""

# KEYS: the hold key. ARGV: seconds.
HOLD = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local until_ = now + tonumber(ARGV[1])
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if until_ > current then
  redis.call('SET', KEYS[1], string.format('%.6f', until_), 'PX', math.ceil(tonumber(ARGV[1]) * 1000) + 1000)
end
return 1
"""


class RedisStorage:
    """`Storage` on a Redis server; every key starts with `prefix` (one budget per prefix).

    A booking in flight holds a lease of `lease` seconds: should its process die before the answer,
    the booking counts as answered when the lease ends rather than blocking its units for ever.
    """

    def __init__(self, url: str, prefix: str = "vibecode-mcp:rl", lease: float | None = None) -> None:
        try:
            import redis.asyncio as aioredis
        except ImportError:  # pragma: no cover - the package is a dependency; this guards odd installs
            raise ConfigError(
                "VIBECODE_REDIS_URL is set but the redis package is missing; pip install 'vibecode-mcp[redis]'."
            ) from None
        self.prefix = prefix
        self.lease = lease if lease is not None else float(specs.load("rate_limits.json")["flight_lease_seconds"])
        self._booked: dict[str, list[str]] = {}  # token -> the window keys it was booked in
        self._redis: Any = aioredis.Redis.from_url(url)
        self._reserve: Any = self._redis.register_script(RESERVE)
        self._hold: Any = self._redis.register_script(HOLD)
        self._release: Any = self._redis.register_script(RELEASE)

    async def reserve(self, windows: Sequence[Window], costs: Sequence[float], *, book: bool = True) -> Booking:
        keys: list[str] = []
        args: list[float] = [1.0 if book else 0.0, self.lease]
        for w, cost in zip(windows, costs, strict=True):
            keys += [f"{self.prefix}:{w.name}", f"{self.prefix}:hold:{w.name}"]
            args += [w.limit, w.span, cost]
        keys.append(f"{self.prefix}:seq")
        granted, wait, seq = await self._reserve(keys=keys, args=args)
        if not int(granted):
            return Booking(False, max(0.0, float(wait)))
        token = seq.decode() if isinstance(seq, bytes) else str(seq)
        self._booked[token] = keys[0:-1:2]
        return Booking(True, 0.0, token)

    async def release(self, token: str) -> None:
        keys = self._booked.pop(token, None)
        if keys:
            await self._release(keys=keys, args=[token])

    async def hold(self, name: str, seconds: float) -> None:
        await self._hold(keys=[f"{self.prefix}:hold:{name}"], args=[seconds])

    async def aclose(self) -> None:
        await self._redis.aclose()
