"""Run every registered rule over the blobs of one mode, then apply allows and the baseline."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from secretops.check import allow, rules_content, rules_files, sources  # noqa: F401  (registers the rules)
from secretops.check.model import REGISTRY, REPO_RULES, Blob, FileView, Finding, Settings
from secretops.errors import InputError, SecretopsError
from secretops.git import command as git
from secretops.repo.config import Config
from secretops.util.progress import Observer, Silent

if TYPE_CHECKING:
    from secretops.sops.creation_rules import SopsConfig

MODES = ("staged", "diff", "all", "history")


class Options(NamedTuple):
    mode: str = "staged"
    spec: str | None = None  # BASE..HEAD for diff
    paths: tuple[str, ...] = ()
    inline_allow: bool = True
    baseline: Path | None = None


class Report(NamedTuple):
    findings: tuple[Finding, ...]
    scanned: int
    suppressed: int
    mode: str

    @property
    def rule_ids(self) -> tuple[str, ...]:
        return tuple(sorted({*REGISTRY, *REPO_RULES}))


def _sops_config(root: Path, is_git: bool, rev: str) -> SopsConfig | None:
    """`.sops.yaml` as of what is being checked: the index, the range's head, or the tree."""
    from secretops.sops import creation_rules as rules

    if not is_git:
        return rules.load(root) if (root / ".sops.yaml").is_file() else None
    res = git.git(root, "cat-file", "blob", f"{rev}:.sops.yaml", ok_codes=(0, 128))
    if res.returncode != 0:
        return None
    try:
        return rules.parse_text(res.stdout.decode("utf-8", "replace"), root / ".sops.yaml")
    except SecretopsError:
        return None


def _blobs(root: Path, is_git: bool, opts: Options, files: Iterable[str], obs: Observer) -> Iterable[Blob]:
    if not is_git:
        if opts.mode != "all":
            raise InputError(f"--{opts.mode} needs a git repository", hint="use --all on a plain folder")
        return sources.worktree(root, [f for f in files if not opts.paths or f.startswith(opts.paths)], obs)
    if opts.mode == "staged":
        return sources.staged(root, opts.paths, obs)
    if opts.mode == "all":
        return sources.tracked(root, opts.paths, obs)
    if opts.mode == "diff":
        spec = opts.spec or ""
        if ".." not in spec:
            raise InputError(f"--diff takes BASE..HEAD, got {spec!r}", hint="for example --diff origin/main..HEAD")
        git.git(root, "rev-parse", "--verify", "-q", spec.split("..")[0].rstrip(".") or "HEAD",
                ok_codes=(0,))
        return sources.commit_range(root, spec, opts.paths, obs)
    blobs, _first = sources.history(root, obs)
    return blobs


def _gitignore(root: Path, config: Config) -> list[Finding]:
    probes = [f"secretops-probe{config.clear_suffix}", f"{config.clusters_dir}/x/x{config.clear_suffix}"]
    if git.ignored(root, probes):
        return []
    sev, _summary, fix = REPO_RULES["gitignore"]
    from secretops.util.redact import fingerprint

    return [Finding(".gitignore", 1, "gitignore", sev, f"clear files (*{config.clear_suffix}) are not ignored; {fix}",
                    fingerprint(f"gitignore\0{config.clear_suffix}"))]


_STRUCTURAL = {"partially-encrypted", "plaintext-secret"}


def _dedupe(findings: list[Finding]) -> list[Finding]:
    """A value already reported as plaintext in a Secret or sops file is not a second `credential`."""
    taken = {f.line for f in findings if f.rule in _STRUCTURAL}
    return [f for f in findings if f.rule != "credential" or f.line not in taken]


def run(root: Path, is_git: bool, config: Config, opts: Options, observer: Observer | None = None,
        files: Iterable[str] = ()) -> Report:
    obs = observer or Silent()
    rev = {"staged": "", "all": "", "diff": (opts.spec or "..HEAD").split("..")[-1] or "HEAD",
           "history": "HEAD"}.get(opts.mode)
    settings = Settings(config.encrypted_suffix, config.clear_suffix, opts.mode == "history",
                        functools.partial(_sops_config, root, is_git, rev or ":0"))
    found: list[Finding] = []
    scanned = suppressed = 0
    baseline = allow.load_baseline(opts.baseline) if opts.baseline else None
    for blob in _blobs(root, is_git, opts, files, obs):
        scanned += 1
        view = FileView(blob, settings)
        for finding in _dedupe([f for info in REGISTRY.values() for f in info.check(view)]):
            if opts.inline_allow and allow.inline_allowed(finding, view.lines):
                suppressed += 1
                continue
            found.append(finding)
    uses_sops = (root / ".sops.yaml").is_file() or (root / ".secretops.yaml").is_file()
    if is_git and opts.mode != "history" and uses_sops:  # clear copies exist only where sops is used
        found += _gitignore(root, config)
    if baseline:
        kept = [f for f in found if not baseline.suppresses(f)]
        suppressed += len(found) - len(kept)
        found = kept
    unique = sorted(set(found), key=lambda f: (f.path, f.line, f.rule, f.commit or ""))
    return Report(tuple(unique), scanned, suppressed, opts.mode)
