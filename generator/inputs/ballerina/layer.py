"""The inputs of a run with a project: presets < what the project derives < answers files < `--set`.

The project's layer sits above the presets (a preset's value is a default) and below the answers the user
gave (so the model stage can tell an explicit answer that contradicts the project from a default it
replaced: the origin of a key is the project's label unless an answers file or `--set` set it again).
`derive` gets the merged answers first, because one derived value depends on another answer
(`service.port` comes from the default of the configurable that `config.port_key` names).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from generator.inputs.load import Layers, load_preset, parse_set, read_answers


def _make_room(into: dict, derived: Mapping[str, Any]) -> None:
    """Create the mappings the derived answers go into, so only their leaves are the project's.

    Layers record the origin of a mapping they create; a key nobody set then takes that origin, and a problem
    with `config.port_key` (a default) would name Ballerina.toml, which never said anything about it.
    """
    for key, value in derived.items():
        if isinstance(value, Mapping):
            inner = into.setdefault(key, {})
            if isinstance(inner, dict):
                _make_room(inner, value)


class _Recorded:
    """Stands in for `Layers` while presets load: keeps each layer to replay in order."""

    def __init__(self) -> None:
        self.applied: list[tuple[Mapping[str, Any], str]] = []

    def apply(self, data: Mapping[str, Any], source: str) -> None:
        self.applied.append((data, source))


def load_with_project(presets: list[str], answers: list[Path], sets: list[str],
                      derive: Callable[[Mapping[str, Any]], Mapping[str, Any]], label: str,
                      first: list[tuple[Mapping[str, Any], str]] | None = None) -> Layers:
    """Layers as `load_inputs` builds them, with the project's derived answers between presets and answers.

    `first` are answers layers that come before `answers` (init: the output folder's recorded answers).
    """
    recorded = _Recorded()
    for preset in presets:
        load_preset(preset, recorded)
    notes: list[str] = []
    given = [*(first or []), *((read_answers(path, notes), str(path)) for path in answers), *((parse_set(item), "--set") for item in sets)]
    scratch = Layers()
    for data, source in (*recorded.applied, *given):
        scratch.apply(data, source)
    layers = Layers()
    for data, source in recorded.applied:
        layers.apply(data, source)
    derived = derive(scratch.data)
    _make_room(layers.data, derived)
    layers.apply(derived, label)
    for data, source in given:
        layers.apply(data, source)
    layers.notes.extend(notes)
    return layers
