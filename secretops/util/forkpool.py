"""Forked workers, each fed its tasks through its own pipe; results as they finish.

`concurrent.futures` would do, but it loads multiprocessing, logging, tempfile and friends (~25 ms
before the first worker runs), and its queue threads are more than a fork and two pipes need. A
worker inherits everything the parent has loaded (compiled rules, a parsed `.sops.yaml`).

The parent's pipes to its running programs are closed in each worker by the modules that own them
(os.register_at_fork), so that no program waits on a worker to see the end of its input.

Nothing is lost or hidden: a task's exception is raised in the parent (or, if it cannot be sent,
an InternalError naming its type); a worker that dies is an InternalError; on any error, or when the
caller stops early, every worker is killed and reaped.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import struct
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Generic, TypeVar

from secretops.errors import InternalError

T = TypeVar("T")
R = TypeVar("R")

_LENGTH = struct.Struct("<Q")


def _frame(obj: object) -> bytes:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    return _LENGTH.pack(len(data)) + data


def _send(fd: int, obj: object) -> None:
    view = memoryview(_frame(obj))
    while view:
        view = view[os.write(fd, view):]


def _receive(fd: int) -> Any:
    """The next message, or EOFError if the other end has closed."""
    head = _read(fd, _LENGTH.size)
    return pickle.loads(_read(fd, _LENGTH.unpack(head)[0]))  # noqa: S301 (from our own fork only)


def _read(fd: int, size: int) -> bytes:
    parts, left = [], size
    while left:
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            raise EOFError
        parts.append(chunk)
        left -= len(chunk)
    return b"".join(parts)


class _Worker:
    def __init__(self, pid: int, tasks: int, results: int) -> None:
        self.pid, self.tasks, self.results = pid, tasks, results
        self.outstanding = 0  # tasks sent whose results have not come back
        self.outbox = bytearray()  # tasks not yet written into its pipe
        self.waiting = False  # its task pipe is registered for writing


def _flush(w: _Worker, sel: Any) -> None:
    """Write what the pipe takes now; register for writing while something is left."""
    import selectors

    while w.outbox:
        try:
            del w.outbox[:os.write(w.tasks, w.outbox)]
        except BlockingIOError:
            break
        except BrokenPipeError:  # it died before reading its tasks: the same as dying while working
            raise InternalError("a worker ended unexpectedly") from None
    if w.outbox and not w.waiting:
        sel.register(w.tasks, selectors.EVENT_WRITE, (w, True))
    elif not w.outbox and w.waiting:
        sel.unregister(w.tasks)
    w.waiting = bool(w.outbox)


def _serve(work: Callable[[Any], Any], tasks: int, results: int) -> None:
    """A worker's life: run each task it is sent, send back (ok, result or exception), until EOF."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle; it kills us
    while True:
        try:
            task = _receive(tasks)
        except EOFError:
            return
        try:
            reply: tuple[bool, Any] = (True, work(task))
        except BaseException as exc:  # every failure goes back to the parent
            reply = (False, exc)
        try:
            _send(results, reply)
        except (pickle.PicklingError, TypeError, AttributeError):
            _send(results, (False, InternalError(f"a worker failed ({type(reply[1]).__name__})")))


class Pool(Generic[T, R]):
    """``size`` workers forked now, running ``work``. Use as a context manager."""

    def __init__(self, size: int, work: Callable[[T], R]) -> None:
        import sys

        sys.stdout.flush()  # a buffer copied into a worker would be written twice
        sys.stderr.flush()
        self._workers: list[_Worker] = []
        try:
            for _ in range(size):
                task_r, task_w = os.pipe()
                result_r, result_w = os.pipe()
                pid = os.fork()
                if pid == 0:  # the worker: never returns into the caller's code
                    code = 0
                    try:
                        for w in self._workers:  # the other workers' ends are not ours
                            os.close(w.tasks)
                            os.close(w.results)
                        os.close(task_w)
                        os.close(result_r)
                        _serve(work, task_r, result_w)
                    except BaseException:  # the parent sees the pipe close
                        code = 70
                    finally:
                        os._exit(code)
                os.close(task_r)
                os.close(result_w)
                self._workers.append(_Worker(pid, task_w, result_r))
        except BaseException:
            self.close(kill=True)
            raise

    def __enter__(self) -> Pool[T, R]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close(kill=exc[0] is not None)

    def run(self, tasks: Iterable[T], depth: int = 2) -> Iterator[R]:
        """Each task's result, in the order they finish; a task's exception is raised here. Each
        worker has up to ``depth`` tasks sent (its next one waits in its pipe, so it never waits on
        this process); tasks are written without blocking, so neither side can wait on the other."""
        import selectors

        pending = iter(tasks)
        exhausted = False
        with selectors.DefaultSelector() as sel:
            for w in self._workers:
                os.set_blocking(w.tasks, False)
                sel.register(w.results, selectors.EVENT_READ, (w, False))
            while True:
                for w in self._workers:
                    while not exhausted and w.outstanding < depth:
                        task = next(pending, _END)
                        if task is _END:
                            exhausted = True
                            break
                        w.outbox += _frame(task)
                        w.outstanding += 1
                    _flush(w, sel)
                if not any(w.outstanding for w in self._workers):
                    return
                for key, _events in sel.select():
                    w, writable = key.data
                    if writable:
                        _flush(w, sel)
                        continue
                    try:
                        ok, value = _receive(w.results)
                    except EOFError:
                        raise InternalError("a worker ended unexpectedly") from None
                    w.outstanding -= 1
                    if not ok:
                        raise value
                    yield value

    def close(self, kill: bool = False) -> None:
        """End every worker (closing its task pipe ends it; ``kill`` does not wait) and reap it."""
        kill = kill or any(w.outstanding for w in self._workers)  # stopped early: their results are not wanted
        for w in self._workers:
            if kill:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(w.pid, signal.SIGKILL)
            for fd in (w.tasks, w.results):
                with contextlib.suppress(OSError):
                    os.close(fd)
        for w in self._workers:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(w.pid, 0)
        self._workers = []


_END: Any = object()
