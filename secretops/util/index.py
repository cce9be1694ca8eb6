"""Lookups that answer as a search in order would."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from typing import TypeVar

Item = TypeVar("Item")
Key = TypeVar("Key", bound=Hashable)


def first_by(items: Iterable[Item], key: Callable[[Item], Key]) -> dict[Key, Item]:
    """Each key's first item: what `next(i for i in items if key(i) == k)` finds, in one pass."""
    out: dict[Key, Item] = {}
    for item in items:
        out.setdefault(key(item), item)
    return out
