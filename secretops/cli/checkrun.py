"""What `secretops check` does, shared by the click command and the hook's fast path (no click here)."""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

from secretops.util.progress import Observer


class Outcome(NamedTuple):
    stdout: str
    stderr: str
    code: int


def run(mode: str | None, spec: str | None, format_: str, output: Path | None, baseline: Path | None,
        write_baseline: Path | None, inline_allow: bool, paths: tuple[str, ...], observer: Observer, *,
        cache: bool = True) -> Outcome:
    from secretops.errors import InputError
    from secretops.repo.model import open_repo

    if spec and mode:
        raise InputError("--diff cannot be combined with --staged, --all or --history")
    pushed = pushed_range() if mode in (None, "staged") and not spec else None
    if pushed is not None:  # pre-commit's pre-push stage (or --from-ref/--to-ref): judge what is pushed
        mode, spec, paths = None, pushed, ()
    for target in (output, write_baseline):
        if target is not None and not target.absolute().parent.is_dir():
            raise InputError(f"cannot write {target}: its folder does not exist", hint="create the folder first")
    repo = open_repo(bare_ok=mode == "history" or spec is not None)  # (history is all a mirror clone has)
    rels = tuple(repo.rel(p, must_exist=False) for p in paths)
    if rels and repo.is_git and mode in (None, "staged") and not spec:
        from secretops.check import precommit

        if precommit.under_pre_commit():  # files outside a sparse cone, which pre-commit never passes
            rels += precommit.left_out(repo.root, rels)
    if repo.is_git and not spec:
        from secretops.check import early

        early.begin(repo.root, mode or "staged", rels, repo.config.clear_suffix, cache)  # git reads while we load
    from secretops.check import allow, engine
    from secretops.formats.findings import FORMATS

    default_baseline = repo.root / allow.DEFAULT_BASELINE
    if baseline is None and write_baseline is None and default_baseline.is_file():
        baseline = default_baseline
    opts = engine.Options(mode="diff" if spec else (mode or "staged"), spec=spec, paths=rels,
                          inline_allow=inline_allow, baseline=baseline, cache=cache)
    files = repo.files(include_ignored_clear=False) if not repo.is_git else ()
    report = engine.run(repo.root, repo.is_git, repo.config, opts, observer, files, worktree=not repo.bare)
    if write_baseline is not None:
        count = allow.write_baseline(write_baseline, report.findings)
        return Outcome(f"wrote {count} finding(s) to {write_baseline}\n", "", 0)
    rendered = FORMATS.render(format_, report)
    code = 1 if report.findings else 0
    if output is not None:
        from secretops.util.fsutil import atomic_write

        atomic_write(output, rendered.encode(), 0o644)
        return Outcome("", f"{len(report.findings)} finding(s); report written to {output}\n", code)
    return Outcome(rendered, "", code)


def pushed_range() -> str | None:
    """`FROM..TO` when pre-commit runs a hook for a range of commits: the pre-push stage, or
    `pre-commit run --from-ref A --to-ref B` (PRE_COMMIT_FROM_REF/TO_REF; SOURCE/ORIGIN before 2.0).
    The index is not what is pushed: those commits are."""
    import os

    start = os.environ.get("PRE_COMMIT_FROM_REF") or os.environ.get("PRE_COMMIT_SOURCE")
    end = os.environ.get("PRE_COMMIT_TO_REF") or os.environ.get("PRE_COMMIT_ORIGIN")
    if not start or not end:
        return None
    return f"{start}..{end}"


class Plain(NamedTuple):
    """A `check` call with only flags that take no value: what the hooks and most CI jobs run."""

    mode: str | None
    quiet: bool
    cache: bool
    files: tuple[str, ...]


_MODES = {"--staged": "staged", "--all": "all", "--history": "history"}
_FLAGS = {*_MODES, "-q", "--quiet", "--no-cache"}


def plain_call(args: list[str]) -> Plain | None:
    """`secretops check [--staged|--all|--history] [-q] [--no-cache] [--] [FILE…]`, parsed without
    loading click (~30 ms a run); None for anything else (a value-taking option, two modes, an
    unknown flag, a dash among the files), which click parses and reports."""
    if not args or args[0] != "check":
        return None
    flags, rest = [], args[1:]
    while rest and rest[0].startswith("-") and rest[0] != "--":
        flags.append(rest.pop(0))
    if rest[:1] == ["--"]:
        files = rest[1:]
    elif any(a.startswith("-") for a in rest):
        return None  # an option after a file: click's to parse
    else:
        files = rest
    modes = [_MODES[f] for f in flags if f in _MODES]
    if not set(flags) <= _FLAGS or len(set(modes)) > 1:
        return None
    return Plain(modes[0] if modes else None, bool({"-q", "--quiet"} & set(flags)), "--no-cache" not in flags,
                 tuple(files))


def run_plain(call: Plain) -> Outcome:
    import sys

    from secretops.util.progress import Notes

    observer: Observer = Notes()
    if not call.quiet and sys.stderr.isatty():
        from secretops.cli.progress import Progress

        observer = Progress()
    return run(call.mode, None, "text", None, None, None, True, call.files, observer, cache=call.cache)
