"""The history cache is a pure speed-up (issue 24): whatever changes git's view of history (a
deepened or unshallowed clone, grafts, replace refs, pruned or foreign commits), a cached run finds
what `--no-cache` finds; a broken cache is discarded with a note, never a crash or exit 2."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from secretops.check import cache
from tests import helpers
from tests.check.tokens import rand


def _leak() -> str:
    return f"token: {helpers.plant('gh' + 'p_' + rand(36))}\n"


def _run(root: Path, *extra: str) -> tuple[set[tuple[object, ...]], str]:
    res = helpers.run_cli(["check", "--history", "--format", "json", "-q", *extra], root)
    assert res.code in (0, 1) and "Traceback" not in res.text, res.text
    found = {(f["path"], f["rule"], f.get("commit")) for f in json.loads(res.out)["findings"]}
    return found, res.err


def _same(root: Path) -> set[tuple[object, ...]]:
    """The cached run and a full read agree; the cached run's findings."""
    cached, _ = _run(root)
    full, _ = _run(root, "--no-cache")
    assert cached == full
    return cached


@pytest.fixture
def upstream(tmp_path: Path) -> Path:
    """A leak three commits deep, then clean commits."""
    root = tmp_path / "upstream"
    root.mkdir()
    helpers.git(root, "init", "-q", "-b", "main")
    helpers.commit_file(root, "old/values.yaml", _leak(), "the leak")
    helpers.commit_file(root, "old/values.yaml", "token: none\n", "removed")
    for n in range(3):
        helpers.commit_file(root, f"app{n}.yaml", f"n: {n}\n", f"clean {n}")
    return root


def _shallow(upstream: Path, tmp_path: Path) -> Path:
    clone = tmp_path / "clone"
    helpers.git(tmp_path, "clone", "-q", "--depth", "1", f"file://{upstream}", str(clone))
    return clone


def test_unshallow_reads_the_commits_it_brings(upstream: Path, tmp_path: Path) -> None:
    clone = _shallow(upstream, tmp_path)
    assert _same(clone) == set() and cache.path(clone).is_file()
    helpers.git(clone, "fetch", "-q", "--unshallow")
    assert any(f[0] == "old/values.yaml" for f in _same(clone))


def test_deepen_reads_the_commits_it_brings(upstream: Path, tmp_path: Path) -> None:
    clone = _shallow(upstream, tmp_path)
    assert _same(clone) == set()
    for _ in range(4):
        helpers.git(clone, "fetch", "-q", "--deepen", "1")
        found = _same(clone)
    assert any(f[0] == "old/values.yaml" for f in found)


def _hidden_leak(root: Path) -> tuple[str, str]:
    """(a commit that holds a leak and that no ref reaches, HEAD)."""
    helpers.git(root, "checkout", "-q", "-b", "side", "HEAD~1")
    hidden = helpers.commit_file(root, "side/values.yaml", _leak(), "side leak")
    helpers.git(root, "checkout", "-q", "main")
    helpers.git(root, "branch", "-q", "-D", "side")
    return hidden, helpers.git(root, "rev-parse", "HEAD").strip()


def test_a_replace_graft_is_never_read_through_the_cache(upstream: Path) -> None:
    hidden, head = _hidden_leak(upstream)
    assert not any(f[0] == "side/values.yaml" for f in _same(upstream))
    written = cache.path(upstream).read_bytes()
    helpers.git(upstream, "replace", "--graft", head, "HEAD~1", hidden)
    assert any(f[0] == "side/values.yaml" for f in _same(upstream))
    assert cache.path(upstream).read_bytes() == written  # neither used nor written while refs/replace/ bends it
    helpers.git(upstream, "replace", "-d", head)
    assert not any(f[0] == "side/values.yaml" for f in _same(upstream))


