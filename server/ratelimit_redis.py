"""Rate-limit windows in Redis, so several server processes on one portal share one budget.

Each window is a sorted set of bookings scored by time; one Lua script reads every window,
finds the earliest time the request fits and books it, atomically (no read-modify-write race
between replicas). Times come from the Redis server's clock, so replicas need not agree on theirs.
`redis` is imported only when VIBECODE_REDIS_URL is set.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from server.errors import ConfigError
from server.ratelimit import Booking, Window

# KEYS: per window its zset, then its hold key; then the sequence counter.
# ARGV: max_wait (-1: none), book (1/0), then per window limit, span, cost.
RESERVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local n = (#KEYS - 1) / 2
local max_wait = tonumber(ARGV[1])
local book = tonumber(ARGV[2]) == 1
local start = now
local loads = {}
for i = 1, n do
  local key, span = KEYS[2 * i - 1], tonumber(ARGV[3 * i + 1])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', string.format('%.6f', now - span))
  local last = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')
  if #last > 0 and tonumber(last[2]) > start then start = tonumber(last[2]) end
  local hold = tonumber(redis.call('GET', KEYS[2 * i]) or '0')
  if hold > start then start = hold end
end
local at = start
for i = 1, n do
  local key = KEYS[2 * i - 1]
  local limit, span, cost = tonumber(ARGV[3 * i]), tonumber(ARGV[3 * i + 1]), tonumber(ARGV[3 * i + 2])
  if cost > limit then cost = limit end
  local rows = redis.call('ZRANGEBYSCORE', key, string.format('(%.6f', start - span), '+inf', 'WITHSCORES')
  local load = 0
  for j = 1, #rows, 2 do load = load + tonumber(string.match(rows[j], ':([^:]+)$')) end
  local fit = start
  if load + cost > limit then
    for j = 1, #rows, 2 do
      load = load - tonumber(string.match(rows[j], ':([^:]+)$'))
      if load + cost <= limit then fit = tonumber(rows[j + 1]) + span break end
    end
  end
  if fit > at then at = fit end
end
if (not book) or (max_wait >= 0 and at - now > max_wait) then
  return {0, string.format('%.6f', at - now)}
end
local seq = redis.call('INCR', KEYS[#KEYS])
for i = 1, n do
  local key = KEYS[2 * i - 1]
  local limit, span, cost = tonumber(ARGV[3 * i]), tonumber(ARGV[3 * i + 1]), tonumber(ARGV[3 * i + 2])
  if cost > limit then cost = limit end
  redis.call('ZADD', key, string.format('%.6f', at), seq .. ':' .. cost)
  redis.call('PEXPIRE', key, math.ceil((at - now + span) * 1000) + 1000)
end
return {1, string.format('%.6f', at - now)}
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
    """`Storage` on a Redis server; every key starts with `prefix` (one budget per prefix)."""

    def __init__(self, url: str, prefix: str = "vibecode-mcp:rl") -> None:
        try:
            import redis.asyncio as aioredis
        except ImportError:  # pragma: no cover - the package is a dependency; this guards odd installs
            raise ConfigError(
                "VIBECODE_REDIS_URL is set but the redis package is missing; pip install 'vibecode-mcp[redis]'."
            ) from None
        self.prefix = prefix
        self._redis: Any = aioredis.Redis.from_url(url)
        self._reserve: Any = self._redis.register_script(RESERVE)
        self._hold: Any = self._redis.register_script(HOLD)

    async def reserve(
        self, windows: Sequence[Window], costs: Sequence[float], max_wait: float | None, *, book: bool = True
    ) -> Booking:
        keys: list[str] = []
        args: list[float] = [-1.0 if max_wait is None else max(0.0, max_wait), 1.0 if book else 0.0]
        for w, cost in zip(windows, costs, strict=True):
            keys += [f"{self.prefix}:{w.name}", f"{self.prefix}:hold:{w.name}"]
            args += [w.limit, w.span, cost]
        keys.append(f"{self.prefix}:seq")
        granted, wait = await self._reserve(keys=keys, args=args)
        return Booking(bool(int(granted)), max(0.0, float(wait)))

    async def hold(self, name: str, seconds: float) -> None:
        await self._hold(keys=[f"{self.prefix}:hold:{name}"], args=[seconds])

    async def aclose(self) -> None:
        await self._redis.aclose()
