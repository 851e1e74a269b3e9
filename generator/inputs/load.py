"""Load: presets (with `extends:`), answers files and `--set`, merged with their origins.

Later layers win (preset < answers < --set). Every key remembers which file or
flag set it, so a validation problem can name the file the user has to edit.
YAML is read defensively: size cap, no anchors or aliases (no alias bombs),
duplicate keys refused, a mapping at the top, at most MAX_DEPTH levels of nesting,
and a value that cannot be read as its type (`!!int abc`, 2024-02-30) is a
problem on its line, never a traceback.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import field
from pathlib import Path
from typing import Any, Protocol

from generator import keypath
from generator.errors import Problem, UserError, show
from generator.records import record
from generator.shipped import preset_dir

MAX_INPUT_BYTES = 1 << 20
MAX_EXTENDS_DEPTH = 8
#: Lists and mappings nest at most this deep in any input (answers need five levels); deeper data is refused
#: before any recursive code (merging, messages) walks it.
MAX_DEPTH = 16
PRESET_ONLY_KEYS = ("extends", "description")
_SET_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*")


class LayerSink(Protocol):
    """Anything presets can be applied to: `Layers`, or a batch run's recording of them."""

    def apply(self, data: Mapping[str, Any], source: str) -> None: ...


class SetText(str):
    """A value typed on the command line (`--set k=v`): the model reads it by the field's type, not as YAML."""


@record
class Layers:
    """The merged input data and, for each key path, the source that set it."""

    data: dict[str, Any] = field(default_factory=dict)
    origins: dict[str, str] = field(default_factory=dict)
    sources: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what was migrated, for the run to print

    def apply(self, data: Mapping[str, Any], source: str) -> None:
        self.sources.append(source)
        _merge(self.data, data, "", source, self.origins)

    def origin(self, path: str) -> str:
        """The source of `path` or of its nearest set ancestor; missing keys point at all inputs."""
        probe = path
        while probe:
            if probe in self.origins:
                return self.origins[probe]
            up = keypath.parent(probe)
            if up == probe:  # a key with '[' in it ('a[b') has no parent keypath.parent can find
                break
            probe = up
        return " + ".join(self.sources) if self.sources else "input"


def _merge(into: dict, new: Mapping, prefix: str, source: str, origins: dict[str, str]) -> None:
    for key, value in new.items():
        path = keypath.join(prefix, key)
        if isinstance(value, Mapping) and isinstance(into.get(key), dict):
            _merge(into[key], value, path, source, origins)
            continue
        for stale in [p for p in origins if p != path and keypath.within(p, path)]:
            del origins[stale]
        origins[path] = source
        if isinstance(value, Mapping):
            into[key] = {}
            _merge(into[key], value, path, source, origins)
        else:
            into[key] = value


def read_yaml(path: Path, label: str | None = None) -> dict[str, Any]:
    """A YAML mapping from a user file, refusing what could hurt or mislead."""
    label = label or str(path)
    try:
        if path.is_dir():
            raise UserError(Problem(label, "", "is a directory, not a YAML file"))
        raw = path.read_bytes()[: MAX_INPUT_BYTES + 1]
    except OSError as exc:
        raise UserError(Problem(label, "", f"cannot be read: {exc.strerror}")) from None
    if len(raw) > MAX_INPUT_BYTES:
        raise UserError(Problem(label, "", f"is larger than {MAX_INPUT_BYTES // 1024} KiB"))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise UserError(Problem(label, "", "is not UTF-8 text")) from None
    data = parse_yaml(text, label)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise UserError(Problem(label, "", "must hold a mapping of answer keys at the top level"))
    return data


def parse_yaml(text: str, label: str) -> Any:
    data = _parse_yaml(text, label)
    if _deeper_than(data, MAX_DEPTH):
        raise UserError(Problem(label, "", f"nests lists and mappings more than {MAX_DEPTH} levels deep"))
    return data


def _parse_yaml(text: str, label: str) -> Any:
    from generator.inputs.yaml_subset import load

    quick = load(text)  # the usual answers file; anything unusual is ruamel's
    if quick is not None:
        return quick
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError
    from ruamel.yaml.events import AliasEvent

    yaml = YAML(typ="safe", pure=True)
    yaml.Constructor = _checked_constructor()
    yaml.allow_duplicate_keys = False
    try:
        # An anchor needs '&' and an alias '*': text without either skips the second parse (half the cost).
        if "&" in text or "*" in text:
            for event in yaml.parse(text):
                if isinstance(event, AliasEvent) or getattr(event, "anchor", None):
                    line = event.start_mark.line + 1 if event.start_mark else 0
                    raise UserError(Problem(label, "", f"line {line}: YAML anchors and aliases are not allowed in hardgen input"))
        return yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}: " if mark else ""
        what = (exc.problem or exc.context or "invalid YAML").strip().replace("\n", " ")
        what = re.sub(r' with value ".*', "", what)  # a duplicate key's values may be secrets: name the key only
        raise UserError(Problem(label, "", f"{where}{what}")) from None
    except YAMLError as exc:
        raise UserError(Problem(label, "", str(exc).strip().splitlines()[0])) from None
    except RecursionError:
        raise UserError(Problem(label, "", f"nests lists and mappings more than {MAX_DEPTH} levels deep")) from None


