"""The pipeline every command shares: load -> validate -> plan -> (the command writes).

Kept free of argparse and printing so the wizard, batch runs and regeneration
call the same steps and produce the same bytes.
"""

from __future__ import annotations

from pathlib import Path

from . import __version__
from .errors import UserError
from .fields import Builder, to_data
from .fingerprint import render_fingerprint
from .load import Layers, load_inputs
from .model import SCHEMA_VERSION, Integration, problems_for, resolve
from .plan import TargetPlan, plan
from .records import record
from .state import answers_yaml, state_for, state_files
from .write import Desired


def validate(layers: Layers) -> Integration:
    """The validated, *unresolved* model (derived defaults still open), or every problem at once."""
    builder = Builder(layers.origin)
    model = builder.build(Integration, layers.data)
    if builder.problems:
        raise UserError(builder.problems)
    problems = problems_for(model, layers.origin)
    if problems:
        raise UserError(problems)
    return model


@record
class Rendered:
    """One integration, rendered: the model as answered and resolved, its plan, and every file of its folder."""

    model: Integration  # as answered: what the answers file records
    resolved: Integration  # with derived defaults: what targets read
    plan: TargetPlan
    desired: Desired  # every file of the output folder, .hardgen/ included


def render(model: Integration) -> Rendered:
    resolved = resolve(model)
    target_plan = plan(resolved)
    answers = answers_yaml(to_data(model))
    state = state_for(__version__, SCHEMA_VERSION, target_plan.files, render_fingerprint(answers))
    desired: Desired = {f.path: (f.content, f.mode) for f in target_plan.files}
    desired.update(state_files(state, target_plan.files, answers))
    return Rendered(model, resolved, target_plan, desired)


def render_inputs(presets: list[str], answers: list[Path], sets: list[str]) -> Rendered:
    return render(validate(load_inputs(presets, answers, sets)))
