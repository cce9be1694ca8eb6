"""Entry point: the one place errors are caught. Plain `check` calls (the hooks', CI's) skip loading click."""

from __future__ import annotations

import os
import sys

from secretops.errors import ExitCode, SecretopsError


def _run(args: list[str]) -> int:
    from secretops.cli import checkrun

    plain = checkrun.plain_call(args)
    if plain is not None:
        out = checkrun.run_plain(plain)
        sys.stdout.write(out.stdout)
        sys.stderr.write(out.stderr)
        return out.code
    import click

    from secretops.cli.app import cli

    try:  # click's main() without its blank line on Ctrl-C: the interruption is one line (main)
        with cli.make_context("secretops", args) as ctx:
            return int(cli.invoke(ctx) or 0)
    except click.exceptions.Abort:
        raise KeyboardInterrupt from None
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.ClickException as exc:  # its message quotes the argument as given
        from secretops.util.display import safe

        sys.stderr.write(f"secretops: error: {safe(exc.format_message())}\n")
        return int(ExitCode.BAD_INPUT)


_INTERRUPTED: list[bool] = []  # set by the SIGINT handler
_REPORTED: list[bool] = []  # "interrupted" was said


def _on_sigint(signum: int, frame: object) -> None:
    _INTERRUPTED.append(True)
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    import signal
    import threading

    _INTERRUPTED.clear()
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGINT, _on_sigint)
    if not os.environ.get("SECRETOPS_DEBUG"):
        import warnings

        warnings.simplefilter("ignore")  # library warnings quote their input (ruamel: the YAML it read)
    try:
        code = _run(args)
    except SecretopsError as exc:
        from secretops.util.display import safe

        sys.stderr.write(f"secretops: error: {safe(exc.user_message)}\n")
        for line in getattr(exc, "lines", ()):  # a SettleError's configuration, indented under it
            sys.stderr.write(f"    {safe(line)}\n")
        code = int(exc.exit_code)
    except KeyboardInterrupt:
        if argv is None:  # the console's run: a second Ctrl-C now must not cut the exit short
            signal.signal(signal.SIGINT, signal.SIG_IGN)
        sys.stderr.write(("\n" if sys.stderr.isatty() else "") + "secretops: interrupted\n")  # after the ^C echo
        _REPORTED.append(True)
        code = int(ExitCode.INTERRUPTED)
    except OSError as exc:  # the machine, not secretops: a full disk, a read-only folder, a permission
        if os.environ.get("SECRETOPS_DEBUG"):
            raise
        from secretops.util.display import safe

        where = f" ({safe(str(exc.filename))})" if exc.filename else ""
        sys.stderr.write(f"secretops: error: {exc.strerror or type(exc).__name__}{where}; free space or fix the "
                         "permissions, then run the command again (an interrupted rotation resumes, or "
                         "`secretops rotate abort`)\n")
        code = int(ExitCode.BAD_INPUT)
    except BaseException as exc:  # never a traceback (it could quote a secret) unless asked for
        if os.environ.get("SECRETOPS_DEBUG") or isinstance(exc, SystemExit):
            raise
        if _INTERRUPTED:  # Ctrl-C landed inside native code (pyrage raises a PanicException there)
            sys.stderr.write("secretops: interrupted\n")
            code = int(ExitCode.INTERRUPTED)
        else:
            sys.stderr.write(f"secretops: internal error ({type(exc).__name__}), a bug in secretops; rerun with "
                             "SECRETOPS_DEBUG=1 for a traceback and report it\n")
            code = int(ExitCode.INTERNAL)
    if previous is not None:  # the console's run ends here: a late Ctrl-C changes nothing any more
        signal.signal(signal.SIGINT, signal.SIG_IGN if argv is None else previous)
    sys.stdout.flush()
    sys.exit(code)


def _last_word(kind: type[BaseException], value: object, tb: object) -> None:
    """Said instead of a traceback: an interruption once, anything else as the bug it is."""
    if issubclass(kind, KeyboardInterrupt):
        if not _REPORTED:
            _REPORTED.append(True)
            sys.stderr.write("secretops: interrupted\n")
        return
    if not issubclass(kind, SystemExit):
        sys.stderr.write(f"secretops: internal error ({kind.__name__}), a bug in secretops; rerun with "
                         "SECRETOPS_DEBUG=1 for a traceback and report it\n")


def console() -> None:
    """The `secretops` command (and `python -m secretops`). A plain check (the hooks', CI's) ends
    without the interpreter's teardown: freeing ~100 modules costs a hook run ~10 ms, a sixth of
    it, and by then its output is flushed, its git processes ended and it has written nothing but
    through atomic writes (the history cache). Every other command exits the usual way."""
    import signal

    signal.signal(signal.SIGINT, _on_sigint)  # from here on a Ctrl-C is one line, never a traceback
    if not os.environ.get("SECRETOPS_DEBUG"):  # nor anywhere else Python would print one (they may quote input)
        sys.excepthook = _last_word
        sys.unraisablehook = lambda unraisable: _last_word(unraisable.exc_type, None, None)
        import threading

        threading.excepthook = lambda args: _last_word(args.exc_type, None, None)
    try:
        from secretops.cli import checkrun

        plain = checkrun.plain_call(sys.argv[1:]) is not None
        main()
    except KeyboardInterrupt:  # outside main's own handler (before it, or a second Ctrl-C after it)
        import contextlib

        with contextlib.suppress(BaseException):
            if not _REPORTED:
                sys.stderr.write("secretops: interrupted\n")
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(int(ExitCode.INTERRUPTED))
    except SystemExit as exc:
        # An interrupted run ends here too: after a Ctrl-C that cut an import short, the interpreter's
        # own exit could kill it with SIGINT (exit -2) once the one line was said.
        if not (plain or _REPORTED) or not isinstance(exc.code, int):
            raise
        import contextlib

        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError):  # a reader that has gone (`| head`): nothing more to say
                stream.flush()
        os._exit(exc.code)
