"""One module per `hardgen` command, each with `add_arguments(parser)` and `run(args) -> int`.

Commands stay thin: they turn arguments into calls of the pipeline stages and
print the outcome. The options every model-building command shares live here,
so the CLI module is imported by nobody but `__main__`.
"""

from __future__ import annotations

import argparse


def add_input_options(p: argparse.ArgumentParser) -> None:
    """Inputs shared by every command that builds a model; precedence preset < answers < --set."""
    p.add_argument("--preset", action="append", default=[], metavar="NAME|FILE", help="start from a shipped preset or a preset file (repeatable; later ones win)")
    p.add_argument("--answers", action="append", default=[], metavar="FILE", help="answers file (YAML); repeatable, later files win")
    p.add_argument("--set", action="append", default=[], dest="sets", metavar="KEY=VALUE", help="set one answer, e.g. --set service.port=9443 (repeatable, wins over files)")


def add_common_options(p: argparse.ArgumentParser) -> None:
    """`-q` and `--no-input` on every command, so a pipeline can pass the same flags to each without a usage error."""
    p.add_argument("--quiet", "-q", action="store_true",
                   help="no status lines or notes; problems, warnings, conflicts, diffs and the command's own output are still printed")
    p.add_argument("--no-input", action="store_true",
                   help="never prompt (only 'init' and 'new' ever prompt, and never without a terminal; elsewhere this changes nothing)")


def add_project_option(p: argparse.ArgumentParser) -> None:
    """`--project DIR`: the Ballerina package the answers must fit (default: the current folder, if it holds one)."""
    from pathlib import Path

    p.add_argument("--project", type=Path, metavar="DIR",
                   help="the Ballerina package (the folder of its Ballerina.toml) whose configurables the output must fit: "
                        "derives org, module, artifact, jdk and the port, and checks every key before writing "
                        "(default: the current folder when it holds a Ballerina.toml)")


def project_folder(args: argparse.Namespace, cwd=None):
    """The package folder of this run: --project, else the current folder when it holds a Ballerina.toml, else None.

    One stat when there is no project, and no import of the project reader (`generate` must not get slower).
    The current folder is given as `.`, so messages name `main.bal:12`, not an absolute path.
    """
    from pathlib import Path

    explicit = getattr(args, "project", None)
    if explicit is not None:
        return explicit
    here = Path(".") if cwd is None else Path(cwd)
    return here if (here / "Ballerina.toml").is_file() else None
