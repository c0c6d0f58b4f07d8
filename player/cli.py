"""The ``speednet-player`` console script: the GUI by default, plus subcommands.

Exit codes (SPEC §3): 0 ok, 2 bad input or usage (one line on stderr, no traceback),
1 internal error.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from types import ModuleType
from typing import Sequence

from player import __version__

PROG = "speednet-player"
EXIT_OK, EXIT_INTERNAL, EXIT_USAGE = 0, 1, 2

# name -> (module, one-line help). The GUI is the default when no subcommand is named.
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "analyze": ("player.commands.analyze", "score a video and print its speed plan"),
    "export": ("player.commands.export", "write the sped-up cut to a new file"),
    "train": ("player.commands.train", "train a SpeedNet checkpoint on a folder of videos"),
    "evaluate": ("player.commands.evaluate", "1x-vs-2x accuracy of a checkpoint on videos"),
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


def main(argv: Sequence[str] | None = None) -> int:
    args_in = list(sys.argv[1:] if argv is None else argv)
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
        return 130
    except Exception as exc:  # noqa: BLE001 - the one place that turns errors into exit codes
        if isinstance(exc, _user_error_types()):
            print(f"{PROG}: error: {_one_line(exc)}", file=sys.stderr)
            return EXIT_USAGE
        import traceback

        traceback.print_exc()
        print(f"{PROG}: internal error: {_one_line(exc)}", file=sys.stderr)
        return EXIT_INTERNAL


def _one_line(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return " ".join(text.split())


if __name__ == "__main__":
    sys.exit(main())
