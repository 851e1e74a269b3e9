"""The pipeline every command shares: load -> validate -> resolve -> plan; the command then writes.

Kept free of argparse and printing so the wizard, batch runs and regeneration
call the same steps and produce the same bytes.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from generator import __version__
from generator.errors import Problem, UserError
from generator.inputs.load import Layers, load_inputs
from generator.inputs.migrate import SCHEMA_VERSION
from generator.model.fields import Builder, to_data
from generator.model.integration import Integration
from generator.model.resolved import ResolvedIntegration, resolve
from generator.model.rules import problems
from generator.output.fingerprint import render_fingerprint
from generator.output.state import answers_yaml, state_files, state_for
from generator.output.writer import Desired
from generator.records import record
from generator.targets import plan_targets
from generator.targets.plan import TargetPlan

if TYPE_CHECKING:
    from generator.model.project import ProjectContext


def validate(layers: Layers, project: ProjectContext | None = None) -> Integration:
    """The validated, *answered* model (derived defaults still open), or every problem at once.

    With a project, answers that contradict it are problems too, and so is every mismatch between the
    configuration hardgen would write and the configurables the program declares (`generator.render.contract`).
    """
    builder = Builder(layers.origin)
    model = builder.build(Integration, layers.data)
    if builder.problems:
        raise UserError(builder.problems)
    found = problems(model, layers.origin)
    if project is not None and not found:
        from generator import keypath
        from generator.model.project import project_problems

        def origin(path: str) -> str:
            """Who set `path` (or its nearest set parent); "default" when nobody did."""
            probe = path
            while probe:
                if probe in layers.origins:
                    return layers.origins[probe]
                probe = keypath.parent(probe)
            return "default"

        found, _warnings = project_problems(model, project.project, project.derived, origin, project.label)
        if not found:
            from generator.render.contract import contract_problems

            found = contract_problems(resolve(model), project.project, origin)
    if found:
        raise UserError(found)
    return model


def load_project(folder: Path, presets: list[str], answers: list[Path], sets: list[str],
                 first: list[tuple[Mapping[str, Any], str]] | None = None) -> tuple[Layers, ProjectContext]:
    """Read the Ballerina package in `folder` and load the inputs with its derived answers between presets and answers."""
    from generator.inputs.ballerina.layer import load_with_project
    from generator.inputs.ballerina.project import read_project
    from generator.model.project import ProjectContext, derive

    project = read_project(folder)
    label = project.manifest
    held = []

    def derived_data(data):
        held.append(derive(project, data))
        return held[-1].data

    layers = load_with_project(presets, answers, sets, derived_data, label, first)
    return layers, ProjectContext(project, held[-1], label)


@record
class Rendered:
    """One integration, rendered: the model as answered and resolved, its plan, and every file of its folder."""

    model: Integration  # as answered: what the answers file records
    resolved: ResolvedIntegration  # with derived defaults: what targets read
    plan: TargetPlan
    desired: Desired  # every file of the output folder, .hardgen/ included


def render_model(model: Integration, project: ProjectContext | None = None) -> Rendered:
    """Every file of the output folder for one validated model, in memory; a project only adds warnings."""
    resolved = resolve(model)
    target_plan = plan_targets(resolved)
    if project is not None:
        from generator.model.project import project_problems

        _problems, warnings = project_problems(model, project.project, project.derived, lambda _path: "", project.label)
        target_plan.warnings.extend(warnings)
    answers = answers_yaml(to_data(model))
    state = state_for(__version__, SCHEMA_VERSION, target_plan.files, render_fingerprint(answers))
    desired: Desired = {f.path: (f.content, f.mode) for f in target_plan.files}
    desired.update(state_files(state, target_plan.files, answers))
    return Rendered(model, resolved, target_plan, desired)


def _source_and_text(note: str) -> tuple[str, str, str]:
    """A migration note (`FILE: answers migrated ...`) as the parts of a Problem; the text printed is the same."""
    source, _, text = note.partition(": ")
    return source, "", text


def render_inputs(presets: list[str], answers: list[Path], sets: list[str], project: Path | None = None) -> Rendered:
    """Load, validate and render; with `project`, the Ballerina package folder derives and checks the answers."""
    context = None
    if project is None:
        layers = load_inputs(presets, answers, sets)
    else:
        layers, context = load_project(project, presets, answers, sets)
    try:
        model = validate(layers, context)
    except UserError as exc:  # a problem may come from a migrated value: say what was migrated
        raise UserError([*exc.problems, *(Problem(*_source_and_text(note)) for note in layers.notes)]) from None
    rendered = render_model(model, context)
    rendered.plan.warnings[:0] = [f"note: {note}" for note in layers.notes]
    return rendered
