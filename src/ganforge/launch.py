"""The `ganforge` command's entry point: --help and --version answered at once, every command by cli.py.

cli.py builds the options of every method, which means importing torch and every method (4-6 s on a
laptop). Listing the commands and saying the version need none of it, so they are answered here
from commands.py and the package's metadata; anything else goes to cli.main, imported only then.
"""
from __future__ import annotations

import argparse
import sys
from importlib.metadata import PackageNotFoundError, version

from .commands import COMMANDS, DESCRIPTION


def _version() -> str:
    try:
        return version("ganforge")
    except PackageNotFoundError:  # a source tree that was never installed
        return "unknown"


def overview() -> argparse.ArgumentParser:
    """The top-level parser as cli.py builds it, without the commands' own options: for --help alone."""
    parser = argparse.ArgumentParser(prog="ganforge", description=DESCRIPTION)
    parser.add_argument("--version", action="version", version=f"ganforge {_version()}")
    commands = parser.add_subparsers(dest="command", required=True)
    for name, help_text in COMMANDS.items():
        commands.add_parser(name, help=help_text)
    return parser


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv in (["-h"], ["--help"], ["--version"]):
        overview().parse_args(argv)  # prints and exits
    from .cli import main as run_command  # the commands need torch and every method: imported only for them

    return run_command(argv)
