"""The pipeline every command shares: load -> validate -> resolve -> plan; the command then writes.

Kept free of argparse and printing so the wizard, batch runs and regeneration
call the same steps and produce the same bytes.
"""

from __future__ import annotations

from pathlib import Path

from generator import __version__
from generator.errors import UserError
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


def validate(layers: Layers) -> Integration:
    """The validated, *answered* model (derived defaults still open), or every problem at once."""
    builder = Builder(layers.origin)
    model = builder.build(Integration, layers.data)
    if builder.problems:
        raise UserError(builder.problems)
    found = problems(model, layers.origin)
    if found:
        raise UserError(found)
    return model


@record
class Rendered:
    """One integration, rendered: the model as answered and resolved, its plan, and every file of its folder."""

    model: Integration  # as answered: what the answers file records
    resolved: ResolvedIntegration  # with derived defaults: what targets read
    plan: TargetPlan
    desired: Desired  # every file of the output folder, .hardgen/ included


def render_model(model: Integration) -> Rendered:
    """Every file of the output folder for one validated model, in memory."""
    resolved = resolve(model)
    target_plan = plan_targets(resolved)
    answers = answers_yaml(to_data(model))
    state = state_for(__version__, SCHEMA_VERSION, target_plan.files, render_fingerprint(answers))
    desired: Desired = {f.path: (f.content, f.mode) for f in target_plan.files}
    desired.update(state_files(state, target_plan.files, answers))
    return Rendered(model, resolved, target_plan, desired)


def render_inputs(presets: list[str], answers: list[Path], sets: list[str]) -> Rendered:
    return render_model(validate(load_inputs(presets, answers, sets)))
