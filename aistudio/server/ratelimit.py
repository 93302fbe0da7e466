"""Per-key token buckets in memory (one process; no awaits inside, so no lock is needed).

Each key refills at `rate_per_s` up to `burst` tokens; a request spends one. Memory is
bounded: keys are kept in recency order and the least recently seen go first. Forgetting an
idle key changes nothing (after burst/rate seconds its bucket is full anyway); forgetting a
busy one under pressure only hands it one fresh burst.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable

from aistudio.errors import RateLimited


class TokenBucketLimiter:
    def __init__(
        self,
        rate_per_s: float,
        burst: int,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 100_000,
    ) -> None:
        if rate_per_s <= 0:
            raise ValueError("rate_per_s must be positive")
        if burst < 1:
            raise ValueError("burst must be at least 1")
        if max_keys < 1:
            raise ValueError("max_keys must be at least 1")
        self.rate_per_s = rate_per_s
        self.burst = burst
        self._clock = clock
        self._max_keys = max_keys
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # tokens, seen at

    def __len__(self) -> int:
        return len(self._buckets)

    def check(self, key: str) -> float | None:
        """Spend a token for `key`: None if allowed, else seconds until one is available."""
        now = self._clock()
        bucket = self._buckets.pop(key, None)  # re-inserted below, at the recent end
        if bucket is None:
            tokens = float(self.burst)
        else:
            tokens, seen_at = bucket
            # max(0, ...): a clock that steps back must not drain the bucket.
            tokens = min(float(self.burst), tokens + max(0.0, now - seen_at) * self.rate_per_s)
        wait: float | None = None
        if tokens >= 1:
            tokens -= 1
        else:
            wait = (1 - tokens) / self.rate_per_s
        self._buckets[key] = (tokens, now)
        while len(self._buckets) > self._max_keys:
            self._buckets.popitem(last=False)
        return wait

    def waiting(self, key: str) -> float | None:
        """Without spending: None if `key` has a token now, else seconds until it has one."""
        bucket = self._buckets.get(key)
        if bucket is None:
            return None
        tokens, seen_at = bucket
        refill = max(0.0, self._clock() - seen_at) * self.rate_per_s
        tokens = min(float(self.burst), tokens + refill)
        return None if tokens >= 1 else (1 - tokens) / self.rate_per_s

    def enforce(self, key: str) -> None:
        """Like check(), but raise RateLimited (HTTP 429, with retry_after_s) when refused."""
        wait = self.check(key)
        if wait is not None:
            raise RateLimited(
                f"rate limit of {self.rate_per_s:g}/s (burst {self.burst}) exceeded; "
                f"retry in {wait:.1f}s",
                retry_after_s=wait,
            )
