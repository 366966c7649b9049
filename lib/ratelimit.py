"""Fixed-window rate limits on the Django cache (shared by all workers when it is Redis)."""

import time

from django.core.cache import cache


def ratelimit_hit(key: str, *, limit: int, window: int) -> bool:
    """Count one hit on ``key``; True while the count in the current window is within ``limit``."""
    bucket = f"pinzhi:rl:{key}:{int(time.time() // window)}"
    if cache.add(bucket, 1, window + 1):
        return limit >= 1
    try:
        return cache.incr(bucket) <= limit
    except ValueError:  # expired between add() and incr()
        cache.set(bucket, 1, window + 1)
        return limit >= 1


def ratelimit_exceeded(key: str, *, limit: int, window: int) -> bool:
    """True if ``key`` already used up ``limit`` in the current window (does not count a hit)."""
    return (cache.get(f"pinzhi:rl:{key}:{int(time.time() // window)}") or 0) >= limit
