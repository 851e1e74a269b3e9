"""`hardgen generate`: render artefacts non-interactively, for people and pipelines alike.

`--batch` renders many integrations in one process (a platform team regenerating
hundreds of integrations after a JDK or base-image upgrade): presets and `--set`
are read once, templates are compiled once, and every integration is validated
and planned before the first folder is written, so one bad answers file leaves
every output folder as it was.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def add_arguments(p) -> None:
    from generator.commands import add_input_options, add_project_option

    add_input_options(p)
    add_project_option(p)
    p.add_argument("--batch", action="append", default=[], type=Path, metavar="PATH",
                   help="an answers file, or a folder of *.yaml answers files, each one integration written to "
                        "DIR/<name>/ (repeatable; presets and --set apply to every integration)")
    p.add_argument("--output", "-o", required=True, type=Path, metavar="DIR", help="output folder (created if missing); with --batch, the folder that holds one folder per integration")
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
    if args.batch:
        return run_batch(args)
    from generator.commands import project_folder
    from generator.output.writer import write_output
    from generator.render.pipeline import render_inputs

    project = project_folder(args)
    rendered = render_inputs(args.preset, [Path(a) for a in args.answers], args.sets, project)
    out_dir: Path = args.output
    result = write_output(out_dir, rendered.desired, force=args.force)
    for warning in filter(None, [*rendered.plan.warnings, deploy_dir_warning(rendered, out_dir)]):
        print(warning, file=sys.stderr)
    if not args.quiet:
        if project is not None:
            print(f"{out_dir}: checked against the Ballerina package in {project} "
                  f"({rendered.resolved.config.org}/{rendered.resolved.config.module})")
        print(f"{out_dir}: {result.summary()}")
    return 0


def batch_files(paths: list[Path]) -> list[Path]:
    """The answers files named by `--batch`: files as given, folders as their `*.yaml` files in name order."""
    from generator.errors import Problem, UserError

    files: list[Path] = []
    problems = []
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.glob("*.yaml") if p.is_file())
            if not found:
                problems.append(Problem(str(path), "", "holds no *.yaml answers files"))
            files.extend(found)
        else:
            files.append(path)
    if problems:
        raise UserError(problems)
    return files


class _Recorded:
    """Stands in for `Layers` while presets load: keeps each layer to replay under every integration's answers."""

    def __init__(self) -> None:
        self.applied: list[tuple[dict, str]] = []

    def apply(self, data, source: str) -> None:
        self.applied.append((data, source))


def _in_file(problem, source: str):
    """A batch error always names the answers file of the integration it belongs to."""
    from generator.errors import Problem

    if problem.source == source:
        return problem
    if problem.source == "missing":
        return Problem(source, problem.path, problem.message)
    return Problem(f"{source} (with {problem.source})", problem.path, problem.message)


def run_batch(args) -> int:
    """Validate and plan every integration, refuse before writing if any fails, then write one folder each."""
    from generator.errors import Problem, UserError
    from generator.inputs.load import Layers, load_preset, parse_set, read_yaml
    from generator.output.state import read_state
    from generator.output.writer import locked_folder, output_folder, plan_writes, tidy_parent, write_output
    from generator.render.pipeline import render_model, validate

    if args.answers:
        raise UserError(Problem("--answers", "", "cannot be combined with --batch: give each integration's answers as a --batch file"))
    if args.project is not None:
        raise UserError(Problem("--project", "", "cannot be combined with --batch: a project is one Ballerina package, one "
                                "integration; run hardgen generate --project DIR for each package"))
    shared = _Recorded()  # presets and --set are read once for the whole batch
    for preset in args.preset:
        load_preset(preset, shared)
    sets = [parse_set(item) for item in args.sets]

    root = output_folder(args.output, "--output")
    problems: list[Problem] = []
    jobs = []  # (answers file, output folder, rendered)
    names: dict[str, str] = {}
    for path in batch_files(args.batch):
        source = str(path)
        try:
            layers = Layers()
            for data, label in shared.applied:
                layers.apply(data, label)
            layers.apply(read_yaml(path), source)
            for data in sets:
                layers.apply(data, "--set")
            rendered = render_model(validate(layers))
        except UserError as exc:
            problems.extend(_in_file(p, source) for p in exc.problems)
            continue
        name = rendered.model.name
        if name in names:
            problems.append(Problem(source, "name", f"{name!r} is also the name in {names[name]}; each integration needs its own output folder"))
            continue
        names[name] = source
        jobs.append((source, root / name, rendered))
    if problems:
        raise UserError(problems)

    for source, out_dir, rendered in jobs:  # refusals (foreign or edited files) stop the batch before any write
        if out_dir.exists() or out_dir.is_symlink():
            label = f"{out_dir} (from {source})"
            try:
                with locked_folder(out_dir, label, write=True):  # a write a killed run left half done is completed first
                    plan_writes(out_dir, rendered.desired, read_state(out_dir), args.force, label)
            except UserError as exc:
                problems.extend(exc.problems)
    if problems:
        raise UserError(problems)

    tidy_parent(root, "--output")  # what killed batch runs left beside the folders, once for all of them
    for source, out_dir, rendered in jobs:
        result = write_output(out_dir, rendered.desired, force=args.force, label=f"{out_dir} (from {source})", tidy=False)
        for warning in filter(None, [*rendered.plan.warnings, deploy_dir_warning(rendered, out_dir)]):
            print(f"{source}: {warning}", file=sys.stderr)
        if not args.quiet:
            print(f"{out_dir}: {result.summary()}")
    if not args.quiet:
        print(f"{len(jobs)} integrations generated into {args.output}")
    return 0
