"""Errors that mean "the user's input is bad", as opposed to a bug.

The CLI turns these into one line on stderr and exit code 2; the GUI shows them in a dialog.
"""


class UserError(Exception):
    """Bad input or usage: a clear one-line message, never a traceback."""


class MediaError(UserError):
    """A file that cannot be opened or played (missing, empty, corrupt, no video...)."""


class OutputError(UserError):
    """An output path that cannot or must not be written."""