@functools.cache
def _checked_constructor() -> type:
    """ruamel's safe constructor, turning a value it cannot build (`!!int abc`, `!!bool maybe`, 2024-02-30, a
    number too long to convert) into a problem on the value's line instead of a Python exception."""
    from ruamel.yaml.constructor import ConstructorError, SafeConstructor
    from ruamel.yaml.nodes import ScalarNode

    class CheckedConstructor(SafeConstructor):
        def construct_non_recursive_object(self, node: Any, tag: str | None = None) -> Any:
            try:
                return super().construct_non_recursive_object(node, tag)
            except (ValueError, TypeError, KeyError, ArithmeticError) as exc:
                kind = str(node.tag).rsplit(":", 1)[-1].replace("timestamp", "date or time")
                value = show(node.value) if isinstance(node, ScalarNode) else "this value"
                raise ConstructorError(None, None, f"{value} is not a valid {kind}", node.start_mark) from exc

    return CheckedConstructor


def _deeper_than(data: Any, limit: int) -> bool:
    """Whether lists and mappings in `data` nest more than `limit` levels (walked without recursion)."""
    stack = [(data, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, Mapping):
            children: Any = node.values()
        elif isinstance(node, (list, tuple, set)):
            children = node
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def parse_flow(text: str) -> Any:
    """A `--set` value that is a YAML flow list or mapping, e.g. `[docker, kubernetes]`."""
    stripped = text.strip()
    if not stripped.startswith(("[", "{")):
        return text
    return parse_yaml(stripped, "--set")


def find_preset(name_or_file: str) -> tuple[Path, str]:
    candidate = Path(name_or_file)
    if candidate.suffix in (".yaml", ".yml") or "/" in name_or_file:
        return candidate, str(candidate)
    path = preset_dir() / f"{name_or_file}.yaml"
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in preset_dir().glob("*.yaml")))
        raise UserError(Problem("--preset", "", f"{name_or_file!r} is not a preset (available: {known}; or give a .yaml file)"))
    return path, f"preset {name_or_file}"


def load_preset(name_or_file: str, layers: LayerSink, _chain: tuple[str, ...] = ()) -> None:
    """Apply a preset after the presets it `extends:`, base first."""
    path, label = find_preset(name_or_file)
    key = str(path.resolve())
    if key in _chain:
        raise UserError(Problem(label, "extends", "forms a cycle of presets"))
    if len(_chain) >= MAX_EXTENDS_DEPTH:
        raise UserError(Problem(label, "extends", f"chain is deeper than {MAX_EXTENDS_DEPTH}"))
    data = read_yaml(path, label)
    parent = data.pop("extends", None)
    data.pop("description", None)
    if parent is not None:
        if not isinstance(parent, str):
            raise UserError(Problem(label, "extends", "must be a preset name or a file"))
        if "/" in parent or parent.endswith((".yaml", ".yml")):
            parent = str(path.parent / parent)
        load_preset(parent, layers, (*_chain, key))
    layers.apply(data, label)


def parse_set(item: str) -> dict[str, Any]:
    """`a.b=value` into `{'a': {'b': SetText('value')}}`; the model's type decides how to read it."""
    key, sep, value = item.partition("=")
    if not sep or not _SET_KEY.fullmatch(key) or key.count(".") >= MAX_DEPTH:
        raise UserError(Problem("--set", "", f"{show(item)} is not KEY=VALUE with a dotted key (like service.port=9443)"))
    out: dict[str, Any] = {}
    node = out
    parts = key.split(".")
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = SetText(value)
    return out


def read_answers(path: Path, notes: list[str]) -> dict[str, Any]:
    """An answers file, brought forward to the current schema when it names an older `schema_version`.

    A file without `schema_version` is taken as current: hand-written answers rarely say. One that names an older
    version gets the values that keep what that hardgen generated (`inputs/migrate.py`), and `notes` says how to opt in.
    """
    data = read_yaml(path)
    if "schema_version" in data:
        from generator.inputs.migrate import migrate

        data, found = migrate(data, str(path))
        notes.extend(found)
    return data


def load_inputs(presets: list[str], answers: list[Path], sets: list[str]) -> Layers:
    layers = Layers()
    for preset in presets:
        load_preset(preset, layers)
    for path in answers:
        layers.apply(read_answers(path, layers.notes), str(path))
    for item in sets:
        layers.apply(parse_set(item), "--set")
    return layers
