"""util/budget.Recent: what was put in last is kept, up to a budget of bytes, the oldest going first."""

from __future__ import annotations

from secretops.util.budget import Recent


def test_the_oldest_entries_go_first_when_the_budget_is_spent() -> None:
    kept: Recent[str, bytes] = Recent(10, lambda _key, value: len(value))
    kept.put("a", b"1234")
    kept.put("b", b"5678")
    assert "a" in kept and kept.get("b") == b"5678"
    kept.put("c", b"90")  # 10 bytes: all kept
    assert "a" in kept
    kept.put("d", b"x")  # 11: the oldest goes
    assert "a" not in kept and kept.get("a") is None and "b" in kept and "d" in kept


def test_an_entry_put_again_is_neither_replaced_nor_counted_twice() -> None:
    kept: Recent[str, bytes] = Recent(8, lambda _key, value: len(value))
    kept.put("a", b"1234")
    kept.put("a", b"other")
    kept.put("b", b"5678")
    assert kept.get("a") == b"1234" and "b" in kept


def test_an_entry_larger_than_the_budget_is_not_kept_and_clear_empties_it() -> None:
    kept: Recent[bytes, int] = Recent(4, lambda key, _value: len(key))
    kept.put(b"large key", 1)
    assert b"large key" not in kept
    kept.put(b"ab", 2)
    kept.clear()
    assert b"ab" not in kept
    kept.put(b"abcd", 3)
    assert kept.get(b"abcd") == 3
