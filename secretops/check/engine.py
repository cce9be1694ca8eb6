"""Run every registered rule over the blobs of one mode, then apply allows and the baseline."""

from __future__ import annotations

import functools
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from secretops.check import allow, early, registry, sources, workers
from secretops.check.model import REPO_RULES, Finding, Settings
from secretops.errors import ConfigError, InputError
from secretops.git import blobs as blobs_mod
from secretops.git import command as git
from secretops.repo import config as config_mod
from secretops.repo.config import Config
from secretops.util.display import safe
from secretops.util.progress import Observer, Silent

if TYPE_CHECKING:
    from secretops.sops.creation_rules import SopsConfigs

MODES = ("staged", "diff", "all", "history")


class Options(NamedTuple):
    mode: str = "staged"
    spec: str | None = None  # BASE..HEAD for diff
    paths: tuple[str, ...] = ()
    inline_allow: bool = True
    baseline: Path | None = None
    cache: bool = True  # --history: read only the commits added since the last run (check/cache.py)


class Report(NamedTuple):
    findings: tuple[Finding, ...]
    scanned: int
    suppressed: int
    mode: str
    shallow: int = 0  # history of a shallow clone: its boundary commits (what is older was not checked)

    @property
    def rule_ids(self) -> tuple[str, ...]:
        return registry.all_ids()


def _sops_config(root: Path, is_git: bool, rev: str) -> SopsConfigs | None:
    """Every `.sops.yaml` as of what is being checked: the index, the range's head, or the tree, with
    the names of the files there (which rules make a claim depends on them). A broken one is a
    ConfigError (exit 2): it decides which files must be encrypted, so nothing is skipped."""
    from secretops.repo.model import walk
    from secretops.sops import creation_rules

    @functools.cache
    def names() -> list[str]:
        if not is_git:
            return walk(root)
        if rev == ":0":
            return git.ls_files(root, "--cached")
        listed = git.git(root, *early.HEAD_NAMES[:-1], rev, timeout=600, ok_codes=(0, 128))
        if listed.returncode and rev == "HEAD" and git.head(root) is None:
            return []  # no commit yet on this branch (a new repository, an orphan branch): HEAD holds no file
        if listed.returncode:  # asked again for git's own error, as any other call of it says it
            listed = git.git(root, *early.HEAD_NAMES[:-1], rev, timeout=600)
        return git.split_z(listed.stdout)

    blobs: dict[str, bytes | None] = {}
    if is_git and rev == ":0":  # the index's configs without listing every file (the hook's path)
        from secretops.git.blobs import reader

        records = git.index_records(root, *early.CONFIG_PATHSPECS)
        creation_rules.require_no_config_folder([path for _mode, _oid, path in records])
        found = {path: oid if mode.startswith("100") else None  # a link or a submodule: not a file
                 for mode, oid, path in records if creation_rules.is_config(path)}
        wanted = [oid for oid in found.values() if oid]
        data = {piece.oid: piece.data for piece in reader(root).pieces(wanted, sys.maxsize)}
        blobs = {path: data[oid] if oid else None for path, oid in found.items()}
    else:
        creation_rules.require_no_config_folder(names())
        blobs = {rel: _reader(root, is_git, rev, rel, None) for rel in names() if creation_rules.is_config(rel)}
    readable: dict[str, bytes] = {}
    for rel, content in blobs.items():
        if content is None:
            raise ConfigError(f"{safe(rel)} cannot be read (a symlink or not a file)",
                              hint="make it a regular file; secretops never follows a link")
        readable[rel] = content
    if not readable:
        return None
    configs = creation_rules.SopsConfigs(tuple(creation_rules.parse_bytes(data, root / rel, rel)
                                               for rel, data in sorted(readable.items())))
    return configs._replace(claiming=functools.cache(lambda: creation_rules.claiming_rules(configs, names())))


