"""`hardgen generate`: render artefacts non-interactively, for people and pipelines alike."""

from __future__ import annotations

import os
import sys
from pathlib import Path


def add_arguments(p) -> None:
    from ..cli import add_input_options

    add_input_options(p)
    p.add_argument("--output", "-o", required=True, type=Path, metavar="DIR", help="output folder (created if missing)")
    p.add_argument("--force", action="store_true", help="overwrite files hardgen did not write or that were edited since")
    p.add_argument("--quiet", "-q", action="store_true", help="print only warnings and errors")


def deploy_dir_warning(rendered, out_dir: Path) -> str | None:
    """The Dockerfile's COPY paths assume the output sits at docker.deploy_dir in the build context."""
    if "docker" not in rendered.resolved.targets:
        return None
    expected = rendered.resolved.docker.deploy_dir
    try:
        actual = os.path.relpath(out_dir.resolve(), Path.cwd())
    except ValueError:
        actual = str(out_dir)
    if expected == "." or actual == expected or actual.endswith("/" + expected):
        return None
    return (f"warning: docker.deploy_dir is {expected!r} but the output is {actual!r}; the Dockerfile expects "
            f"`docker build -f {expected}/Dockerfile .` from the folder above {expected!r} (set docker.deploy_dir to match)")


def run(args) -> int:
    from ..pipeline import render_inputs
    from ..state import read_state
    from ..write import write_output

    rendered = render_inputs(args.preset, [Path(a) for a in args.answers], args.sets)
    out_dir: Path = args.output
    result = write_output(out_dir, rendered.desired, read_state(out_dir), force=args.force)
    for warning in filter(None, [*rendered.plan.warnings, deploy_dir_warning(rendered, out_dir)]):
        print(warning, file=sys.stderr)
    if not args.quiet:
        print(f"{out_dir}: {result.summary()}")
    return 0
