"""Reading blobs in bulk and finding where each entered history, through the git seam."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator, Sequence
from pathlib import Path

from secretops.git.command import git
from secretops.util import proc


def stream_blobs(root: Path, oids: Sequence[str]) -> Iterator[tuple[str, bytes]]:
    """Many blobs through one `git cat-file --batch`, streamed: memory stays flat on large histories."""
    import threading

    argv = ["git", "-C", str(root), "cat-file", "--batch"]
    child = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                             env=proc.clean_env())
    assert child.stdin is not None and child.stdout is not None

    def feed() -> None:
        assert child.stdin is not None
        try:
            for oid in oids:
                child.stdin.write(oid.encode() + b"\n")
        finally:
            child.stdin.close()

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    try:
        for _ in oids:
            header = child.stdout.readline().split()
            if len(header) < 3:
                continue
            data = child.stdout.read(int(header[2]))
            child.stdout.read(1)
            yield header[0].decode(), data
    finally:
        writer.join()
        child.stdout.close()
        child.wait()


def all_blobs(root: Path) -> list[tuple[str, str]]:
    """(oid, path) for every unique blob reachable from any ref, each once."""
    res = git(root, "rev-list", "--objects", "--all", "--filter=object:type=blob", timeout=3600).stdout
    out = []
    for line in res.decode("utf-8", "surrogateescape").splitlines():
        oid, _, path = line.partition(" ")
        if path:
            out.append((oid, path))
    return out


def introductions(root: Path, revs: Sequence[str] = ("--all",),
                  paths: Sequence[str] = ()) -> list[tuple[str, str, str]]:
    """(commit, blob oid, path) for each blob a commit adds or changes, oldest commits first."""
    res = git(root, "log", "--reverse", "--topo-order", "-m", "--raw", "--no-abbrev", "--no-renames",
              "--format=commit %H", *revs, "--", *paths, timeout=3600).stdout
    out = []
    commit = ""
    for line in res.decode("utf-8", "surrogateescape").splitlines():
        if line.startswith("commit "):
            commit = line[7:].strip()
        elif line.startswith(":"):
            meta, _, path = line.partition("\t")
            fields = meta.split()
            if len(fields) >= 5 and fields[4] != "D" and fields[1].startswith("100"):
                out.append((commit, fields[3], path))
    return out
