"""`hardgen contract`: the configurables the program must declare for these answers, as Ballerina source to paste.

Ballerina stops at start on a Config.toml value no configurable consumes and on a required configurable
without a value, so the program and hardgen's output have a contract: every key hardgen writes
(`generator.targets.shared.ballerina_config.entries`) is a configurable of the right type. This command
prints it, from the same inputs as `hardgen generate`. With a project (`--project DIR`, or the current
folder when it holds a Ballerina.toml) it also checks the program against it, exactly as `generate` does
before writing, and names the declaration of each key.
"""

from __future__ import annotations

from pathlib import Path


def add_arguments(p) -> None:
    from generator.commands import add_input_options, add_project_option

    add_input_options(p)
    add_project_option(p)


def run(args) -> int:
    from generator.commands import project_folder
    from generator.inputs.load import load_inputs
    from generator.model.resolved import resolve
    from generator.render.contract import snippet
    from generator.render.pipeline import load_project, validate

    folder = project_folder(args)
    answers = [Path(a) for a in args.answers]
    if folder is None:
        model, context = validate(load_inputs(args.preset, answers, args.sets)), None
    else:
        layers, context = load_project(folder, args.preset, answers, args.sets)
        model = validate(layers, context)
    print(snippet(resolve(model), context.project if context else None), end="")
    return 0
