"""`secretops diff` output: text, JSON, or Markdown for a pull-request comment or $GITHUB_STEP_SUMMARY.
Key paths of sops files and fingerprints only; never a value."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable

from secretops.formats.interface import Formats
from secretops.util.display import markdown as md
from secretops.util.display import safe, short
from secretops.workflow.review import FileChange, Review, summarize

_WORDS = {"changed": "changed", "added": "new encrypted file", "deleted": "deleted",
          "re-encrypted": "re-encrypted with a new data key (every value's ciphertext changed)",
          "became-unencrypted": "NO LONGER ENCRYPTED",
          "not-encrypted": "NOT ENCRYPTED (a plaintext file under the encrypted name)",
          "clear-file": "a clear working copy is committed"}
_ALARMS = ("became-unencrypted", "not-encrypted", "clear-file")


def _detail(c: FileChange, escape: Callable[[str], str]) -> list[str]:
    """Each key path and recipient through the output kind's one escaping function."""
    out = []
    for label, items in (("added", c.added), ("removed", c.removed), ("changed", c.changed)):
        if items:
            out.append(f"{label}: {', '.join(escape(p) for p in items)}")
    for label, items in (("recipients added", c.recipients_added), ("recipients removed", c.recipients_removed)):
        if items:
            out.append(f"{label}: {', '.join(escape(short(r)) for r in items)}")
    return out


def text(r: Review) -> str:
    lines = [f"secrets in {safe(r.range)}: " + (", ".join(f"{n} {s}" for s, n in sorted(summarize(r.files).items()))
                                                or "no encrypted file changed")]
    for c in r.files:
        lines.append(f"{safe(c.path)}: {_WORDS[c.status]}")
        lines += [f"  {d}" for d in _detail(c, safe)]
    if r.rotation:
        lines.append(f"rotation: {r.rotation}")
    return "\n".join(lines) + "\n"


def markdown(r: Review) -> str:
    """Every outside string (range, paths, key paths, recipients) goes through ``md`` alone."""
    counts = ", ".join(f"{n} {s}" for s, n in sorted(summarize(r.files).items())) or "no encrypted file changed"
    lines = ["### secretops: what this change does to secrets", "", "| range | secrets |", "|---|---|",
             f"| {md(r.range)} | {counts} |", ""]
    if not r.files:
        lines.append("No encrypted file changed.")
    else:
        lines += ["| file | what | key paths and recipients |", "|---|---|---|"]
        for c in r.files:
            what = _WORDS[c.status]
            if c.status in _ALARMS:
                what = f"**{what}**"
            detail = "<br>".join(_detail(c, md)) or "-"
            lines.append(f"| {md(c.path)} | {what} | {detail} |")
    if r.rotation:
        lines += ["", f"**Rotation:** {r.rotation}"]
    lines += ["", "_Values are never shown: a changed key path means its ciphertext changed._"]
    return "\n".join(lines) + "\n"


def as_json(r: Review) -> str:
    return json.dumps({"range": r.range, "files": [dataclasses.asdict(c) for c in r.files], "rotation": r.rotation},
                      indent=2) + "\n"


FORMATS: Formats[Review] = Formats({"text": text, "json": as_json, "markdown": markdown})
