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
    p.add_argument("--no-input", action="store_true", help="never prompt (the default without a terminal)")