def _reader(root: Path, is_git: bool, rev: str, path: str, commit: str | None) -> bytes | None:
    """A file as of what is checked: the index, a commit (history, ranges), or the folder."""
    if not is_git:
        target = root / path
        return target.read_bytes() if target.is_file() and not target.is_symlink() else None
    spec = f"{commit}:{path}" if commit else (f":0:{path}" if rev == ":0" else f"{rev}:{path}")
    res = git.git(root, "cat-file", "blob", spec, ok_codes=(0, 128))
    return res.stdout if res.returncode == 0 else None


def _source(root: Path, is_git: bool, opts: Options, files: Iterable[str], obs: Observer,
            span: git.Range | None) -> sources.Source:
    if not is_git:
        if opts.mode != "all":
            raise InputError(f"--{opts.mode} needs a git repository", hint="use --all on a plain folder")
        return sources.worktree(root, [f for f in files if not opts.paths or f.startswith(opts.paths)], obs)
    if opts.mode == "staged":
        return sources.staged(root, opts.paths, obs)
    if opts.mode == "all":
        return sources.tracked(root, opts.paths, obs)
    if opts.mode == "diff" and span is not None:
        return sources.commit_range(root, span.revs, opts.paths, obs)
    raise InputError(f"unknown mode {safe(opts.mode)}", hint=f"use one of: {', '.join(MODES)}")  # history: _history


def _range(root: Path, spec: str) -> git.Range:
    found = git.commit_range(root, spec)
    if found is None:
        raise InputError("--diff takes BASE..HEAD", hint="for example --diff origin/main..HEAD")
    return found


def _clear_copies(root: Path, config: Config) -> bool:
    """A clear copy exists in the work tree (ignored or not) or in the index."""
    tracked_or_not, ignored = early.clear_copy_listings(config.clear_suffix)
    return bool(git.split_z(git.git(root, *tracked_or_not).stdout)) or bool(git.split_z(git.git(root, *ignored).stdout))


def _gitignore(root: Path, config: Config) -> list[Finding]:
    probes = [f"secretops-probe{config.clear_suffix}", f"{config.clusters_dir}/x/x{config.clear_suffix}"]
    if git.ignored(root, probes):
        return []
    sev, _summary, fix = REPO_RULES["gitignore"]
    from secretops.util.redact import fingerprint

    return [Finding(".gitignore", 1, "gitignore", sev, f"clear files (*{config.clear_suffix}) are not ignored; {fix}",
                    fingerprint(f"gitignore\0{config.clear_suffix}"))]


def run(root: Path, is_git: bool, config: Config, opts: Options, observer: Observer | None = None,
        files: Iterable[str] = (), *, worktree: bool = True) -> Report:
    """The check of ``opts.mode``; ``worktree`` False: a bare repository, whose history and ranges are
    all there is (no clear copy can lie beside them)."""
    obs = observer or Silent()
    span = _range(root, opts.spec or "") if opts.mode == "diff" and is_git else None  # (its ends read once)
    rev = {"staged": "", "all": "", "diff": span.head if span else "", "history": "HEAD"}.get(opts.mode)
    baseline = allow.load_baseline(opts.baseline) if opts.baseline else None
    load_config = functools.partial(_sops_config, root, is_git, rev or ":0")
    reader = functools.partial(_reader, root, is_git, rev or ":0")
    if opts.mode == "history" and is_git:
        source, (found, scanned, suppressed) = _history(root, config, opts, load_config, obs, reader)
    else:
        source = _source(root, is_git, opts, files, obs, span)
        settings = Settings(config.encrypted_suffix, config.clear_suffix, opts.mode == "history", load_config,
                            small_scan=workers.small(source), read=reader, staged=opts.mode == "staged")
        found, scanned, suppressed = workers.check_many(source, settings, opts.inline_allow)
    # Only where the clear-file convention is in use (the config declares it, a clear copy exists, or
    # the change touches .gitignore); a commit is judged for what it changes.
    changed = set(source.paths) & {".gitignore", ".secretops.yaml"} if opts.mode in ("staged", "diff") else set()
    if is_git and worktree and opts.mode != "history" and (opts.mode != "staged" or changed) and (
            ".gitignore" in changed or (root / config_mod.FILENAME).is_file() or _clear_copies(root, config)):
        found += _gitignore(root, config)
    if baseline:
        kept = [f for f in found if not baseline.suppresses(f)]
        suppressed += len(found) - len(kept)
        found = kept
    unique = sorted(set(found), key=lambda f: (f.path, f.line, f.rule, f.commit or ""))
    if source.order:
        unique = once_per_secret(unique, source.order)
    shallow = len(blobs_mod.shallow_boundary(root)) if opts.mode == "history" and is_git else 0
    return Report(tuple(unique), scanned, suppressed, opts.mode, shallow)


