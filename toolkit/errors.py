"""Domain errors. The CLI turns them into a Chinese message and an exit code in one place."""
from __future__ import annotations

EXIT_OK = 0
EXIT_REJECTED = 1   # done, but some input was rejected
EXIT_FAILED = 2     # could not run


class ToolkitError(Exception):
    """A problem the user can fix; `message` is Chinese and says what to do."""

    exit_code = EXIT_FAILED

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint


class ConfigError(ToolkitError):
    """inputs/toolkit.toml has a wrong value; the message names the key and line."""


class LedgerLockedError(ToolkitError):
    """The ledger is open in another program or another command is running."""


class ToolkitWarning(UserWarning):
    """Something the user should know (Chinese text); the CLI prints it as 提醒 and goes on."""