def test_info_grafts_are_followed(upstream: Path) -> None:
    hidden, head = _hidden_leak(upstream)
    parent = helpers.git(upstream, "rev-parse", "HEAD~1").strip()
    assert not any(f[0] == "side/values.yaml" for f in _same(upstream))
    helpers.write(upstream / ".git/info/grafts", f"{head} {parent} {hidden}\n")
    assert any(f[0] == "side/values.yaml" for f in _same(upstream))
    (upstream / ".git/info/grafts").unlink()
    assert not any(f[0] == "side/values.yaml" for f in _same(upstream))


def _discarded(root: Path, words: str) -> None:
    full, _ = _run(root, "--no-cache")
    cached, err = _run(root)
    assert cached == full and words in err and err.count("\n") == 1, err
    again, err = _run(root)  # the cache was made anew
    assert again == full and "note:" not in err


@pytest.mark.parametrize("content", [b"null", b"[]", b"{not json", b"\xff\xfe", b'{"version": 1}', b"7", b""])
def test_a_broken_cache_is_discarded_with_a_note(upstream: Path, content: bytes) -> None:
    _run(upstream)
    cache.path(upstream).write_bytes(content)
    _discarded(upstream, "is damaged")


@pytest.mark.parametrize("field,value", [("tips", "x"), ("intro", [[1, 2, 3]]), ("findings", [None]),
                                         ("findings", [{"path": "a"}]), ("scanned", "3"), ("intro", None)])
def test_a_cache_with_a_bad_field_is_discarded(upstream: Path, field: str, value: object) -> None:
    helpers.commit_file(upstream, "new/values.yaml", _leak(), "a second leak")
    _run(upstream)
    data = json.loads(cache.path(upstream).read_text())
    data[field] = value
    cache.path(upstream).write_text(json.dumps(data))
    _discarded(upstream, "is damaged")


