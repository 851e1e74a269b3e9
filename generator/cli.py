"""The `hardgen` command line: a thin argparse front that dispatches to one module per command.

Only this module prints problems and exits; the codes are `generator.errors.ExitCode`. Commands import what
they need when they run, so `hardgen --version` and `hardgen schema` stay fast.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import io
import sys

from generator import __version__
from generator.commands import add_common_options
from generator.errors import ExitCode, UserError, one_line

COMMANDS = {
    "generate": "Render the artefacts of one integration (or a batch) into an output folder",
    "schema": "Print the JSON Schema of an answers file",
    "presets": "List the shipped presets",
    "new": "Create a new integration repository: a Ballerina package, CI, pre-commit and deploy/, secure from its first commit",
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
            add_common_options(p)
            p.set_defaults(command_parser=p)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    command_word = next((a for a in argv if not a.startswith("-")), None)  # no global option takes a value
    parser = build_parser(command_word if command_word in COMMANDS else None)
    as_json = command_word in JSON_COMMANDS and "--format" in " ".join(argv)
    try:
        with _usage_errors(as_json, argv, command_word):
            args, unknown = parser.parse_known_args(argv)
            if unknown:  # a command's usage error shows that command's usage line, not the top-level one
                getattr(args, "command_parser", parser).error(f"unrecognized arguments: {' '.join(unknown)}")
    except SystemExit as exc:  # argparse already printed its one-line usage error
        return ExitCode.USAGE if exc.code else ExitCode.OK
    if not args.command:
        parser.print_help()
        return ExitCode.USAGE
    command = importlib.import_module(f"generator.commands.{args.command}")
    problems: list[str] = []
    try:
        return command.run(args)
    except UserError as exc:
        problems = [str(p) for p in exc.problems]
        code = exc.exit_code
    except OSError as exc:  # e.g. an output folder on a read-only file system: the user's to fix
        where = exc.filename or "hardgen"
        problems = [one_line(f"{where}: {exc.strerror or exc}")]  # a file name may hold a newline or an escape
        code = ExitCode.USAGE
    except KeyboardInterrupt:
        problems, code = ["aborted, nothing written"], ExitCode.ABORTED
    except BrokenPipeError:
        return ExitCode.OK
    for line in problems:
        print(line, file=sys.stderr)
    if getattr(args, "result_format", "text") == "json":
        from generator.commands.results import emit, mode_of

        emit(args.command, mode_of(args), code, [], problems)
    return code


#: The commands with `--format json` results (generator/commands/results.py).
JSON_COMMANDS = ("generate", "regenerate")


@contextlib.contextmanager
def _usage_errors(as_json: bool, argv: list[str], command: str | None):
    """With --format json, a usage error is still one JSON document on stdout (argparse's message stays on stderr)."""
    if not as_json:
        yield
        return
    from generator.commands.results import emit, json_in_argv, mode_of

    caught = io.StringIO()
    try:
        with contextlib.redirect_stderr(caught):
            yield
    except SystemExit as exc:
        sys.stderr.write(caught.getvalue())
        if exc.code and json_in_argv(argv):
            lines = caught.getvalue().strip().splitlines()
            emit(str(command), mode_of(argv), ExitCode.USAGE, [], lines[-1:])
        raise
    sys.stderr.write(caught.getvalue())
