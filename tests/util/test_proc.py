"""The outside-program seam: several programs streamed at once, failures typed and redacted."""

from __future__ import annotations

import sys

import pytest

from secretops.errors import GitError
from secretops.util import proc


def test_streams_delivers_every_byte_of_every_program_given_its_input() -> None:
    echo = [sys.executable, "-c", "import sys; data = sys.stdin.buffer.read(); sys.stdout.buffer.write(data * 3)"]
    inputs = [b"a" * 300_000, b"b" * 5, b""]
    got: dict[int, bytes] = {0: b"", 1: b"", 2: b""}
    for which, chunk in proc.streams([(echo, data) for data in inputs], error=GitError, what="echo"):
        got[which] += chunk
    assert got == {i: data * 3 for i, data in enumerate(inputs)}


def test_streams_failure_is_typed_and_redacted() -> None:
    leak = "AGE-SECRET-KEY-1" + "Q" * 58
    fail = [sys.executable, "-c", f"import sys; print('out'); sys.stderr.write('bad {leak}'); sys.exit(3)"]
    with pytest.raises(GitError) as err:
        list(proc.streams([(fail, b"")], error=GitError, what="git diff-tree"))
    assert err.value.returncode == 3 and "git diff-tree failed (exit 3)" in str(err.value)
    assert leak not in str(err.value) and leak not in (err.value.stderr or "")


def test_streams_kills_what_it_started_when_the_reader_stops() -> None:
    import os

    forever = [sys.executable, "-c", "import os, sys\nsys.stdout.write(f'{os.getpid()}\\n'); sys.stdout.flush()\n"
               "while True: sys.stdout.write('x' * 65536)"]
    stream = proc.streams([(forever, b"")], error=GitError, what="loop")
    _which, first = next(stream)
    pid = int(first.split(b"\n", 1)[0])
    stream.close()  # the reader stops early: the program is killed and reaped, not left running
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
