"""The `hardgen` command line: a thin argparse front that dispatches to one module per command.

Only this module prints problems and exits; the codes are `generator.errors.ExitCode`. Commands import what
they need when they run, so `hardgen --version` and `hardgen schema` stay fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from generator import __version__
from generator.errors import ExitCode, UserError, one_line

COMMANDS = {
    "generate": "Render the artefacts of one integration (or a batch) into an output folder",
    "schema": "Print the JSON Schema of an answers file",
    "presets": "List the shipped presets",
    "init": "Scaffold an integration interactively: answer questions, review, write answers and artefacts",
    "regenerate": "Re-render output folders after an upgrade, merging hand edits; --check reports drift for CI",
    "contract": "Print the configurables the program must declare for these answers, as Ballerina source; with a project, check them",
}


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The whole command line; with `only`, just that command (the one being run: the others' modules stay unimported)."""
    parser = argparse.ArgumentParser(prog="hardgen", description="Hardened deployment artefacts for WSO2 Integrator integrations.")
    parser.add_argument("--version", action="version", version=f"hardgen {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, help_text in COMMANDS.items():
        if only is None or name == only:
            p = sub.add_parser(name, help=help_text, description=help_text)
            importlib.import_module(f"generator.commands.{name}").add_arguments(p)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    command_word = next((a for a in argv if not a.startswith("-")), None)  # no global option takes a value
    parser = build_parser(command_word if command_word in COMMANDS else None)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse already printed its one-line usage error
        return ExitCode.USAGE if exc.code else ExitCode.OK
    if not args.command:
        parser.print_help()
        return ExitCode.USAGE
    command = importlib.import_module(f"generator.commands.{args.command}")
    try:
        return command.run(args)
    except UserError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return exc.exit_code
    except OSError as exc:  # e.g. an output folder on a read-only file system: the user's to fix
        where = exc.filename or "hardgen"
        print(one_line(f"{where}: {exc.strerror or exc}"), file=sys.stderr)  # a file name may hold a newline or an escape
        return ExitCode.USAGE
    except KeyboardInterrupt:
        print("aborted, nothing written", file=sys.stderr)
        return ExitCode.ABORTED
    except BrokenPipeError:
        return ExitCode.OK
