"""The repository model lists and scans once a command, and a command's own writes are seen by its
later steps once it says so (Repo.forget)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from secretops.git import command as git_command
from secretops.repo import discovery
from secretops.repo.model import Repo, open_repo
from secretops.rotation import removal
from secretops.rotation.state import Journal
from tests import helpers


def _count_listings(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, ...]]:
    calls: list[tuple[str, ...]] = []
    real = git_command.ls_files

    def counted(root: Path, *args: str) -> list[str]:
        if ".sops.yaml" not in args:  # the configs' own listing (Repo.sops_config) is apart
            calls.append(args)
        return real(root, *args)

    monkeypatch.setattr(git_command, "ls_files", counted)
    return calls


def _fresh(root: Path) -> Repo:
    return open_repo(root)


def test_files_are_listed_once_however_often_the_steps_ask(fleet: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    helpers.write(fleet / "apps/db.clear.yaml", "kind: Secret\n")  # an ignored clear copy
    expected_all, expected_tracked = _fresh(fleet).files(), _fresh(fleet).files(include_ignored_clear=False)
    assert "apps/db.clear.yaml" in expected_all and "apps/db.clear.yaml" not in expected_tracked
    calls = _count_listings(monkeypatch)
    repo = open_repo(fleet)
    for _ in range(3):
        assert repo.files() == expected_all
        assert repo.files(include_ignored_clear=False) == expected_tracked
    discovery.scan(repo)
    assert repo.topology is not None  # it reads the files it lists
    assert len(calls) == 2  # the files, and the ignored clear copies: each once
    repo.files().clear()  # a caller's copy: the listing is not changed through it
    assert repo.files() == expected_all


def test_the_scan_is_read_once_and_shared(fleet: Path) -> None:
    repo = open_repo(fleet)
    assert discovery.scan(repo) is discovery.scan(repo) is repo.scan


def test_forget_lists_and_reads_the_commands_own_writes(fleet: Path) -> None:
    repo = open_repo(fleet)
    before = discovery.scan(repo)
    copy = "apps/copy.enc.yaml"
    (fleet / copy).write_bytes((fleet / "apps/shared.enc.yaml").read_bytes())
    assert copy not in repo.files()  # listed once a command: the write is not seen yet
    repo.forget()
    assert copy in repo.files()
    after = discovery.scan(repo)
    assert after is not before and copy in {p.rel for p in after.encrypted}
    assert copy not in {p.rel for p in before.encrypted}


def test_an_undo_is_seen_by_the_steps_after_it(fleet: Path) -> None:
    """abort after an interrupted finish scans what it put back, not what the finish had written."""
    head = helpers.git(fleet, "rev-parse", "HEAD").strip()
    changed, added = "apps/shared.enc.yaml", "apps/new.enc.yaml"
    at_head = _fresh(fleet).scan
    other = next(p for p in at_head.encrypted if p.rel != changed and p.meta is not None)
    (fleet / changed).write_bytes((fleet / other.rel).read_bytes())  # what an interrupted command wrote
    (fleet / added).write_bytes((fleet / other.rel).read_bytes())
    repo = open_repo(fleet)
    written = {p.rel: p for p in discovery.scan(repo).encrypted}
    assert added in written and written[changed].text != _by_rel(at_head)[changed].text
    journal = Journal("finish", "r1", head, {"files": [changed, added], "key_secrets": []})
    removal.undo_uncommitted(repo, journal)
    now = {p.rel: p for p in discovery.scan(repo).encrypted}
    assert added not in now and added not in repo.files()
    assert now[changed].text == _by_rel(at_head)[changed].text == (fleet / changed).read_text()


def _by_rel(scan: Any) -> dict[str, Any]:
    return {p.rel: p for p in scan.encrypted}
