"""What a Ballerina project says about the answers: the defaults it derives, and the answers that contradict it.

The project reader (`generator.inputs.ballerina`) hands over plain records; this module turns them into
answers data, applied as a layer above the presets and below answers files and `--set`
(`generator.inputs.ballerina.layer`), so a derived value is recorded in `.hardgen/answers.yaml` like any
other and a replay needs no project. A preset's value is a default, so the project overrides it; an answers
file or `--set` that disagrees with the project is an error naming both.

Derived:
- `config.org`, `config.module` from Ballerina.toml `[package]` org and name: the root module's table is
  `[org.name]` (ballerina-lang TomlProvider.getRootModuleNode; the runtime also accepts `[name]` and keys at
  the top level, hardgen writes the full form);
- `artifact`: `bal build` writes `target/bin/<package name>.jar`;
- `jdk` from the distribution that built the package: Swan Lake 2201.0 to 2201.10 run on Java 17, 2201.11
  and later compile Java 21 class files (an `UnsupportedClassVersionError` on 17; "Announcing Ballerina Swan
  Lake Update 11", Java 21 support; ballerina-lang JvmTarget.JAVA_21); no released distribution claims 25;
- `service.port` from the default of the configurable `config.port_key` names, when it is a literal;
- `metrics.enabled: false` when the program cannot serve metrics: only with ballerinax/prometheus in the
  program and `observabilityIncluded = true` do `[ballerina.observe]`/`[ballerinax.prometheus]` have readers.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from generator.errors import Problem, show
from generator.inputs.ballerina.project import BallerinaProject
from generator.model.integration import Integration
from generator.records import record

#: The first Swan Lake update whose jars are Java 21 class files.
JAVA_21_FROM = 11
_DISTRIBUTION = re.compile(r"(?:ballerina-)?2201\.(\d+)\.(\d+)(?:[-+][0-9A-Za-z.-]+)?")


@record(frozen=True)
class Derived:
    """Answers the project derives (nested answers data) and, per key path, what in the project says so."""

    data: dict[str, Any]
    reasons: dict[str, str]


@record(frozen=True)
class ProjectContext:
    """A run's project: what was read, what it derived, and the origin label of its derived answers."""

    project: BallerinaProject
    derived: Derived
    label: str  # the origin of every derived answer: the package's Ballerina.toml


def java_of(distribution: str) -> int | None:
    """The Java feature release a Swan Lake distribution builds for (17 or 21), or None if it is not 2201.x."""
    match = _DISTRIBUTION.fullmatch(distribution.strip())
    if not match:
        return None
    return 21 if int(match.group(1)) >= JAVA_21_FROM else 17


def metrics_blockers(project: BallerinaProject) -> list[str]:
    """Why the program cannot serve Prometheus metrics (empty when it can)."""
    out = []
    included, where = project.includes("ballerinax", "prometheus")
    if not included:
        out.append(f"ballerinax/prometheus is not in the program ({where}; add `import ballerinax/prometheus as _;`)")
    if not project.observability_included:
        out.append(f"{project.manifest} does not set [build-options] observabilityIncluded = true")
    return out


def port_key_of(data: Mapping[str, Any]) -> str | None:
    """config.port_key as the answers so far set it (raw input data), else its default 'port'."""
    config = data.get("config")
    if not isinstance(config, Mapping) or "port_key" not in config:
        return "port"
    raw = config["port_key"]
    if raw is None or str(raw) in ("", "null", "~"):
        return None
    return str(raw)


def derive(project: BallerinaProject, answers: Mapping[str, Any]) -> Derived:
    """The answers the project implies; `answers` (the merged raw inputs) only tells which configurable is the port."""
    manifest = project.manifest
    data: dict[str, Any] = {"config": {"org": project.org, "module": project.name}, "artifact": f"target/bin/{project.name}.jar"}
    reasons = {
        "config.org": f"{manifest}: [package] org = {project.org!r}",
        "config.module": f"{manifest}: [package] name = {project.name!r}",
        "artifact": f"{manifest}: [package] name = {project.name!r} (`bal build` writes target/bin/{project.name}.jar)",
    }
    distribution, where = project.built_by()
    java = java_of(distribution) if distribution else None
    if java is not None:
        data["jdk"] = java
        reasons["jdk"] = where
    port_key = port_key_of(answers)
    root = project.module("")
    port = next((c for c in root.configurables if c.name == port_key), None) if root and port_key else None
    if port is not None and port.default.literal and isinstance(port.default.value, int) and not isinstance(port.default.value, bool) \
            and 1 <= port.default.value <= 65535:
        data["service"] = {"port": port.default.value}
        reasons["service.port"] = f"{project.path(port.file)}:{port.line}: {port.declaration()}"
    blockers = metrics_blockers(project)
    if blockers:
        data["metrics"] = {"enabled": False}
        reasons["metrics.enabled"] = "; ".join(blockers)
    return Derived(data, reasons)


def project_problems(model: Integration, project: BallerinaProject, derived: Derived, origin: Callable[[str], str],
                     label: str) -> tuple[list[Problem], list[str]]:
    """(problems, warnings): answers that contradict the project, and JDK choices it does not claim."""
    problems: list[Problem] = []
    warnings: list[str] = []

    def explicit(path: str) -> bool:
        return origin(path) != label

    for path, value, wanted, what in (
        ("config.org", model.config.org, project.org, "names the module's table"),
        ("config.module", model.config.module, project.name, "names the module's table"),
    ):
        if value != wanted and explicit(path):
            problems.append(Problem(origin(path), path, f"{show(value)} contradicts {derived.reasons[path]}, which {what} "
                                    f"([{project.org}.{project.name}]); leave {path} out or make it {wanted!r}"))
    distribution, where = project.built_by()
    if distribution:
        java = java_of(distribution)
        if java is None:
            problems.append(Problem(where.split(": ", 1)[0], "", f"distribution {distribution!r} is not a Swan Lake 2201.x release; "
                                    "hardgen knows which Java those run on only (2201.0-2201.10: 17, 2201.11 and later: 21)"))
        elif model.jdk < java:
            problems.append(Problem(origin("jdk"), "jdk", f"{model.jdk} cannot run this program: {where}, and Ballerina "
                                    f"2201.{JAVA_21_FROM} and later compile Java {java} class files (JDK {model.jdk} stops with "
                                    f"UnsupportedClassVersionError); use jdk {java}"))
        elif model.jdk > java:
            claimed = "no released Ballerina distribution claims Java 25 yet" if model.jdk == 25 else f"it claims Java {java} only"
            warnings.append(f"warning: jdk {model.jdk}: the program is built by Ballerina {distribution} ({where}); "
                            f"{claimed}: test it on JDK {model.jdk} before you deploy, or use jdk {java}")
    if model.metrics.enabled:
        blockers = metrics_blockers(project)
        if blockers:
            problems.append(Problem(origin("metrics.enabled"), "metrics.enabled", "true, but the program cannot serve metrics "
                                    "(its [ballerina.observe] and [ballerinax.prometheus] values would have no reader and stop "
                                    "it at start): " + "; ".join(blockers)))
    return problems, warnings
