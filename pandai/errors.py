"""Exceptions of the Pandai core and the exit statuses the command line maps them to.

The core raises these and never prints or exits. Each exception carries a message that is already
translated into the active language and states what failed and what to do next. The CLI prints
``Error: <message>`` to stderr and exits with ``exit_status``.
"""

from __future__ import annotations

from enum import IntEnum
from pathlib import Path


class ExitStatus(IntEnum):
    """Exit statuses of the ``pandai`` command, listed in the README."""

    OK = 0
    ERROR = 1
    USAGE = 2
    NOT_FOUND = 3
    INVALID_INPUT = 4
    AMBIGUOUS = 5
    LOCKED = 6
    NOT_CONFIRMED = 7
    GIT_FAILED = 8
    # doctor found errors in the workspace's data (warnings alone exit with OK).
    DATA_PROBLEMS = 9


class PandaiError(Exception):
    """Base class of every error the core reports to a user."""

    exit_status = ExitStatus.ERROR

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class WorkspaceNotFound(PandaiError):
    """No workspace at the given path, in PANDAI_WORKSPACE or above the current folder."""

    exit_status = ExitStatus.NOT_FOUND


class ClientNotFound(PandaiError):
    """No client matches an id or search term."""

    exit_status = ExitStatus.NOT_FOUND


class AmbiguousClient(PandaiError):
    """A search term matches several clients; ``candidates`` contains their ids."""

    exit_status = ExitStatus.AMBIGUOUS

    def __init__(self, message: str, candidates: list[str]):
        super().__init__(message)
        self.candidates = candidates


class InvalidInput(PandaiError):
    """A value given on the command line or in a file is invalid."""

    exit_status = ExitStatus.INVALID_INPUT


class FieldError(InvalidInput):
    """A field value failed its type's validation."""

    def __init__(self, message: str, field: str, value: str):
        super().__init__(message)
        self.field = field
        self.value = value


class FileError(InvalidInput):
    """A workspace or input file cannot be read; ``line`` is 1-based or None."""

    def __init__(self, message: str, path: Path, line: int | None = None):
        super().__init__(message)
        self.path = path
        self.line = line

    def location(self) -> str:
        """Return ``path:line`` (or just the path), the form editors jump to."""
        return f"{self.path}:{self.line}" if self.line else str(self.path)

    def reason(self) -> str:
        """Return the message without the ``path:line:`` it starts with, when it has one."""
        for prefix in (f"{self.path}:{self.line}: ", f"{self.path}:?: ", f"{self.path}: "):
            if self.message.startswith(prefix):
                return self.message[len(prefix):]
        return self.message


class MergeConflict(FileError):
    """A client file still contains git conflict markers from an unresolved merge."""


class ImportFileError(FileError):
    """An import file cannot be read or mapped; ``line`` is the row number when known."""


class DuplicateClient(PandaiError):
    """A new client looks like an existing one; ``matches`` contains (id, reason) pairs."""

    exit_status = ExitStatus.AMBIGUOUS

    def __init__(self, message: str, matches: list[tuple[str, str]]):
        super().__init__(message)
        self.matches = matches


class WorkspaceLocked(PandaiError):
    """Another pandai process holds the workspace lock for longer than the timeout."""

    exit_status = ExitStatus.LOCKED


class NotConfirmed(PandaiError):
    """A change needs confirmation and none was given (no terminal and no ``--yes``)."""

    exit_status = ExitStatus.NOT_CONFIRMED


class GitError(PandaiError):
    """A git command failed; the message includes git's own output."""

    exit_status = ExitStatus.GIT_FAILED


class MailError(PandaiError):
    """The SMTP server cannot be reached, rejects the login, or refuses a message."""
