"""Reading blobs and history through the git seam, checked against git itself."""

from __future__ import annotations

from pathlib import Path

import pytest

from secretops.git import blobs
from tests import helpers


def _repo(tmp_path: Path) -> tuple[Path, dict[str, bytes]]:
    root = tmp_path / "g"
    root.mkdir()
    helpers.git(root, "init", "-q", "-b", "main")
    for n in range(5):
        helpers.write(root / f"d/f{n}.yaml", f"n: {n}\n" * (n + 1))
    helpers.git(root, "add", "-A")
    helpers.git(root, "commit", "-qm", "base")
    oids = {helpers.git(root, "rev-parse", f"HEAD:d/f{n}.yaml").strip(): n for n in range(5)}
    return root, {oid: helpers.run_proc(["git", "cat-file", "blob", oid], root).out.encode() for oid in oids}


def test_a_reader_left_mid_call_is_spent_not_reused(tmp_path: Path) -> None:
    root, truth = _repo(tmp_path)
    oids = list(truth)
    reader = blobs.Reader(root)
    stopped = reader.pieces(oids, 1 << 20)
    next(stopped)
    stopped.close()  # four answers are still in the pipe: the reader is spent, never reused
    assert reader.broken and reader._child.poll() is not None


def test_fetch_after_a_call_left_mid_way_reads_the_right_blobs(tmp_path: Path) -> None:
    from secretops.check import sources

    root, truth = _repo(tmp_path)
    refs = [sources.Ref(f"x{n}", oid) for n, oid in enumerate(truth)]
    try:
        stopped = sources.fetch(root, refs)
        next(stopped)
        stopped.close()
        assert {b.oid: b.data for b in sources.fetch(root, refs[::-1])} == truth
    finally:
        blobs.close_readers()


def test_history_in_parallel_shares_finds_what_git_log_finds(tmp_path: Path) -> None:
    root, _truth = _repo(tmp_path)
    helpers.git(root, "checkout", "-qb", "side")
    helpers.write(root / "d/side.yaml", "side: 1\n")
    helpers.git(root, "add", "-A")
    helpers.git(root, "commit", "-qm", "side")
    helpers.git(root, "checkout", "-q", "main")
    helpers.write(root / "d/f0.yaml", "changed\n")
    helpers.git(root, "commit", "-qam", "main")
    helpers.git(root, "merge", "-q", "--no-edit", "side")
    order = blobs.topo_order(root)()
    listed = helpers.git(root, "log", "--all", "-m", "--raw", "--no-abbrev", "--format=commit %H")
    expected, commit = set(), ""
    for line in listed.splitlines():
        if line.startswith("commit "):
            commit = line.split()[1]
        elif line.startswith(":") and line.split()[4] != "D":
            meta, path = line.split("\t", 1)
            old = meta.split()[2]
            expected.add((commit, meta.split()[3], path, None if not old.strip("0") else old))
    assert any(row[3] for row in expected) and any(row[3] is None for row in expected)
    for parts in (1, 2, 3):
        assert set(blobs.introductions_of(root, list(order), parts)) == expected


def test_a_blob_read_while_another_call_is_under_way_gets_its_own_reader(tmp_path: Path) -> None:
    """Checking a blob can read another (the `.sops.yaml`, a secretGenerator's input) while the
    first call still streams: that read goes through a second reader, and both answers are git's."""
    root, truth = _repo(tmp_path)
    oids = list(truth)
    try:
        outer = blobs.reader(root)
        got = {}
        for piece in outer.pieces(oids, 1 << 20):
            inner = blobs.reader(root)
            assert inner is not outer
            got[piece.oid] = (piece.data, [p.data for p in inner.pieces(oids[::-1], 1 << 20)])
        assert {oid: data for oid, (data, _inner) in got.items()} == truth
        assert all(inner_data == [truth[o] for o in oids[::-1]] for _data, inner_data in got.values())
        assert blobs.reader(root) is outer  # idle again: reused
    finally:
        blobs.close_readers()


def test_a_shallow_boundary_that_cannot_be_read_is_an_error_not_a_traceback(tmp_path: Path) -> None:
    """Which history a shallow clone left out is part of a history check's report: when git's
    `shallow` file cannot be read, the check says so (GitError: one line, exit 2), never a partial
    "0 findings"."""
    from secretops.errors import GitError

    root = tmp_path / "repo"
    root.mkdir()
    helpers.git(root, "init", "-q")
    (root / ".git" / "shallow").mkdir()  # read as a file, it fails (root reads past any mode bits)
    blobs.parent_files.cache_clear()
    with pytest.raises(GitError, match="cannot be read"):
        blobs.shallow_boundary(root)
