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
    from generator.commands.results import add_format_option

    add_format_option(p)


def deploy_dir_warning(rendered, out_dir: Path) -> str | None:
    """The Dockerfile's COPY paths assume the output sits at docker.deploy_dir in the build context."""
    if "docker" not in rendered.resolved.targets:
        return None
    expected = rendered.resolved.docker.deploy_dir
    try:
        actual = os.path.relpath(out_dir.resolve(), Path.cwd())
    except ValueError:
        actual = str(out_dir)
    if expected == "." or _build_context(out_dir, expected) is not None:
        return None
    return (f"warning: docker.deploy_dir is {expected!r} but the output is {actual!r}; the Dockerfile expects "
            f"`docker build -f {expected}/Dockerfile .` from the folder above {expected!r} (set docker.deploy_dir to match)")


def _build_context(out_dir: Path, deploy_dir: str) -> Path | None:
    """The folder that holds the output at `deploy_dir` (the docker build context), or None when the output is not there."""
    context = out_dir.resolve()
    for part in reversed(Path(deploy_dir).parts):
        if context.name != part:
            return None
        context = context.parent
    return context


def next_steps(rendered, out_dir: Path) -> list[str]:
    """What to do with the folder now, per target, as commands that run from here (docs/targets/*.md)."""
    import shlex

    def q(path: Path | str) -> str:
        return shlex.quote(str(path))

    steps = []
    if "README.md" in rendered.desired:
        steps.append(f"next: read {q(out_dir / 'README.md')} (what each file is, filling the secrets, deploying)")
    targets = rendered.resolved.targets
    if "docker" in targets:
        context = _build_context(out_dir, rendered.resolved.docker.deploy_dir)
        where = os.path.relpath(context) if context is not None else "."
        steps.append(f"next: docker build -f {q(out_dir / 'Dockerfile')} {q(where)}")
    if "kubernetes" in targets:
        steps.append(f"next: kubectl apply -k {q(out_dir if 'kustomization.yaml' in rendered.desired else out_dir / 'kubernetes')}")
    if "systemd" in targets:
        steps.append(f"next: sudo {q(out_dir / 'systemd' / 'install.sh')}")
    return steps


def _files(result) -> list[tuple[str, str]]:
    """The write's artefacts with their action, in path order (`--format json`); `.hardgen/` is hardgen's, not the user's."""
    from generator.output.state import STATE_DIR

    actions = {"written": result.written, "unchanged": result.unchanged, "removed": result.removed, "kept-edited": result.kept}
    return sorted((path, action) for action, paths in actions.items() for path in paths if not path.startswith(STATE_DIR + "/"))


def _previous_version(out_dir: Path) -> str | None:
    from generator.output.state import read_state

    state = read_state(out_dir) if out_dir.is_dir() else None
    return (state.version or None) if state is not None else None


def run(args) -> int:
    if args.batch:
        return run_batch(args)
    from generator.commands import project_folder
    from generator.commands.results import emit, folder_entry, json_requested
    from generator.output.writer import write_output
    from generator.render.pipeline import render_inputs

    project = project_folder(args)
    rendered = render_inputs(args.preset, [Path(a) for a in args.answers], args.sets, project)
    out_dir: Path = args.output
    as_json = json_requested(args)
    generated_by = _previous_version(out_dir) if as_json else None
    result = write_output(out_dir, rendered.desired, force=args.force)
    warnings = list(filter(None, [*rendered.plan.warnings, deploy_dir_warning(rendered, out_dir)]))
    for warning in warnings:
        print(warning, file=sys.stderr)
    notes = next_steps(rendered, out_dir)
    if project is not None:
        notes.insert(0, f"checked against the Ballerina package in {project} "
                        f"({rendered.resolved.config.org}/{rendered.resolved.config.module})")
    if as_json:
        emit("generate", "write", 0, [folder_entry(str(out_dir), status="written" if result.written else "in-sync",
                                                   generated_by=generated_by, files=_files(result), notes=notes,
                                                   warnings=warnings)])
    elif not args.quiet:
        print(f"{out_dir}: {result.summary()}", file=sys.stderr)
        for note in notes:
            print(note if note.startswith("next:") else f"{out_dir}: {note}", file=sys.stderr)
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

    from generator.commands.results import emit, folder_entry, json_requested

    as_json = json_requested(args)
    tidy_parent(root, "--output")  # what killed batch runs left beside the folders, once for all of them
    entries, said = [], batch_warnings(jobs, root)
    for source, out_dir, rendered in jobs:
        generated_by = _previous_version(out_dir) if as_json else None
        result = write_output(out_dir, rendered.desired, force=args.force, label=f"{out_dir} (from {source})", tidy=False)
        if not args.quiet and not as_json:
            print(f"{out_dir}: {result.summary()}", file=sys.stderr)
        warnings = [w for w, sources in said.items() if source in sources]
        entries.append(folder_entry(str(out_dir), status="written" if result.written else "in-sync", generated_by=generated_by,
                                    files=_files(result), warnings=warnings))
    for warning, sources in said.items():  # each distinct warning once, naming the answers files it applies to
        print(f"{', '.join(sources)}: {warning}", file=sys.stderr)
    if as_json:
        emit("generate", "write", 0, entries)
    elif not args.quiet:
        print(f"{len(jobs)} integrations generated into {args.output}", file=sys.stderr)
    return 0


def batch_warnings(jobs, root: Path) -> dict[str, list[str]]:
    """Each distinct warning of the batch -> the answers files it applies to, in batch order.

    `docker.deploy_dir` is judged against the batch layout (`ROOT/<name>`) once per value, not per folder:
    the folders differ only by the integration's name, so one sentence covers them all.
    """
    said: dict[str, list[str]] = {}
    for source, out_dir, rendered in jobs:
        warnings = list(rendered.plan.warnings)
        if deploy_dir_warning(rendered, out_dir) is not None:
            expected = rendered.resolved.docker.deploy_dir
            layout = os.path.join(str(root), "<name>")
            warnings.append(f"warning: docker.deploy_dir is {expected!r} but the batch writes each integration to {layout!r}; "
                            f"each Dockerfile expects `docker build -f {expected}/Dockerfile .` from the folder above {expected!r} "
                            f"(give each answers file its docker.deploy_dir, e.g. {os.path.join(str(root), 'NAME')!r})")
        for warning in warnings:
            said.setdefault(warning, []).append(source)
    return said
