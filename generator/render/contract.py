"""The contract check: the configuration hardgen writes against the configurables the program declares.

Ballerina stops at start (exit 1) on a Config.toml value no configurable consumes, in every file of
BAL_CONFIG_FILES (ballerina-lang TomlProvider.complete -> validateUnusedNodes, CONFIG_TOML_UNUSED_VALUE), on a
required (`= ?`) configurable without a value (ConfigResolver, CONFIG_VALUE_NOT_PROVIDED), and on a value of
the wrong TOML type (Utils.checkEffectiveTomlType, CONFIG_INCOMPATIBLE_TYPE). With a project at hand, hardgen
checks all three before anything is written, on the one list of keys it writes
(`generator.targets.shared.ballerina_config.entries`, Config.toml and the secrets template alike):

- each key of the integration's table `[org.module]` is a configurable of the package's root module, of a type
  that takes the value (a secret: a type that takes a string);
- each table of a runtime module is read by that module: `[ballerina.log]` needs ballerina/log in the program,
  `[ballerina.observe]` and `[ballerinax.prometheus]` need ballerinax/prometheus and observabilityIncluded
  (the configurables they hold are those of module-ballerina-log natives.bal, module-ballerina-observe
  commons.bal and module-ballerinax-prometheus metric_reporter.bal);
- each required configurable of every module of the package gets a value from Config.toml or the secrets
  template, or is listed in `config.external` (supplied another way, e.g. BAL_CONFIG_VAR_<NAME>);
- each `config.external` name is a configurable the package declares.

Each problem is one line naming the answer key, the table, and the declaration's file and line (or where
it is missing). The generated files never depend on the project: only problems and warnings come from here.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable

from generator.errors import Problem, show
from generator.inputs.ballerina.project import BallerinaProject, Configurable
from generator.model.resolved import ResolvedIntegration
from generator.targets.shared.ballerina_config import (
    CONFIG,
    LOG,
    OBSERVE,
    PROMETHEUS,
    SECRETS,
    SECRETS_TEMPLATE,
    ConfigEntry,
    entries,
)
from generator.targets.shared.layout import CONTAINER

#: The configurables of the runtime modules whose tables hardgen writes, and their TOML types.
RUNTIME_CONFIGURABLES: dict[tuple[str, str], dict[str, str]] = {
    # module-ballerina-log ballerina/natives.bal: `configurable LogFormat format = LOGFMT;` (or `string`),
    # `configurable Level level = INFO;` (or `string`): strings in TOML either way.
    LOG: {"format": "string", "level": "string"},
    # module-ballerina-observe ballerina/commons.bal: enabled, provider, metricsEnabled, metricsReporter,
    # tracingEnabled, tracingProvider, observabilityLogsEnabled.
    OBSERVE: {"enabled": "boolean", "provider": "string", "metricsEnabled": "boolean", "metricsReporter": "string",
              "tracingEnabled": "boolean", "tracingProvider": "string", "observabilityLogsEnabled": "boolean"},
    # module-ballerinax-prometheus metric_reporter.bal: `configurable string host = "0.0.0.0";`, `configurable int port = 9797;`
    PROMETHEUS: {"host": "string", "port": "int"},
}
_FILES = {CONFIG: "Config.toml", SECRETS: "the secrets template"}
_KEYSTORE_HINT = ("; if the listener serves plain HTTP, set service.tls=false; if the program configures TLS itself, "
                  "set service.keystore_path_key=null")
_KEYSTORE_HINTS = {"service.keystore_path_key": _KEYSTORE_HINT, "service.keystore_passphrase_key": _KEYSTORE_HINT,
                   "config.port_key": ("; set config.port_key to the configurable that holds the listener port, or to null "
                                       "to leave the port to the program (then service.port must be the port it listens on)")}


def contract_problems(model: ResolvedIntegration, project: BallerinaProject, origin: Callable[[str], str]) -> list[Problem]:
    """Every mismatch between what hardgen would write for `model` and what `project` declares."""
    from generator.inputs.ballerina.types import Scope, Unknown, rejects

    out: list[Problem] = []
    written = entries(model, CONTAINER)
    own = (model.config.org, model.config.module)
    root = project.module("")
    declared = {c.name: c for c in root.configurables} if root else {}
    sources = ", ".join(project.path(f) for f in root.files) if root and root.files else "no .bal file at the package root"

    def problem(e: ConfigEntry, message: str) -> None:
        where = f"{_FILES[e.file]} [{e.table}] {e.key}"
        out.append(Problem(origin(e.answer) if e.answer else project.manifest, e.answer, f"{where}: {message}"))

    hinted: set[str] = set()  # configurables a "did you mean" already points at: not reported missing again

    runtime_checked: set[tuple[str, str]] = set()
    for e in written:
        table = (e.org, e.module)
        if table == own:
            c = declared.get(e.key)
            if c is None:
                close = difflib.get_close_matches(e.key, sorted(declared), n=1)
                hint = ""
                if close:
                    hinted.add(close[0])
                    hint = f"; did you mean {close[0]!r} ({project.path(declared[close[0]].file)}:{declared[close[0]].line})?"
                out_of_place = _declared_elsewhere(project, e.key)
                problem(e, f"module {project.runtime_module('')} declares no configurable {e.key!r} (searched {sources}), so the "
                        f"runtime would stop at start on an unused value{out_of_place}{hint}{_KEYSTORE_HINTS.get(e.answer, '')}")
                continue
            value = "x" if e.value is None else e.value  # a secret's value is a string
            try:
                why = rejects(c.type, Scope(project, root), value)  # type: ignore[arg-type]
            except Unknown as exc:
                problem(e, f"{_decl(project, c)}: hardgen cannot tell which TOML value the type `{exc.text}` takes "
                        f"(defined outside this package, or not modelled); list {c.name!r} in config.external and supply it another way")
                continue
            if why:
                shown = "a secret string" if e.value is None else show(e.value)
                problem(e, f"{shown} {why}; declared {_decl(project, c)}")
            continue
        known = RUNTIME_CONFIGURABLES.get(table)
        if known is None or e.key not in known:
            problem(e, f"hardgen knows no configurable {e.key!r} of {e.org}/{e.module}")
            continue
        if table in runtime_checked:
            continue
        runtime_checked.add(table)
        why = _runtime_module_missing(project, table)
        if why:
            problem(e, f"[{e.table}] has no reader: {why}; the runtime would stop at start on its unused values")
    out += _required_problems(model, project, written, origin, hinted)
    out += _external_problems(model, project, origin)
    return out


def _decl(project: BallerinaProject, c: Configurable) -> str:
    return f"at {project.path(c.file)}:{c.line} as `{c.declaration()}`"


def _declared_elsewhere(project: BallerinaProject, name: str) -> str:
    other = next((c for c in project.configurables() if c.module and c.name == name), None)
    if other is None:
        return ""
    return (f"; module {other.module} declares it ({project.path(other.file)}:{other.line}), but hardgen writes only "
            f"the root module's table: set it another way (e.g. BAL_CONFIG_VAR_{_env_name(project, other)})")


def _runtime_module_missing(project: BallerinaProject, table: tuple[str, str]) -> str:
    if table == LOG:
        included, where = project.includes("ballerina", "log")
        if not included:
            http, _where = project.includes("ballerina", "http")
            if http and not project.lock_file:  # ballerina/http depends on ballerina/log (its Dependencies.toml)
                return ""
            return f"ballerina/log is not in the program ({where})"
        return ""
    from generator.model.project import metrics_blockers

    return "; ".join(metrics_blockers(project))


def _required_problems(model: ResolvedIntegration, project: BallerinaProject, written: tuple[ConfigEntry, ...],
                       origin: Callable[[str], str], hinted: set[str]) -> list[Problem]:
    own = (model.config.org, model.config.module)
    supplied = {e.key for e in written if (e.org, e.module) == own}
    external = set(model.config.external)
    out = []
    for c in project.configurables():
        if not c.required:
            continue
        qualified = f"{c.module}.{c.name}" if c.module else c.name
        if qualified in external or (not c.module and (c.name in supplied or c.name in hinted)):
            continue
        table = f"{project.org}.{project.name}" + (f".{c.module}" if c.module else "")
        other_way = (f"e.g. BAL_CONFIG_VAR_{_env_name(project, c)}" if _simple(project, c) else
                     "a structured value: e.g. a TOML file of your own added to BAL_CONFIG_FILES")
        how = (f"list it in secrets (a secret), set it in config.values, or list it in config.external (supplied another way, "
               f"{other_way})") if not c.module else (
               f"hardgen writes only the root module's table: list {qualified!r} in config.external and supply it another way "
               f"({other_way})")
        out.append(Problem(f"{project.path(c.file)}:{c.line}", "config.external",
                           f"[{table}] {c.name} is required (`{c.declaration()}`) and neither Config.toml nor the secrets "
                           f"template gives it a value, so the runtime would stop at start: {how}"))
    return out


def _simple(project: BallerinaProject, c: Configurable) -> bool:
    """Whether BAL_CONFIG_VAR_* can carry the value: simple types only (ballerina-lang EnvVarProvider)."""
    from generator.inputs.ballerina.types import ARRAY, TABLE, TABLE_ARRAY, Scope, Unknown, toml_kinds

    module = project.module(c.module)
    if module is None:
        return False
    try:
        kinds, _values = toml_kinds(c.type, Scope(project, module))
    except Unknown:
        return False
    return bool(kinds) and not kinds & {ARRAY, TABLE, TABLE_ARRAY}


def _env_name(project: BallerinaProject, c: Configurable) -> str:
    """BAL_CONFIG_VAR_<ORG>_<MODULE>_<NAME>, upper-cased with '.' as '_' (ballerina-lang EnvVarProvider)."""
    module = project.name + (f".{c.module}" if c.module else "")
    return f"{project.org}_{module}_{c.name}".replace(".", "_").upper()


def _external_problems(model: ResolvedIntegration, project: BallerinaProject, origin: Callable[[str], str]) -> list[Problem]:
    out = []
    for i, name in enumerate(model.config.external):
        module, _, var = name.rpartition(".")
        m = project.module(module)
        path = f"config.external[{i}]"
        if m is None:
            known = ", ".join(repr(x.name) for x in project.modules if x.name) or "none"
            out.append(Problem(origin(path), path, f"{show(name)}: the package has no module {module!r} (modules: {known})"))
            continue
        if not any(c.name == var for c in m.configurables):
            where = ", ".join(project.path(f) for f in m.files) or "no source"
            out.append(Problem(origin(path), path, f"{show(name)}: module {project.runtime_module(module)} declares no configurable "
                               f"{var!r} (searched {where})"))
    return out


# --- hardgen contract: the same list as Ballerina source ---------------------------------------


def ballerina_literal(value: object) -> str:
    """A TOML scalar hardgen writes, as a Ballerina literal (string escapes per the Ballerina spec)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    text = str(value)
    out = []
    for char in text:
        if char in '"\\':
            out.append("\\" + char)
        elif char in "\n\r\t":
            out.append({"\n": "\\n", "\r": "\\r", "\t": "\\t"}[char])
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{{{ord(char):X}}}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def snippet(model: ResolvedIntegration, project: BallerinaProject | None = None) -> str:
    """The Ballerina source of the contract; with a project, each line names the declaration that fulfils it."""
    found = entries(model, CONTAINER)
    org, module = model.config.org, model.config.module
    own = [e for e in found if (e.org, e.module) == (org, module)]
    root = project.module("") if project is not None else None
    declared = {c.name: c for c in root.configurables} if root is not None else {}

    def where(name: str, note: str = "") -> str:
        c = declared.get(name)
        said = [f"{project.path(c.file)}:{c.line}"] if c is not None and project is not None else []
        said += [note] if note else []
        return f"  // {'; '.join(said)}" if said else ""

    lines = [f"// The configurables hardgen's output for {model.name} sets, in module {org}/{module}",
             f'// (Ballerina.toml: [package] org = "{org}", name = "{module}"). Ballerina stops at start on a value',
             "// no configurable consumes, and on a required (= ?) one without a value.", ""]
    runtime = {(e.org, e.module) for e in found}
    lines.append("// [ballerina.log] needs ballerina/log in the program: `import ballerina/log;` (ballerina/http imports it too).")
    if LOG in runtime and OBSERVE in runtime:
        lines += ["// [ballerina.observe] and [ballerinax.prometheus] need this import, and in Ballerina.toml",
                  "// [build-options] observabilityIncluded = true:",
                  "import ballerinax/prometheus as _;"]
    lines.append("")
    config = [e for e in own if e.file == CONFIG]
    if config:
        lines.append("// Config.toml")
        for e in config:
            if e.answer == "service.keystore_path_key":
                lines.append(f"configurable string {e.key} = ?;{where(e.key, 'the keystore path differs per target')}")
            else:
                lines.append(f"configurable {e.type} {e.key} = {ballerina_literal(e.value)};{where(e.key)}")
    secrets = [e for e in own if e.file == SECRETS]
    if secrets:
        lines.append(f"// {SECRETS_TEMPLATE.split('/')[-1]}: a placeholder each, filled by the operator")
        lines += [f"configurable string {e.key} = ?;{where(e.key)}" for e in secrets]
    if not own:
        lines.append(f"// (hardgen writes no value for module {org}/{module})")
    external = list(model.config.external)
    if external:
        lines.append("// config.external: supplied another way (BAL_CONFIG_VAR_*, another file), not by hardgen")
        lines += [f"//   {name}" for name in external]
    return "\n".join(lines) + "\n"
