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
    if inv.quantum is not None:
        lines += quantum_text(inv)
    return "\n".join(lines) + "\n"


def quantum_text(inv: Inventory) -> list[str]:
    q = inv.quantum
    assert q is not None
    lines = [f"quantum readiness: {len(q.x25519_only)} of {q.encrypted} encrypted file(s) are X25519-only"
             + (f" (e.g. {safe(q.x25519_only[0])}); `secretops rotate start --to-pq --all` moves them" if q.x25519_only
                else "")]
    if q.people_x25519:
        lines.append(f"  {len(q.people_x25519)} X25519 recipient(s) are no cluster's key (people's keys); a move to "
                     "post-quantum keys leaves them as they are: replace them by hand (`secretops updatekeys`)")
        lines += [f"    {short(k)}" for k in q.people_x25519]
    for r in q.clusters:
        lines.append(f"  {safe(r.cluster):<16} {'ready' if r.ready else 'NOT READY':<10} {safe(r.describe())}")
    return lines


def as_json(inv: Inventory) -> str:
    body: dict[str, object] = {"root": inv.root, "layout": list(inv.layout),
                               "files": [dataclasses.asdict(r) for r in inv.rows]}
    if inv.quantum is not None:
        q = inv.quantum
        body["quantum"] = {"x25519_only": list(q.x25519_only), "encrypted": q.encrypted,
                           "people_x25519": list(q.people_x25519),
                           "clusters": [{"cluster": r.cluster, "ready": r.ready, "kustomize_controller": r.version,
                                         "source": r.source, "asserted": r.asserted} for r in q.clusters]}
    return json.dumps(body, indent=2) + "\n"


FORMATS: Formats[Inventory] = Formats({"text": text, "json": as_json})
