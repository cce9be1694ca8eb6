"""`status` output: a text table or a JSON object with a ``files`` list."""

from __future__ import annotations

import dataclasses
import json

from secretops.formats.interface import Formats
from secretops.util.display import safe, short
from secretops.workflow.inventory import Inventory


def text(inv: Inventory) -> str:
    rows = inv.rows
    lines = [f"layout: {safe(line)}" for line in inv.layout]
    if not rows:
        return "\n".join([*lines, "no encrypted or clear files found"]) + "\n"
    width = max(len(safe(r.path)) for r in rows)
    lines.append(f"{'FILE':<{width}}  {'CLUSTER':<10} {'STATE':<19} RECIPIENTS")
    for r in rows:
        recips = ", ".join(f"{k}:{safe(short(v))}" for k, vs in r.recipients.items() for v in vs) or "-"
        note = f"  ({r.detail})" if r.detail else ""
        where = r.cluster or ",".join(r.clusters) or "-"
        lines.append(f"{safe(r.path):<{width}}  {safe(where):<10} {r.state:<19} {recips}{safe(note)}")
    counts: dict[str, int] = {}
    for r in rows:
        counts[r.state] = counts.get(r.state, 0) + 1
    lines.append(", ".join(f"{n} {s}" for s, n in sorted(counts.items())))
    return "\n".join(lines) + "\n"


def as_json(inv: Inventory) -> str:
    body = {"root": inv.root, "layout": list(inv.layout), "files": [dataclasses.asdict(r) for r in inv.rows]}
    return json.dumps(body, indent=2) + "\n"


FORMATS: Formats[Inventory] = Formats({"text": text, "json": as_json})
