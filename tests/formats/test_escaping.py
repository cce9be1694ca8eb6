"""Every text and Markdown output, rendered once with plain names and once with hostile ones in every
field that comes from a user's repository: the same lines, and no hostile name starts one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from secretops.check.engine import Report
from secretops.check.model import Finding
from secretops.formats import findings, inventory, review, rotation
from secretops.rotation.plan import Plan
from secretops.rotation.state import ClusterRef
from secretops.workflow.inventory import FileStatus, Inventory
from secretops.workflow.review import FileChange, Review

MARK = "INJECTED"
HOSTILE = [f"x\n{MARK}", f"x\r{MARK}", f"x\u2028{MARK}", f"x\x85{MARK}", f"x\x1c{MARK}", f"x\u202e{MARK}",
           f"x\x1b[2J{MARK}", f"x\u200b{MARK}"]


def _findings(n: str) -> str:
    return findings.FORMATS.render("text", Report((Finding(n, 3, "credential", "error", n, "0123", n),), 1, 0, "all"))


def _inventory(n: str) -> str:
    row = FileStatus(n, "encrypted", n, "ok", {"age": [n], "kms": [n]}, detail=n)
    return inventory.FORMATS.render("text", Inventory("/r", (row,), layout=(n,)))


def _plan(n: str) -> str:
    plan = Plan((n,), (ClusterRef(n, n, (n,)),), {n: (n,)}, (n,), (n,), 1, (), (n,))
    return rotation.plan_text(rotation.PlanReport(plan, (n,)))


def _review(fmt: str) -> Callable[[str], str]:
    def render(n: str) -> str:
        change = FileChange(n, "changed", (n,), (n,), (n,), (n,), (n,))
        return review.FORMATS.render(fmt, Review(n, (change, FileChange(n, "not-encrypted"))))
    return render


RENDERERS: dict[str, Callable[[str], str]] = {"findings": _findings, "inventory": _inventory, "plan": _plan,
                                              "review-text": _review("text"), "review-markdown": _review("markdown")}


@pytest.mark.parametrize("hostile", HOSTILE, ids=[repr(h) for h in HOSTILE])
@pytest.mark.parametrize("kind", sorted(RENDERERS))
def test_no_user_field_starts_a_line(kind: str, hostile: str) -> None:
    render: Any = RENDERERS[kind]
    plain, shown = render("x"), render(hostile)
    assert len(shown.splitlines()) == len(plain.splitlines())
    assert not any(line.lstrip(" |-`*#>").startswith(MARK) for line in shown.splitlines())
    assert not any(c in shown for c in "\u202e\u200b\x1b\x85\u2028")
