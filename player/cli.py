"""The ``speednet-player`` console script: the GUI by default, plus subcommands.

Exit codes (docs/architecture.md, "Layers"): 0 ok, 2 bad input or usage (one line on stderr, no traceback),
1 internal error, 130 Ctrl-C, 128 + N for SIGTERM (143) and SIGHUP (129).

When ``main`` owns the process (called with no ``argv``, on the main thread, for a
subcommand: the GUI has its own exit path in player/app.py) it also owns the signals: the first Ctrl-C, SIGTERM or SIGHUP unwinds the command (temporary files removed,
workers stopped, the score cache saved), later ones are ignored so that unwinding is not cut
short, and the process then ends with ``os._exit`` (see ``_leave``).
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import signal
import sys
import threading
import time
from types import ModuleType
from typing import Any, Sequence

from player import __version__

PROG = "speednet-player"
EXIT_OK, EXIT_INTERNAL, EXIT_USAGE = 0, 1, 2
EXIT_INTERRUPTED = 128 + signal.SIGINT
#: After a signal, how long background threads get to finish before the process ends anyway.
EXIT_JOIN_S = 5.0
#: Signals that stop a command cleanly; SIGHUP (the terminal closed) as SIGTERM.
_STOP_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)

# name -> (module, one-line help). The GUI is the default when no subcommand is named.
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "analyze": ("player.commands.analyze", "score a video and print its speed plan"),
    "export": ("player.commands.export", "write the sped-up cut to a new file"),
    "train": ("player.commands.train", "train a SpeedNet checkpoint on a folder of videos"),
    "evaluate": ("player.commands.evaluate", "1x-vs-2x accuracy of a checkpoint on videos"),
    "adapt": ("player.commands.adapt", "learn my videos: adapt the model to your own footage"),
}
GUI_MODULE = "player.commands.gui"


class _UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    """argparse that raises instead of exiting, so every usage error takes the same path."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise _UsageError(f"{self.prog}: {message}")


def _load(module_name: str) -> ModuleType | None:
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name == module_name:
            return None
        raise


