"""`status` output: a text table or a JSON object with a ``files`` list."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Sequence

from secretops.util.display import short
from secretops.workflow.inventory import FileStatus


def text(rows: Sequence[FileStatus], root: str) -> str:
    if not rows:
        return "no encrypted or clear files found\n"
    lines = []
    width = max(len(r.path) for r in rows)
    for r in rows:
        recips = ", ".join(f"{k}:{short(v)}" for k, vs in r.recipients.items() for v in vs) or "-"
        note = f"  ({r.detail})" if r.detail else ""
        lines.append(f"{r.path:<{width}}  {r.cluster or '-':<10} {r.state:<19} {recips}{note}")
    counts: dict[str, int] = {}
    for r in rows:
        counts[r.state] = counts.get(r.state, 0) + 1
    lines.append(", ".join(f"{n} {s}" for s, n in sorted(counts.items())))
    return "\n".join(lines) + "\n"


def as_json(rows: Sequence[FileStatus], root: str) -> str:
    return json.dumps({"root": root, "files": [dataclasses.asdict(r) for r in rows]}, indent=2) + "\n"


FORMATS: dict[str, Callable[[Sequence[FileStatus], str], str]] = {"text": text, "json": as_json}


def render(name: str, rows: Sequence[FileStatus], root: str) -> str:
    return FORMATS[name](rows, root)
