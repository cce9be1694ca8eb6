"""The fork pool: every task's result, a task's error raised whole in the parent, a dead worker an
error, every worker reaped, and no pipe of the parent's programs held open by a worker."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from secretops.errors import GitError, InternalError
from secretops.util.forkpool import Pool
from tests import helpers


def _square(n: int) -> tuple[int, int]:
    return n * n, os.getpid()


def test_every_task_once_spread_over_the_workers() -> None:
    with Pool(2, _square) as pool:
        results = list(pool.run(range(200)))
    assert sorted(r for r, _pid in results) == [n * n for n in range(200)]
    assert os.getpid() not in {pid for _r, pid in results}  # the work ran in the workers


def _fails(n: int) -> int:
    if n == 7:
        raise GitError("git cat-file failed (exit 128): [redacted]", command=["git", "cat-file"], returncode=128,
                       stderr="[redacted]", hint="is the repository complete?")
    return n


def test_a_task_error_is_raised_in_the_parent_with_every_attribute() -> None:
    with pytest.raises(GitError) as err, Pool(2, _fails) as pool:
        list(pool.run(range(20)))
    assert (err.value.command, err.value.returncode, err.value.hint) == (("git", "cat-file"), 128,
                                                                         "is the repository complete?")
    assert err.value.user_message == "git cat-file failed (exit 128): [redacted]; is the repository complete?"


def _dies(n: int) -> int:
    if n == 3:
        os._exit(9)  # killed, out of memory: no answer comes back
    return n


def test_a_worker_that_dies_is_an_internal_error() -> None:
    with pytest.raises(InternalError, match="a worker ended unexpectedly"), Pool(2, _dies) as pool:
        list(pool.run(range(10)))


def _slow(n: int) -> int:
    time.sleep(0.05 if n else 0)
    return os.getpid()


def test_stopping_early_ends_and_reaps_every_worker() -> None:
    pool = Pool(2, _slow)
    pids = [w.pid for w in pool._workers]
    with pool:
        for _pid in pool.run(range(100)):
            break  # the caller stops while workers are busy
    for pid in pids:
        with pytest.raises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)  # reaped: not a zombie, not running


def test_a_worker_holds_no_pipe_of_the_parents_programs(tmp_path: Path) -> None:
    """The parent's `git cat-file --batch` and a started git read stay the parent's: closing them
    while workers live ends git at once (a worker holding their input open would make it wait)."""
    from secretops.git import blobs
    from secretops.git import command as git

    root = tmp_path
    helpers.git(root, "init", "-q")
    helpers.write(root / "a.yaml", "a: 1\n")
    helpers.git(root, "add", "a.yaml")
    reader = blobs.reader(root)
    git.start(root, "ls-files", "-z")
    try:
        with Pool(2, _square) as pool:
            assert sorted(r for r, _pid in pool.run(range(4))) == [0, 1, 4, 9]
            assert git.split_z(git.git(root, "ls-files", "-z").stdout) == ["a.yaml"]  # the started answer
            child = reader._child
            assert child.stdin is not None
            child.stdin.close()  # the end of its input: git ends, though the workers still run
            child.wait(timeout=10)
    finally:
        blobs.close_readers()
