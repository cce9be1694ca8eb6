"""Small, comment-keeping edits to a repository's plain config files (for `init`)."""

from __future__ import annotations

from pathlib import Path

from secretops.util import yamlio

# The same hook as the shipped .pre-commit-hooks.yaml: pre-commit passes the files (the staged ones on
# a commit, every tracked one with `run --all-files`), and secretops reads their index content.
HOOK = {"id": "secretops", "name": "secretops check", "entry": "secretops check --staged",
        "language": "system", "pass_filenames": True, "always_run": True,  # a pushed range may pass no file
        "stages": ["pre-commit", "pre-push", "manual"]}


def append_line(path: Path, line: str) -> bytes | None:
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    if line in text.splitlines():
        return None
    return (text + ("" if not text or text.endswith("\n") else "\n") + line + "\n").encode()


def has_hook(path: Path) -> bool:
    if not path.is_file():
        return False
    data = yamlio.load_all_lenient(path.read_text(encoding="utf-8", errors="replace")) or [None]
    repos = data[0].get("repos") if isinstance(data[0], dict) else None
    return any(isinstance(r, dict) and any(isinstance(h, dict) and str(h.get("id", "")).startswith("secretops")
                                           for h in r.get("hooks") or []) for r in repos or [])


def precommit_config(path: Path) -> str | None:
    """The config with the secretops hook added (a ruamel round trip: every other line and comment
    stays), or None when a secretops hook is there already."""
    if has_hook(path):
        return None
    text = path.read_text(encoding="utf-8") if path.is_file() else "repos: []\n"
    yaml = yamlio.roundtrip(yamlio.detect_indent(text))
    yaml.explicit_start = text.lstrip().startswith("---")
    data = yaml.load(text)
    if data is None:
        data = yaml.load("repos: []\n")
    if not isinstance(data, dict) or not isinstance(data.setdefault("repos", []), list):
        from secretops.errors import ConfigError

        raise ConfigError(".pre-commit-config.yaml has no `repos` list", hint="fix it, or add the hook by hand")
    data["repos"].append({"repo": "local", "hooks": [dict(HOOK)]})
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


def decrypting_paths(root: Path, files: list[str]) -> set[str] | None:
    """The `spec.path` of every Flux Kustomization manifest in the repository that decrypts with
    sops; None when the repository holds no Kustomization manifest at all (nothing to judge by)."""
    found: set[str] = set()
    seen = False
    for rel in files:
        if not rel.endswith((".yaml", ".yml")):
            continue
        try:
            data = (root / rel).read_bytes()
        except OSError:
            continue
        if b"kustomize.toolkit.fluxcd.io" not in data:
            continue
        for doc in yamlio.load_all_lenient(data.decode("utf-8", "replace")) or []:
            if isinstance(doc, dict) and doc.get("kind") == "Kustomization":
                seen = True
                spec = doc.get("spec") or {}
                if isinstance(spec, dict) and (spec.get("decryption") or {}).get("provider") == "sops":
                    found.add(str(spec.get("path") or "").strip().removeprefix("./").strip("/"))
    return found if seen else None


def lacks_decryption(path: Path) -> bool:
    if not path.is_file():
        return False
    try:
        docs = yamlio.load_all(path.read_text(encoding="utf-8"), path.name)
    except Exception:  # a file we cannot read is not ours to judge
        return False
    return any(isinstance(d, dict) and d.get("kind") == "Kustomization" and not (d.get("spec") or {}).get("decryption")
               for d in docs)
