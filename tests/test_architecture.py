"""The module map of ARCHITECTURE.md, as tests: each stage imports only the stages before it.

Every `import` in generator/ (module level and inside functions alike) is read
with `ast`, so a lazy import cannot hide a dependency that points the wrong way.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from generator.model.integration import TARGET_NAMES
from generator.targets import TARGETS

PACKAGE = Path(__file__).resolve().parent.parent / "generator"

#: Foundations every stage may use; they import no stage themselves.
FOUNDATION = ("generator", "generator.errors", "generator.records", "generator.keypath", "generator.yaml_scalars", "generator.shipped",
              "generator.secret_like")
SERIALISERS = ("generator.render.templates", "generator.render.yaml_dump", "generator.render.toml_dump")

#: module prefix -> the generator modules (by prefix) it may import, besides FOUNDATION and its own package.
ALLOWED: dict[str, tuple[str, ...]] = {
    "generator.inputs": (),
    "generator.model": ("generator.inputs",),
    "generator.render.templates": (),
    "generator.render.yaml_dump": (),
    "generator.render.toml_dump": (),
    "generator.targets": ("generator.model", "generator.inputs", *SERIALISERS),
    "generator.output": ("generator.render.yaml_dump",),
    "generator.render.contract": ("generator.inputs", "generator.model", "generator.targets"),
    "generator.render.pipeline": ("generator.inputs", "generator.model", "generator.targets", "generator.output", "generator.render.contract"),
    "generator.wizard": ("generator.inputs", "generator.model", "generator.render.pipeline"),
    "generator.regenerate": ("generator.inputs", "generator.model", "generator.render", "generator.targets.plan", "generator.output"),
    "generator.commands": ("generator.inputs", "generator.model", "generator.render", "generator.output", "generator.regenerate", "generator.wizard"),
    "generator.cli": ("generator.commands",),
    "generator.__main__": ("generator.cli",),
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    """Every generator module `path` imports, with relative imports made absolute."""
    tree = ast.parse(path.read_text())
    here = module_name(path).split(".")
    package = here if path.name == "__init__.py" else here[:-1]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = ".".join(package[: len(package) - node.level + 1]) if node.level else ""
            module = ".".join(x for x in (base, node.module or "") if x)
            found.add(module)
            found.update(f"{module}.{a.name}" for a in node.names if (PACKAGE.parent / f"{module}.{a.name}".replace(".", "/")).is_dir()
                         or (PACKAGE.parent / (f"{module}.{a.name}".replace(".", "/") + ".py")).is_file())
    return {m for m in found if m == "generator" or m.startswith("generator.")}


def rule_for(module: str) -> tuple[str, tuple[str, ...]]:
    best = max((p for p in ALLOWED if module == p or module.startswith(p + ".")), key=len, default=None)
    if best is None:
        return module, ()
    return best, ALLOWED[best]


def is_under(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


MODULES = sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: module_name(p))
def test_each_module_imports_only_earlier_stages(path):
    module = module_name(path)
    prefix, allowed = rule_for(module)
    wrong = sorted(
        m for m in imports_of(path)
        if m not in FOUNDATION and not is_under(m, prefix) and not any(is_under(m, a) for a in allowed)
    )
    assert not wrong, f"{module} ({prefix}) imports {wrong}; see ARCHITECTURE.md for what each stage may use"


def test_no_module_but_main_imports_the_cli():
    users = [module_name(p) for p in MODULES if "generator.cli" in imports_of(p) and p.name != "__main__.py"]
    assert users == []


def test_a_target_never_reads_another_targets_internals():
    """Targets share the model and `targets/shared`, never each other (kompose's transformers)."""
    own = {name: TARGETS[name].module for name in TARGET_NAMES}
    for name, module in own.items():
        root = PACKAGE.parent / module.replace(".", "/")
        files = sorted(root.rglob("*.py")) if root.is_dir() else [root.with_suffix(".py")]
        others = [m for other, m in own.items() if other != name]
        for path in files:
            crossing = sorted(i for i in imports_of(path) if any(is_under(i, m) for m in others))
            assert not crossing, f"{module_name(path)} imports {crossing}"


def test_the_registry_and_the_model_list_the_same_targets():
    assert tuple(TARGETS) == TARGET_NAMES
    for name, target in TARGETS.items():
        assert target.name == name
        assert (PACKAGE.parent / target.module.replace(".", "/")).with_suffix(".py").is_file() or \
            (PACKAGE.parent / target.module.replace(".", "/") / "__init__.py").is_file()
        for shared in target.shared:
            assert (PACKAGE / "targets" / "shared" / f"{shared}.py").is_file()


def test_the_layering_rules_are_not_vacuous():
    """The checker finds a wrong-way import when there is one (a model module importing a target)."""
    sample = PACKAGE / "model" / "resolved.py"
    assert "generator.model.integration" in imports_of(sample)
    prefix, allowed = rule_for("generator.model.resolved")
    assert prefix == "generator.model" and not any(is_under("generator.targets.docker", a) for a in allowed)
