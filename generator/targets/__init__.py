"""Stage 3b, targets: the one registry of artefact sets, and planning the files of the requested ones.

Each target is a module with one entry point, `plan(model: ResolvedIntegration)
-> TargetPlan`. A target reads the resolved model and nothing else: no files,
no other target's internals. What several targets share (the JVM options and the
Ballerina configuration in the image layout) comes from `generator.targets.shared`
and is planned once per output, before the targets that need it.

Adding a target is a checklist in ARCHITECTURE.md: its name in
`generator.model.integration.TargetName`, one `Target` entry here, its module.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from generator.model.integration import TARGET_NAMES, TargetName
from generator.model.resolved import ResolvedIntegration
from generator.targets.plan import TargetPlan


@dataclass(frozen=True)
class Target:
    """One artefact set the user can ask for: its planner and the shared artefacts it needs first."""

    name: TargetName
    module: str  # imported only when the target is planned
    shared: tuple[str, ...]  # modules under generator.targets.shared, planned once per output
    summary: str


TARGETS: dict[TargetName, Target] = {
    "docker": Target("docker", "generator.targets.docker", ("jvm", "ballerina_config"),
                     "container image: Dockerfile and its build-context filter"),
    "kubernetes": Target("kubernetes", "generator.targets.kubernetes", ("jvm", "ballerina_config"),
                         "Kubernetes manifests: Deployment, Service, NetworkPolicies, Secret instructions"),
    "systemd": Target("systemd", "generator.targets.systemd", ("jvm", "ballerina_config"),
                      "a sandboxed systemd unit with its install script for a Linux VM"),
}
assert tuple(TARGETS) == TARGET_NAMES, "the registry and the model's TargetName must list the same targets"


#: The shared builder each runtime uses in place of the Ballerina configuration.
RUNTIME_CONFIG = {"ballerina": "ballerina_config", "mi": "mi_config"}


def planners(targets: tuple[TargetName, ...], runtime: str = "ballerina") -> list[str]:
    """The modules to plan for these targets, shared ones first, each once, in a fixed order."""
    modules: list[str] = []
    for name in targets:
        target = TARGETS[name]
        shared = [RUNTIME_CONFIG[runtime] if s == "ballerina_config" else s for s in target.shared]
        for module in (*(f"generator.targets.shared.{s}" for s in shared), target.module):
            if module not in modules:
                modules.append(module)
    return modules


def plan_targets(model: ResolvedIntegration) -> TargetPlan:
    """All files for the model's targets and the README that describes them, sorted by path; a path planned twice is a bug."""
    from generator.targets.readme import readme

    total = TargetPlan()
    seen: dict[str, str] = {}
    for module in planners(model.targets, model.runtime):
        part = importlib.import_module(module).plan(model)
        for f in part.files:
            if f.path in seen:
                raise AssertionError(f"{module} and {seen[f.path]} both plan {f.path}")
            seen[f.path] = module
        total.files.extend(part.files)
        total.warnings.extend(part.warnings)
    total.files.append(readme(model, total.files))
    if total.files[-1].path in seen:
        raise AssertionError(f"{seen[total.files[-1].path]} plans the README's path")
    total.files.sort(key=lambda f: f.path)
    return total
