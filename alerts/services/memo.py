"""A cache that lives for one evaluation pass of the rules engine (and nowhere else).

A pass raises many alerts of the same few companies and projects; who owns them and which
channels carry them does not change within the pass. Outside ``pass_cache()`` nothing is cached,
so a request or a test always reads the current memberships and channels.
"""

from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

T = TypeVar("T")
_CACHE: ContextVar[dict | None] = ContextVar("alerts_pass_cache", default=None)


@contextmanager
def pass_cache() -> Iterator[None]:
    token = _CACHE.set({}) if _CACHE.get() is None else None
    try:
        yield
    finally:
        if token is not None:
            _CACHE.reset(token)


def memoized(key: Hashable, compute: Callable[[], T]) -> T:
    cache = _CACHE.get()
    if cache is None:
        return compute()
    if key not in cache:
        cache[key] = compute()
    return cache[key]
