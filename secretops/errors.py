"""One exception root, caught once at the top of the CLI, and the exit codes."""

from __future__ import annotations

import enum
from collections.abc import Sequence


class ExitCode(enum.IntEnum):
    OK = 0
    FINDINGS = 1  # findings, or a check that did not pass
    BAD_INPUT = 2  # bad input, config or state
    INTERNAL = 3  # a bug in secretops: rerun with SECRETOPS_DEBUG=1 and report it
    INTERRUPTED = 130


class SecretopsError(Exception):
    """Every error a user can see. ``message`` is one line and says what to do."""

    exit_code: ExitCode = ExitCode.BAD_INPUT

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        self.message = message
        self.hint = hint
        super().__init__(self.user_message)

    @property
    def user_message(self) -> str:
        text = self.message if not self.hint else f"{self.message}; {self.hint}"
        return " ".join(text.split())

    def __reduce__(self) -> tuple[object, ...]:  # whole across a pickle (a worker's error, raised in the parent)
        return _rebuilt, (type(self), self.args, self.__dict__)


def _rebuilt(cls: type[SecretopsError], args: tuple[object, ...], state: dict[str, object]) -> SecretopsError:
    error = cls.__new__(cls)
    Exception.__init__(error, *args)
    error.__dict__.update(state)
    return error


class InputError(SecretopsError):
    """Bad input: a file, a path, an argument."""


class SettleError(InputError):
    """Conflicting evidence that lines of configuration settle: printed after the error, one a line."""

    def __init__(self, message: str, *, hint: str | None = None, lines: tuple[str, ...] = ()) -> None:
        super().__init__(message, hint=hint)
        self.lines = lines


class ConfigError(SecretopsError):
    """A bad or missing `.sops.yaml` or `.secretops.yaml`."""


class AgeKeyError(SecretopsError):
    """A missing or wrong age key."""


class StateError(SecretopsError):
    """The repository or the rotation is not in a state that allows the command."""


class InternalError(SecretopsError):
    """A bug in secretops, not the user's input (exit 3)."""

    exit_code = ExitCode.INTERNAL


class CheckFailed(SecretopsError):
    """A check that did not pass (exit 1)."""

    exit_code = ExitCode.FINDINGS


class ToolError(SecretopsError):
    """An outside program failed. Carries the command, its exit status and redacted stderr."""

    def __init__(
        self,
        message: str,
        *,
        command: Sequence[str],
        returncode: int | None,
        stderr: str = "",
        hint: str | None = None,
    ) -> None:
        self.command = tuple(command)
        self.returncode = returncode
        self.stderr = stderr
        super().__init__(message, hint=hint)


class GitError(ToolError):
    pass


class SopsError(ToolError):
    pass


class KubeError(SecretopsError):
    """A cluster could not be asked; ``status`` is the HTTP status when the server answered."""

    def __init__(self, message: str, *, hint: str | None = None, status: int | None = None) -> None:
        super().__init__(message, hint=hint)
        self.status = status
