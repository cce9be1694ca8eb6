"""Checker output: text, JSON and SARIF 2.1.0. Pure functions of the report; never the secret."""

from __future__ import annotations

from typing import Any

from secretops import __version__
from secretops.check import registry
from secretops.check.engine import Report
from secretops.formats.interface import Formats
from secretops.util.display import safe

INFO_URI = "https://github.com/secretops/secretops"


def text(report: Report) -> str:
    lines = []
    for f in report.findings:
        where = f"{safe(f.path)}:{f.line}"
        later = f", still in {f.later} later version(s)" if f.later else ""
        commit = f" (commit {f.commit[:12]}{later})" if f.commit else ""
        preview = f" [{safe(f.preview)}]" if f.preview else ""
        lines.append(f"{where}: {f.rule}: {safe(f.message)}{preview}{commit}  fp:{f.fingerprint}")
    summary = f"{len(report.findings)} finding(s) in {report.scanned} file(s) checked ({report.mode})"
    if report.suppressed:
        summary += f", {report.suppressed} suppressed"
    if report.shallow:
        summary += f"; {_shallow_note(report)}"
    return "\n".join([*lines, summary]) + "\n"


def _shallow_note(report: Report) -> str:
    return (f"the clone is shallow: history older than its {report.shallow} boundary commit(s) was not checked "
            "(`git fetch --unshallow`, or a checkout with fetch-depth: 0, checks it all)")


def _utf8(value: str) -> str:
    """``value`` as UTF-8 text: a file name's bytes that are no UTF-8 (git keeps names as bytes; they
    come here as surrogates) are written `\\xff`, as Python shows a byte. Every other character stays."""
    return value.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _uri(path: str) -> str:
    """A repository path as SARIF's relative URI: its bytes percent-encoded (a space, `#`, `%`, a byte
    that is no UTF-8), `/` kept."""
    from urllib.parse import quote

    return quote(path.encode("utf-8", "surrogateescape"), safe="/")


def _as_dict(report: Report) -> dict[str, Any]:
    out = []
    for f in report.findings:
        item: dict[str, Any] = {"rule": f.rule, "severity": f.severity, "path": _utf8(f.path), "line": f.line,
                                "message": _utf8(f.message), "fingerprint": f.fingerprint,
                                "preview": _utf8(f.preview)}
        if f.commit:
            item["commit"] = f.commit
        if f.commits:
            item["commits"] = list(f.commits)
            item["later_versions"] = f.later
        out.append(item)
    shallow = {"shallow_boundary_commits": report.shallow} if report.shallow else {}
    return {"version": 1, "mode": report.mode, "scanned": report.scanned, "suppressed": report.suppressed,
            **shallow, "findings": out}


def as_json(report: Report) -> str:
    import json

    return json.dumps(_as_dict(report), indent=2, ensure_ascii=False) + "\n"


def sarif(report: Report) -> str:
    ids = sorted(report.rule_ids)
    rules = []
    for rid in ids:
        sev, summary, fix = registry.describe(rid)
        rules.append({"id": rid, "name": rid.replace("-", " ").title().replace(" ", ""),
                      "shortDescription": {"text": summary}, "fullDescription": {"text": summary},
                      "help": {"text": fix, "markdown": fix},
                      "defaultConfiguration": {"level": "error" if sev == "error" else "warning"},
                      "properties": {"tags": ["security", "secrets"]}})
    results = []
    for f in report.findings:
        result: dict[str, Any] = {
            "ruleId": f.rule, "ruleIndex": ids.index(f.rule),
            "level": "error" if f.severity == "error" else "warning",
            "message": {"text": _utf8(f.message + (f" [{f.preview}]" if f.preview else ""))},
            "locations": [{"physicalLocation": {
                "artifactLocation": {"uri": _uri(f.path), "uriBaseId": "%SRCROOT%"},
                "region": {"startLine": max(f.line, 1)}}}],
            "partialFingerprints": {"secretops/v1": f.fingerprint},
        }
        if f.commit:
            result["properties"] = {"commit": f.commit, "commits": list(f.commits or (f.commit,))}
        results.append(result)
    import json

    driver = {"name": "secretops", "version": __version__, "informationUri": INFO_URI, "rules": rules}
    # (%SRCROOT% is the repository's root, which each consumer knows: GitHub resolves the paths against the
    # repository; it once said `file:///`, the file system's root, where no path of the report is)
    run: dict[str, Any] = {"tool": {"driver": driver}, "results": results}
    if report.shallow:  # the run did not read all of history: said where a SARIF viewer shows it
        run["invocations"] = [{"executionSuccessful": True, "toolExecutionNotifications": [
            {"level": "warning", "message": {"text": _shallow_note(report)}}]}]
    doc = {"$schema": "https://json.schemastore.org/sarif-2.1.0.json", "version": "2.1.0", "runs": [run]}
    return json.dumps(doc, indent=2) + "\n"


FORMATS: Formats[Report] = Formats({"text": text, "json": as_json, "sarif": sarif})
