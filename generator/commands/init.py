"""`hardgen init`: scaffold an integration by answering questions, then write what `generate` would.

The defaults come from `--preset`, then the answers already in the output
folder (so running `init` again edits rather than restarts), then `--answers`
and `--set`. The files are rendered and written by the same pipeline as
`hardgen generate`, and the answers file lands in `DIR/.hardgen/answers.yaml`,
so `hardgen generate --answers DIR/.hardgen/answers.yaml` replays the run in a
pipeline byte for byte. Without a terminal (or with `--no-input` or `--defaults`) it
never prompts: when every required answer is given it writes at once, as
`generate` would; otherwise it exits 2 naming the missing keys and the command
line that passes them.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

DEFAULT_OUTPUT = Path("deploy")


def add_arguments(p) -> None:
    from generator.commands import add_input_options, add_project_option

    add_input_options(p)
    add_project_option(p)
    p.add_argument("--output", "-o", type=Path, default=DEFAULT_OUTPUT, metavar="DIR",
                   help=f"output folder; its .hardgen/answers.yaml, if any, supplies the defaults (default: {DEFAULT_OUTPUT})")
    p.add_argument("--defaults", action="store_true", help="ask nothing: take every default (exit 2 naming what has none and is not given)")


def asks(args) -> bool:
    """Whether this run prompts: a terminal, and neither --no-input nor --defaults."""
    return not (args.no_input or getattr(args, "defaults", False)) and has_terminal()


def collect_model(layers, args, command: str, tail: list[str], project=None, answers: list[Path] | None = None,
                  interactive: bool | None = None):
    """The validated model: from the wizard when the run asks, else from the inputs alone (exit 2 naming what is missing)."""
    from generator.errors import UserError

    if not (asks(args) if interactive is None else interactive):
        missing = missing_keys(layers)
        if missing:
            given = answers if answers is not None else [Path(a) for a in args.answers]
            raise UserError(no_terminal_problems(layers, args.preset, given, args.sets, None,
                                                 getattr(args, "project", None), command=command, tail=tail))
        from generator.render.pipeline import validate

        return validate(layers, project)
    from generator.wizard.prompts import interview

    if project is not None:
        tell_derived(project)
    return interview(layers.data, origin=layers.origin, project=project)


def has_terminal() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()


def run(args) -> int:
    from generator.commands import project_folder
    from generator.inputs.load import load_inputs
    from generator.output.state import answers_path

    out_dir: Path = args.output
    existing = answers_path(out_dir)
    answers = ([existing] if existing.is_file() and not existing.is_symlink() else []) + [Path(a) for a in args.answers]
    folder = project_folder(args)
    project = None
    if folder is None:
        layers = load_inputs(args.preset, answers, args.sets)
    else:
        from generator.render.pipeline import load_project

        layers, project = load_project(folder, args.preset, answers, args.sets)
    from generator.errors import ExitCode
    from generator.output.state import read_state
    from generator.output.writer import write_output
    from generator.render.pipeline import render_model

    interactive = asks(args)
    model = collect_model(layers, args, "generate", ["--output", str(out_dir)], project, answers)
    rendered = render_model(model, project)
    if interactive:
        from generator.wizard.prompts import confirm

        previous = read_state(out_dir)
        print(summary(rendered, out_dir, previous, project), flush=True)
        if not confirm(f"Write these files to {out_dir}?"):
            print("aborted, nothing written", file=sys.stderr)
            return ExitCode.ABORTED
    result = write_output(out_dir, rendered.desired)
    for warning in rendered.plan.warnings if not interactive else ():
        print(warning, file=sys.stderr)
    if args.quiet and not interactive:
        return 0
    print(f"{out_dir}: {result.summary()}")
    print(f"Replay in a pipeline: hardgen generate --answers {shlex.quote(str(existing))} --output {shlex.quote(str(out_dir))}")
    return 0


def tell_derived(project) -> None:
    """Before the first question: what the project answers, so it is not asked."""
    print(f"From the Ballerina package in {project.project.root} (not asked; shown in the summary):", flush=True)
    for path, reason in project.derived.reasons.items():
        print(f"  {path}: {reason}", flush=True)


def summary(rendered, out_dir: Path, previous, project=None) -> str:
    """The answers as they will be recorded, and what happens to each file; refuses early what `write` would."""
    from generator.commands.generate import deploy_dir_warning
    from generator.model.fields import to_data
    from generator.output.state import STATE_DIR, answers_path
    from generator.output.writer import plan_writes
    from generator.render.yaml_dump import dump_yaml

    changes, unchanged, _removed, _kept = plan_writes(out_dir, rendered.desired, previous, False, "--output")
    lines = [f"\nAnswers (recorded in {answers_path(out_dir)}):"]
    lines += ["  " + line for line in dump_yaml(to_data(rendered.model)).decode().splitlines()]
    if project is not None:
        from generator import keypath

        data = to_data(rendered.model)
        lines.append(f"\nDerived from the Ballerina package in {project.project.root} (checked: every key fits the program):")
        lines += [f"  {path} = {keypath.get(data, path, '?')}  ({reason})" for path, reason in project.derived.reasons.items()]
    lines.append(f"\nFiles in {out_dir}/:")
    for f in rendered.plan.files:
        status = "unchanged" if f.path in unchanged else "changed" if previous and f.path in previous.files else "new"
        lines.append(f"  {status:9}  {f.mode:04o}  {f.path}")
    lines.append(f"  {'':9}        {STATE_DIR}/ (the answers, and the state and merge base for hardgen regenerate)")
    if not changes:
        lines.append("  (nothing changes)")
    lines += [w for w in (*rendered.plan.warnings, deploy_dir_warning(rendered, out_dir)) if w]
    return "\n".join(lines)


def missing_keys(layers) -> list:
    """The required keys no input gives (problems whose source is "missing")."""
    from generator.model.fields import Builder
    from generator.model.integration import Integration

    builder = Builder(layers.origin)
    builder.build(Integration, layers.data)
    return [p for p in builder.problems if p.source == "missing"]


def no_terminal_problems(layers, presets: list[str], answers: list[Path], sets: list[str], out_dir: Path | None,
                         project: Path | None = None, command: str = "generate", tail: list[str] | None = None):
    """Without a terminal: which required keys are missing, and the command that passes them."""
    from generator.errors import Problem

    missing = missing_keys(layers)
    argv = ["hardgen", command]
    for preset in presets:
        argv += ["--preset", preset]
    for path in answers:
        argv += ["--answers", str(path)]
    for item in sets:
        argv += ["--set", item]
    for p in missing:
        argv += ["--set", f"{p.path}=..."]
    if project is not None:
        argv += ["--project", str(project)]
    argv += tail if tail is not None else ["--output", str(out_dir)]
    how = f"no terminal to ask in (or --no-input, --defaults), so nothing is asked; the missing keys below: run {shlex.join(argv)}"
    return [Problem("hardgen new" if command == "new" else "init", "", how), *missing]  # sorted first, before "missing"