def _build_parser(command: str | None) -> tuple[argparse.ArgumentParser, ModuleType | None]:
    if command is None:
        parser = _Parser(prog=PROG, description="SpeedNet Player: adaptive fast-forward video player.")
        parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
        module = _load(GUI_MODULE)
        epilog = ", ".join(SUBCOMMANDS)
        parser.epilog = f"subcommands: {epilog} (see '{PROG} SUBCOMMAND --help')"
    else:
        module_name, help_text = SUBCOMMANDS[command]
        parser = _Parser(prog=f"{PROG} {command}", description=help_text)
        module = _load(module_name)
    if module is None:
        parser.add_argument("rest", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    else:
        module.add_arguments(parser)
    return parser, module


def _user_error_types() -> tuple[type[BaseException], ...]:
    from models.errors import ModelError
    from player.core.errors import UserError

    return (UserError, ModelError, FileNotFoundError, IsADirectoryError, PermissionError)


def _is_user_error(exc: BaseException) -> bool:
    # PyAV's errors subclass the builtin OSErrors (a decoder's -1 is "EPERM", so
    # av.error.PermissionError): one that reaches here escaped the media layer, which turns
    # every decoder error about the user's file into a MediaError. Never a permission message.
    if type(exc).__module__.split(".")[0] == "av":
        return False
    return isinstance(exc, _user_error_types())


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code. With ``argv`` None it owns the process:
    signals are handled, and a signal ends the process here (see the module docstring)."""
    args_in = list(sys.argv[1:] if argv is None else argv)
    # The GUI is left out: its event loop and app.py's exit path own its signals and threads.
    is_subcommand = bool(args_in) and args_in[0] in SUBCOMMANDS
    owns_process = argv is None and is_subcommand and threading.current_thread() is threading.main_thread()
    received: list[int] = []
    if owns_process:
        _handle_stop_signals(received)
        _log_warnings_as_lines()
    try:
        code = _main(args_in)
    except SystemExit as exc:
        if not received:
            raise  # --help, --version
        code = exc.code if isinstance(exc.code, int) else EXIT_INTERNAL
    if received:
        if received[0] != signal.SIGINT:
            print(f"{PROG}: stopped by {signal.Signals(received[0]).name}", file=sys.stderr)
        _leave(code)
    return code


class _WarningLine(logging.Formatter):
    """A logged warning as one ``warning: ...`` line: no logger name, no traceback."""

    def format(self, record: logging.LogRecord) -> str:
        return "warning: " + " ".join(record.getMessage().split())


def _log_warnings_as_lines() -> None:
    """Show logged warnings (e.g. a score cache file that is ignored) as ``warning:`` lines.

    Errors are not shown here: in a command every error is raised up to ``main``, which
    says it once; logging it too would make two lines (and a traceback for log.exception).
    """
    handler = logging.StreamHandler(sys.stderr)
    handler.setLevel(logging.WARNING)
    handler.addFilter(lambda record: record.levelno == logging.WARNING)
    handler.setFormatter(_WarningLine())
    logging.getLogger().addHandler(handler)


def _handle_stop_signals(received: list[int]) -> None:
    """The first stop signal unwinds (KeyboardInterrupt, or SystemExit(128 + N)); later ones
    are ignored. Signals the parent set to be ignored (nohup, background jobs) stay ignored."""

    def handler(signum: int, frame: Any) -> None:
        for sig in _STOP_SIGNALS:
            signal.signal(sig, signal.SIG_IGN)
        received.append(signum)
        if signum == signal.SIGINT:
            raise KeyboardInterrupt
        raise SystemExit(128 + signum)

    for sig in _STOP_SIGNALS:
        if signal.getsignal(sig) in (signal.SIG_DFL, signal.default_int_handler):
            signal.signal(sig, handler)


def _leave(code: int) -> None:
    """End the process after a signal, without Python's finalization.

    The command has unwound (its temporary files are gone, workers were asked to stop). Its
    threads get ``EXIT_JOIN_S`` to end; then ``os._exit``, because a normal exit runs atexit
    callbacks (torch's once printed a KeyboardInterrupt traceback from one) and tears down
    C++ thread pools while torch may still use them (SIGABRT, "terminate called without an
    active exception", in 4 of 6 Ctrl-Cs during scoring).
    """
    deadline = time.monotonic() + EXIT_JOIN_S
    for t in threading.enumerate():
        if t is threading.main_thread() or isinstance(t, threading._DummyThread):  # noqa: SLF001
            continue
        t.join(max(0.0, deadline - time.monotonic()))
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code)


def _main(args_in: list[str]) -> int:
    command = args_in[0] if args_in and args_in[0] in SUBCOMMANDS else None
    try:
        parser, module = _build_parser(command)
        args = parser.parse_args(args_in[1:] if command else args_in)
        if module is None:
            name = command or "the player window"
            print(f"{PROG}: {name} is not available yet", file=sys.stderr)
            return EXIT_USAGE
        return int(module.run(args) or 0)
    except _UsageError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as exc:  # noqa: BLE001 - the one place that turns errors into exit codes
        if _is_user_error(exc):
            print(f"{PROG}: error: {_one_line(exc)}", file=sys.stderr)
            return EXIT_USAGE
        import traceback

        traceback.print_exc()
        print(f"{PROG}: internal error: {_one_line(exc)}", file=sys.stderr)
        return EXIT_INTERNAL


def _one_line(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror and exc.filename is not None:
        # "[Errno 13] Permission denied: 'x'" -> which file and why, in words
        text = f"'{exc.filename}' could not be opened: {exc.strerror[:1].lower()}{exc.strerror[1:]}"
    else:
        text = str(exc) or type(exc).__name__
    return " ".join(text.split())


if __name__ == "__main__":
    sys.exit(main())
