"""Small, comment-keeping edits to a repository's plain config files (for `init`)."""

from __future__ import annotations

from pathlib import Path

from secretops.util import yamlio

HOOK = {"id": "secretops", "name": "secretops check", "entry": "secretops check --staged",
        "language": "system", "pass_filenames": False, "always_run": True}


def append_line(path: Path, line: str) -> bytes | None:
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    if line in text.splitlines():
        return None
    return (text + ("" if not text or text.endswith("\n") else "\n") + line + "\n").encode()


def precommit_config(path: Path) -> str | None:
    text = path.read_text(encoding="utf-8") if path.is_file() else "repos: []\n"
    yaml = yamlio.roundtrip(yamlio.detect_indent(text))
    data = yaml.load(text) or {}
    repos = data.setdefault("repos", [])
    if any(h.get("id") == "secretops" for r in repos for h in (r.get("hooks") or [])):
        return None
    repos.append({"repo": "local", "hooks": [dict(HOOK)]})
    return yamlio.dump(yaml, data)


def with_resource(path: Path, name: str) -> str | None:
    """The kustomization.yaml text with ``name`` added to ``resources``, or None if nothing to do."""
    if not path.is_file():
        return None  # no kustomization.yaml: Flux generates one with every file of the folder
    text = path.read_text(encoding="utf-8")
    yaml = yamlio.roundtrip(yamlio.detect_indent(text))
    data = yaml.load(text)
    if not isinstance(data, dict):
        return None
    resources = data.get("resources")
    if resources is None:
        data["resources"] = resources = []
    if not isinstance(resources, list) or name in resources:
        return None
    resources.append(name)
    return yamlio.dump(yaml, data)


def lacks_decryption(path: Path) -> bool:
    if not path.is_file():
        return False
    try:
        docs = yamlio.load_all(path.read_text(encoding="utf-8"), path.name)
    except Exception:  # a file we cannot read is not ours to judge
        return False
    return any(isinstance(d, dict) and d.get("kind") == "Kustomization" and not (d.get("spec") or {}).get("decryption")
               for d in docs)