def test_a_cache_from_another_clone_is_discarded(upstream: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    helpers.git(other, "init", "-q", "-b", "main")
    helpers.commit_file(other, "x.yaml", "x: 1\n", "other")
    _run(upstream)
    _run(other)
    shutil.copy(cache.path(other), cache.path(upstream))
    _discarded(upstream, "names commits this clone does not have")


def test_a_cache_naming_pruned_commits_is_discarded(upstream: Path) -> None:
    base = helpers.git(upstream, "rev-parse", "HEAD").strip()
    helpers.commit_file(upstream, "gone/values.yaml", _leak(), "a leak that goes")
    _run(upstream)
    helpers.git(upstream, "reset", "-q", "--hard", base)
    helpers.git(upstream, "reflog", "expire", "--expire=now", "--all")
    helpers.git(upstream, "gc", "-q", "--prune=now")
    _discarded(upstream, "names commits this clone does not have")
    assert not any(f[0] == "gone/values.yaml" for f in _run(upstream)[0])


def test_two_history_checks_at_once(upstream: Path) -> None:
    procs = [subprocess.Popen([sys.executable, "-m", "secretops", "check", "--history", "--format", "json", "-q"],
                              cwd=upstream, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    outs = [p.communicate(timeout=300) for p in procs]
    for p, (out, err) in zip(procs, outs):
        helpers.OUTPUTS.append(out + err)
        assert p.returncode == 1 and err == "", err
    assert outs[0][0] == outs[1][0]
    assert _same(upstream)  # whichever wrote the cache, it is whole and right


def test_no_cache_is_written_while_a_command_writes(upstream: Path) -> None:
    from secretops.git import command as git
    from secretops.util import lock

    folder = git.common_dir(upstream)
    assert folder is not None
    code = ("import sys, time; from pathlib import Path; from secretops.util import lock\n"
            f"with lock.hold(Path({str(folder)!r}), 'test'):\n"
            "    print('held', flush=True); sys.stdin.readline()\n")
    holder = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        full, _ = _run(upstream, "--no-cache")
        found, err = _run(upstream)
        assert found == full and err == "" and not cache.path(upstream).exists()
    finally:
        holder.communicate("\n", timeout=60)
    assert _run(upstream)[0] == full and cache.path(upstream).exists()
    assert lock.NAME == "secretops.lock"


def test_a_replaced_commit_cannot_hide_its_parents(upstream: Path) -> None:
    """`git replace` of HEAD by a copy without its leaky parent: the stored objects are read, so the
    commits it hides are still checked (and the replacement too: refs/replace/ is a ref)."""
    leak_commit = helpers.commit_file(upstream, "leak/values.yaml", _leak(), "leak")
    helpers.git(upstream, "rm", "-q", "leak/values.yaml")
    helpers.git(upstream, "commit", "-qm", "removed")
    head = helpers.git(upstream, "rev-parse", "HEAD").strip()
    before = helpers.git(upstream, "rev-parse", f"{leak_commit}~1").strip()
    assert any(f[0] == "leak/values.yaml" for f in _same(upstream))
    helpers.git(upstream, "replace", "--graft", head, before)  # HEAD's parent is now the commit before the leak
    assert helpers.git(upstream, "log", "--format=%H").count(leak_commit) == 0  # git itself no longer shows it
    assert any(f[0] == "leak/values.yaml" for f in _same(upstream))


def test_a_replaced_blob_is_read_as_stored(upstream: Path) -> None:
    commit = helpers.commit_file(upstream, "leak/values.yaml", _leak(), "leak")
    blob = helpers.git(upstream, "rev-parse", f"{commit}:leak/values.yaml").strip()
    benign = helpers.run_proc(["git", "hash-object", "-w", "--stdin"], upstream, input=b"a: b\n").out.strip()
    helpers.git(upstream, "replace", blob, benign)
    assert helpers.git(upstream, "show", f"{commit}:leak/values.yaml") == "a: b\n"  # what git shows
    assert any(f[0] == "leak/values.yaml" for f in _same(upstream))


def test_a_graft_file_cannot_hide_a_parent(upstream: Path) -> None:
    """`.git/info/grafts` (deprecated, still read by git) that makes HEAD a root commit: git itself
    then shows one commit, but the history check reads parents as stored and finds the leak."""
    leak_commit = helpers.commit_file(upstream, "leak/values.yaml", _leak(), "leak")
    helpers.git(upstream, "rm", "-q", "leak/values.yaml")
    helpers.git(upstream, "commit", "-qm", "removed")
    head = helpers.git(upstream, "rev-parse", "HEAD").strip()
    (upstream / ".git" / "info").mkdir(exist_ok=True)
    (upstream / ".git" / "info" / "grafts").write_text(f"{head}\n")
    helpers.git(upstream, "config", "advice.graftFileDeprecated", "false")
    assert helpers.git(upstream, "log", "--format=%H").count(leak_commit) == 0  # git itself no longer shows it
    assert any(f[0] == "leak/values.yaml" for f in _same(upstream))


def test_a_shallow_clone_says_what_history_it_did_not_check(upstream: Path, tmp_path: Path) -> None:
    """A depth-1 clone (CI's default checkout) holds one commit: its history check says so in every
    format, so that "0 findings" is not read as all of history."""
    clone = _shallow(upstream, tmp_path)
    res = helpers.run_cli(["check", "--history", "--no-cache"], clone)
    assert res.code == 0 and "the clone is shallow" in res.out and "1 boundary commit(s)" in res.out
    doc = json.loads(helpers.run_cli(["check", "--history", "--format", "json", "-q"], clone).out)
    assert doc["shallow_boundary_commits"] == 1
    sarif = json.loads(helpers.run_cli(["check", "--history", "--format", "sarif", "-q"], clone).out)
    notes = sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert "shallow" in notes[0]["message"]["text"]
    helpers.git(clone, "fetch", "-q", "--unshallow")
    whole = helpers.run_cli(["check", "--history", "--format", "json", "-q"], clone)
    assert "shallow_boundary_commits" not in json.loads(whole.out) and "shallow" not in whole.text
