"""The ``scenegen`` command line: one console script with subcommands.

Exit codes: 0 success, 2 bad input (one clear line on stderr, nothing written), 1 internal failure.
"""
from __future__ import annotations

import argparse
import importlib.metadata
import sys
from typing import Callable, List, Optional, Sequence

from .cli_types import normalise_path_options
from .errors import UserError

PROG = "scenegen"


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage error as one line and exit code 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")

    def parse_known_args(self, args=None, namespace=None):  # type: ignore[override]
        """Parse, then normalise path options, so every message shows a path the same way."""
        namespace, rest = super().parse_known_args(args, namespace)
        normalise_path_options(self, namespace)
        return namespace, rest


def _register_core(sub: argparse._SubParsersAction) -> None:
    from . import commands
    from .export import cli as export_cli

    commands.register(sub)
    export_cli.register(sub)


def _optional_registrars() -> List[Callable[[argparse._SubParsersAction], None]]:
    """Subcommands of the tuner and segmentation packages (registered when importable)."""
    regs = []
    for module in ("render_jobs.cli", "tuner.cli", "segtrain.cli"):
        try:
            mod = __import__(module, fromlist=["register"])
        except ImportError as e:
            if e.name and e.name.split(".")[0] in ("render_jobs", "tuner", "segtrain") and e.name == module:
                continue
            raise
        regs.append(mod.register)
    return regs


def package_version() -> str:
    """The installed scenegen version ("unknown" when run from a source tree that was never installed)."""
    try:
        return importlib.metadata.version(PROG)
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser with every subcommand."""
    parser = _Parser(prog=PROG, description="Synthetic street scenes with exact labels, rendered in Blender and "
                                            "tuned toward a real dataset.")
    parser.add_argument("--version", action="version", version=f"{PROG} {package_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    _register_core(sub)
    for register in _optional_registrars():
        register(sub)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Entry point of the ``scenegen`` console script."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # usage errors (one line, exit 2), --help and --version
        return int(e.code or 0)
    try:
        return int(args.func(args) or 0)
    except UserError as e:
        print(f"{PROG}: error: {e}", file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
