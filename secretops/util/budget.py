"""A dict that keeps what was put in it last, up to a budget of bytes: the oldest entries go first."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Recent(Generic[K, V]):
    """Entries weighed by ``weigh(key, value)`` (a blob's length), at most ``budget`` in all; the
    first put in is the first out (a history's versions come in order: the one asked again is recent)."""

    def __init__(self, budget: int, weigh: Callable[[K, V], int]) -> None:
        self._entries: dict[K, V] = {}
        self._budget, self._weigh, self._used = budget, weigh, 0

    def get(self, key: K) -> V | None:
        return self._entries.get(key)

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    def put(self, key: K, value: V) -> None:
        if key in self._entries:
            return
        self._entries[key] = value
        self._used += self._weigh(key, value)
        while self._used > self._budget and self._entries:
            oldest = next(iter(self._entries))
            self._used -= self._weigh(oldest, self._entries.pop(oldest))

    def clear(self) -> None:
        self._entries.clear()
        self._used = 0
