"""Findings name the right commit, and file names cannot drive the terminal."""

from __future__ import annotations

from pathlib import Path

from tests import helpers
from tests.check.conftest import check
from tests.check.tokens import rand


def test_history_names_the_commit_that_brought_the_blob_to_each_path(repo: Path) -> None:
    token = helpers.plant("gh" + "p_" + rand(36))
    first = helpers.commit_file(repo, "a.yaml", f"token: {token}\n", "a")
    second = helpers.commit_file(repo, "b.yaml", f"token: {token}\n", "the same content at another path")
    _code, findings, _out = check(repo, "--history")
    by_path = {f["path"]: f["commit"] for f in findings if f["rule"] == "credential"}
    assert by_path == {"a.yaml": first, "b.yaml": second}


def test_escape_sequences_in_file_names_are_shown_not_sent(repo: Path) -> None:
    token = helpers.plant("gh" + "p_" + rand(36))
    helpers.commit_file(repo, "evil\x1b[2J\x1b[31m.yaml", f"token: {token}\n", "evil name")
    res = helpers.run_cli(["check", "--all"], repo)
    assert res.code == 1 and "\x1b" not in res.text and "\\x1b[2J" in res.out


def test_a_blob_that_a_tag_names_itself_is_checked_under_the_tags_name(repo: Path) -> None:
    """`git tag NAME <blob>` (or an annotated tag of a blob) keeps a blob that no tree gives a path:
    it is in the history as much as any file, and is reported under the tag's name, with or without
    the cache."""
    light, annotated = (helpers.plant("gh" + "p_" + rand(36)) for _ in range(2))
    for name, token, how in (("stash", light, ()), ("kept", annotated, ("-a", "-m", "a blob"))):
        blob = helpers.run_proc(["git", "hash-object", "-w", "--stdin"], repo, input=f"token: {token}\n".encode())
        helpers.git(repo, "tag", *how, name, blob.out.strip())
        assert helpers.git(repo, "cat-file", "-t", f"{name}^{{}}").strip() == "blob"  # git says what it names
    clean = helpers.run_proc(["git", "hash-object", "-w", "--stdin"], repo, input=b"a: b\n").out.strip()
    helpers.git(repo, "tag", "clean", clean)  # the look-alike: a tagged blob with nothing in it
    for args in (("--history", "--no-cache"), ("--history",), ("--history",)):
        _code, findings, _out = check(repo, *args)
        assert sorted((f["path"], f["rule"]) for f in findings) == [
            ("refs/tags/kept", "credential"), ("refs/tags/stash", "credential")], args


def test_a_history_with_no_commit_yet_checks_what_refs_hold(tmp_path: Path) -> None:
    """A new repository (HEAD has no commit, so no tree to read `.sops.yaml` from) is an empty
    history, not a git error; a blob a tag names there is still checked."""
    root = tmp_path / "new"
    root.mkdir()
    helpers.git(root, "init", "-q", "-b", "main")
    assert check(root, "--history")[:2] == (0, [])
    token = helpers.plant("gh" + "p_" + rand(36))
    blob = helpers.run_proc(["git", "hash-object", "-w", "--stdin"], root, input=f"token: {token}\n".encode())
    helpers.git(root, "tag", "kept", blob.out.strip())
    code, findings, _out = check(root, "--history")
    assert code == 1 and [f["path"] for f in findings] == ["refs/tags/kept"]