def _history(root: Path, config: Config, opts: Options, load_config: functools.partial[SopsConfigs | None],
             obs: Observer, reader: functools.partial[bytes | None]) -> tuple[sources.Source, workers.Tally]:
    """Every blob of history, each once; with the cache, only those of commits added since."""
    from secretops.check import cache as cache_mod
    from secretops.git import blobs

    def settings(source: sources.Source) -> Settings:
        return Settings(config.encrypted_suffix, config.clear_suffix, True, load_config,
                        small_scan=workers.small(source), read=reader)

    # (a check of some paths only neither reads nor writes the cache, which holds the whole history's)
    graph = cache_mod.graph_words(root) if opts.cache and not opts.paths and not blobs.refs_beyond_commits(root) \
        else None
    use = graph is not None
    key = cache_mod.key_of(root, f"{config.encrypted_suffix}\0{config.clear_suffix}\0{opts.inline_allow}\0{graph}") \
        if use else ""
    now = cache_mod.tips(root) if use else ()
    cached = cache_mod.load(root, key, obs.info) if use else None
    if cached is None:
        history = sources.History(root, obs, opts.paths)
        source = history.source()
        tally = workers.check_many(source, settings(source), opts.inline_allow)
        tally = tally._replace(findings=history.attributed(tally.findings))
        if use:
            cache_mod.save(root, cache_mod.HistoryCache(key, now, history.intro(), tally.findings, tally.scanned,
                                                        tally.suppressed))
        return source._replace(order=history.order), tally
    fresh = blobs.introductions(root, [*now, "--not", *cached.tips]) if set(now) - set(cached.tips) else []
    seen = {(o, p) for _c, o, p in cached.intro}
    first: dict[tuple[str, str], str] = {}
    for commit, oid, path in fresh:
        if (oid, path) not in seen:
            first.setdefault((oid, path), commit)
    source = sources.blobs_of(root, [(p, o) for o, p in first], first, obs)
    new = workers.check_many(source, settings(source), opts.inline_allow)
    intro = [*cached.intro, *fresh]
    tally = workers.Tally([*cached.findings, *new.findings], cached.scanned + new.scanned,
                          cached.suppressed + new.suppressed)
    cache_mod.save(root, cache_mod.HistoryCache(key, now, intro, tally.findings, tally.scanned, tally.suppressed))
    return source._replace(order=sources.order_of(intro)), tally


def once_per_secret(findings: list[Finding], order: dict[str, int]) -> list[Finding]:
    """One finding per (path, rule, secret): at the commit that introduced it, with the number of later
    versions that still hold it and every such commit (the JSON keeps them all)."""
    groups: dict[tuple[str, str, str], list[Finding]] = {}
    for f in findings:
        groups.setdefault((f.path, f.rule, f.fingerprint), []).append(f)
    out = []
    for group in groups.values():
        group.sort(key=lambda f: order.get(f.commit or "", -1))
        commits = tuple(dict.fromkeys(f.commit for f in group if f.commit))
        out.append(group[0]._replace(later=len(commits) - 1 if commits else 0, commits=commits))
    return sorted(out, key=lambda f: (f.path, f.line, f.rule, f.commit or ""))
