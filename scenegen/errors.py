"""Error types that the CLI turns into exit codes (2 = bad input, 1 = internal failure)."""
from __future__ import annotations


class UserError(Exception):
    """Bad input from the user: reported as one clear line, exit code 2."""

    exit_code = 2


class ParamsError(UserError):
    """A parameter-space file or value is invalid."""


class DatasetError(UserError):
    """A dataset folder is missing, empty, wrongly laid out or holds an unreadable file."""
