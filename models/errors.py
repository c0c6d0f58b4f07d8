"""Errors raised for bad model files or settings (the CLI maps them to exit code 2)."""


class ModelError(Exception):
    """A checkpoint that is missing, malformed or unsafe, or a bad model setting."""
