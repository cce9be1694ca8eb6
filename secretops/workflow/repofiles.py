"""Small, comment-keeping edits to a repository's plain config files (for `init`)."""

from __future__ import annotations

from pathlib import Path

from secretops.util import yamlio

# The same hook as the shipped .pre-commit-hooks.yaml: pre-commit passes the files (the staged ones on
# a commit, every tracked one with `run --all-files`), and secretops reads their index content.
HOOK = {"id": "secretops", "name": "secretops check", "entry": "secretops check --staged",
        "language": "system", "pass_filenames": True, "always_run": True,  # a pushed range may pass no file
        "stages": ["pre-commit", "pre-push", "manual"]}


BOM = "\ufeff"


def read_lines_file(path: Path) -> tuple[str, str]:
    """(text, line ending) of a plain config file, its bytes kept: a CRLF file stays CRLF."""
    from secretops.errors import ConfigError

    if path.is_symlink() or (path.exists() and not path.is_file()):
        raise ConfigError(f"{path.name} is a symlink or not a regular file; secretops never writes through one",
                          hint="replace it with a regular file (or remove it), then run again")
    if not path.is_file():
        return "", "\n"
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"{path.name} is not UTF-8 text", hint="fix its encoding, then run again") from None
    return text, "\r\n" if "\r\n" in text else "\n"


def lines_of(text: str) -> list[str]:
    """The lines as git reads them: a BOM before the first, and CR before each LF, are not part of it."""
    return [line.removesuffix("\r") for line in text.removeprefix(BOM).split("\n")]


def append_line(path: Path, line: str) -> bytes | None:
    """The file's bytes with ``line`` appended in its own line ending, or None if it holds the line."""
    text, eol = read_lines_file(path)
    if line in lines_of(text):
        return None
    return (text + ("" if not text or text.endswith("\n") else eol) + line + eol).encode()


def append_lines(path: Path, lines: list[str], comment: str = "") -> bytes | None:
    """The file with the lines it lacks appended (after ``comment``, when there are some), in the
    file's own line ending; its bytes otherwise kept. None when nothing is missing."""
    text, eol = read_lines_file(path)
    have = set(lines_of(text))
    todo = [line for line in dict.fromkeys(lines) if line not in have]
    if not todo:
        return None
    head = [comment] if comment and comment not in have else []
    sep = "" if not text or text.endswith("\n") else eol
    return (text + sep + "".join(f"{ln}{eol}" for ln in head + todo)).encode()


def has_hook(path: Path) -> bool:
    if not path.is_file():
        return False
    data = yamlio.load_all_lenient(path.read_text(encoding="utf-8", errors="replace")) or [None]
    repos = data[0].get("repos") if isinstance(data[0], dict) else None
    return any(isinstance(r, dict) and any(isinstance(h, dict) and str(h.get("id", "")).startswith("secretops")
                                           for h in r.get("hooks") or []) for r in repos or [])


def _unreadable(problem: str) -> Exception:
    from secretops.errors import ConfigError

    return ConfigError(f".pre-commit-config.yaml {problem}", hint="fix it (`pre-commit validate-config`), or add "
                       "the secretops hook to it by hand, then run again")


def precommit_config(path: Path) -> str | None:
    """The config with the secretops hook added (a ruamel round trip: every other line and comment
    stays, and its line endings), or None when a secretops hook is there already. A config that
    pre-commit could not read either is refused before anything is written."""
    import warnings

    from ruamel.yaml.error import YAMLError

    text, eol = read_lines_file(path)
    if not text.strip() and not path.is_file():
        text = "repos: []\n"
    if has_hook(path):
        return None
    body = text.removeprefix(BOM).replace("\r\n", "\n")
    yaml = yamlio.roundtrip(yamlio.detect_indent(body))
    yaml.explicit_start = body.lstrip().startswith("---")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            data = yaml.load(body)
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise _unreadable(f"is not valid YAML or holds more than one document{where}") from None
    hook = {"repo": "local", "hooks": [dict(HOOK)]}
    if data is None:  # only comments (or nothing): they stay as they are, the hook comes after them
        yaml.explicit_start = False
        added = yamlio.dump(yaml, {"repos": [hook]})
        out = body + ("" if not body or body.endswith("\n") else "\n") + added
    else:
        if not isinstance(data, dict) or not isinstance(data.setdefault("repos", []), list):
            raise _unreadable("has no `repos` list")
        data["repos"].append(hook)
        out = yamlio.dump(yaml, data)
    return (BOM if text.startswith(BOM) else "") + out.replace("\n", eol)


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
